/* SPDX-License-Identifier: MIT */
/*
 * The local process executor: every unit is a child process of the
 * daemon (child.c), in its own process group, with its output on a pipe.
 * Unit ids count up from 1; the executor keeps the units that have not
 * ended yet, so that an id finds its child. Everything is in the
 * executor object: the child set (the live children, the SIGCHLD event,
 * the read buffer) and the units.
 */
#include <signal.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"
#include "loomd/executor.h"
#include "loomd/record.h"

struct local_unit {
	uint64_t id;
	struct child *child;
	struct local_executor *lx;
	executor_output_cb on_output;
	executor_splice_cb on_splice;	/* or NULL */
	executor_done_cb on_done;
	void *arg;
	struct local_unit *prev;
	struct local_unit *next;
};

struct local_executor {
	struct executor ex;		/* first: ops */
	struct child_set *cs;
	struct local_unit *units;	/* not ended yet */
	uint64_t next_id;
};

static struct local_unit *
local_find(struct local_executor *lx, uint64_t id)
{
	struct local_unit *lu;

	for (lu = lx->units; lu != NULL; lu = lu->next)
		if (lu->id == id)
			return lu;
	return NULL;
}

/* Drop a unit: its child is freed (killed when still running). */
static void
local_drop(struct local_unit *lu)
{
	struct local_executor *lx = lu->lx;

	if (lu->prev != NULL)
		lu->prev->next = lu->next;
	else
		lx->units = lu->next;
	if (lu->next != NULL)
		lu->next->prev = lu->prev;
	child_free(lu->child);
	free(lu);
}

static void
local_on_output(struct child *c, const char *data, size_t len, void *arg)
{
	struct local_unit *lu = arg;

	(void)c;
	lu->on_output(lu->arg, data, len);
}

static ssize_t
local_on_splice(struct child *c, int fd, size_t max, void *arg)
{
	struct local_unit *lu = arg;
	ssize_t n;

	(void)c;
	n = lu->on_splice(lu->arg, fd, max);
	return n == EXECUTOR_SPLICE_NO ? CHILD_SPLICE_NO : n;
}

/* Exit and EOF seen: the unit is over; forget it, then tell. */
static void
local_on_done(struct child *c, void *arg)
{
	struct local_unit *lu = arg;
	executor_done_cb done = lu->on_done;
	void *uarg = lu->arg;
	int status = child_status(c);

	local_drop(lu);
	done(uarg, status);
}

static int
local_start(struct executor *ex, const struct executor_spec *spec,
    struct executor_started *out, struct loom_error *err)
{
	struct local_executor *lx = (struct local_executor *)ex;
	struct local_unit *lu;
	struct child_spec cspec = {
		.argv = spec->argv,
		.envp = spec->envp,
		.cwd = spec->cwd,
		.marker = spec->tag,
		.on_output = local_on_output,
		.on_splice = spec->on_splice != NULL ? local_on_splice : NULL,
		.on_done = local_on_done,
	};

	lu = xcalloc(1, sizeof *lu);
	cspec.arg = lu;
	lu->child = child_spawn(lx->cs, &cspec, err);
	if (lu->child == NULL) {
		free(lu);
		return -1;
	}
	lu->id = ++lx->next_id;
	lu->lx = lx;
	lu->on_output = spec->on_output;
	lu->on_splice = spec->on_splice;
	lu->on_done = spec->on_done;
	lu->arg = spec->arg;
	lu->next = lx->units;
	if (lx->units != NULL)
		lx->units->prev = lu;
	lx->units = lu;
	out->id = lu->id;
	out->pid = (long)child_pid(lu->child);
	out->pid_start = child_start_ticks(lu->child);
	return 0;
}

/* SIGTERM to the group, or SIGKILL and a sweep of the unit's tag. */
static void
local_cancel(struct executor *ex, uint64_t id, bool force)
{
	struct local_unit *lu = local_find((struct local_executor *)ex, id);

	if (lu == NULL)
		return;
	(void)child_signal(lu->child, force ? SIGKILL : SIGTERM);
	if (force && child_marker(lu->child) != NULL)
		(void)child_sweep(child_marker(lu->child));
}

static void
local_release(struct executor *ex, uint64_t id)
{
	struct local_unit *lu = local_find((struct local_executor *)ex, id);

	if (lu != NULL)
		local_drop(lu);
}

/* Sweep when asked to, or when processes escaped their units. */
static void
local_sweep(struct executor *ex, const char *tag, bool always)
{
	struct local_executor *lx = (struct local_executor *)ex;

	if (always || child_has_orphans(lx->cs))
		(void)child_sweep(tag);
}

/*
 * What a dead daemon left: every process carrying the run's tag, and a
 * unit's process group while its leader is still the recorded process
 * (same pid and start time: never a recycled pid), then its own tag.
 */
static void
local_recover(struct executor *ex, const char *tag, const json_t *unit)
{
	const json_t *pid, *start, *marker;

	(void)ex;
	if (unit == NULL) {
		(void)child_sweep(tag);
		return;
	}
	pid = json_object_get(unit, "pid");
	start = json_object_get(unit, "pid_start");
	marker = json_object_get(unit, "marker");
	if (json_is_integer(pid) && json_is_integer(start) &&
	    record_proc_alive((pid_t)json_integer_value(pid),
	    (unsigned long long)json_integer_value(start)))
		(void)kill(-(pid_t)json_integer_value(pid), SIGKILL);
	if (json_is_string(marker))
		(void)child_sweep(json_string_value(marker));
}

static void
local_free(struct executor *ex)
{
	struct local_executor *lx = (struct local_executor *)ex;

	while (lx->units != NULL)
		local_drop(lx->units);
	child_set_free(lx->cs);
	free(lx);
}

static const struct executor_ops local_ops = {
	.name = "local",
	.start = local_start,
	.cancel = local_cancel,
	.release = local_release,
	.sweep = local_sweep,
	.recover = local_recover,
	.free = local_free,
};

struct executor *
executor_local_new(struct event_base *base, const struct rlimit *nofile,
    struct loom_error *err)
{
	struct local_executor *lx;
	struct child_set *cs;

	cs = child_set_new(base, err);
	if (cs == NULL)
		return NULL;
	if (nofile != NULL)
		child_set_nofile(cs, nofile);
	lx = xcalloc(1, sizeof *lx);
	lx->ex.ops = &local_ops;
	lx->cs = cs;
	return &lx->ex;
}
