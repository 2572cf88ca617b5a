/* SPDX-License-Identifier: MIT */
/*
 * Runs as seen from outside: the run record (JSON), the summaries of
 * run.list, run.status, log.read and log.open. See run-int.h.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/util/jsonscan.h"
#include "common/util/protocol.h"
#include "loomd/child.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"
#include "loomd/steplog.h"


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

/* A loop step's item counts, into an event's or the record's text. */
void
run_item_counts_text(const struct run_step *st, struct jsontext_writer *w)
{
	size_t ok, failed;

	run_item_tally(st, &ok, &failed);
	jsontext_add_int(w, "items_total", (long long)st->nunits);
	jsontext_add_int(w, "items_succeeded", (long long)ok);
	jsontext_add_int(w, "items_failed", (long long)failed);
	jsontext_try_string(w, "failed_item", run_failed_item(st));
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

/*
 * The record as text. Each member is written where and as jansson's
 * json_object_set_new put it in the tree this replaced (so the bytes are
 * those of jsontext_dump of that tree): a string that is NULL or not
 * UTF-8 leaves its member out (jsontext_try_string), and a member set
 * twice stays where it was first set, with the later value.
 */

/* A time of the record: a real, or null when there is none (yet). */
static void
run_text_time(struct jsontext_writer *w, const char *key, double t)
{
	if (t > 0)
		jsontext_add_real(w, key, t);
	else
		jsontext_add_null(w, key);
}

/* The log fields of a unit that started. */
static void
run_text_log(struct jsontext_writer *w, const struct run_unit *u)
{
	unsigned long long dropped;
	const char *why;

	jsontext_try_string(w, "log", u->log_name);
	jsontext_add_int(w, "log_bytes", (long long)(u->log != NULL ?
	    steplog_kept(u->log) : u->log_kept));
	dropped = u->log != NULL ? steplog_dropped(u->log) : u->log_dropped;
	if (dropped == 0)
		return;
	jsontext_add_int(w, "log_dropped", (long long)dropped);
	why = u->log != NULL && steplog_error(u->log) != NULL ?
	    steplog_error(u->log) : u->log_error != NULL ? u->log_error :
	    "unknown";
	jsontext_try_string(w, "log_error", why);
}

/*
 * The fields of one unit; "state" only when with_state (a plain step has
 * written its own). A plain step's own error (step_error) replaces the
 * value of the unit's "error", where that stands: returns whether an
 * "error" was written.
 */
static bool
run_text_unit(struct jsontext_writer *w, const struct run_unit *u,
    bool with_state, const char *step_error)
{
	enum run_state_kind state = run_unit_state(u);
	struct sched_times t;
	size_t i, mark;
	bool first;

	sched_unit_times(u->run->s, u->step, u->item, &t);
	if (with_state)
		jsontext_add_string(w, "state", runstate_name(state));
	run_status_text(runstate_is_final(state) ? u->status : -1, w);
	run_text_time(w, "started", t.started);
	run_text_time(w, "finished", t.ended);
	if (u->pid > 0)
		jsontext_add_int(w, "pid", u->pid);
	else
		jsontext_add_null(w, "pid");
	jsontext_try_string(w, "job", u->job);
	if (state == RUNSTATE_PENDING)
		jsontext_try_string(w, "reason", u->reason);
	jsontext_try_string(w, "cancel_sent", u->cancel_sent);
	if (t.started != 0) {
		/*
		 * Only for a record written while the process runs (the
		 * one recovery may have to kill); known since it started.
		 */
		if (u->unit != 0 && u->pid > 0 && u->pid_start != 0)
			jsontext_add_int(w, "pid_start",
			    (long long)u->pid_start);
		jsontext_try_string(w, "marker", u->marker);
		jsontext_open(w, "argv", '[');
		for (i = 0; i < u->argv.n; i++)
			jsontext_try_string(w, NULL, u->argv.v[i]);
		jsontext_close(w, ']');
		run_text_log(w, u);
	}
	mark = w->b.len;
	first = w->first;
	if (!jsontext_try_string(w, "error", u->error))
		return false;
	if (step_error != NULL) {
		w->b.len = mark;
		w->first = first;
		if (!jsontext_try_string(w, "error", step_error))
			jsontext_try_string(w, "error", u->error);
	}
	return true;
}

/* The items of loop step st, and their counts. */
static void
run_text_items(struct jsontext_writer *w, const struct run_step *st)
{
	size_t j;

	jsontext_add_bool(w, "loop", true);
	jsontext_open(w, "items", '[');
	for (j = 0; j < st->nunits; j++) {
		jsontext_open(w, NULL, '{');
		jsontext_add_int(w, "item", (long long)j);
		jsontext_try_string(w, "path", st->units[j].path);
		jsontext_try_string(w, "name", st->units[j].name);
		run_text_unit(w, &st->units[j], true, NULL);
		jsontext_close(w, '}');
	}
	jsontext_close(w, ']');
	run_item_counts_text(st, w);
}

/* One step of the record. */
static void
run_text_step(struct jsontext_writer *w, const struct run *r,
    const struct run_step *st)
{
	enum run_state_kind state = run_step_state(r, st);
	struct sched_times t;
	bool error = false;
	size_t j;

	sched_step_times(r->s, st->index, &t);
	jsontext_open(w, NULL, '{');
	jsontext_try_string(w, "name", st->name);
	jsontext_add_string(w, "state", runstate_name(state));
	if (!st->loop && st->nunits == 1)
		error = run_text_unit(w, &st->units[0], false, st->error);
	else {
		run_status_text(runstate_is_failure(state) ? st->status :
		    state == RUNSTATE_SUCCEEDED ? 0 : -1, w);
		run_text_time(w, "started", t.started);
		run_text_time(w, "finished", t.ended);
	}
	if (st->loop)
		run_text_items(w, st);
	if (st->because.n > 0) {
		jsontext_open(w, "because", '[');
		for (j = 0; j < st->because.n; j++)
			jsontext_try_string(w, NULL, st->because.v[j]);
		jsontext_close(w, ']');
	}
	if (!error)
		jsontext_try_string(w, "error", st->error);
	if (t.ended_ms > 0 && t.started_ms > 0)
		jsontext_add_real(w, "duration",
		    (double)(t.ended_ms - t.started_ms) / 1000.0);
	jsontext_close(w, '}');
}

/* A string of the record that its summary has too (null if left out). */
static void
run_text_both(struct jsontext_writer *w, struct jsontext_writer *sum,
    const char *key, const char *s)
{
	jsontext_try_string(w, key, s);
	if (!jsontext_try_string(sum, key, s))
		jsontext_add_null(sum, key);
}

/* The record's fields before "steps_total". */
static void
run_text_head(struct jsontext_writer *w, struct jsontext_writer *sum,
    const struct run *r)
{
	struct sched_times t;
	double queued_at;

	sched_run_times(r->s, &t, &queued_at);
	run_text_both(w, sum, "run", r->id);
	run_text_both(w, sum, "file", r->file);
	jsontext_try_string(w, "dir", r->dir);
	run_text_both(w, sum, "state", runstate_name(sched_run_view(r->s)));
	run_text_time(w, "started", t.started);
	run_text_time(sum, "started", t.started);
	if (queued_at > 0) {
		run_text_time(w, "queued_at", queued_at);
		jsontext_try_string(w, "queued_behind", r->behind);
	}
	jsontext_try_string(w, "error", r->error);
	run_text_time(w, "finished", t.ended);
	run_text_time(sum, "finished", t.ended);
	jsontext_add_int(w, "daemon_pid", getpid());
	jsontext_try_string(w, "daemon_lock", r->loomd->pid_path);
	jsontext_add_int(w, "daemon_start", (long long)
	    run_state_get(r->loomd)->daemon_start);
	jsontext_add_bool(w, "parallel", r->parallel);
	jsontext_add_int(w, "max_workers", (long long)r->max_workers);
	jsontext_add_value(w, "request", r->request);
}

/* The whole record of a run, and its summary (run-int.h). */
char *
run_record_text(const struct run *r, size_t *len, char **sum,
    size_t *sum_len)
{
	struct jsontext_writer w, ws;
	struct sched_counts cnt;
	long long counts[6];
	static const char *const keys[6] = {
		"steps_total", "steps_done", "steps_succeeded",
		"steps_failed", "steps_skipped", "steps_cancelled",
	};
	char *text;
	size_t i, done = 0;

	run_counts(r, &cnt);
	for (i = 0; i < r->nsteps; i++)
		if (runstate_is_final(run_step_state(r, &r->steps[i])))
			done++;
	counts[0] = (long long)cnt.total;
	counts[1] = (long long)done;
	counts[2] = (long long)cnt.succeeded;
	counts[3] = (long long)cnt.failed;
	counts[4] = (long long)cnt.skipped;
	counts[5] = (long long)cnt.cancelled;
	jsontext_begin(&w, NULL);
	jsontext_begin(&ws, NULL);
	run_text_head(&w, &ws, r);
	for (i = 0; i < 6; i++) {
		jsontext_add_int(&w, keys[i], counts[i]);
		jsontext_add_int(&ws, keys[i], counts[i]);
	}
	jsontext_open(&w, "steps", '[');
	for (i = 0; i < r->nsteps; i++)
		run_text_step(&w, r, &r->steps[i]);
	jsontext_close(&w, ']');
	*sum = jsontext_end(&ws, sum_len);
	if ((text = jsontext_end(&w, len)) == NULL) {
		free(*sum);
		*sum = NULL;
	}
	return text;
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

/*
 * A record's text read back (a new reference): by the quick reader when
 * it can (no escapes: most records), else by jansson.
 */
static json_t *
run_json_read(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *v;

	if ((v = jsonscan_parse(text, len)) != NULL)
		return v;
	return json_loadb(text, len, 0, &jerr);
}

/*
 * The record of active run r as JSON (a new reference), read back from
 * its text: the very record written; NULL with rerr set when it cannot
 * be encoded. With summary, only its summary.
 */
static json_t *
run_record_now(const struct run *r, bool summary, struct rpc_error *rerr)
{
	json_t *rec = NULL;
	char *text, *sum;
	size_t len, sum_len;

	if ((text = run_record_text(r, &len, &sum, &sum_len)) != NULL)
		rec = summary ? run_json_read(sum, sum_len) :
		    run_json_read(text, len);
	free(text);
	free(sum);
	if (rec == NULL && rerr != NULL)
		rpc_error_set(rerr, JSONRPC_INTERNAL_ERROR, NULL,
		    "run %s: cannot encode the run record", r->id);
	return rec;
}

/* A record kept unwritten (run-int.h), or its summary, as JSON. */
static json_t *
run_unwritten_json(const struct run_unwritten *w, bool summary)
{
	return summary ? run_json_read(w->sum, w->sum_len) :
	    run_json_read(w->text, w->len);
}

/* run.status. */
json_t *
run_status(struct loomd *loomd, const char *id, struct rpc_error *rerr)
{
	const struct run_unwritten *kept;
	struct loom_error err;
	struct run *r;
	json_t *rec;
	char *dir;

	r = run_find(loomd, id);
	if (r != NULL)
		return run_record_now(r, false, rerr);
	if ((kept = run_unwritten_find(loomd, id)) != NULL)
		return run_unwritten_json(kept, false);
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

/*
 * True when a run's recorded file (relocated: record_relocate) is the
 * pipeline file (real: its real path): the same path, or one that
 * resolves to it.
 */
static bool
run_list_same_file(const char *recorded, const char *file, const char *real)
{
	const char *a, *b;
	char other[PATH_MAX];

	if (recorded == NULL)
		return false;
	if (strcmp(recorded, real) == 0 || strcmp(recorded, file) == 0)
		return true;
	a = strrchr(recorded, '/');
	b = strrchr(real, '/');
	return a != NULL && b != NULL && strcmp(a, b) == 0 &&
	    realpath(recorded, other) != NULL && strcmp(other, real) == 0;
}

/*
 * The runs folder beside pipeline file path, with its runs added to the
 * index (record_index_adopt): "<its folder>/.loom/runs/" (owned).
 */
static char *
run_list_folder(struct loomd *loomd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *exp;

	exp = slash == NULL || slash == path ? xstrdup("") :
	    xstrndup(path, (size_t)(slash - path));
	(void)record_index_adopt(loomd->state_dir, exp[0] == '\0' ? "/" :
	    exp);
	free(exp);
	return xasprintf("%.*s/.loom/runs/", slash == NULL ? 0 :
	    (int)(slash - path), path);
}

/* run.list: the newest runs, active ones from memory. */
json_t *
run_list(struct loomd *loomd, size_t limit, const char *file)
{
	const struct run_unwritten *kept;
	struct record_ref *refs;
	struct loom_error err;
	struct run *r;
	json_t *runs = json_array(), *rec, *sum;
	char *real = NULL, *in[2] = { NULL, NULL };
	size_t n, i;

	if (file != NULL) {
		if ((real = realpath(file, NULL)) == NULL)
			real = xstrdup(file);
		/*
		 * Its runs are in <its folder>/.loom/runs/<id>: the folder of
		 * its real path, or of the path given (a link to it).
		 */
		in[0] = run_list_folder(loomd, real);
		if (strcmp(real, file) != 0)
			in[1] = run_list_folder(loomd, file);
	}
	refs = record_index_list(loomd->state_dir, &n);
	for (i = n; i > 0 && json_array_size(runs) < limit; i--) {
		/* Only those beside the file need reading. */
		if (real != NULL && strncmp(refs[i - 1].dir, in[0],
		    strlen(in[0])) != 0 && (in[1] == NULL || strncmp(
		    refs[i - 1].dir, in[1], strlen(in[1])) != 0))
			continue;
		r = run_find(loomd, refs[i - 1].id);
		if (r != NULL)
			sum = run_record_now(r, true, NULL);
		else if ((kept = run_unwritten_find(loomd,
		    refs[i - 1].id)) != NULL)
			sum = run_unwritten_json(kept, true);
		else if ((sum = record_read_summary(refs[i - 1].dir)) == NULL) {
			loom_error_clear(&err);
			rec = record_read(refs[i - 1].dir, &err);
			sum = rec != NULL ? record_summary(rec) : NULL;
			json_decref(rec);
		}
		if (sum != NULL && real != NULL && !run_list_same_file(
		    json_string_value(json_object_get(sum, "file")), file,
		    real)) {
			json_decref(sum);
			continue;
		}
		if (sum != NULL)
			json_array_append_new(runs, sum);
	}
	record_refs_free(refs, n);
	free(in[0]);
	free(in[1]);
	free(real);
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
