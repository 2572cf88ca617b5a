/* SPDX-License-Identifier: MIT */
/*
 * Runs: from a run.start request to the run.finished event. See run.h;
 * run-start.c turns the request into a run, run-fresh.c keeps stamps and
 * freshness, run-json.c builds records and answers queries (run-int.h).
 *
 * Every run is driven by its scheduler through one loop, run_process,
 * which carries out the actions the scheduler appended and feeds the
 * resulting events (spawned, spawn failed, items listed) straight back;
 * actions those events produce join the same list and are carried out in
 * turn. Process events (output, exit plus EOF) arrive from child.c's
 * callbacks, timers from libevent. A finished run leaves the active list
 * at once and is freed after the loop pass (loomd_defer_free), so no
 * callback ever frees memory that is still on its stack.
 *
 * Steps get the client's environment (never the daemon's), plus:
 *   LOOM_RUN_ID=<run>          the run, for people and tools
 *   LOOM_STEP_ID=<run>-<s>-<i> the unit; processes carrying it are killed
 *                              when the unit ends (escapees included)
 *   PYTHONUNBUFFERED=1         unless the client set it: output is a
 *                              pipe, and Python should still print live
 */

#include <signal.h>
#include <string.h>

#include "common/model/command.h"
#include "common/util/fileio.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/util/log.h"
#include "common/util/numtext.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/util/protocol.h"
#include "loomd/executor.h"
#include "loomd/fetch.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/plancache.h"
#include "loomd/stampcache.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"
#include "loomd/steplog.h"

static void run_process(struct run *r);
static void run_do_spawn(struct run *r, size_t step, size_t item);
static void run_do_list(struct run *r, size_t step);
static void run_do_signal(struct run *r, size_t step, size_t item,
    enum sched_signal sig);
static void run_do_wake(struct run *r, uint64_t at_ms);
static void run_do_skipped(struct run *r, const struct sched_action *a);
static void run_do_step_finished(struct run *r, const struct sched_action *a);
static void run_do_uptodate(struct run *r, const struct sched_action *a);
static void run_send_fold(struct run *r);
static void run_do_finished(struct run *r, const struct sched_action *a);
static void run_on_output(void *arg, const char *data, size_t len);
static ssize_t run_on_splice(void *arg, int fd, size_t max);
static void run_on_done(void *arg, int status);
static void run_on_state(void *arg, const char *state, const char *detail);
static void run_announce(struct run *r);
static void run_touch(struct run *r);
static void run_retry_cb(evutil_socket_t fd, short what, void *arg);

struct run_state *
run_state_get(struct loomd *loomd)
{
	return loomd->runs;
}

/* The scheduler stamps what follows with this time. */
void
run_clock(struct run *r)
{
	sched_set_time(r->s, record_now(), loomd_now_ms());
}

/* The scheduler's clock at wall (seconds, in the past), or now. */
void
run_clock_at(struct run *r, double wall)
{
	double now = record_now();
	uint64_t ms = loomd_now_ms(), back;

	if (wall <= 0 || wall > now) {
		run_clock(r);
		return;
	}
	back = (uint64_t)((now - wall) * 1000.0);
	sched_set_time(r->s, wall, back < ms ? ms - back : 1);
}

/*
 * The log file name of unit (step, item) of a run: "<step>-<name>.log",
 * or "<step>-<name>.<item>.log" for a loop item, where step is the
 * step's index in the pipeline file. The indexes alone make every name
 * unique (X7: steps "x/y" and "x_y", item 0 of "conv" and a step
 * "conv.0" once shared a log); the name, with every byte but
 * [A-Za-z0-9._-] replaced by '_' and cut to RUN_LOG_NAME_MAX bytes, is
 * there for people listing the folder. The name is recorded per unit
 * ("log"), and readers take it from there.
 */
char *
run_log_name(size_t step, const char *name, long item)
{
	char clean[RUN_LOG_NAME_MAX + 1], num[NUMTEXT_MAX + 1];
	char inum[NUMTEXT_MAX + 1];
	size_t i;

	for (i = 0; name[i] != '\0' && i < RUN_LOG_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		clean[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' ? (char)c : '_';
	}
	clean[i] = '\0';
	num[numtext_uint(num, step)] = '\0';
	if (item < 0)
		return xstrjoin(num, "-", clean, ".log", NULL);
	inum[numtext_int(inum, item)] = '\0';
	return xstrjoin(num, "-", clean, ".", inum, ".log", NULL);
}

/*
 * The log name records written before X7 imply: "<name>.log" or
 * "<name>.<item>.log", '/' and a leading '.' replaced by '_'.
 */
char *
run_log_name_old(const char *name, long item)
{
	char *s, *p;

	if (item >= 0)
		s = xasprintf("%s.%ld.log", name, item);
	else
		s = xasprintf("%s.log", name);
	for (p = s; *p != '\0'; p++) {
		if (*p == '/')
			*p = '_';
	}
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

/* The value of name in env ("NAME=VALUE" strings), owned, or NULL. */
char *
run_env_get(const struct strv *env, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], name, len) == 0 &&
		    env->v[i][len] == '=')
			return xstrdup(env->v[i] + len + 1);
	}
	return NULL;
}

struct run *
run_find(struct loomd *loomd, const char *id)
{
	struct run_state *rs = run_state_get(loomd);
	struct run *r;

	if (rs == NULL)
		return NULL;
	for (r = rs->active; r != NULL; r = r->next) {
		if (strcmp(r->id, id) == 0)
			return r;
	}
	return NULL;
}

bool
run_is_active(struct loomd *loomd, const char *id)
{
	return run_find(loomd, id) != NULL;
}

/* Free a run (deferred: never from one of its own callbacks). */
void
run_free(void *arg)
{
	struct run *r = arg;
	struct run_step *st;
	struct run_unit *u;
	size_t i, j;

	if (r == NULL)
		return;
	run_fetch_abort(r);
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		for (j = 0; j < st->nunits; j++) {
			u = &st->units[j];
			executor_release(r->ex, u->unit);
			run_unit_clear(u);
		}
		free(st->units);
		strv_free(&st->because);
		free(st->error);
		free(st->into);
	}
	free(r->steps);
	free(r->by_index);
	free(r->stamps_due);
	freshness_plan_free(r->fresh);
	freshness_plan_free(r->check_fresh);
	free(r->fold);
	free(r->always);
	if (r->ev_start != NULL)
		event_free(r->ev_start);
	if (r->ev_wake != NULL)
		event_free(r->ev_wake);
	if (r->ev_record != NULL)
		event_free(r->ev_record);
	sched_actions_free(&r->acts);
	sched_free(r->s);
	if (r->plan_ref != NULL)
		plancache_release(r->plan_ref);
	else {
		graph_free(r->g);
		pipeline_free(r->p);
	}
	free(r->selected);
	strv_free(&r->env);
	free(r->envp);
	free(r->virtual_env);
	free(r->extra);
	json_decref(r->request);
	json_decref(r->stepinfo);
	json_decref(r->restore);
	free(r->id);
	free(r->dir);
	free(r->file);
	free(r->key);
	free(r->behind);
	free(r->error);
	free(r);
}

