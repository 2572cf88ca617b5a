/* SPDX-License-Identifier: MIT */
/*
 * Runs: from a run.start request to the run.finished event. See run.h.
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/command.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/freshness.h"
#include "common/graph.h"
#include "common/log.h"
#include "common/loopitems.h"
#include "common/pipeline.h"
#include "common/protocol.h"
#include "common/select.h"
#include "common/urlcache.h"
#include "common/validate.h"
#include "common/xmalloc.h"
#include "loomd/child.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/rpc-params.h"
#include "loomd/run.h"
#include "loomd/sched.h"
#include "loomd/steplog.h"

enum run_unit_state {
	RUN_UNIT_PENDING,
	RUN_UNIT_RUNNING,
	RUN_UNIT_SUCCEEDED,
	RUN_UNIT_FAILED,
	RUN_UNIT_CANCELLED,
	RUN_UNIT_INTERRUPTED,
};

struct run;

/* One process of a run: a plain step, or one item of a loop step. */
struct run_unit {
	struct run *run;
	size_t step;
	size_t item;
	enum run_unit_state state;
	char *path;			/* loop item: its file, else NULL */
	char *output;			/* loop item: into/<name>, else NULL */
	char *log_name;			/* file name inside the run folder */
	char *marker;			/* "LOOM_STEP_ID=..." */
	struct strv argv;
	struct child *child;		/* NULL unless running */
	struct steplog *log;
	pid_t pid;
	int status;			/* wait status; -1 when it never ran */
	bool signalled;			/* we sent TERM or KILL */
	char *error;			/* why it could not start, or NULL */
	double started;
	double finished;
	uint64_t started_ms;
	unsigned long long log_kept;
	unsigned long long log_dropped;
	char *log_error;
	struct stamp *stamp;		/* how it ended, not yet written */
};

/* A selected step of a run. */
struct run_step {
	size_t index;			/* in the pipeline */
	const char *name;		/* borrowed from the pipeline */
	const char *state;		/* "pending", "running", ... (static) */
	bool loop;
	bool listed;			/* loop: items known */
	struct run_unit *units;
	size_t nunits;
	struct strv because;		/* skipped: failed dependencies */
	int status;			/* wait status of the failure, or -1 */
	char *error;			/* listing failed, or NULL */
	double started;
	double finished;
	uint64_t started_ms;
	uint64_t finished_ms;
};

struct run {
	struct loomd *loomd;
	char *id;
	char *dir;			/* the run folder */
	char *file;			/* absolute pipeline path */
	struct pipeline *p;
	struct graph *g;
	struct sched *s;
	bool *selected;
	struct run_step **by_index;	/* pipeline step -> run step or NULL */
	struct run_step *steps;		/* selected, in execution order */
	size_t nsteps;
	struct strv env;		/* the client's, plus Loom's markers */
	char *virtual_env;
	char *extra;
	json_t *request;		/* params without env */
	struct fresh_plan *fresh;	/* what is up to date, and why not */
	bool *always;			/* named with --step: always run */
	bool force;			/* --force */
	bool parallel;
	size_t max_workers;
	const char *state;		/* "running", "succeeded", ... */
	double started;
	double finished;
	uint64_t started_ms;
	bool finished_flag;
	bool cancelled;
	struct sched_actions acts;
	bool processing;		/* run_process is on the stack */
	struct run_unit **stamps_due;	/* units whose stamp is not written */
	size_t nstamps_due;
	size_t stamps_due_cap;
	struct event *ev_start;
	struct event *ev_wake;
	struct event *ev_record;
	bool record_dirty;
	uint64_t record_cost_ms;	/* how long the last write took */
	struct run *next;
};

/* The run module's state (loomd->runs). */
struct run_state {
	struct run *active;		/* newest first */
	size_t nactive;
	bool stopping;
	unsigned long long daemon_start;
};

static struct run_state *run_state_get(struct loomd *loomd);
static struct run *run_find(struct loomd *loomd, const char *id);
static void run_free(void *arg);
static void run_process(struct run *r);
static void run_do_spawn(struct run *r, size_t step, size_t item);
static void run_do_list(struct run *r, size_t step);
static void run_do_signal(struct run *r, size_t step, size_t item,
    enum sched_signal sig);
static void run_do_wake(struct run *r, uint64_t at_ms);
static void run_do_skipped(struct run *r, const struct sched_action *a);
static void run_do_step_finished(struct run *r, const struct sched_action *a);
static void run_do_finished(struct run *r, const struct sched_action *a);
static void run_on_output(struct child *c, const char *data, size_t len,
    void *arg);
static void run_on_done(struct child *c, void *arg);
static void run_start_cb(evutil_socket_t fd, short what, void *arg);
static void run_announce(struct run *r);
static void run_wake_cb(evutil_socket_t fd, short what, void *arg);
static void run_record_cb(evutil_socket_t fd, short what, void *arg);
static void run_touch(struct run *r);
static void run_write_record(struct run *r, bool durable);
static json_t *run_record_json(const struct run *r);
static void run_counts(const struct run *r, struct sched_counts *c);
static json_t *run_stepinfo(const struct run *r);
static void run_unit_json(const struct run_unit *u, json_t *o);
static void run_status_fields(int status, json_t *o);
static const char *run_unit_state_name(enum run_unit_state st);
static const char *run_result_name(enum sched_result res);
static char *run_env_get(const struct strv *env, const char *name);
static int run_fresh_prepare(struct run *r, json_t *params,
    struct rpc_error *rerr);
static void run_fresh_filter(struct run *r, size_t step,
    struct loop_items *li);
static void run_fresh_end(struct run *r, struct run_unit *u);
static void run_fresh_flush(struct run *r);

static struct run_state *
run_state_get(struct loomd *loomd)
{
	return loomd->runs;
}

/* The log file name of a step or item: '/' and a leading '.' replaced. */
char *
run_log_name(const char *step, long item)
{
	char *name, *p;

	if (item >= 0)
		name = xasprintf("%s.%ld.log", step, item);
	else
		name = xasprintf("%s.log", step);
	for (p = name; *p != '\0'; p++) {
		if (*p == '/')
			*p = '_';
	}
	if (name[0] == '.')
		name[0] = '_';
	return name;
}

static const char *
run_unit_state_name(enum run_unit_state st)
{
	switch (st) {
	case RUN_UNIT_PENDING:
		return "pending";
	case RUN_UNIT_RUNNING:
		return "running";
	case RUN_UNIT_SUCCEEDED:
		return "succeeded";
	case RUN_UNIT_FAILED:
		return "failed";
	case RUN_UNIT_CANCELLED:
		return "cancelled";
	case RUN_UNIT_INTERRUPTED:
		return "interrupted";
	}
	return "unknown";
}

static const char *
run_result_name(enum sched_result res)
{
	switch (res) {
	case SCHED_RESULT_SUCCEEDED:
		return "succeeded";
	case SCHED_RESULT_UPTODATE:
		return "uptodate";
	case SCHED_RESULT_FAILED:
		return "failed";
	case SCHED_RESULT_SKIPPED:
		return "skipped";
	case SCHED_RESULT_CANCELLED:
		return "cancelled";
	}
	return "failed";
}

