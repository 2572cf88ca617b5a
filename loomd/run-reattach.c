/* SPDX-License-Identifier: MIT */
/*
 * Following the Slurm jobs of a dead daemon's run that cannot be rebuilt
 * (run-rebuild.c: its pipeline file is gone or changed; docs/slurm.md,
 * "A daemon restart"). run_rebuild hands such a run here: its units
 * recorded running or pending with a job id are followed again
 * through the Slurm executor (output file, status file, squeue) and the
 * run stays "running" in its record until the last of them has ended.
 * Then each job's state and exit status are in the record, units that
 * had not been submitted are "interrupted" (nothing here submits), and
 * the run is failed when a unit failed, else interrupted when a unit
 * was, else succeeded. The run is not rebuilt in memory: no stamps are
 * written, and run.status reads it from its record.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"
#include "loomd/executor.h"
#include "loomd/loomd.h"
#include "loomd/record.h"
#include "loomd/run.h"
#include "loomd/run-int.h"

extern char **environ;

/* A run whose jobs are followed again. */
struct reattach {
	struct loomd *loomd;
	json_t *rec;
	char *dir;
	size_t left;			/* jobs not yet ended */
	struct reattach_unit *units;
	struct reattach *next;
};

/* One of its jobs. */
struct reattach_unit {
	struct reattach *ra;
	struct reattach_unit *next;
	json_t *unit;			/* its object in rec */
	json_t *step;			/* its step's object */
	int log;			/* its log, appended to; or -1 */
	char ended[32];			/* how Slurm ended it, or "" */
};

static void reattach_write(struct reattach *ra);

static void
reattach_output(void *arg, const char *data, size_t len)
{
	struct reattach_unit *ru = arg;
	ssize_t n;

	while (ru->log != -1 && len > 0) {
		n = write(ru->log, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		data += n;
		len -= (size_t)n;
	}
}

static void
reattach_state(void *arg, const char *state, const char *detail)
{
	struct reattach_unit *ru = arg;
	enum run_state_kind st = runstate_parse(state);

	if (st == RUNSTATE_PENDING || st == RUNSTATE_RUNNING) {
		json_object_set_new(ru->unit, "state", json_string(state));
		if (detail != NULL)
			json_object_set_new(ru->unit, "reason",
			    json_string(detail));
		else
			json_object_del(ru->unit, "reason");
	} else if (st != RUNSTATE_UNKNOWN)
		snprintf(ru->ended, sizeof ru->ended, "%s", state);
}

/* Of a run's (or step's) state so far and one of its parts' states. */
static enum run_state_kind
ra_worse(enum run_state_kind out, enum run_state_kind st)
{
	if (runstate_is_failure(st))
		return RUNSTATE_FAILED;
	if (st == RUNSTATE_INTERRUPTED && out != RUNSTATE_FAILED)
		return RUNSTATE_INTERRUPTED;
	return out;
}

/* The state of a loop step once none of its items runs, or UNKNOWN. */
static enum run_state_kind
reattach_items_state(json_t *step)
{
	enum run_state_kind st, out = RUNSTATE_SUCCEEDED;
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(step, "items"), i, item) {
		st = record_state_of(item);
		if (!runstate_is_final(st))
			return RUNSTATE_UNKNOWN;
		out = ra_worse(out, st);
	}
	return out;
}

/* Take ru out of its run and free it. */
static void
reattach_unit_free(struct reattach_unit *ru)
{
	struct reattach_unit **pp;

	for (pp = &ru->ra->units; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ru) {
			*pp = ru->next;
			break;
		}
	if (ru->log != -1)
		close(ru->log);
	free(ru);
}

/* Take ra out of the daemon's list and free it. */
static void
reattach_free(struct reattach *ra)
{
	struct run_state *rs = run_state_get(ra->loomd);
	struct reattach **pp;

	for (pp = &rs->reattached; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ra) {
			*pp = ra->next;
			break;
		}
	while (ra->units != NULL)
		reattach_unit_free(ra->units);
	json_decref(ra->rec);
	free(ra->dir);
	free(ra);
}

/*
 * At exit, before the Slurm executor forgets their jobs: the records
 * stay "running", and the next daemon follows the jobs again.
 */
void
run_reattach_free_all(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);

	while (rs->reattached != NULL)
		reattach_free(rs->reattached);
}

static void
reattach_done(void *arg, int status)
{
	struct reattach_unit *ru = arg;
	struct reattach *ra = ru->ra;
	enum run_state_kind st;

	st = ru->ended[0] != '\0' ? runstate_parse(ru->ended) : status == 0 ?
	    RUNSTATE_SUCCEEDED : RUNSTATE_FAILED;
	json_object_set_new(ru->unit, "state", json_string(runstate_name(st)));
	json_object_set_new(ru->unit, "finished", json_real(record_now()));
	json_object_del(ru->unit, "reason");
	run_status_fields(status, ru->unit);
	if (ru->unit != ru->step &&
	    (st = reattach_items_state(ru->step)) != RUNSTATE_UNKNOWN)
		json_object_set_new(ru->step, "state",
		    json_string(runstate_name(st)));
	reattach_unit_free(ru);
	ra->left--;
	reattach_write(ra);
}