/* Free what unit u holds (run-int.h). */
void
run_unit_clear(struct run_unit *u)
{
	steplog_free(u->log);
	free(u->path);
	free(u->name);
	free(u->label);
	free(u->output);
	free(u->log_name);
	free(u->marker);
	free(u->error);
	free(u->job);
	free(u->reason);
	free(u->cancel_sent);
	free(u->log_error);
	stamp_free(u->stamp);
	run_fresh_marker_close(u);
	strv_free(&u->argv);
	freshness_seen_free(&u->seen);
}

/* Record a change; the record is written soon, several changes at once. */
static void
run_touch(struct run *r)
{
	struct timeval tv;
	/* A big record waits longer: writing it takes at most 1% of time. */
	uint64_t ms = r->record_cost_us * RUN_RECORD_COST_FACTOR / 1000;

	r->record_dirty = true;
	if (r->ev_record == NULL || evtimer_pending(r->ev_record, NULL))
		return;
	if (ms < RUN_RECORD_DELAY_MS)
		ms = RUN_RECORD_DELAY_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(r->ev_record, &tv);
}

void
run_record_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_write_record(arg, false);
}

/* Write the record now; durable (fsync) at the start and end of a run. */
int
run_write_record(struct run *r, bool durable)
{
	struct loom_error err;
	uint64_t t0 = loomd_now_us();
	char *text, *sum;
	size_t len, sum_len;
	int rc;

	if (r->ev_record != NULL)
		evtimer_del(r->ev_record);
	r->record_dirty = false;
	loom_error_clear(&err);
	text = run_record_text(r, &len, &sum, &sum_len);
	if (text == NULL) {
		loom_error_set(&err, "", 0, 0, "cannot encode the run record");
		rc = -1;
	} else
		rc = record_write_text(r->dir, text, len, sum, sum_len,
		    durable, &err);
	if (rc == -1)
		log_warn("run %s: %s", r->id, err.message);
	else
		run_state_get(r->loomd)->records_written++;
	if (rc == 0 && r->journaled) {
		record_journal_clear(r->dir);
		r->journaled = false;
	}
	free(text);
	free(sum);
	if (!durable)
		r->record_cost_us = loomd_now_us() - t0;
	return rc;
}

/*
 * Keep the final record of r, which could not be written: until it is,
 * run.status and run.list answer from it, the daemon does not idle out,
 * and the write is tried again every second. Otherwise the record on
 * disk would say "running" and the next daemon "interrupted", and the
 * run's real end would be lost.
 */
static void
run_keep_unwritten(struct run *r)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct run_unwritten *w;
	struct timeval tv = { 1, 0 };

	w = xcalloc(1, sizeof *w);
	if ((w->text = run_record_text(r, &w->len, &w->sum,
	    &w->sum_len)) == NULL) {
		free(w);
		return;		/* never to be written: logged already */
	}
	w->id = xstrdup(r->id);
	w->dir = xstrdup(r->dir);
	w->next = rs->unwritten;
	rs->unwritten = w;
	if (rs->ev_retry == NULL)
		rs->ev_retry = evtimer_new(r->loomd->base, run_retry_cb,
		    r->loomd);
	if (rs->ev_retry != NULL)
		evtimer_add(rs->ev_retry, &tv);
}

static void
run_unwritten_free(struct run_unwritten *w)
{
	free(w->id);
	free(w->dir);
	free(w->text);
	free(w->sum);
	free(w);
}

/* Try the final records that are still to be written; true when none is. */
static bool
run_write_unwritten(struct run_state *rs)
{
	struct run_unwritten **pp, *w;
	struct loom_error err;

	for (pp = &rs->unwritten; (w = *pp) != NULL;) {
		loom_error_clear(&err);
		if (record_write_text(w->dir, w->text, w->len, w->sum,
		    w->sum_len, true, &err) == 0) {
			log_info("run %s: record written", w->id);
			record_journal_clear(w->dir);
			*pp = w->next;
			run_unwritten_free(w);
		} else
			pp = &w->next;
	}
	return rs->unwritten == NULL;
}

static void
run_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loomd *loomd = arg;
	struct run_state *rs = run_state_get(loomd);
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (!run_write_unwritten(rs))
		evtimer_add(rs->ev_retry, &tv);
	loomd_update_idle(loomd);
}