/* The value of name in env ("NAME=VALUE" strings), owned, or NULL. */
static char *
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

static struct run *
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
static void
run_free(void *arg)
{
	struct run *r = arg;
	struct run_step *st;
	struct run_unit *u;
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		for (j = 0; j < st->nunits; j++) {
			u = &st->units[j];
			child_free(u->child);
			steplog_free(u->log);
			free(u->path);
			free(u->output);
			free(u->log_name);
			free(u->marker);
			free(u->error);
			free(u->log_error);
			stamp_free(u->stamp);
			strv_free(&u->argv);
		}
		free(st->units);
		strv_free(&st->because);
		free(st->error);
	}
	free(r->steps);
	free(r->by_index);
	free(r->stamps_due);
	freshness_plan_free(r->fresh);
	free(r->always);
	if (r->ev_start != NULL)
		event_free(r->ev_start);
	if (r->ev_wake != NULL)
		event_free(r->ev_wake);
	if (r->ev_record != NULL)
		event_free(r->ev_record);
	sched_actions_free(&r->acts);
	sched_free(r->s);
	graph_free(r->g);
	pipeline_free(r->p);
	free(r->selected);
	strv_free(&r->env);
	free(r->virtual_env);
	free(r->extra);
	json_decref(r->request);
	free(r->id);
	free(r->dir);
	free(r->file);
	free(r);
}

/* Record a change; the record is written soon, several changes at once. */
static void
run_touch(struct run *r)
{
	struct timeval tv;
	uint64_t ms = RUN_RECORD_DELAY_MS;

	/* A big record waits longer: writing it takes at most 5% of time. */
	if (r->record_cost_ms * 20 > ms)
		ms = r->record_cost_ms * 20;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	r->record_dirty = true;
	if (r->ev_record != NULL && !evtimer_pending(r->ev_record, NULL))
		evtimer_add(r->ev_record, &tv);
}

static void
run_record_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_write_record(arg, false);
}

/* Write the record now; durable (fsync) at the start and end of a run. */
static void
run_write_record(struct run *r, bool durable)
{
	struct loom_error err;
	uint64_t t0 = loomd_now_ms();
	json_t *rec;

	if (r->ev_record != NULL)
		evtimer_del(r->ev_record);
	r->record_dirty = false;
	rec = run_record_json(r);
	loom_error_clear(&err);
	if (record_write(r->dir, rec, durable, &err) == -1)
		log_warn("run %s: %s", r->id, err.message);
	json_decref(rec);
	if (!durable)
		r->record_cost_ms = loomd_now_ms() - t0;
}

/* exit_code and signal of a wait status into o. */
static void
run_status_fields(int status, json_t *o)
{
	const char *name;

	if (status != -1 && WIFEXITED(status)) {
		json_object_set_new(o, "exit_code",
		    json_integer(WEXITSTATUS(status)));
		json_object_set_new(o, "signal", json_null());
	} else if (status != -1 && WIFSIGNALED(status)) {
		name = child_signal_name(WTERMSIG(status));
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", name != NULL ?
		    json_string(name) : json_integer(WTERMSIG(status)));
	} else {
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", json_null());
	}
}

static json_t *
run_time(double t)
{
	return t > 0 ? json_real(t) : json_null();
}

/* The fields of one unit into o. */
static void
run_unit_json(const struct run_unit *u, json_t *o)
{
	json_t *argv = json_array();
	unsigned long long start = 0;
	size_t i;

	json_object_set_new(o, "state",
	    json_string(run_unit_state_name(u->state)));
	if (u->state != RUN_UNIT_PENDING && u->state != RUN_UNIT_RUNNING)
		run_status_fields(u->status, o);
	else {
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", json_null());
	}
	json_object_set_new(o, "started", run_time(u->started));
	json_object_set_new(o, "finished", run_time(u->finished));
	json_object_set_new(o, "pid", u->pid > 0 ? json_integer(u->pid) :
	    json_null());
	if (u->started == 0)
		goto out;	/* never started: no process, no log */
	/*
	 * Read only for a record written while the process runs (the one
	 * recovery may have to kill): not yet reaped, so still the same
	 * process. Most short steps never need it.
	 */
	if (u->child != NULL)
		start = record_proc_start(u->pid);
	if (start != 0)
		json_object_set_new(o, "pid_start",
		    json_integer((json_int_t)start));
	if (u->marker != NULL)
		json_object_set_new(o, "marker", json_string(u->marker));
	for (i = 0; i < u->argv.n; i++)
		json_array_append_new(argv, json_string(u->argv.v[i]));
	json_object_set_new(o, "argv", argv);
	argv = NULL;
	json_object_set_new(o, "log", json_string(u->log_name));
	json_object_set_new(o, "log_bytes", json_integer((json_int_t)
	    (u->log != NULL ? steplog_kept(u->log) : u->log_kept)));
	if ((u->log != NULL ? steplog_dropped(u->log) : u->log_dropped) > 0) {
		json_object_set_new(o, "log_dropped", json_integer((json_int_t)
		    (u->log != NULL ? steplog_dropped(u->log) :
		    u->log_dropped)));
		json_object_set_new(o, "log_error", json_string(
		    u->log != NULL && steplog_error(u->log) != NULL ?
		    steplog_error(u->log) : u->log_error != NULL ?
		    u->log_error : "unknown"));
	}
out:
	json_decref(argv);
	if (u->error != NULL)
		json_object_set_new(o, "error", json_string(u->error));
}

/* Step counts from the steps' own states; a loop counts once. */
static void
run_counts(const struct run *r, struct sched_counts *c)
{
	const char *st;
	size_t i;

	memset(c, 0, sizeof *c);
	c->total = r->nsteps;
	for (i = 0; i < r->nsteps; i++) {
		st = r->steps[i].state;
		if (strcmp(st, "succeeded") == 0 ||
		    strcmp(st, "uptodate") == 0)
			c->succeeded++;
		else if (strcmp(st, "failed") == 0)
			c->failed++;
		else if (strcmp(st, "skipped") == 0)
			c->skipped++;
		else if (strcmp(st, "cancelled") == 0)
			c->cancelled++;
	}
}

