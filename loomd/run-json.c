/* SPDX-License-Identifier: MIT */
/*
 * Runs as seen from outside: the run record (JSON), the summaries of
 * run.list, run.status, log.read and log.open. See run-int.h.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "loomd/child.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"
#include "loomd/steplog.h"

static void run_unit_json(const struct run_unit *u, json_t *o);

enum run_state_kind
run_unit_state(const struct run_unit *u)
{
	enum run_state_kind st = sched_unit_view(u->run->s, u->step, u->item);

	/* What the executor told refines the scheduler's view. */
	if (st == RUNSTATE_RUNNING && u->xstate == RUNSTATE_PENDING)
		return RUNSTATE_PENDING;
	if (st == RUNSTATE_FAILED && runstate_is_failure(u->xstate))
		return u->xstate;
	return st;
}

enum run_state_kind
run_step_state(const struct run *r, const struct run_step *st)
{
	enum run_state_kind state = sched_step_view(r->s, st->index);

	/* A plain step is as its one unit. */
	if (!st->loop && st->nunits == 1 && (state == RUNSTATE_RUNNING ||
	    state == RUNSTATE_FAILED))
		return run_unit_state(&st->units[0]);
	return state;
}

/* exit_code and signal of a wait status into o. */
void
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

/* run_status_fields into an event's text. */
void
run_status_text(int status, struct jsontext_writer *w)
{
	const char *name;

	if (status != -1 && WIFEXITED(status)) {
		jsontext_add_int(w, "exit_code", WEXITSTATUS(status));
		jsontext_add_null(w, "signal");
	} else if (status != -1 && WIFSIGNALED(status)) {
		name = child_signal_name(WTERMSIG(status));
		jsontext_add_null(w, "exit_code");
		if (name != NULL)
			jsontext_add_string(w, "signal", name);
		else
			jsontext_add_int(w, "signal", WTERMSIG(status));
	} else {
		jsontext_add_null(w, "exit_code");
		jsontext_add_null(w, "signal");
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
	enum run_state_kind state = run_unit_state(u);
	json_t *argv = json_array();
	unsigned long long start = 0;
	struct sched_times t;
	size_t i;

	sched_unit_times(u->run->s, u->step, u->item, &t);
	json_object_set_new(o, "state", json_string(runstate_name(state)));
	if (runstate_is_final(state))
		run_status_fields(u->status, o);
	else {
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "signal", json_null());
	}
	json_object_set_new(o, "started", run_time(t.started));
	json_object_set_new(o, "finished", run_time(t.ended));
	json_object_set_new(o, "pid", u->pid > 0 ? json_integer(u->pid) :
	    json_null());
	if (u->job != NULL)
		json_object_set_new(o, "job", json_string(u->job));
	if (state == RUNSTATE_PENDING && u->reason != NULL)
		json_object_set_new(o, "reason", json_string(u->reason));
	if (u->cancel_sent != NULL)
		json_object_set_new(o, "cancel_sent",
		    json_string(u->cancel_sent));
	if (t.started == 0)
		goto out;	/* never started: no process, no log */
	/*
	 * Only for a record written while the process runs (the one
	 * recovery may have to kill); known since it started.
	 */
	if (u->unit != 0 && u->pid > 0)
		start = u->pid_start;
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

/* "item" and "item_name" of a loop item. */
void
run_item_fields(const struct run_step *st, const struct run_unit *u,
    json_t *o)
{
	(void)st;
	json_object_set_new(o, "item", json_integer((json_int_t)u->item));
	json_object_set_new(o, "item_name", json_string(u->name));
}

/* How many items of loop step st succeeded and failed. */
static void
run_item_tally(const struct run_step *st, size_t *ok, size_t *failed)
{
	size_t i;

	*ok = *failed = 0;
	for (i = 0; i < st->nunits; i++) {
		if (run_unit_state(&st->units[i]) == RUNSTATE_SUCCEEDED)
			(*ok)++;
		else if (runstate_is_failure(run_unit_state(&st->units[i])))
			(*failed)++;
	}
}

/* The item a loop step's exit status is of, or NULL. */
static const char *
run_failed_item(const struct run_step *st)
{
	if (st->failed_item >= 0 && (size_t)st->failed_item < st->nunits)
		return st->units[st->failed_item].name;
	return NULL;
}

/* Item counts of a loop step, and the item its exit status is of. */
void
run_item_counts(const struct run_step *st, json_t *o)
{
	size_t ok, failed;

	run_item_tally(st, &ok, &failed);
	json_object_set_new(o, "items_total",
	    json_integer((json_int_t)st->nunits));
	json_object_set_new(o, "items_succeeded", json_integer((json_int_t)ok));
	json_object_set_new(o, "items_failed",
	    json_integer((json_int_t)failed));
	if (run_failed_item(st) != NULL)
		json_object_set_new(o, "failed_item",
		    json_string(run_failed_item(st)));
}

/* run_item_counts into an event's text. */
void
run_item_counts_text(const struct run_step *st, struct jsontext_writer *w)
{
	size_t ok, failed;

	run_item_tally(st, &ok, &failed);
	jsontext_add_int(w, "items_total", (long long)st->nunits);
	jsontext_add_int(w, "items_succeeded", (long long)ok);
	jsontext_add_int(w, "items_failed", (long long)failed);
	if (run_failed_item(st) != NULL)
		jsontext_add_string(w, "failed_item", run_failed_item(st));
}

/* Step counts from the steps' own states; a loop counts once. */
void
run_counts(const struct run *r, struct sched_counts *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->total = r->nsteps;
	for (i = 0; i < r->nsteps; i++) {
		switch (run_step_state(r, &r->steps[i])) {
		case RUNSTATE_SUCCEEDED:
		case RUNSTATE_UPTODATE:
			c->succeeded++;
			break;
		case RUNSTATE_FAILED:
		case RUNSTATE_TIMEOUT:
		case RUNSTATE_OUT_OF_MEMORY:
		case RUNSTATE_NODE_FAILURE:
		case RUNSTATE_LOST:
			c->failed++;
			break;
		case RUNSTATE_SKIPPED:
			c->skipped++;
			break;
		case RUNSTATE_CANCELLED:
			c->cancelled++;
			break;
		default:
			break;
		}
	}
}

/* The whole record of a run (docs/protocol.md, "Run records"). */
json_t *
run_record_json(const struct run *r)
{
	struct sched_counts cnt;
	json_t *rec, *steps, *o, *items, *it, *because;
	const struct run_step *st;
	enum run_state_kind state;
	struct sched_times t;
	double queued_at;
	size_t i, j, done = 0;

	run_counts(r, &cnt);
	sched_run_times(r->s, &t, &queued_at);
	rec = json_object();
	json_object_set_new(rec, "run", json_string(r->id));
	json_object_set_new(rec, "file", json_string(r->file));
	json_object_set_new(rec, "dir", json_string(r->dir));
	json_object_set_new(rec, "state",
	    json_string(runstate_name(sched_run_view(r->s))));
	json_object_set_new(rec, "started", run_time(t.started));
	if (queued_at > 0) {
		json_object_set_new(rec, "queued_at", run_time(queued_at));
		if (r->behind != NULL)
			json_object_set_new(rec, "queued_behind",
			    json_string(r->behind));
	}
	if (r->error != NULL)
		json_object_set_new(rec, "error", json_string(r->error));
	json_object_set_new(rec, "finished", run_time(t.ended));
	json_object_set_new(rec, "daemon_pid", json_integer(getpid()));
	json_object_set_new(rec, "daemon_lock",
	    json_string(r->loomd->pid_path));
	json_object_set_new(rec, "daemon_start", json_integer((json_int_t)
	    run_state_get(r->loomd)->daemon_start));
	json_object_set_new(rec, "parallel", json_boolean(r->parallel));
	json_object_set_new(rec, "max_workers",
	    json_integer((json_int_t)r->max_workers));
	json_object_set_new(rec, "request", json_deep_copy(r->request));
	steps = json_array();
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		sched_step_times(r->s, st->index, &t);
		o = json_object();
		json_object_set_new(o, "name", json_string(st->name));
		state = run_step_state(r, st);
		json_object_set_new(o, "state",
		    json_string(runstate_name(state)));
		if (runstate_is_final(state))
			done++;
		if (!st->loop && st->nunits == 1) {
			run_unit_json(&st->units[0], o);
			json_object_set_new(o, "state",
			    json_string(runstate_name(state)));
		} else {
			if (runstate_is_failure(state))
				run_status_fields(st->status, o);
			else if (state == RUNSTATE_SUCCEEDED)
				run_status_fields(0, o);
			else
				run_status_fields(-1, o);
			json_object_set_new(o, "started",
			    run_time(t.started));
			json_object_set_new(o, "finished",
			    run_time(t.ended));
		}
		if (st->loop) {
			items = json_array();
			for (j = 0; j < st->nunits; j++) {
				it = json_object();
				json_object_set_new(it, "item",
				    json_integer((json_int_t)j));
				json_object_set_new(it, "path",
				    json_string(st->units[j].path));
				json_object_set_new(it, "name",
				    json_string(st->units[j].name));
				run_unit_json(&st->units[j], it);
				json_array_append_new(items, it);
			}
			json_object_set_new(o, "loop", json_true());
			json_object_set_new(o, "items", items);
			run_item_counts(st, o);
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
		if (t.ended_ms > 0 && t.started_ms > 0)
			json_object_set_new(o, "duration", json_real(
			    (double)(t.ended_ms - t.started_ms) / 1000.0));
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
json_t *
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

/* run.status. */
json_t *
run_status(struct loomd *loomd, const char *id, struct rpc_error *rerr)
{
	struct loom_error err;
	struct run *r;
	const json_t *kept;
	json_t *rec;
	char *dir;

	r = run_find(loomd, id);
	if (r != NULL)
		return run_record_json(r);
	if ((kept = run_unwritten_find(loomd, id)) != NULL)
		return json_deep_copy(kept);
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
	const json_t *kept;
	json_t *runs = json_array(), *rec, *sum;
	size_t n, i;

	refs = record_index_list(loomd->state_dir, &n);
	for (i = n; i > 0 && json_array_size(runs) < limit; i--) {
		r = run_find(loomd, refs[i - 1].id);
		if (r != NULL)
			rec = run_record_json(r);
		else if ((kept = run_unwritten_find(loomd,
		    refs[i - 1].id)) != NULL)
			rec = json_deep_copy(kept);
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

/*
 * The log of unit (step, item) of active run r: its file name (owned) in
 * *name and its state in *state; -1 when there is no such unit.
 */
static int
run_log_live(const struct run *r, const char *step, long item, char **name,
    enum run_state_kind *state, bool *loop)
{
	const struct run_step *st = NULL;
	const struct run_unit *u;
	size_t i;

	for (i = 0; i < r->nsteps && st == NULL; i++) {
		if (strcmp(r->steps[i].name, step) == 0)
			st = &r->steps[i];
	}
	*loop = st != NULL && st->loop;
	if (st == NULL || (item < 0) != !st->loop ||
	    (item >= 0 && (size_t)item >= st->nunits))
		return -1;
	u = &st->units[item < 0 ? 0 : item];
	*name = xstrdup(u->log_name);
	*state = run_unit_state(u);
	return 0;
}

/*
 * The log of unit (step, item) from record rec: its file name (owned) in
 * *name, as recorded ("log"), or as older records imply; NULL when the
 * unit never started. -1 when there is no such unit.
 */
static int
run_log_recorded(const json_t *rec, const char *step, long item,
    char **name)
{
	const json_t *steps, *s = NULL, *items, *u = NULL, *log;
	size_t i;

	*name = NULL;
	steps = json_object_get(rec, "steps");
	for (i = 0; i < json_array_size(steps); i++) {
		s = json_array_get(steps, i);
		if (json_is_string(json_object_get(s, "name")) &&
		    strcmp(json_string_value(json_object_get(s, "name")),
		    step) == 0)
			break;
	}
	if (s == NULL || i == json_array_size(steps))
		return -1;
	items = json_object_get(s, "items");
	if (item < 0 && items == NULL)
		u = s;
	else if (item >= 0 && json_is_array(items))
		u = json_array_get(items, (size_t)item);
	if (u == NULL)
		return -1;
	log = json_object_get(u, "log");
	if (json_is_string(log) && strchr(json_string_value(log), '/') ==
	    NULL && json_string_value(log)[0] != '.')
		*name = xstrdup(json_string_value(log));
	else if (json_object_get(u, "started") != NULL &&
	    !json_is_null(json_object_get(u, "started")))
		*name = run_log_name_old(step, item);
	return 0;
}

/* An empty answer to log.read at offset. */
static json_t *
run_log_empty(uint64_t offset, bool eof)
{
	return json_pack("{s:s, s:I, s:I, s:b}", "data", "", "offset",
	    (json_int_t)offset, "next", (json_int_t)offset, "eof", eof);
}

/*
 * The log file of unit (step, item) of run id: its path (owned; NULL when
 * the unit has not started or no log is named) and the unit's state.
 * -1 with rerr set for an unknown run, step or item.
 */
static int
run_log_path(struct loomd *loomd, const char *id, const char *step,
    long item, char **path, enum run_state_kind *state,
    struct rpc_error *rerr)
{
	struct loom_error err;
	struct run *r;
	json_t *rec;
	char *dir, *name = NULL;
	bool loop = false;
	int found;

	*path = NULL;
	/* A recorded run's logs are complete. */
	*state = RUNSTATE_SUCCEEDED;
	r = run_find(loomd, id);
	if (r != NULL) {
		dir = xstrdup(r->dir);
		found = run_log_live(r, step, item, &name, state, &loop);
	} else {
		dir = record_index_find(loomd->state_dir, id);
		if (dir == NULL) {
			rpc_error_set(rerr, LOOM_ERR_NO_RUN, json_pack(
			    "{s:s}", "run", id), "no such run: %s", id);
			return -1;
		}
		loom_error_clear(&err);
		rec = record_read(dir, &err);
		found = run_log_recorded(rec, step, item, &name);
		json_decref(rec);
	}
	if (found == -1 && item >= 0)
		rpc_error_set(rerr, LOOM_ERR_NO_STEP, json_pack("{s:s}", "step",
		    step), "run %s has no item %ld of step %s", id, item, step);
	else if (found == -1)
		rpc_error_set(rerr, LOOM_ERR_NO_STEP, json_pack("{s:s}", "step",
		    step), "run %s has no step %s%s", id, step, loop ?
		    " (a loop step: give an item)" : "");
	if (found != -1 && *state != RUNSTATE_PENDING && name != NULL)
		*path = xasprintf("%s/%s", dir, name);
	free(name);
	free(dir);
	return found == -1 ? -1 : 0;
}

/* log.read. */
json_t *
run_log_read(struct loomd *loomd, const char *id, const char *step,
    long item, uint64_t offset, size_t max, struct rpc_error *rerr)
{
	struct loom_error err;
	enum run_state_kind state;
	json_t *res;
	char *path, *data, *b64;
	size_t len;
	bool eof;

	if (run_log_path(loomd, id, step, item, &path, &state, rerr) == -1)
		return NULL;
	eof = runstate_is_final(state);
	if (path == NULL)
		return run_log_empty(offset, eof);
	loom_error_clear(&err);
	data = steplog_read(path, offset, max, &len, &err);
	if (data == NULL) {
		/* No file: the step has printed nothing (yet). */
		if (errno == ENOENT) {
			free(path);
			return run_log_empty(offset, eof);
		}
		rpc_error_set(rerr, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", path, "errno", errno), "%s", err.message);
		free(path);
		return NULL;
	}
	free(path);
	loomd->log_read_bytes += len;
	b64 = steplog_base64(data, len);
	free(data);
	res = json_pack("{s:s, s:I, s:I, s:b}", "data", b64, "offset",
	    (json_int_t)offset, "next", (json_int_t)(offset + len), "eof",
	    eof && len < max);
	free(b64);
	return res;
}

/*
 * log.open: pass the log file to client. Live output of a unfinished
 * stream stops for this client: it reads the file from now on.
 */
json_t *
run_log_open(struct loomd *loomd, struct rpc_client *client, const char *id,
    const char *step, long item, struct rpc_error *rerr)
{
	enum run_state_kind state;
	struct stat sb;
	char *path;
	bool complete;
	int fd = -1;

	if (run_log_path(loomd, id, step, item, &path, &state, rerr) == -1)
		return NULL;
	complete = runstate_is_final(state);
	if (path != NULL &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 &&
	    errno != ENOENT) {
		rpc_error_set(rerr, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", path, "errno", errno), "cannot open %s: %s", path,
		    strerror(errno));
		free(path);
		return NULL;
	}
	free(path);
	sb.st_size = 0;
	if (fd != -1 && (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd != -1 && rpc_client_send_fd(client, fd) == 0) {
		loomd->log_fds++;
		if (!complete)
			notify_output_off(client, id, step, item);
	} else
		fd = -1;
	return json_pack("{s:b, s:I, s:b}", "fd", fd != -1, "size",
	    (json_int_t)sb.st_size, "complete", complete);
}