const struct run_unwritten *
run_unwritten_find(struct loomd *loomd, const char *id)
{
	struct run_state *rs = run_state_get(loomd);
	struct run_unwritten *w;

	for (w = rs != NULL ? rs->unwritten : NULL; w != NULL; w = w->next)
		if (strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

/* Carry out every pending action of the scheduler. */
static void
run_process(struct run *r)
{
	struct sched_action a;
	size_t i;

	if (r->processing)
		return;	/* the outer call picks up what was appended */
	r->processing = true;
	for (i = 0; i < r->acts.n; i++) {
		a = r->acts.v[i];
		if (a.type == SCHED_ACTION_STEP_FINISHED &&
		    a.result == SCHED_RESULT_UPTODATE) {
			run_do_uptodate(r, &a);
			continue;
		}
		if (r->nfold > 0)
			run_send_fold(r);	/* before what follows them */
		switch (a.type) {
		case SCHED_ACTION_SPAWN:
			run_do_spawn(r, a.step, a.item);
			break;
		case SCHED_ACTION_LIST_ITEMS:
			run_do_list(r, a.step);
			break;
		case SCHED_ACTION_SIGNAL:
			run_do_signal(r, a.step, a.item, a.sig);
			break;
		case SCHED_ACTION_WAKE:
			run_do_wake(r, a.at_ms);
			break;
		case SCHED_ACTION_STEP_SKIPPED:
			run_do_skipped(r, &a);
			break;
		case SCHED_ACTION_STEP_FINISHED:
			run_do_step_finished(r, &a);
			break;
		case SCHED_ACTION_RUN_FINISHED:
			run_do_finished(r, &a);
			break;
		}
	}
	if (r->nfold > 0)
		run_send_fold(r);
	sched_actions_clear(&r->acts);
	r->processing = false;
	/* After the steps that were waiting started: they need not wait. */
	run_fresh_flush(r);
}

/* Write a line into a unit's log (spawn errors), so `logs` shows it. */
static void
run_log_message(struct run_unit *u, const char *msg)
{
	char *line;

	if (u->log == NULL)
		return;
	line = xasprintf("loom: %s\n", msg);
	steplog_write(u->log, line, strlen(line));
	free(line);
}

/*
 * Make the parent folders of a loop item's outputs; -1 with err set. The
 * loop's folder (into) was made when the items were listed: an output
 * right in it needs no look.
 */
static int
run_unit_dirs(struct run *r, size_t step, const char *loop_output,
    struct loom_error *err)
{
	const char *into = r->by_index[step]->into;
	struct strv outs;
	char *slash;
	size_t i;
	int rc = 0;

	strv_init(&outs);
	if (command_output_paths(r->p, step, loop_output, &outs, err) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < outs.n; i++) {
		slash = strrchr(outs.v[i], '/');
		if (slash == NULL || slash == outs.v[i])
			continue;
		*slash = '\0';
		if (into != NULL && strcmp(outs.v[i], into) == 0)
			continue;
		if (fileio_mkdirs(outs.v[i], 0755, err) == -1)
			rc = -1;
	}
	strv_free(&outs);
	return rc;
}

/*
 * Submitted ahead (r->ahead): the executor's ids of the units of the
 * steps st depends on that are still going, into *out (owned; NULL and
 * 0 when none).
 */
static size_t
run_unit_after(const struct run *r, const struct run_step *st,
    uint64_t **out)
{
	const struct run_step *dst;
	const size_t *deps;
	size_t i, j, ndeps, n = 0, cap = 0;

	*out = NULL;
	if (!r->ahead)
		return 0;
	deps = graph_deps(r->g, st->index, &ndeps);
	for (i = 0; i < ndeps; i++) {
		if ((dst = r->by_index[deps[i]]) == NULL)
			continue;
		for (j = 0; j < dst->nunits; j++) {
			if (dst->units[j].unit == 0)
				continue;
			if (n == cap) {
				cap = cap == 0 ? 8 : cap * 2;
				*out = xreallocarray(*out, cap, sizeof **out);
			}
			(*out)[n++] = dst->units[j].unit;
		}
	}
	return n;
}

/*
 * The environment of unit u: the run's strings, made into a vector once
 * per run (executors copy what they keep), with u's marker patched in.
 */
static const char *const *
run_unit_envp(struct run *r, const struct run_unit *u)
{
	if (r->envp == NULL || r->envp_n != r->env.n) {
		free(r->envp);
		r->envp = xreallocarray(NULL, r->env.n + 2, sizeof *r->envp);
		memcpy(r->envp, r->env.v, r->env.n * sizeof *r->envp);
		r->envp_n = r->env.n;
	}
	r->envp[r->env.n] = u->marker;
	r->envp[r->env.n + 1] = NULL;
	return r->envp;
}

/* What the executor needs of unit u. */
static void
run_unit_spec(struct run *r, struct run_unit *u, struct executor_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->argv = (const char *const *)u->argv.v;
	spec->envp = run_unit_envp(r, u);
	spec->cwd = r->p->dir;
	spec->tag = u->marker;
	spec->on_output = run_on_output;
	spec->on_splice = run_on_splice;
	spec->on_done = run_on_done;
	spec->on_state = run_on_state;
	spec->arg = u;
	spec->run = r->id;
	spec->dir = r->dir;
	spec->name = u->log_name;
}

/* Hand unit u to the executor and journal it; -1 with err set. */
static int
run_unit_launch(struct run *r, struct run_step *st, struct run_unit *u,
    struct loom_error *err)
{
	struct executor_spec spec;
	struct executor_started started;
	struct sched_times t;
	struct resources res;
	char *group;
	uint64_t *after;
	int rc;

	run_unit_spec(r, u, &spec);
	u->xstate = RUNSTATE_UNKNOWN;	/* until the executor tells */
	resources_merge(&res, &r->p->exec.slurm,
	    &r->p->steps[st->index].resources);
	spec.res = &res;
	group = st->loop ? run_log_name(st->index, st->name, -1) : NULL;
	spec.group = group;
	spec.array_max = (long)r->max_workers;
	spec.nafter = run_unit_after(r, st, &after);
	spec.after = after;
	rc = executor_start(r->ex, &spec, &started, err);
	free(after);
	free(group);
	resources_free(&res);
	if (rc == -1)
		return -1;
	u->unit = started.id;
	u->pid = started.pid;
	u->pid_start = started.pid_start;
	if (u->pid_start == 0 && u->pid > 0)
		u->pid_start = record_proc_start((pid_t)u->pid);
	log_info("run %s: %s started, pid %ld", r->id, u->label, u->pid);
	/* The scheduler first: the unit's state and start are its. */
	sched_spawned(r->s, st->index, u->item, &r->acts);
	sched_unit_times(r->s, st->index, u->item, &t);
	/* At once, not with the next record: a crash must not lose it. */
	record_journal_started(r->dir, st->name, st->loop ? (long)u->item :
	    -1, (pid_t)u->pid, u->pid_start, t.started);
	r->journaled = true;
	return 0;
}

/* The run.step_started event of unit u, written as text. */
static void
run_unit_started_event(struct run *r, struct run_step *st,
    struct run_unit *u)
{
	struct jsontext_writer w;
	size_t i;

	if (!notify_wanted(r->loomd, r->id))
		return;
	notify_text_begin(&w, LOOM_EVENT_RUN_STEP_STARTED);
	jsontext_add_string(&w, "run", r->id);
	jsontext_add_string(&w, "step", st->name);
	if (st->loop) {
		jsontext_add_int(&w, "item", (long long)u->item);
		jsontext_try_string(&w, "item_name", u->name);
		jsontext_add_int(&w, "items", (long long)st->nunits);
	}
	if (u->pid > 0)
		jsontext_add_int(&w, "pid", u->pid);
	jsontext_open(&w, "argv", '[');
	for (i = 0; i < u->argv.n; i++)
		jsontext_try_string(&w, NULL, u->argv.v[i]);
	jsontext_close(&w, ']');
	notify_text_send(r->loomd, r->id, &w);
}

/* Unit u could not start (err says why): it failed without running. */
static void
run_unit_start_failed(struct run *r, struct run_step *st,
    struct run_unit *u, const struct loom_error *err)
{
	struct jsontext_writer w;
	struct sched_times t;
	char *task;

	log_info("run %s: %s cannot start: %s", r->id, u->label,
	    err->message);
	/* The scheduler first: the unit's state is its (failed). */
	sched_spawn_failed(r->s, st->index, u->item, &r->acts);
	task = pipeline_abspath(r->p, r->p->steps[st->index].task);
	if (strstr(err->message, task) != NULL)
		u->error = xstrdup(err->message);
	else
		u->error = xasprintf("%s (task %s)", err->message, task);
	free(task);
	run_log_message(u, u->error);
	if (u->log != NULL) {
		u->log_kept = steplog_kept(u->log);
		steplog_close(u->log);
	}
	u->status = -1;
	sched_unit_times(r->s, st->index, u->item, &t);
	record_journal_ended(r->dir, st->name, st->loop ? (long)u->item : -1,
	    -1, t.ended, runstate_name(run_unit_state(u)));
	r->journaled = true;
	run_fresh_end(r, u);
	if (st->loop && notify_wanted(r->loomd, r->id)) {
		notify_text_begin(&w, LOOM_EVENT_RUN_STEP_FINISHED);
		jsontext_add_string(&w, "run", r->id);
		jsontext_add_string(&w, "step", st->name);
		jsontext_add_string(&w, "state",
		    runstate_name(run_unit_state(u)));
		run_status_text(-1, &w);
		jsontext_add_real(&w, "duration", 0.0);
		jsontext_try_string(&w, "error", err->message);
		jsontext_add_int(&w, "item", (long long)u->item);
		jsontext_try_string(&w, "item_name", u->name);
		notify_text_send(r->loomd, r->id, &w);
	}
	run_touch(r);
}

/* Take over unit u of a rebuilt run (run-int.h). */
void
run_unit_adopt(struct run *r, struct run_step *st, struct run_unit *u,
    const char *job, double started)
{
	struct executor_spec spec;
	struct executor_started out;
	struct loom_error err;
	char *path;
	int rc;

	path = xasprintf("%s/%s", r->dir, u->log_name);
	u->log = steplog_continue(path);
	free(path);
	free(u->job);
	u->job = xstrdup(job);
	run_unit_spec(r, u, &spec);
	loom_error_clear(&err);
	rc = executor_adopt(r->ex, &spec, job, steplog_kept(u->log), &out,
	    &err);
	if (rc == -1) {
		run_clock(r);
		run_unit_start_failed(r, st, u, &err);
		return;
	}
	u->unit = out.id;
	u->pid = -1;
	log_info("run %s: %s: job %s taken over", r->id, u->label, job);
	/* It started when the dead daemon started it. */
	run_clock_at(r, started);
	sched_spawned(r->s, st->index, u->item, &r->acts);
	run_clock(r);
	run_unit_started_event(r, st, u);
	run_touch(r);
}

/* Start unit (step, item). */
static void
run_do_spawn(struct run *r, size_t step, size_t item)
{
	struct run_step *st = r->by_index[step];
	struct run_unit *u;
	struct command_env cenv;
	struct loom_error err;
	const char *loop_item = NULL, *loop_output = NULL;
	char *path;

	LOOM_ASSERT(st != NULL && item < st->nunits);
	u = &st->units[item];
	if (sched_is_cancelled(r->s)) {
		/* Cancelled before it could start: start nothing. */
		sched_spawn_failed(r->s, step, item, &r->acts);
		return;
	}
	/* A rebuilt run: what the dead daemon had done is not done again. */
	if (r->restore != NULL && run_restore_unit(r, st, u))
		return;
	if (st->loop) {
		loop_item = u->path;
		loop_output = u->output;
	}
	loom_error_clear(&err);
	run_clock(r);
	path = xstrjoin(r->dir, "/", u->log_name, NULL);
	u->log = steplog_new(path);
	free(path);

	cenv.virtual_env = r->virtual_env;
	if (command_build(r->p, step, &cenv, loop_item, loop_output,
	    r->extra, &u->argv, &err) == -1)
		goto fail;
	/* In progress until it succeeds (B10): never trusted before. */
	/* The marker stays open to its end, up to RUN_MARKERS_OPEN. */
	if (freshness_begin(r->p, step, loop_item, loop_output, &u->argv,
	    r->nmarkers < RUN_MARKERS_OPEN ? &u->stamp_fd : NULL,
	    &err) == -1) {
		log_warn("run %s: %s: %s", r->id, u->label, err.message);
		loom_error_clear(&err);
	}
	u->stamp_kept = r->nmarkers < RUN_MARKERS_OPEN && u->stamp_fd != -1;
	if (u->stamp_kept)
		r->nmarkers++;
	/*
	 * What it will read, as it starts: for its stamp at the end. A
	 * batch job is submitted ahead of its inputs (they are written by
	 * the jobs it waits for): its files are taken once it runs.
	 */
	if (r->ex == r->loomd->executor)
		freshness_seen(r->p, step, loop_item, loop_output, &u->seen);
	/* Output folders of a loop item (plain steps had theirs at start). */
	if ((st->loop && run_unit_dirs(r, step, loop_output, &err) == -1) ||
	    run_unit_launch(r, st, u, &err) == -1)
		goto fail;
	run_unit_started_event(r, st, u);
	run_touch(r);
	return;

fail:
	run_unit_start_failed(r, st, u, &err);
}

/* Give a loop step its listed items as units and tell the scheduler. */
static void
run_list_units(struct run *r, size_t step, struct loop_items *li)
{
	struct run_step *st = r->by_index[step];
	struct run_unit *u;
	char num[NUMTEXT_MAX + 1], inum[NUMTEXT_MAX + 1];
	const char *slash;
	size_t i;

	num[numtext_uint(num, step)] = '\0';
	st->nunits = li->items.n;
	st->units = xcalloc(st->nunits + 1, sizeof *st->units);
	st->listed = true;
	for (i = 0; i < li->items.n; i++) {
		u = &st->units[i];
		u->run = r;
		u->step = step;
		u->item = i;
		u->status = -1;
		u->path = xstrdup(li->items.v[i]);
		slash = strrchr(u->path, '/');
		u->name = xstrdup(slash != NULL ? slash + 1 : u->path);
		u->label = xstrjoin(st->name, "[", u->name, "]", NULL);
		u->output = li->outputs.v[i][0] != '\0' ?
		    xstrdup(li->outputs.v[i]) : NULL;
		u->log_name = run_log_name(step, st->name, (long)i);
		inum[numtext_uint(inum, i)] = '\0';
		u->marker = xstrjoin("LOOM_STEP_ID=", r->id, "-", num, "-",
		    inum, NULL);
	}
	/*
	 * Batch jobs outlive the daemon, and the step journal names items
	 * by their index: the record must know them before any is
	 * submitted, for a restarted daemon to take the jobs over.
	 */
	if (r->ex != r->loomd->executor)
		run_write_record(r, false);
	else
		run_touch(r);
	run_clock(r);
	sched_set_items(r->s, step, st->nunits, &r->acts);
}

/* A loop step's items, judged up to date or not by the hashing worker. */
struct run_listing {
	struct run *r;
	size_t step;
	size_t listed;			/* items before the judgement */
	struct loop_items li;
};

/* Log how many of a loop step's listed items are up to date. */
static void
run_list_judged(const struct run *r, size_t step, size_t listed, size_t n)
{
	if (n < listed)
		log_info("run %s: step %s: %zu of %zu item(s) up to date", r->id,
		    r->p->steps[step].name, listed - n, listed);
}

static void
run_list_work(void *arg)
{
	struct run_listing *l = arg;

	run_fresh_filter(l->r, l->step, &l->li);
}

/* The items are judged (ran false: dropped at exit): go on with them. */
static void
run_list_done(void *arg, bool ran)
{
	struct run_listing *l = arg;
	struct run *r = l->r;
	bool go;

	LOOM_ASSERT(r->nhashing > 0);
	r->nhashing--;
	/* A cancel while the worker judged: the step has no items. */
	go = ran && sched_step_state(r->s, l->step) == SCHED_STEP_LISTING;
	if (go) {
		run_list_judged(r, l->step, l->listed, l->li.items.n);
		run_list_units(r, l->step, &l->li);
	}
	loopitems_free(&l->li);
	free(l);
	if (r->end_waits) {
		if (r->nhashing == 0)
			run_end_told(r);
		return;
	}
	if (go)
		run_process(r);
}

/*
 * List a loop step's items. Which are up to date is decided by the
 * hashing worker (inputs written too recently to trust by time are
 * hashed), the loop going on meanwhile; the run does not end before.
 */
static void
run_do_list(struct run *r, size_t step)
{
	struct run_step *st = r->by_index[step];
	struct hashwork *hw = loomd_hashwork(r->loomd);
	struct run_listing *l;
	struct loop_items li;
	struct loom_error err;
	size_t listed;

	loopitems_init(&li);
	loom_error_clear(&err);
	if (loopitems_list(r->p, step, &li, &err) == -1 ||
	    (li.into != NULL && fileio_mkdirs(li.into, 0755, &err) == -1)) {
		st->error = xstrdup(err.message);
		log_info("run %s: step %s: %s", r->id, st->name, err.message);
		loopitems_free(&li);
		run_touch(r);
		run_clock(r);
		sched_items_failed(r->s, step, &r->acts);
		return;
	}
	free(st->into);
	st->into = li.into != NULL ? xstrdup(li.into) : NULL;
	if ((r->restore == NULL || !run_restore_items(r, st, &li)) &&
	    !run_fresh_all(r, step)) {
		log_info("run %s: step %s: judging %zu item(s)", r->id,
		    st->name, li.items.n);
		if (hw != NULL) {
			l = xcalloc(1, sizeof *l);
			l->r = r;
			l->step = step;
			l->listed = li.items.n;
			l->li = li;
			r->nhashing++;
			hashwork_call(hw, run_list_work, run_list_done, l);
			return;
		}
		listed = li.items.n;
		run_fresh_filter(r, step, &li);
		run_list_judged(r, step, listed, li.items.n);
	}
	run_list_units(r, step, &li);
	loopitems_free(&li);
}

/* Signal unit (step, item). */
static void
run_do_signal(struct run *r, size_t step, size_t item, enum sched_signal sig)
{
	struct run_step *st = r->by_index[step];
	struct run_unit *u;

	if (st == NULL || item >= st->nunits)
		return;
	u = &st->units[item];
	if (u->unit == 0)
		return;
	log_info("run %s: %s: sending %s", r->id, u->label,
	    sig == SCHED_SIGNAL_KILL ? "SIGKILL" : "SIGTERM");
	executor_cancel(r->ex, u->unit,
	    sig == SCHED_SIGNAL_KILL);
}

/* Ask for a sched_tick at at_ms. */
static void
run_do_wake(struct run *r, uint64_t at_ms)
{
	uint64_t now = loomd_now_ms(), d;
	struct timeval tv;

	d = at_ms > now ? at_ms - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)((d % 1000) * 1000);
	evtimer_add(r->ev_wake, &tv);
}

void
run_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	run_clock(r);
	sched_tick(r->s, loomd_now_ms(), &r->acts);
	run_process(r);
}