/* The whole record of a run (docs/protocol.md, "Run records"). */
static json_t *
run_record_json(const struct run *r)
{
	struct sched_counts cnt;
	json_t *rec, *steps, *o, *items, *it, *because;
	const struct run_step *st;
	size_t i, j, done = 0;

	run_counts(r, &cnt);
	rec = json_object();
	json_object_set_new(rec, "run", json_string(r->id));
	json_object_set_new(rec, "file", json_string(r->file));
	json_object_set_new(rec, "dir", json_string(r->dir));
	json_object_set_new(rec, "state", json_string(r->state));
	json_object_set_new(rec, "started", run_time(r->started));
	json_object_set_new(rec, "finished", run_time(r->finished));
	json_object_set_new(rec, "daemon_pid", json_integer(getpid()));
	json_object_set_new(rec, "daemon_start", json_integer((json_int_t)
	    run_state_get(r->loomd)->daemon_start));
	json_object_set_new(rec, "parallel", json_boolean(r->parallel));
	json_object_set_new(rec, "max_workers",
	    json_integer((json_int_t)r->max_workers));
	json_object_set_new(rec, "request", json_deep_copy(r->request));
	steps = json_array();
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		o = json_object();
		json_object_set_new(o, "name", json_string(st->name));
		json_object_set_new(o, "state", json_string(st->state));
		if (strcmp(st->state, "pending") != 0 &&
		    strcmp(st->state, "running") != 0)
			done++;
		if (!st->loop && st->nunits == 1) {
			run_unit_json(&st->units[0], o);
			json_object_set_new(o, "state",
			    json_string(st->state));
		} else {
			if (strcmp(st->state, "failed") == 0)
				run_status_fields(st->status, o);
			else if (strcmp(st->state, "succeeded") == 0)
				run_status_fields(0, o);
			else
				run_status_fields(-1, o);
			json_object_set_new(o, "started",
			    run_time(st->started));
			json_object_set_new(o, "finished",
			    run_time(st->finished));
		}
		if (st->loop) {
			items = json_array();
			for (j = 0; j < st->nunits; j++) {
				it = json_object();
				json_object_set_new(it, "item",
				    json_integer((json_int_t)j));
				json_object_set_new(it, "path",
				    json_string(st->units[j].path));
				run_unit_json(&st->units[j], it);
				json_array_append_new(items, it);
			}
			json_object_set_new(o, "loop", json_true());
			json_object_set_new(o, "items", items);
		}
		if (st->because.n > 0) {
			because = json_array();
			for (j = 0; j < st->because.n; j++)
				json_array_append_new(because,
				    json_string(st->because.v[j]));
			json_object_set_new(o, "because", because);
		}
		if (st->error != NULL)
			json_object_set_new(o, "error",
			    json_string(st->error));
		if (st->finished_ms > 0 && st->started_ms > 0)
			json_object_set_new(o, "duration", json_real(
			    (double)(st->finished_ms - st->started_ms) /
			    1000.0));
		json_array_append_new(steps, o);
	}
	json_object_set_new(rec, "steps_total",
	    json_integer((json_int_t)cnt.total));
	json_object_set_new(rec, "steps_done", json_integer((json_int_t)done));
	json_object_set_new(rec, "steps_succeeded",
	    json_integer((json_int_t)cnt.succeeded));
	json_object_set_new(rec, "steps_failed",
	    json_integer((json_int_t)cnt.failed));
	json_object_set_new(rec, "steps_skipped",
	    json_integer((json_int_t)cnt.skipped));
	json_object_set_new(rec, "steps_cancelled",
	    json_integer((json_int_t)cnt.cancelled));
	json_object_set_new(rec, "steps", steps);
	return rec;
}

/* STEPINFO for every selected step, in execution order. */
static json_t *
run_stepinfo(const struct run *r)
{
	json_t *arr = json_array(), *o, *after;
	const struct step *sp;
	const size_t *deps;
	size_t i, j, n;

	for (i = 0; i < r->nsteps; i++) {
		sp = &r->p->steps[r->steps[i].index];
		o = json_object();
		json_object_set_new(o, "name", json_string(sp->name));
		json_object_set_new(o, "group", sp->group >= 0 ?
		    json_string(r->p->groups[sp->group].name) : json_null());
		json_object_set_new(o, "loop", json_boolean(sp->loop != NULL));
		if (r->fresh != NULL) {
			const struct fresh_step *fs =
			    &r->fresh->steps[r->steps[i].index];

			json_object_set_new(o, "uptodate",
			    json_boolean(!fs->will_run));
			json_object_set_new(o, "reason", fs->run_reason != NULL ?
			    json_string(fs->run_reason) : json_null());
		}
		after = json_array();
		deps = graph_deps(r->g, r->steps[i].index, &n);
		for (j = 0; j < n; j++) {
			if (r->selected[deps[j]])
				json_array_append_new(after,
				    json_string(r->p->steps[deps[j]].name));
		}
		json_object_set_new(o, "after", after);
		json_array_append_new(arr, o);
	}
	return arr;
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
	sched_actions_clear(&r->acts);
	r->processing = false;
	/* After the steps that were waiting started: they need not wait. */
	run_fresh_flush(r);
	if (r->finished_flag)
		loomd_defer_free(r->loomd, run_free, r);
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

/* Start unit (step, item). */
static void
run_do_spawn(struct run *r, size_t step, size_t item)
{
	struct run_step *st = r->by_index[step];
	struct run_unit *u;
	struct command_env cenv;
	struct child_spec spec;
	struct loom_error err;
	struct strv outs, envv;
	const char *loop_item = NULL, *loop_output = NULL;
	char *path, *slash, *task;
	json_t *params, *argv;
	size_t i;

	LOOM_ASSERT(st != NULL && item < st->nunits);
	u = &st->units[item];
	if (r->cancelled) {
		/* Cancelled before it could start: start nothing. */
		u->state = RUN_UNIT_CANCELLED;
		sched_spawn_failed(r->s, step, item, &r->acts);
		return;
	}
	if (st->loop) {
		loop_item = u->path;
		loop_output = u->output;
	}
	loom_error_clear(&err);
	u->state = RUN_UNIT_RUNNING;
	u->started = record_now();
	u->started_ms = loomd_now_ms();
	if (st->started == 0) {
		st->started = u->started;
		st->started_ms = u->started_ms;
		st->state = "running";
	}
	path = xasprintf("%s/%s", r->dir, u->log_name);
	u->log = steplog_open(path, &err);
	free(path);
	if (u->log == NULL)
		goto fail;

	cenv.virtual_env = r->virtual_env;
	if (command_build(r->p, step, &cenv, loop_item, loop_output,
	    r->extra, &u->argv, &err) == -1)
		goto fail;
	/* In progress until it succeeds (B10): never trusted before. */
	if (freshness_begin(r->p, step, loop_item, &u->argv, &err) == -1) {
		log_warn("run %s: %s: %s", r->id, u->log_name, err.message);
		loom_error_clear(&err);
	}

	/* Output folders of a loop item (plain steps had theirs at start). */
	if (st->loop) {
		strv_init(&outs);
		if (command_output_paths(r->p, step, loop_output, &outs,
		    &err) == -1) {
			strv_free(&outs);
			goto fail;
		}
		for (i = 0; i < outs.n; i++) {
			slash = strrchr(outs.v[i], '/');
			if (slash == NULL || slash == outs.v[i])
				continue;
			*slash = '\0';
			if (fileio_mkdirs(outs.v[i], 0755, &err) == -1) {
				strv_free(&outs);
				goto fail;
			}
		}
		strv_free(&outs);
	}

	strv_init(&envv);
	for (i = 0; i < r->env.n; i++)
		strv_push(&envv, r->env.v[i]);
	strv_push(&envv, u->marker);
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)u->argv.v;
	spec.envp = (const char *const *)envv.v;
	spec.cwd = r->p->dir;
	spec.marker = u->marker;
	spec.on_output = run_on_output;
	spec.on_done = run_on_done;
	spec.arg = u;
	u->child = child_spawn(r->loomd->base, &spec, &err);
	strv_free(&envv);
	if (u->child == NULL)
		goto fail;
	u->pid = child_pid(u->child);
	log_info("run %s: %s started, pid %d", r->id, u->log_name,
	    (int)u->pid);

	params = json_pack("{s:s, s:s}", "run", r->id, "step", st->name);
	if (st->loop)
		json_object_set_new(params, "item", json_integer((json_int_t)
		    item));
	json_object_set_new(params, "pid", json_integer(u->pid));
	argv = json_array();
	for (i = 0; i < u->argv.n; i++)
		json_array_append_new(argv, json_string(u->argv.v[i]));
	json_object_set_new(params, "argv", argv);
	notify_event(r->loomd, r->id, "run.step_started", params);
	run_touch(r);
	sched_spawned(r->s, step, item, &r->acts);
	return;

fail:
	log_info("run %s: %s cannot start: %s", r->id, u->log_name,
	    err.message);
	task = pipeline_abspath(r->p, r->p->steps[step].task);
	if (strstr(err.message, task) != NULL)
		u->error = xstrdup(err.message);
	else
		u->error = xasprintf("%s (task %s)", err.message, task);
	free(task);
	run_log_message(u, u->error);
	if (u->log != NULL) {
		u->log_kept = steplog_kept(u->log);
		steplog_close(u->log);
	}
	u->state = RUN_UNIT_FAILED;
	u->status = -1;
	u->finished = record_now();
	run_fresh_end(r, u);
	if (st->loop) {
		params = json_pack("{s:s, s:s, s:I, s:s, s:n, s:n, s:f, s:s}",
		    "run", r->id, "step", st->name, "item", (json_int_t)item,
		    "state", "failed", "exit_code", "signal", "duration", 0.0,
		    "error", err.message);
		notify_event(r->loomd, r->id, "run.step_finished", params);
	}
	run_touch(r);
	sched_spawn_failed(r->s, step, item, &r->acts);
}