/* Units left pending or running without a job end interrupted. */
static void
reattach_interrupt(json_t *unit)
{
	enum run_state_kind st = record_state_of(unit);

	if (st == RUNSTATE_PENDING || st == RUNSTATE_RUNNING ||
	    st == RUNSTATE_QUEUED)
		json_object_set_new(unit, "state",
		    json_string(runstate_name(RUNSTATE_INTERRUPTED)));
}

/* The run's state once its jobs have ended. */
static enum run_state_kind
reattach_final(json_t *rec)
{
	enum run_state_kind st, out = RUNSTATE_SUCCEEDED;
	json_t *step, *item;
	size_t i, j;

	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		json_array_foreach(json_object_get(step, "items"), j, item)
			reattach_interrupt(item);
		reattach_interrupt(step);
		st = record_state_of(step);
		out = ra_worse(out, st);
	}
	return out;
}

/* Write the record; when the last job has ended, as the run's end. */
static void
reattach_write(struct reattach *ra)
{
	struct loom_error err;
	enum run_state_kind st;
	bool last = ra->left == 0;

	if (last) {
		st = reattach_final(ra->rec);
		json_object_set_new(ra->rec, "state",
		    json_string(runstate_name(st)));
		json_object_set_new(ra->rec, "finished",
		    json_real(record_now()));
	}
	loom_error_clear(&err);
	if (record_write(ra->dir, ra->rec, true, &err) == -1)
		log_warn("run in %s: cannot write its record: %s", ra->dir,
		    err.message);
	else
		record_journal_clear(ra->dir);
	if (!last)
		return;
	log_info("run in %s: its jobs have ended (%s)", ra->dir,
	    json_string_value(json_object_get(ra->rec, "state")));
	reattach_free(ra);
}

/* Follow one unit's job again; when it cannot be, it is interrupted. */
static void
reattach_unit(struct reattach *ra, json_t *step, size_t index, json_t *unit,
    long item)
{
	struct executor_spec spec;
	struct executor_started started;
	struct reattach_unit *ru;
	struct loom_error err;
	struct stat sb;
	const char *run = json_string_value(json_object_get(ra->rec, "run"));
	const char *log = json_string_value(json_object_get(unit, "log"));
	char *name, *path, *tag;

	name = log != NULL ? xstrdup(log) : run_log_name(index,
	    json_string_value(json_object_get(step, "name")), item);
	path = xasprintf("%s/%s", ra->dir, name);
	/* Readers find the log by its recorded name. */
	json_object_set_new(unit, "log", json_string(name));
	ru = xcalloc(1, sizeof *ru);
	ru->ra = ra;
	ru->unit = unit;
	ru->step = step;
	ru->log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	tag = xasprintf("LOOM_RUN_ID=%s", run);
	memset(&spec, 0, sizeof spec);
	spec.envp = (const char *const *)environ;
	spec.cwd = ra->dir;
	spec.tag = tag;
	spec.run = run;
	spec.dir = ra->dir;
	spec.name = name;
	spec.on_output = reattach_output;
	spec.on_done = reattach_done;
	spec.on_state = reattach_state;
	spec.arg = ru;
	loom_error_clear(&err);
	if (executor_adopt(ra->loomd->slurm, &spec, json_string_value(
	    json_object_get(unit, "job")), ru->log != -1 && fstat(ru->log,
	    &sb) == 0 ? (unsigned long long)sb.st_size : 0, &started,
	    &err) == -1) {
		log_warn("run %s: cannot follow job %s: %s", run,
		    json_string_value(json_object_get(unit, "job")),
		    err.message);
		if (ru->log != -1)
			close(ru->log);
		free(ru);
	} else {
		ru->next = ra->units;
		ra->units = ru;
		ra->left++;
	}
	free(tag);
	free(path);
	free(name);
}

/* record_adopt_cb: follow the jobs of rec, a dead daemon's run. */
bool
run_reattach(void *arg, json_t *rec, const char *run_dir)
{
	struct loomd *loomd = arg;
	struct run_state *rs = run_state_get(loomd);
	struct reattach *ra;
	json_t *step, *item;
	size_t i, j;

	if (loomd->slurm == NULL || !json_is_string(json_object_get(rec,
	    "run")) || !record_id_is_valid(json_string_value(
	    json_object_get(rec, "run"))))
		return false;
	ra = xcalloc(1, sizeof *ra);
	ra->loomd = loomd;
	ra->rec = json_incref(rec);
	ra->dir = xstrdup(run_dir);
	json_object_set_new(rec, "daemon_pid", json_integer(getpid()));
	json_object_set_new(rec, "daemon_lock", json_string(loomd->pid_path));
	json_object_set_new(rec, "daemon_start", json_integer((json_int_t)
	    rs->daemon_start));
	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		if (record_unit_has_job(step))
			reattach_unit(ra, step, i, step, -1);
		json_array_foreach(json_object_get(step, "items"), j, item)
			if (record_unit_has_job(item))
				reattach_unit(ra, step, i, item, (long)j);
	}
	log_info("run %s: following %zu job(s) of a previous daemon",
	    json_string_value(json_object_get(rec, "run")), ra->left);
	ra->next = rs->reattached;
	rs->reattached = ra;
	/* Written now (running, this daemon's), and once more at the end. */
	reattach_write(ra);
	return true;
}