/* A step was skipped because dependencies failed. */
static void
run_do_skipped(struct run *r, const struct sched_action *a)
{
	struct run_step *st = r->by_index[a->step];
	json_t *params, *because;
	size_t i;

	because = json_array();
	for (i = 0; i < a->nbecause; i++) {
		strv_push(&st->because, r->p->steps[a->because[i]].name);
		json_array_append_new(because,
		    json_string(r->p->steps[a->because[i]].name));
	}
	params = json_pack("{s:s, s:s, s:o}", "run", r->id, "step", st->name,
	    "because", because);
	notify_event(r->loomd, r->id, LOOM_EVENT_RUN_STEP_SKIPPED, params);
	run_touch(r);
}

/*
 * A step up to date ended at the start: one run.step_finished to the
 * subscribers that do not fold, its name kept for the run.steps_fresh of
 * those that do (run_send_fold).
 */
static void
run_do_uptodate(struct run *r, const struct sched_action *a)
{
	run_do_step_finished(r, a);
	if (!notify_wanted_fold(r->loomd, r->id, NOTIFY_FOLD_FOLDED))
		return;
	if (r->fold == NULL)
		r->fold = xcalloc(r->nsteps, sizeof *r->fold);
	if (r->nfold < r->nsteps)
		r->fold[r->nfold++] = a->step;
}