/* List a loop step's items. */
static void
run_do_list(struct run *r, size_t step)
{
	struct run_step *st = r->by_index[step];
	struct loop_items li;
	struct loom_error err;
	struct run_unit *u;
	size_t i;

	loopitems_init(&li);
	loom_error_clear(&err);
	if (loopitems_list(r->p, step, &li, &err) == -1 ||
	    (li.into != NULL && fileio_mkdirs(li.into, 0755, &err) == -1)) {
		st->error = xstrdup(err.message);
		log_info("run %s: step %s: %s", r->id, st->name, err.message);
		loopitems_free(&li);
		run_touch(r);
		sched_items_failed(r->s, step, &r->acts);
		return;
	}
	run_fresh_filter(r, step, &li);
	st->nunits = li.items.n;
	st->units = xcalloc(st->nunits + 1, sizeof *st->units);
	st->listed = true;
	for (i = 0; i < li.items.n; i++) {
		u = &st->units[i];
		u->run = r;
		u->step = step;
		u->item = i;
		u->status = -1;
		u->path = xstrdup(li.items.v[i]);
		u->output = li.outputs.v[i][0] != '\0' ?
		    xstrdup(li.outputs.v[i]) : NULL;
		u->log_name = run_log_name(st->name, (long)i);
		u->marker = xasprintf("LOOM_STEP_ID=%s-%zu-%zu", r->id, step,
		    i);
	}
	loopitems_free(&li);
	run_touch(r);
	sched_set_items(r->s, step, st->nunits, &r->acts);
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
	if (u->child == NULL)
		return;
	u->signalled = true;
	log_info("run %s: %s: sending %s", r->id, u->log_name,
	    sig == SCHED_SIGNAL_KILL ? "SIGKILL" : "SIGTERM");
	(void)child_signal(u->child, sig == SCHED_SIGNAL_KILL ? SIGKILL :
	    SIGTERM);
	if (u->marker != NULL && sig == SCHED_SIGNAL_KILL)
		(void)child_sweep(u->marker);
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

static void
run_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
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

	st->state = "skipped";
	because = json_array();
	for (i = 0; i < a->nbecause; i++) {
		strv_push(&st->because, r->p->steps[a->because[i]].name);
		json_array_append_new(because,
		    json_string(r->p->steps[a->because[i]].name));
	}
	params = json_pack("{s:s, s:s, s:o}", "run", r->id, "step", st->name,
	    "because", because);
	notify_event(r->loomd, r->id, "run.step_skipped", params);
	run_touch(r);
}

/* A step ended. */
static void
run_do_step_finished(struct run *r, const struct sched_action *a)
{
	struct run_step *st = r->by_index[a->step];
	json_t *params;
	size_t i;

	st->state = run_result_name(a->result);
	for (i = 0; i < st->nunits; i++) {
		if (a->result == SCHED_RESULT_SUCCEEDED &&
		    st->units[i].state == RUN_UNIT_CANCELLED)
			st->state = "cancelled";
	}
	st->status = a->result == SCHED_RESULT_FAILED ? a->status :
	    a->result == SCHED_RESULT_SUCCEEDED ? 0 : -1;
	st->finished = record_now();
	st->finished_ms = loomd_now_ms();
	if (st->started_ms == 0) {
		st->started_ms = st->finished_ms;
	}
	/* Units that never ran end with the step. */
	for (i = 0; i < st->nunits; i++) {
		if (st->units[i].state == RUN_UNIT_PENDING &&
		    a->result == SCHED_RESULT_CANCELLED)
			st->units[i].state = RUN_UNIT_CANCELLED;
	}
	params = json_pack("{s:s, s:s, s:s}", "run", r->id, "step", st->name,
	    "state", st->state);
	if (a->result == SCHED_RESULT_FAILED && a->status == -1 &&
	    !st->loop && st->nunits == 1 && st->units[0].error != NULL) {
		run_status_fields(-1, params);
		json_object_set_new(params, "error",
		    json_string(st->units[0].error));
	} else if (a->result == SCHED_RESULT_FAILED && a->status == -1 &&
	    st->error != NULL) {
		run_status_fields(-1, params);
		json_object_set_new(params, "error", json_string(st->error));
	} else if (!st->loop && st->nunits == 1 &&
	    st->units[0].state != RUN_UNIT_PENDING &&
	    st->units[0].status != -1)
		run_status_fields(st->units[0].status, params);
	else
		run_status_fields(st->status, params);
	json_object_set_new(params, "duration", json_real(
	    (double)(st->finished_ms - st->started_ms) / 1000.0));
	notify_event(r->loomd, r->id, "run.step_finished", params);
	run_touch(r);
}