/* run.steps_fresh: the steps run_do_uptodate kept, in their order. */
static void
run_send_fold(struct run *r)
{
	struct jsontext_writer w;
	size_t i;

	/* Thousands of names: written as text, no jansson array. */
	notify_text_begin(&w, LOOM_EVENT_RUN_STEPS_FRESH);
	jsontext_add_string(&w, "run", r->id);
	jsontext_open(&w, "steps", '[');
	for (i = 0; i < r->nfold; i++)
		jsontext_add_string(&w, NULL, r->by_index[r->fold[i]]->name);
	jsontext_close(&w, ']');
	r->nfold = 0;
	notify_text_send_fold(r->loomd, r->id, &w, NOTIFY_FOLD_FOLDED);
}

/* The exit status fields and error of step st's run.step_finished. */
static void
run_step_finished_status(const struct run_step *st,
    const struct sched_action *a, struct jsontext_writer *w)
{
	const char *error = NULL;

	if (a->result == SCHED_RESULT_FAILED && a->status == -1 &&
	    !st->loop && st->nunits == 1 && st->units[0].error != NULL)
		error = st->units[0].error;
	else if (a->result == SCHED_RESULT_FAILED && a->status == -1)
		error = st->error;
	if (error != NULL) {
		run_status_text(-1, w);
		jsontext_add_string(w, "error", error);
	} else if (!st->loop && st->nunits == 1 &&
	    run_unit_state(&st->units[0]) != RUNSTATE_PENDING &&
	    st->units[0].status != -1)
		run_status_text(st->units[0].status, w);
	else
		run_status_text(st->status, w);
}

/* A step ended. */
static void
run_do_step_finished(struct run *r, const struct sched_action *a)
{
	struct run_step *st = r->by_index[a->step];
	enum notify_fold fold = a->result == SCHED_RESULT_UPTODATE ?
	    NOTIFY_FOLD_UNFOLDED : NOTIFY_FOLD_ANY;
	struct sched_times t;
	struct jsontext_writer w;

	st->status = a->result == SCHED_RESULT_FAILED ? a->status :
	    a->result == SCHED_RESULT_SUCCEEDED ? 0 : -1;
	if (st->loop && a->result == SCHED_RESULT_FAILED)
		st->failed_item = (long)a->failed_item;
	run_touch(r);
	if (!notify_wanted_fold(r->loomd, r->id, fold))
		return;
	sched_step_times(r->s, st->index, &t);
	notify_text_begin(&w, LOOM_EVENT_RUN_STEP_FINISHED);
	jsontext_add_string(&w, "run", r->id);
	jsontext_add_string(&w, "step", st->name);
	jsontext_add_string(&w, "state", runstate_name(run_step_state(r, st)));
	run_step_finished_status(st, a, &w);
	jsontext_add_real(&w, "duration",
	    (double)(t.ended_ms - t.started_ms) / 1000.0);
	if (st->loop)
		run_item_counts_text(st, &w);
	notify_text_send_fold(r->loomd, r->id, &w, fold);
}

/*
 * The run ended (the scheduler has how: sched_run_view). Stamps are on
 * disk before anyone hears of it: when the hashing worker still has some,
 * the end is told once the last comes back (run_fresh_hashed).
 */
static void
run_do_finished(struct run *r, const struct sched_action *a)
{
	(void)a;
	if (r->nhashing > 0) {
		log_info("run %s: ended; %zu stamp(s) still being hashed",
		    r->id, r->nhashing);
		r->end_waits = true;
		return;
	}
	run_end_told(r);
}

/* The run's end: final record, event, leave the active list. */
void
run_end_told(struct run *r)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct sched_counts cnt;
	struct run **pp;
	char *marker;
	json_t *params;

	r->end_waits = false;
	run_fresh_flush(r);
	/* A run that never started has its end already. */
	if (sched_run_view(r->s) == RUNSTATE_RUNNING) {
		run_clock(r);
		sched_run_end(r->s);
	}
	/* Whatever still carries the run's marker goes with it. */
	marker = xasprintf("LOOM_RUN_ID=%s", r->id);
	executor_sweep(r->ex, marker, sched_is_cancelled(r->s));
	free(marker);
	if (run_write_record(r, true) == -1)
		run_keep_unwritten(r);
	run_counts(r, &cnt);
	params = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
	    "run", r->id, "state", runstate_name(sched_run_view(r->s)),
	    "steps_total", (json_int_t)cnt.total,
	    "steps_succeeded", (json_int_t)cnt.succeeded,
	    "steps_failed", (json_int_t)cnt.failed,
	    "steps_skipped", (json_int_t)cnt.skipped,
	    "steps_cancelled", (json_int_t)cnt.cancelled);
	if (r->error != NULL)
		json_object_set_new(params, "error", json_string(r->error));
	notify_event(r->loomd, r->id, LOOM_EVENT_RUN_FINISHED, params);
	log_info("run %s %s", r->id, runstate_name(sched_run_view(r->s)));
	for (pp = &rs->active; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			rs->nactive--;
			break;
		}
	}
	if (r->ev_wake != NULL)
		evtimer_del(r->ev_wake);
	if (r->ev_start != NULL)
		evtimer_del(r->ev_start);
	run_dequeue(r->loomd, r->key);
	loomd_update_idle(r->loomd);
	/* Freed after this loop pass: callers still on the stack use it. */
	loomd_defer_free(r->loomd, run_free, r);
}

/*
 * Start, oldest first, every queued run of the pipeline at key that no
 * run still going (or older and still queued) overlaps (run_overlaps;
 * the active list is newest first).
 */
void
run_dequeue(struct loomd *loomd, const char *key)
{
	struct run_state *rs = run_state_get(loomd);
	struct run *r, *o, *last = NULL;
	bool blocked;

	if (rs->stopping)
		return;
	for (;;) {
		/* The oldest queued run of key not yet looked at. */
		r = NULL;
		for (o = rs->active; o != NULL && o != last; o = o->next)
			if (o->queued && !o->fetching && !o->checking &&
			    strcmp(o->key, key) == 0)
				r = o;
		if (r == NULL)
			return;
		last = r;
		blocked = false;
		for (o = r->next; o != NULL && !blocked; o = o->next)
			blocked = strcmp(o->key, key) == 0 && run_overlaps(o, r);
		if (!blocked) {
			run_begin(r);
			last = NULL;	/* r may be gone: look again */
		}
	}
}