/* The run ended: final record, event, leave the active list. */
static void
run_do_finished(struct run *r, const struct sched_action *a)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct sched_counts cnt;
	struct run **pp;
	char *marker;
	json_t *params;

	switch (a->result) {
	case SCHED_RESULT_SUCCEEDED:
	case SCHED_RESULT_UPTODATE:
		r->state = "succeeded";
		break;
	case SCHED_RESULT_CANCELLED:
		r->state = "cancelled";
		break;
	default:
		r->state = "failed";
		break;
	}
	if (r->cancelled)
		r->state = "cancelled";
	/* Stamps are on disk before anyone hears that the run ended. */
	run_fresh_flush(r);
	r->finished = record_now();
	r->finished_flag = true;
	/* Whatever still carries the run's marker goes with it. */
	if (r->cancelled || child_has_orphans()) {
		marker = xasprintf("LOOM_RUN_ID=%s", r->id);
		(void)child_sweep(marker);
		free(marker);
	}
	run_write_record(r, true);
	run_counts(r, &cnt);
	params = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
	    "run", r->id, "state", r->state,
	    "steps_total", (json_int_t)cnt.total,
	    "steps_succeeded", (json_int_t)cnt.succeeded,
	    "steps_failed", (json_int_t)cnt.failed,
	    "steps_skipped", (json_int_t)cnt.skipped,
	    "steps_cancelled", (json_int_t)cnt.cancelled);
	notify_event(r->loomd, r->id, "run.finished", params);
	log_info("run %s %s", r->id, r->state);
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
	loomd_update_idle(r->loomd);
}

/* Output of a unit: to its log, then to subscribers. */
static void
run_on_output(struct child *c, const char *data, size_t len, void *arg)
{
	struct run_unit *u = arg;
	struct run *r = u->run;
	struct run_step *st = r->by_index[u->step];
	uint64_t offset;

	(void)c;
	offset = steplog_offset(u->log);
	steplog_write(u->log, data, len);
	notify_output(r->loomd, r->id, st->name, st->loop ? (long)u->item : -1,
	    offset, data, len);
}

/* A unit's process exited and its output reached EOF. */
static void
run_on_done(struct child *c, void *arg)
{
	struct run_unit *u = arg;
	struct run *r = u->run;
	struct run_step *st = r->by_index[u->step];
	json_t *params;
	int status = child_status(c);

	u->status = status;
	u->finished = record_now();
	/* Stopped by a cancel, even gracefully: its work is not done. */
	if (u->signalled && r->cancelled)
		u->state = RUN_UNIT_CANCELLED;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		u->state = RUN_UNIT_SUCCEEDED;
	else
		u->state = RUN_UNIT_FAILED;
	run_fresh_end(r, u);
	u->log_kept = steplog_kept(u->log);
	u->log_dropped = steplog_dropped(u->log);
	if (steplog_error(u->log) != NULL) {
		u->log_error = xstrdup(steplog_error(u->log));
		log_warn("run %s: %s: log kept %llu bytes, dropped %llu: %s",
		    r->id, u->log_name, u->log_kept, u->log_dropped,
		    u->log_error);
	}
	steplog_free(u->log);
	u->log = NULL;
	log_info("run %s: %s ended (status %d)", r->id, u->log_name, status);
	u->child = NULL;
	child_free(c);
	notify_output_end(r->loomd, r->id, st->name, st->loop ?
	    (long)u->item : -1);
	if (st->loop) {
		params = json_pack("{s:s, s:s, s:I, s:s}", "run", r->id,
		    "step", st->name, "item", (json_int_t)u->item, "state",
		    run_unit_state_name(u->state));
		run_status_fields(status, params);
		json_object_set_new(params, "duration", json_real((double)
		    (loomd_now_ms() - u->started_ms) / 1000.0));
		notify_event(r->loomd, r->id, "run.step_finished", params);
	}
	run_touch(r);
	sched_exited(r->s, u->step, u->item, status, &r->acts);
	sched_output_closed(r->s, u->step, u->item, &r->acts);
	run_process(r);
}

/* The run.started event. */
static void
run_announce(struct run *r)
{
	json_t *params;

	params = json_pack("{s:s, s:s, s:o, s:b, s:I}", "run", r->id, "file",
	    r->file, "steps", run_stepinfo(r), "parallel", r->parallel,
	    "max_workers", (json_int_t)r->max_workers);
	notify_event(r->loomd, r->id, "run.started", params);
}

/* The deferred start: the reply to run.start goes out first. */
static void
run_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	run_announce(r);
	sched_start(r->s, &r->acts);
	run_process(r);
}

/* Diagnostics as JSON (error.data of -32001). */
static json_t *
run_diags_json(const struct diags *d)
{
	return json_pack("{s:o}", "diagnostics", rpc_params_diags(d));
}

/* A loom_error as error.data of -32004. */
static json_t *
run_error_data(const struct loom_error *err)
{
	return json_pack("{s:s, s:i, s:i, s:o}", "file", err->file,
	    "line", err->line, "column", err->column, "hint",
	    err->hint[0] != '\0' ? json_string(err->hint) : json_null());
}

/* Copy a list of strings from params into sv. */
static int
run_param_list(json_t *params, const char *name, struct strv *sv,
    struct rpc_error *err)
{
	json_t *arr, *v;
	size_t i;

	arr = rpc_param_strings(params, name, false, err);
	if (arr == NULL)
		return json_object_get(params, name) != NULL ? -1 : 0;
	json_array_foreach(arr, i, v)
		strv_push(sv, json_string_value(v));
	return 0;
}

/*
 * Incremental runs (common/freshness.h): URL data is fetched into the
 * cache and stands in for its URL, then the plan says which selected
 * steps are up to date (run_start marks them so in the scheduler).
 * Downloads block the daemon while they last; they happen once per URL.
 */
static int
run_fresh_prepare(struct run *r, json_t *params, struct rpc_error *rerr)
{
	struct command_env cenv;
	struct fresh_opts fo;
	struct loom_error err;
	json_t *names, *v;
	ssize_t k;
	size_t i;

	if (rpc_param_bool(params, "force", false, &r->force, rerr) == -1)
		return -1;
	loom_error_clear(&err);
	if (urlcache_resolve_pipeline(r->p, true, &err) == -1) {
		rpc_error_set(rerr, LOOM_ERR_FILE, NULL, "%s", err.message);
		return -1;
	}
	r->always = xcalloc(r->p->nsteps + 1, sizeof *r->always);
	names = json_object_get(params, "steps");
	json_array_foreach(names, i, v) {
		if (json_is_string(v) && (k = pipeline_step_index(r->p,
		    json_string_value(v))) >= 0)
			r->always[k] = true;
	}
	cenv.virtual_env = r->virtual_env;
	memset(&fo, 0, sizeof fo);
	fo.env = &cenv;
	fo.extra = r->extra;
	fo.selected = r->selected;
	fo.always = r->always;
	fo.force = r->force;
	if ((r->fresh = freshness_plan(r->p, r->g, &fo, &err)) == NULL) {
		rpc_error_set(rerr, JSONRPC_INTERNAL_ERROR, NULL, "%s",
		    err.message);
		return -1;
	}
	return 0;
}

/*
 * Keep only the loop items that are out of date (all of them with
 * --force or --step), judged now that upstream steps have finished.
 */
static void
run_fresh_filter(struct run *r, size_t step, struct loop_items *li)
{
	struct command_env cenv;
	struct loom_error err;
	enum freshness_state fs;
	struct strv items, outs, argv;
	char *why;
	size_t i, n = li->items.n;

	if (r->force || r->always[step])
		return;
	cenv.virtual_env = r->virtual_env;
	strv_init(&items);
	strv_init(&outs);
	for (i = 0; i < n; i++) {
		const char *out = li->outputs.v[i][0] != '\0' ?
		    li->outputs.v[i] : NULL;

		strv_init(&argv);
		loom_error_clear(&err);
		why = NULL;
		if (command_build(r->p, step, &cenv, li->items.v[i], out,
		    r->extra, &argv, &err) == -1 || freshness_check(r->p, step,
		    &argv, li->items.v[i], out, &fs, &why, &err) == -1 ||
		    fs != FRESH_FRESH) {
			strv_push(&items, li->items.v[i]);
			strv_push(&outs, li->outputs.v[i]);
		}
		free(why);
		strv_free(&argv);
	}
	if (items.n < n)
		log_info("run %s: step %s: %zu of %zu item(s) up to date", r->id,
		    r->p->steps[step].name, n - items.n, n);
	strv_free(&li->items);
	strv_free(&li->outputs);
	li->items = items;
	li->outputs = outs;
}

/*
 * Take the stamp of how a unit ended (common/stamp.h): the identities of
 * its files are taken now, before any other step can touch them, and the
 * stamp is written by run_fresh_flush once the steps this one unblocked
 * have started. Until then the unit's running marker stands, which never
 * counts as fresh, so a crash in between only means a re-run.
 */
static void
run_fresh_end(struct run *r, struct run_unit *u)
{
	struct loom_error err;
	char detail[128];

	loom_error_clear(&err);
	if (u->state == RUN_UNIT_SUCCEEDED)
		u->stamp = freshness_succeeded(r->p, u->step, u->path,
		    u->output, &u->argv, &err);
	else if (u->state == RUN_UNIT_CANCELLED)
		u->stamp = stamp_ended(STAMP_CANCELLED, NULL);
	else {
		if (u->status != -1 && WIFEXITED(u->status))
			snprintf(detail, sizeof detail, "exit code %d",
			    WEXITSTATUS(u->status));
		else if (u->status != -1 && WIFSIGNALED(u->status))
			snprintf(detail, sizeof detail, "killed by signal %d",
			    WTERMSIG(u->status));
		else
			snprintf(detail, sizeof detail, "%s", u->error != NULL ?
			    u->error : "it could not start");
		u->stamp = stamp_ended(STAMP_FAILED, detail);
	}
	if (u->stamp == NULL) {
		log_warn("run %s: %s: %s", r->id, u->log_name, err.message);
		return;
	}
	if (r->nstamps_due == r->stamps_due_cap) {
		r->stamps_due_cap = r->stamps_due_cap ? r->stamps_due_cap * 2 :
		    8;
		r->stamps_due = xreallocarray(r->stamps_due,
		    r->stamps_due_cap, sizeof *r->stamps_due);
	}
	r->stamps_due[r->nstamps_due++] = u;
}

/* Write the stamps run_fresh_end took. */
static void
run_fresh_flush(struct run *r)
{
	struct loom_error err;
	struct run_unit *u;
	size_t i;

	for (i = 0; i < r->nstamps_due; i++) {
		u = r->stamps_due[i];
		loom_error_clear(&err);
		if (freshness_write(r->p, u->step, u->path, u->stamp,
		    &err) == -1)
			log_warn("run %s: %s: %s", r->id, u->log_name,
			    err.message);
		stamp_free(u->stamp);
		u->stamp = NULL;
	}
	r->nstamps_due = 0;
}

/* Create the parent folders of every selected plain step's outputs. */
static int
run_make_output_dirs(struct run *r, struct rpc_error *rerr)
{
	struct loom_error err;
	struct strv outs;
	char *slash;
	size_t i, j;

	for (i = 0; i < r->p->nsteps; i++) {
		if (!r->selected[i])
			continue;
		strv_init(&outs);
		loom_error_clear(&err);
		if (command_output_paths(r->p, i, NULL, &outs, &err) == -1) {
			rpc_error_set(rerr, LOOM_ERR_USAGE, run_error_data(&err),
			    "%s", err.message);
			strv_free(&outs);
			return -1;
		}
		for (j = 0; j < outs.n; j++) {
			slash = strrchr(outs.v[j], '/');
			if (slash == NULL || slash == outs.v[j])
				continue;
			*slash = '\0';
			if (fileio_mkdirs(outs.v[j], 0755, &err) == -1) {
				rpc_error_set(rerr, LOOM_ERR_FILE, json_pack(
				    "{s:s, s:i}", "path", outs.v[j], "errno",
				    ENOTDIR), "%s", err.message);
				strv_free(&outs);
				return -1;
			}
		}
		strv_free(&outs);
	}
	return 0;
}