/* End a run that never started. */
void
run_end_unstarted(struct run *r, enum sched_result result)
{
	struct sched_action a;

	r->queued = false;
	run_fetch_abort(r);
	r->fetching = false;
	run_clock(r);
	sched_end_unstarted(r->s, result == SCHED_RESULT_CANCELLED);
	memset(&a, 0, sizeof a);
	a.type = SCHED_ACTION_RUN_FINISHED;
	a.result = result;
	run_do_finished(r, &a);
}

/* Output of a unit: to its log, then to subscribers. */
static void
run_on_output(void *arg, const char *data, size_t len)
{
	struct run_unit *u = arg;
	struct run *r = u->run;
	struct run_step *st = r->by_index[u->step];
	uint64_t offset;

	offset = steplog_offset(u->log);
	steplog_write(u->log, data, len);
	notify_output(r->loomd, r->id, st->name, st->loop ? (long)u->item : -1,
	    offset, data, len);
}

/*
 * Output of a unit that no client takes live (nobody follows the run, or
 * its followers read the log file): spliced from the pipe into its log,
 * never read. Editors and other live viewers get the bytes read and sent
 * as before, decided per chunk, so one that subscribes mid-stream gets
 * live output from its next chunk on.
 */
static ssize_t
run_on_splice(void *arg, int fd, size_t max)
{
	struct run_unit *u = arg;
	struct run *r = u->run;
	struct run_step *st = r->by_index[u->step];
	ssize_t n;

	if (notify_output_wanted(r->loomd, r->id, st->name, st->loop ?
	    (long)u->item : -1))
		return EXECUTOR_SPLICE_NO;
	n = steplog_splice(u->log, fd, max);
	if (n > 0)
		r->loomd->output_spliced_bytes += (uint64_t)n;
	return n == STEPLOG_SPLICE_NO ? EXECUTOR_SPLICE_NO : n;
}

/* A unit's process exited and its output reached EOF. */
static void
run_on_done(void *arg, int status)
{
	struct run_unit *u = arg;
	struct run *r = u->run;
	struct run_step *st = r->by_index[u->step];
	struct sched_times t;
	struct jsontext_writer w;

	u->unit = 0;	/* the executor has forgotten it */
	u->status = status;
	/* The scheduler decides how it ended; its actions wait below. */
	run_clock(r);
	sched_exited(r->s, u->step, u->item, status, &r->acts);
	sched_output_closed(r->s, u->step, u->item, &r->acts);
	sched_unit_times(r->s, u->step, u->item, &t);
	/* Written with the next start, or below once those have started. */
	record_journal_ended_later(r->dir, st->name, st->loop ?
	    (long)u->item : -1, status, t.ended,
	    runstate_name(run_unit_state(u)));
	r->journaled = true;
	run_fresh_end(r, u);
	u->log_kept = steplog_kept(u->log);
	u->log_dropped = steplog_dropped(u->log);
	if (steplog_error(u->log) != NULL) {
		u->log_error = xstrdup(steplog_error(u->log));
		log_warn("run %s: %s: log kept %llu bytes, dropped %llu: %s",
		    r->id, u->label, u->log_kept, u->log_dropped,
		    u->log_error);
	}
	steplog_free(u->log);
	u->log = NULL;
	log_info("run %s: %s ended (status %d)", r->id, u->label, status);
	notify_output_end(r->loomd, r->id, st->name, st->loop ?
	    (long)u->item : -1);
	if (st->loop && notify_wanted(r->loomd, r->id)) {
		notify_text_begin(&w, LOOM_EVENT_RUN_STEP_FINISHED);
		jsontext_add_string(&w, "run", r->id);
		jsontext_add_string(&w, "step", st->name);
		jsontext_add_string(&w, "state",
		    runstate_name(run_unit_state(u)));
		jsontext_add_int(&w, "item", (long long)u->item);
		jsontext_try_string(&w, "item_name", u->name);
		run_status_text(status, &w);
		jsontext_add_real(&w, "duration", (double)
		    (t.ended_ms - t.started_ms) / 1000.0);
		notify_text_send(r->loomd, r->id, &w);
	}
	run_touch(r);
	run_process(r);
	record_journal_flush();
}

/*
 * What the executor tells beyond started and ended (a batch job pending
 * in its queue, and why): kept on the unit for the record and run.status.
 */
static void
run_on_state(void *arg, const char *state, const char *detail)
{
	struct run_unit *u = arg;
	struct run *r = u->run;

	log_info("run %s: %s %s%s%s", r->id, u->label, state,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	if (strcmp(state, "error") == 0) {
		if (detail != NULL && u->error == NULL)
			u->error = xstrdup(detail);
	} else if (strcmp(state, "cancel_sent") == 0) {
		free(u->cancel_sent);
		u->cancel_sent = xstrdup(detail != NULL ? detail : "sent");
	} else if (strcmp(state, "submitted") == 0) {
		free(u->job);
		u->job = detail != NULL ? xstrdup(detail) : NULL;
		/* At once: a restarted daemon follows the job by its id. */
		if (u->job != NULL)
			record_journal_job(r->dir, r->by_index[u->step]->name,
			    r->by_index[u->step]->loop ? (long)u->item : -1,
			    u->job);
	} else if (runstate_parse(state) != RUNSTATE_UNKNOWN) {
		u->xstate = runstate_parse(state);
		free(u->reason);
		u->reason = detail != NULL ? xstrdup(detail) : NULL;
	}
	/* A batch job seen running: the jobs it waited for wrote its files. */
	if (strcmp(state, "running") == 0 && !u->seen.taken)
		freshness_seen(r->p, u->step, u->path, u->output, &u->seen);
	run_touch(r);
}

/* run.started's params but its "steps". */
static json_t *
run_started_params(const struct run *r)
{
	return json_pack("{s:s, s:s, s:b, s:I}", "run", r->id, "file",
	    r->file, "parallel", r->parallel, "max_workers",
	    (json_int_t)r->max_workers);
}

/*
 * The run.started event. Its steps are those of the run.start reply when
 * it was not queued (r->stepinfo, shared): nothing was decided since.
 */
static void
run_announce(struct run *r)
{
	json_t *params, *steps = r->stepinfo;
	enum notify_fold fold = NOTIFY_FOLD_ANY;

	r->stepinfo = NULL;
	if (!notify_wanted(r->loomd, r->id)) {
		json_decref(steps);
		return;
	}
	/* Without the step list for a client folding: it has the counts. */
	if (notify_wanted_fold(r->loomd, r->id, NOTIFY_FOLD_FOLDED)) {
		fold = NOTIFY_FOLD_UNFOLDED;
		notify_event_fold(r->loomd, r->id, LOOM_EVENT_RUN_STARTED,
		    run_started_params(r), NOTIFY_FOLD_FOLDED);
		if (!notify_wanted_fold(r->loomd, r->id, fold)) {
			json_decref(steps);
			return;
		}
	}
	if (steps == NULL)
		steps = run_stepinfo(r);
	params = run_started_params(r);
	json_object_set_new(params, "steps", steps);
	notify_event_fold(r->loomd, r->id, LOOM_EVENT_RUN_STARTED, params,
	    fold);
}

/* The deferred start: the reply to run.start goes out first. */
void
run_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	run_announce(r);
	run_clock(r);
	sched_start(r->s, &r->acts);
	run_process(r);
}