/* Start a run (run.start). */
json_t *
run_start(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *rerr)
{
	struct run_state *rs = run_state_get(loomd);
	struct select_opts so;
	struct loom_error err;
	struct diags diags;
	struct run *r = NULL;
	struct run_step *st;
	struct timeval zero = { 0, 0 };
	const char *file, *cwd, *extra, *key;
	json_t *env, *v, *result;
	const size_t *order;
	long long mw = 0;
	bool parallel, subscribe = false, has_parallel;
	size_t i, k, n;
	char *s;
	int nsel;

	if (rs == NULL || rs->stopping) {
		rpc_error_set(rerr, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
		return NULL;
	}
	file = rpc_param_string(params, "file", true, rerr);
	if (file == NULL)
		return NULL;
	cwd = rpc_param_string(params, "cwd", false, rerr);
	env = rpc_param_object(params, "env", true, rerr);
	extra = rpc_param_string(params, "extra", false, rerr);
	if (env == NULL || rpc_param_int(params, "max_workers", false, 0,
	    100000, &mw, rerr) == -1 || rpc_param_bool(params, "subscribe",
	    false, &subscribe, rerr) == -1)
		return NULL;
	has_parallel = json_object_get(params, "parallel") != NULL &&
	    !json_is_null(json_object_get(params, "parallel"));
	parallel = false;
	if (has_parallel && rpc_param_bool(params, "parallel", false,
	    &parallel, rerr) == -1)
		return NULL;
	if (file[0] != '/' && (cwd == NULL || cwd[0] != '/')) {
		rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
		    "\"file\" must be absolute, or \"cwd\" given");
		return NULL;
	}
	json_object_foreach(env, key, v) {
		if (!json_is_string(v) || strchr(key, '=') != NULL ||
		    *key == '\0') {
			rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
			    "\"env\" must map names to strings");
			return NULL;
		}
	}

	r = xcalloc(1, sizeof *r);
	r->loomd = loomd;
	r->file = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", cwd,
	    file);
	sched_actions_init(&r->acts);
	strv_init(&r->env);
	diags_init(&diags);
	r->p = pipeline_load_file(r->file, &diags);
	if (r->p == NULL || diags.nerrors > 0)
		goto invalid;
	for (k = 0; k < 2; k++) {
		json_t *arr = json_object_get(params, k == 0 ? "set" : "var");

		if (arr == NULL || json_is_null(arr))
			continue;
		if (!json_is_array(arr)) {
			rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
			    "\"%s\" must be an array of strings",
			    k == 0 ? "set" : "var");
			goto fail;
		}
		json_array_foreach(arr, i, v) {
			if (!json_is_string(v)) {
				rpc_error_set(rerr, JSONRPC_INVALID_PARAMS,
				    NULL, "\"%s\" must be an array of strings",
				    k == 0 ? "set" : "var");
				goto fail;
			}
			loom_error_clear(&err);
			if (pipeline_apply_override(r->p, json_string_value(v),
			    k == 1, &err) == -1) {
				rpc_error_set(rerr, LOOM_ERR_USAGE,
				    run_error_data(&err), "%s", err.message);
				goto fail;
			}
		}
	}
	r->g = validate_pipeline_graph(r->p, &diags);
	if (r->g == NULL)
		goto invalid;
	diags_free(&diags);

	select_opts_init(&so);
	if (run_param_list(params, "steps", &so.steps, rerr) == -1 ||
	    run_param_list(params, "from", &so.from, rerr) == -1 ||
	    run_param_list(params, "until", &so.until, rerr) == -1 ||
	    run_param_list(params, "groups", &so.groups, rerr) == -1 ||
	    run_param_list(params, "include", &so.include, rerr) == -1) {
		select_opts_free(&so);
		goto fail;
	}
	r->selected = xcalloc(r->p->nsteps + 1, sizeof *r->selected);
	loom_error_clear(&err);
	nsel = select_steps(r->p, r->g, &so, r->selected, &err);
	select_opts_free(&so);
	if (nsel == -1) {
		rpc_error_set(rerr, LOOM_ERR_USAGE, run_error_data(&err), "%s",
		    err.message);
		goto fail;
	}

	/* The environment: the client's, never the daemon's. */
	json_object_foreach(env, key, v) {
		if (strcmp(key, "LOOM_RUN_ID") == 0 ||
		    strcmp(key, "LOOM_STEP_ID") == 0)
			continue;
		strv_push_owned(&r->env, xasprintf("%s=%s", key,
		    json_string_value(v)));
	}
	if (json_object_get(env, "PYTHONUNBUFFERED") == NULL)
		strv_push(&r->env, "PYTHONUNBUFFERED=1");
	r->virtual_env = run_env_get(&r->env, "VIRTUAL_ENV");
	if (r->virtual_env != NULL && r->virtual_env[0] == '\0') {
		free(r->virtual_env);
		r->virtual_env = NULL;
	}
	r->extra = extra != NULL && *extra != '\0' ? xstrdup(extra) : NULL;
	if (run_fresh_prepare(r, params, rerr) == -1)
		goto fail;

	r->parallel = has_parallel ? parallel : r->p->exec.parallel == 1;
	if (mw > 0)
		r->max_workers = (size_t)mw;
	else if (r->p->exec.max_workers > 0)
		r->max_workers = (size_t)r->p->exec.max_workers;
	else {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		r->max_workers = ncpu > 0 ? (size_t)ncpu : 1;
	}

	/* Output folders first: a file in the way stops the run here. */
	if (run_make_output_dirs(r, rerr) == -1)
		goto fail;

	loom_error_clear(&err);
	r->id = record_create(r->p->dir, loomd->state_dir, &r->dir, &err);
	if (r->id == NULL) {
		rpc_error_set(rerr, LOOM_ERR_FILE, json_pack("{s:s}", "path",
		    r->p->dir), "%s", err.message);
		goto fail;
	}
	loom_error_clear(&err);
	if (record_index_add(loomd->state_dir, r->id, r->dir, &err) == -1)
		log_warn("run %s: %s", r->id, err.message);

	r->request = json_deep_copy(params);
	json_object_del(r->request, "env");
	r->s = sched_create(r->g, r->selected, r->parallel, r->max_workers,
	    (uint64_t)(loomd->opt.kill_grace * 1000.0));
	r->by_index = xcalloc(r->p->nsteps + 1, sizeof *r->by_index);
	r->steps = xcalloc((size_t)nsel + 1, sizeof *r->steps);
	order = graph_order(r->g);
	n = 0;
	for (k = 0; k < r->p->nsteps; k++) {
		i = order[k];
		if (!r->selected[i])
			continue;
		st = &r->steps[n++];
		st->index = i;
		st->name = r->p->steps[i].name;
		st->state = "pending";
		st->status = -1;
		strv_init(&st->because);
		r->by_index[i] = st;
		if (r->p->steps[i].loop != NULL) {
			int lp = r->p->steps[i].loop->parallel;

			st->loop = true;
			sched_set_loop(r->s, i, lp == -1 ? r->parallel :
			    lp == 1);
			continue;
		}
		st->nunits = 1;
		st->units = xcalloc(1, sizeof *st->units);
		st->units[0].run = r;
		st->units[0].step = i;
		st->units[0].status = -1;
		st->units[0].log_name = run_log_name(st->name, -1);
		st->units[0].marker = xasprintf("LOOM_STEP_ID=%s-%zu-0", r->id,
		    i);
	}
	r->nsteps = n;
	for (k = 0; k < r->p->nsteps; k++)
		if (r->selected[k] && !r->fresh->steps[k].will_run)
			sched_set_uptodate(r->s, k);
	strv_push_owned(&r->env, xasprintf("LOOM_RUN_ID=%s", r->id));
	r->state = "running";
	r->started = record_now();
	r->started_ms = loomd_now_ms();
	r->ev_start = evtimer_new(loomd->base, run_start_cb, r);
	r->ev_wake = evtimer_new(loomd->base, run_wake_cb, r);
	r->ev_record = evtimer_new(loomd->base, run_record_cb, r);
	run_write_record(r, true);
	r->next = rs->active;
	rs->active = r;
	rs->nactive++;
	if (client != NULL && subscribe)
		notify_subscribe(client, r->id);
	evtimer_add(r->ev_start, &zero);
	log_info("run %s: %s, %zu step(s), %s, max %zu worker(s)", r->id,
	    r->file, r->nsteps, r->parallel ? "parallel" : "sequential",
	    r->max_workers);
	loomd_update_idle(loomd);

	result = json_pack("{s:s, s:s, s:o, s:b, s:I}", "run", r->id, "dir",
	    r->dir, "steps", run_stepinfo(r), "parallel", r->parallel,
	    "max_workers", (json_int_t)r->max_workers);
	return result;

invalid:
	diags_sort(&diags);
	s = diags.nerrors > 0 ? xstrdup(diags.v[0].message) : NULL;
	for (i = 0; i < diags.n; i++) {
		if (diags.v[i].severity == DIAG_ERROR) {
			free(s);
			s = xasprintf("%s:%d:%d: %s", diags.v[i].file != NULL ?
			    diags.v[i].file : r->file, diags.v[i].line,
			    diags.v[i].column, diags.v[i].message);
			break;
		}
	}
	rpc_error_set(rerr, LOOM_ERR_PIPELINE, run_diags_json(&diags),
	    "invalid pipeline: %s", s != NULL ? s : r->file);
	free(s);
fail:
	diags_free(&diags);
	run_free(r);
	return NULL;
}

/* run.status. */
json_t *
run_status(struct loomd *loomd, const char *id, struct rpc_error *rerr)
{
	struct loom_error err;
	struct run *r;
	json_t *rec;
	char *dir;

	r = run_find(loomd, id);
	if (r != NULL)
		return run_record_json(r);
	dir = record_index_find(loomd->state_dir, id);
	if (dir == NULL) {
		rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack("{s:s}", "run",
		    id), "no such run: %s", id);
		return NULL;
	}
	loom_error_clear(&err);
	rec = record_read(dir, &err);
	free(dir);
	if (rec == NULL) {
		rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack("{s:s}", "run",
		    id), "run %s: %s", id, err.message);
		return NULL;
	}
	return rec;
}

/* run.list: the newest runs, active ones from memory. */
json_t *
run_list(struct loomd *loomd, size_t limit)
{
	struct record_ref *refs;
	struct loom_error err;
	struct run *r;
	json_t *runs = json_array(), *rec, *sum;
	size_t n, i;

	refs = record_index_list(loomd->state_dir, &n);
	for (i = n; i > 0 && json_array_size(runs) < limit; i--) {
		r = run_find(loomd, refs[i - 1].id);
		if (r != NULL)
			rec = run_record_json(r);
		else if ((sum = record_read_summary(refs[i - 1].dir)) != NULL) {
			json_array_append_new(runs, sum);
			continue;
		} else {
			loom_error_clear(&err);
			rec = record_read(refs[i - 1].dir, &err);
			if (rec == NULL)
				continue;
		}
		json_array_append_new(runs, record_summary(rec));
		json_decref(rec);
	}
	record_refs_free(refs, n);
	return json_pack("{s:o}", "runs", runs);
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
	if (r->cancelled)
		return 0;
	log_info("run %s: cancel", r->id);
	r->cancelled = true;
	if (evtimer_pending(r->ev_start, NULL)) {
		/*
		 * Not started yet: start it and cancel it in one batch, so
		 * that every spawn it asks for is refused (run_do_spawn).
		 */
		evtimer_del(r->ev_start);
		run_announce(r);
		sched_start(r->s, &r->acts);
	}
	sched_cancel(r->s, loomd_now_ms(), &r->acts);
	run_process(r);
	return 0;
}

/* log.read. */
json_t *
run_log_read(struct loomd *loomd, const char *id, const char *step,
    long item, uint64_t offset, size_t max, struct rpc_error *rerr)
{
	struct loom_error err;
	struct run *r;
	struct run_step *st = NULL;
	json_t *rec = NULL, *steps, *s, *items, *res;
	const char *state = NULL;
	char *dir, *name, *path, *data, *b64;
	size_t i, len;
	bool found = false, eof;

	r = run_find(loomd, id);
	if (r != NULL) {
		dir = xstrdup(r->dir);
		for (i = 0; i < r->nsteps; i++) {
			if (strcmp(r->steps[i].name, step) == 0) {
				st = &r->steps[i];
				break;
			}
		}
		if (st != NULL && ((item < 0 && !st->loop) || (item >= 0 &&
		    st->loop && (size_t)item < st->nunits))) {
			found = true;
			state = run_unit_state_name(st->units[item < 0 ? 0 :
			    item].state);
		} else if (st != NULL && item < 0 && st->loop)
			found = false;
	} else {
		dir = record_index_find(loomd->state_dir, id);
		if (dir == NULL) {
			rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack(
			    "{s:s}", "run", id), "no such run: %s", id);
			return NULL;
		}
		loom_error_clear(&err);
		rec = record_read(dir, &err);
		steps = json_object_get(rec, "steps");
		json_array_foreach(steps, i, s) {
			if (!json_is_string(json_object_get(s, "name")) ||
			    strcmp(json_string_value(json_object_get(s,
			    "name")), step) != 0)
				continue;
			items = json_object_get(s, "items");
			if (item < 0 && items == NULL)
				found = true;
			else if (item >= 0 && json_is_array(items) &&
			    (size_t)item < json_array_size(items))
				found = true;
			break;
		}
		state = "finished";
	}
	if (!found) {
		if (item >= 0)
			rpc_error_set(rerr, LOOM_ERR_NO_STEP, json_pack(
			    "{s:s}", "step", step), "run %s has no item %ld of "
			    "step %s", id, item, step);
		else
			rpc_error_set(rerr, LOOM_ERR_NO_STEP, json_pack(
			    "{s:s}", "step", step), "run %s has no step %s%s",
			    id, step, st != NULL && st->loop ?
			    " (a loop step: give an item)" : "");
		json_decref(rec);
		free(dir);
		return NULL;
	}
	name = run_log_name(step, item);
	path = xasprintf("%s/%s", dir, name);
	free(name);
	free(dir);
	json_decref(rec);
	loom_error_clear(&err);
	eof = strcmp(state, "pending") != 0 && strcmp(state, "running") != 0;
	if (strcmp(state, "pending") == 0) {
		free(path);
		return json_pack("{s:s, s:I, s:I, s:b}", "data", "", "offset",
		    (json_int_t)offset, "next", (json_int_t)offset, "eof", 0);
	}
	data = steplog_read(path, offset, max, &len, &err);
	if (data == NULL) {
		if (errno == ENOENT && eof) {
			free(path);
			return json_pack("{s:s, s:I, s:I, s:b}", "data", "",
			    "offset", (json_int_t)offset, "next",
			    (json_int_t)offset, "eof", 1);
		}
		rpc_error_set(rerr, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", path, "errno", errno), "%s", err.message);
		free(path);
		return NULL;
	}
	free(path);
	b64 = steplog_base64(data, len);
	free(data);
	res = json_pack("{s:s, s:I, s:I, s:b}", "data", b64, "offset",
	    (json_int_t)offset, "next", (json_int_t)(offset + len), "eof",
	    eof && len < max);
	free(b64);
	return res;
}

/* Module: set up child handling, recover records of a crashed daemon. */
int
run_module_init(struct loomd *loomd, struct loom_error *err)
{
	struct run_state *rs;
	int n;

	if (child_init(loomd->base, err) == -1)
		return -1;
	child_set_nofile(&loomd->nofile_orig);
	rs = xcalloc(1, sizeof *rs);
	rs->daemon_start = record_proc_start(getpid());
	loomd->runs = rs;
	n = record_recover(loomd->state_dir);
	if (n > 0)
		log_warn("%d run(s) of a previous daemon marked interrupted",
		    n);
	return 0;
}

bool
run_module_busy(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);

	return rs != NULL && rs->nactive > 0;
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

	json_object_set_new(result, "active_runs",
	    json_integer(rs != NULL ? (json_int_t)rs->nactive : 0));
}

/* At exit: runs still active (past the deadline) are recorded and freed. */
void
run_module_free(struct loomd *loomd)
{
	struct run_state *rs = run_state_get(loomd);
	struct run *r, *next;
	size_t i, j;

	if (rs == NULL)
		return;
	for (r = rs->active; r != NULL; r = next) {
		next = r->next;
		for (i = 0; i < r->nsteps; i++) {
			if (strcmp(r->steps[i].state, "running") == 0)
				r->steps[i].state = "cancelled";
			for (j = 0; j < r->steps[i].nunits; j++) {
				if (r->steps[i].units[j].state ==
				    RUN_UNIT_RUNNING)
					r->steps[i].units[j].state =
					    RUN_UNIT_CANCELLED;
			}
		}
		r->state = "cancelled";
		r->finished = record_now();
		run_write_record(r, true);
		run_free(r);
	}
	child_shutdown();
	free(rs);
	loomd->runs = NULL;
}