/* run.cancel. */
int
run_cancel(struct loomd *loomd, const char *id, struct rpc_error *rerr)
{
	struct run *r;

	r = run_find(loomd, id);
	if (r == NULL) {
		char *dir = record_index_find(loomd->state_dir, id);

		if (dir == NULL)
			rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack(
			    "{s:s}", "run", id), "no such run: %s", id);
		else
			rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack(
			    "{s:s}", "run", id), "run %s is not running", id);
		free(dir);
		return -1;
	}
	if (sched_is_cancelled(r->s))
		return 0;
	log_info("run %s: cancel", r->id);
	if (r->queued && r->checking) {
		/* The worker has its plan: it leaves when that is back. */
		r->cancel_asked = true;
		return 0;
	}
	if (r->queued) {
		/* Never started: it just leaves the queue. */
		run_end_unstarted(r, SCHED_RESULT_CANCELLED);
		return 0;
	}
	if (evtimer_pending(r->ev_start, NULL)) {
		/*
		 * Not started yet: start it and cancel it in one batch, so
		 * that every spawn it asks for is refused (run_do_spawn).
		 */
		evtimer_del(r->ev_start);
		run_announce(r);
		run_clock(r);
		sched_start(r->s, &r->acts);
	}
	run_clock(r);
	sched_cancel(r->s, loomd_now_ms(), &r->acts);
	run_process(r);
	return 0;
}

/*
 * Module: recover records of a crashed daemon. The executor is the
 * daemon's (loomd->executor), created before the modules.
 */
int
run_module_init(struct loomd *loomd, struct loom_error *err)
{
	struct run_state *rs;
	int n;

	(void)err;
	LOOM_ASSERT(loomd->executor != NULL);
	rs = xcalloc(1, sizeof *rs);
	rs->daemon_start = record_proc_start(getpid());
	rs->plans = plancache_create();
	rs->stamps = stampcache_create();
	loomd->runs = rs;
	n = record_recover(loomd->state_dir, loomd->pid_path,
	    loomd->executor, run_rebuild, loomd);
	if (n > 0)
		log_warn("%d run(s) of a previous daemon marked interrupted",
		    n);
	return 0;
}

bool
run_module_busy(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);

	return rs != NULL && (rs->nactive > 0 || rs->unwritten != NULL ||
	    rs->reattached != NULL);
}

/* SIGTERM or daemon.stop: cancel every run. */
void
run_module_shutdown(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);
	struct rpc_error rerr;
	struct run *r, *next;

	if (rs == NULL)
		return;
	rs->stopping = true;
	for (r = rs->active; r != NULL; r = next) {
		next = r->next;
		memset(&rerr, 0, sizeof rerr);
		(void)run_cancel(loomd, r->id, &rerr);
		json_decref(rerr.data);
	}
}

void
run_module_status(struct loomd *loomd, json_t *result)
{
	struct run_state *rs = run_state_get(loomd);
	unsigned long long loads, hits;

	json_object_set_new(result, "active_runs",
	    json_integer(rs != NULL ? (json_int_t)rs->nactive : 0));
	json_object_set_new(result, "records_written",
	    json_integer(rs != NULL ? (json_int_t)rs->records_written : 0));
	plancache_counts(rs != NULL ? rs->plans : NULL, &loads, &hits);
	json_object_set_new(result, "pipelines_loaded",
	    json_integer((json_int_t)loads));
	json_object_set_new(result, "pipelines_reused",
	    json_integer((json_int_t)hits));
	json_object_set_new(result, "commands_built",
	    json_integer(rs != NULL ? (json_int_t)rs->commands_built : 0));
	json_object_set_new(result, "commands_reused",
	    json_integer(rs != NULL ? (json_int_t)rs->commands_reused : 0));
	loads = hits = 0;
	if (rs != NULL)
		stampcache_counts(rs->stamps, &loads, &hits);
	json_object_set_new(result, "stamps_read",
	    json_integer((json_int_t)loads));
	json_object_set_new(result, "stamps_reused",
	    json_integer((json_int_t)hits));
}

struct plancache *
run_plancache(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);

	return rs != NULL ? rs->plans : NULL;
}

struct stampcache *
run_stampcache(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);

	return rs != NULL ? rs->stamps : NULL;
}

void
run_count_commands(struct loomd *loomd, size_t built, size_t reused)
{
	struct run_state *rs = run_state_get(loomd);

	if (rs == NULL)
		return;
	rs->commands_built += built;
	rs->commands_reused += reused;
}

/* At exit: runs still active (past the deadline) are recorded and freed. */
void
run_module_free(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);
	struct run *r, *next;

	if (rs == NULL)
		return;
	run_reattach_free_all(loomd);
	run_start_drop_all(rs);
	for (r = rs->active; r != NULL; r = next) {
		next = r->next;
		run_clock(r);
		if (r->end_waits)
			sched_run_end(r->s);
		else
			sched_abandon(r->s);
		run_write_record(r, true);
		run_free(r);
	}
	/* A last try; what still fails is left to the next daemon. */
	(void)run_write_unwritten(rs);
	while (rs->unwritten != NULL) {
		struct run_unwritten *w = rs->unwritten;

		log_warn("run %s: final record not written", w->id);
		rs->unwritten = w->next;
		run_unwritten_free(w);
	}
	if (rs->ev_retry != NULL)
		event_free(rs->ev_retry);
	fetch_free(rs->fetch);
	plancache_free(rs->plans);
	stampcache_free(rs->stamps);
	free(rs);
	loomd->runs = NULL;
}
