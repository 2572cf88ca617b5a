/* SPDX-License-Identifier: MIT */
/*
 * Rebuilding a dead daemon's run that has Slurm jobs still queued or
 * running (docs/slurm.md, "A daemon restart"). Crash recovery
 * (record_recover) offers each such run here, its step journal replayed.
 * Its pipeline file is planned again with the record's request (the
 * selection, overrides and settings of run.start), and the run becomes
 * an active run of this daemon, as if run.start had made it: the same
 * id and folder, a scheduler, the Slurm executor.
 *
 * The scheduler is then started and every unit it asks for is looked up
 * in the record first (run_restore_unit): one that had ended is told to
 * the scheduler as having ended, at its recorded times and with its
 * recorded status; one with a job id is taken over (run_unit_adopt,
 * executor_adopt: its output read on from where its log stops); one that
 * had not been submitted starts as in any run. Loop steps whose items
 * had been listed get those items again (run_restore_items). From then
 * on it is a run like the others: stamps, events, run.status, cancel.
 *
 * When the run cannot be rebuilt (a record without its request, a
 * pipeline file that is gone, invalid, selects other steps now, or would
 * give a step that ran another command), the reason goes to the log and
 * into the record ("rebuild_error") and run-reattach.c follows the jobs
 * without the run.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/fresh/freshness.h"
#include "common/model/command.h"
#include "common/model/graph.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"
#include "loomd/loomd.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"

extern char **environ;

/* The string at key of o, or NULL. */
static const char *
rb_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The number at key of o, or 0. */
static double
rb_num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The why of a failed rebuild: "what: err" in *why (owned). */
static int	rb_fail(char **why, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

static int
rb_fail(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*why = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The steps' environment: the client's was not recorded, so the
 * daemon's (which loomctl started with its own), plus Loom's markers.
 */
static void
rb_env(struct run *r)
{
	json_t *env = json_object();
	const char *eq;
	char **e, *key;

	for (e = environ; *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL)
			continue;
		key = xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(env, key, json_string(eq + 1));
		free(key);
	}
	run_set_env(r, env);
	json_decref(env);
}

/* Scheduler, steps, settings: what run_start sets up, from the record. */
static int
rb_setup(struct run *r, json_t *rec, json_t *req, size_t nsel, char **why)
{
	struct rpc_error rerr;
	struct loom_error err;
	const char *extra = rb_str(req, "extra");
	json_int_t mw = json_integer_value(json_object_get(rec,
	    "max_workers"));

	rb_env(r);
	r->extra = extra != NULL && *extra != '\0' ? xstrdup(extra) : NULL;
	memset(&rerr, 0, sizeof rerr);
	if (run_fresh_setup(r, req, &rerr) == -1) {
		json_decref(rerr.data);
		return rb_fail(why, "%s", rerr.message);
	}
	/* At recovery, before any client: decided here, not by the worker. */
	loom_error_clear(&err);
	if (run_fresh_decide(r, &r->fresh, &err) == -1)
		return rb_fail(why, "%s", err.message);
	r->ex = r->loomd->slurm;
	r->parallel = json_is_true(json_object_get(rec, "parallel"));
	r->max_workers = mw > 0 ? (size_t)mw : 1;
	r->request = json_deep_copy(req);
	r->s = sched_create(r->g, r->selected, r->parallel, RUN_SLURM_WORKERS,
	    (uint64_t)(r->loomd->opt.kill_grace * 1000.0));
	run_build_steps(r, nsel);
	return 0;
}

/* Push the strings of JSON array a onto v. */
static void
rb_strv_add(struct strv *v, const json_t *a)
{
	const json_t *x;
	size_t i;

	json_array_foreach(a, i, x)
		if (json_is_string(x))
			strv_push(v, json_string_value(x));
}

static bool
rb_strv_equal(const struct strv *a, const struct strv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/*
 * Whether unit o of the record (an item when item is not NULL), which
 * the dead daemon started, would run the same command now: as the
 * record has it, and as its stamp (running marker or success) has it.
 */
static bool
rb_same_command(struct run *r, size_t step, const char *item,
    const char *output, const json_t *o)
{
	struct command_env cenv;
	struct loom_error err;
	struct strv now, then;
	bool same;

	strv_init(&now);
	strv_init(&then);
	cenv.virtual_env = r->virtual_env;
	loom_error_clear(&err);
	same = command_build(r->p, step, &cenv, item, output, r->extra, &now,
	    &err) == 0;
	rb_strv_add(&then, json_object_get(o, "argv"));
	if (same && then.n > 0)
		same = rb_strv_equal(&now, &then);
	strv_free(&then);
	strv_init(&then);
	if (same && freshness_stamp_argv(r->p, step, item, output, &then,
	    &err) == 1)
		same = rb_strv_equal(&now, &then);
	strv_free(&now);
	strv_free(&then);
	return same;
}

/* Whether unit o of the record had started (or ended). */
static bool
rb_started(const json_t *o)
{
	return record_state_of(o) != RUNSTATE_PENDING || json_is_string(
	    json_object_get(o, "job")) || rb_num(o, "started") > 0;
}

/* The recorded items of loop step st (o) still listed, same commands. */
static int
rb_check_items(struct run *r, struct run_step *st, json_t *o, char **why)
{
	struct loop_items li;
	struct loom_error err;
	json_t *item;
	size_t i, k;
	int rc = 0;

	if (json_array_size(json_object_get(o, "items")) == 0)
		return 0;
	loopitems_init(&li);
	loom_error_clear(&err);
	if (loopitems_list(r->p, st->index, &li, &err) == -1) {
		loopitems_free(&li);
		return rb_fail(why, "step %s: %s", st->name, err.message);
	}
	json_array_foreach(json_object_get(o, "items"), i, item) {
		for (k = 0; k < li.items.n && (rb_str(item, "path") == NULL ||
		    strcmp(li.items.v[k], rb_str(item, "path")) != 0); k++)
			;
		if (k == li.items.n) {
			rc = rb_fail(why, "step %s: item %s is no longer there",
			    st->name, rb_str(item, "path") != NULL ?
			    rb_str(item, "path") : "?");
			break;
		}
		if (rb_started(item) && !rb_same_command(r, st->index,
		    li.items.v[k], li.outputs.v[k][0] != '\0' ?
		    li.outputs.v[k] : NULL, item)) {
			rc = rb_fail(why, "step %s: item %s would run another "
			    "command now", st->name, rb_str(item, "path"));
			break;
		}
	}
	loopitems_free(&li);
	return rc;
}

/*
 * The record's steps are r's, in the same order, and every unit that
 * ran would run the same command now; steps recorded up to date are so.
 */
static int
rb_check(struct run *r, json_t *rec, char **why)
{
	json_t *steps = json_object_get(rec, "steps"), *o;
	struct run_step *st;
	size_t i;

	if (json_array_size(steps) != r->nsteps)
		return rb_fail(why, "the pipeline now selects %zu step(s), "
		    "the run had %zu", r->nsteps, json_array_size(steps));
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		o = json_array_get(steps, i);
		if (rb_str(o, "name") == NULL ||
		    strcmp(rb_str(o, "name"), st->name) != 0)
			return rb_fail(why, "step %zu of the run is %s, the "
			    "pipeline's is now %s", i + 1, rb_str(o, "name") !=
			    NULL ? rb_str(o, "name") : "?", st->name);
		if (record_state_of(o) == RUNSTATE_UPTODATE)
			sched_set_uptodate(r->s, st->index);
		if (st->loop) {
			if (rb_check_items(r, st, o, why) == -1)
				return -1;
		} else if (rb_started(o) && !rb_same_command(r, st->index,
		    NULL, NULL, o))
			return rb_fail(why, "step %s would run another command "
			    "now", st->name);
	}
	return 0;
}

/* The run of rec, rebuilt but not yet started; NULL with *why set. */
static struct run *
rb_new(struct loomd *loomd, json_t *rec, const char *dir, char **why)
{
	json_t *req = json_object_get(rec, "request");
	const char *file = rb_str(rec, "file");
	struct rpc_error rerr;
	struct run *r;
	size_t nsel;

	if (!json_is_object(req) || file == NULL || file[0] != '/') {
		rb_fail(why, "its record has no request to plan it again from");
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->loomd = loomd;
	r->id = xstrdup(rb_str(rec, "run"));
	r->dir = xstrdup(dir);
	r->file = xstrdup(file);
	if ((r->key = realpath(r->file, NULL)) == NULL)
		r->key = xstrdup(r->file);
	sched_actions_init(&r->acts);
	strv_init(&r->env);
	memset(&rerr, 0, sizeof rerr);
	if (run_plan(r, req, false, &nsel, &rerr) == -1)
		rb_fail(why, "%s", rerr.message);
	else if (rb_setup(r, rec, req, nsel, why) == 0 &&
	    rb_check(r, rec, why) == 0)
		return r;
	json_decref(rerr.data);
	run_free(r);
	return NULL;
}

/* Whether a cancel had reached any unit of rec (the run was stopping). */
static bool
rb_was_cancelled(json_t *rec)
{
	json_t *step, *item;
	size_t i, j;

	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		if (json_object_get(step, "cancel_sent") != NULL)
			return true;
		json_array_foreach(json_object_get(step, "items"), j, item)
			if (json_object_get(item, "cancel_sent") != NULL)
				return true;
	}
	return false;
}

/* Make r active and replay it (run-int.h, run_restore_unit). */
static void
rb_enter(struct run *r, json_t *rec)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct loomd *loomd = r->loomd;
	struct rpc_error rerr;

	strv_push_owned(&r->env, xasprintf("LOOM_RUN_ID=%s", r->id));
	r->restore = json_incref(json_object_get(rec, "steps"));
	run_clock_at(r, rb_num(rec, "started"));
	sched_run_begin(r->s);
	r->ev_start = evtimer_new(loomd->base, run_start_cb, r);
	r->ev_wake = evtimer_new(loomd->base, run_wake_cb, r);
	r->ev_record = evtimer_new(loomd->base, run_record_cb, r);
	r->next = rs->active;
	rs->active = r;
	rs->nactive++;
	log_info("run %s: rebuilt from its record: %s, %zu step(s), %s, max "
	    "%zu worker(s)", r->id, r->file, r->nsteps, r->parallel ?
	    "parallel" : "sequential", r->max_workers);
	/* Start it now: the replay is over before anyone asks. */
	run_start_cb(-1, 0, r);
	json_decref(r->restore);
	r->restore = NULL;
	if (run_find(loomd, r->id) != r)
		return;		/* it has ended already */
	run_write_record(r, true);
	if (rb_was_cancelled(rec)) {
		memset(&rerr, 0, sizeof rerr);
		(void)run_cancel(loomd, r->id, &rerr);
		json_decref(rerr.data);
	}
}

/* record_adopt_cb: rebuild rec, a dead daemon's run, or follow its jobs. */
bool
run_rebuild(void *arg, json_t *rec, const char *run_dir)
{
	struct loomd *loomd = arg;
	const char *id = rb_str(rec, "run");
	char *why = NULL;
	struct run *r;

	if (loomd->slurm == NULL || id == NULL || !record_id_is_valid(id))
		return false;
	if (run_find(loomd, id) != NULL)
		return false;
	if ((r = rb_new(loomd, rec, run_dir, &why)) != NULL) {
		rb_enter(r, rec);
		return true;
	}
	log_warn("run %s: cannot be rebuilt (%s): following its jobs only",
	    id, why);
	json_object_set_new(rec, "rebuild_error", json_string(why));
	free(why);
	return run_reattach(arg, rec, run_dir);
}

/* The record's object of unit u of st, or NULL. */
static json_t *
rb_unit(struct run *r, struct run_step *st, struct run_unit *u)
{
	json_t *o = json_array_get(r->restore, (size_t)(st - r->steps));

	if (st->loop)
		return json_array_get(json_object_get(o, "items"), u->item);
	return o;
}

/* The wait status the record gives a unit that ended in state. */
static int
rb_status(const json_t *o, enum run_state_kind state)
{
	const json_t *code = json_object_get(o, "exit_code");
	const char *sig = rb_str(o, "signal");
	int n;

	if (json_is_integer(code))
		return (int)(json_integer_value(code) & 0xff) << 8;
	for (n = 1; sig != NULL && n < 65; n++)
		if (child_signal_name(n) != NULL &&
		    strcmp(child_signal_name(n), sig) == 0)
			return n;
	return state == RUNSTATE_SUCCEEDED ? 0 : 1 << 8;
}

/* Unit u's command (rb_check found it the same as it ran), for stamps. */
static void
rb_unit_argv(struct run *r, struct run_step *st, struct run_unit *u,
    const json_t *o)
{
	struct command_env cenv;
	struct loom_error err;

	cenv.virtual_env = r->virtual_env;
	loom_error_clear(&err);
	if (command_build(r->p, st->index, &cenv, u->path, u->output,
	    r->extra, &u->argv, &err) == -1) {
		strv_free(&u->argv);
		strv_init(&u->argv);
		rb_strv_add(&u->argv, json_object_get(o, "argv"));
	}
}

/* Unit u ended before the restart: tell the scheduler so, as then. */
static void
rb_ended(struct run *r, struct run_step *st, struct run_unit *u,
    const json_t *o, enum run_state_kind state)
{
	u->job = rb_str(o, "job") != NULL ? xstrdup(rb_str(o, "job")) : NULL;
	u->error = rb_str(o, "error") != NULL ? xstrdup(rb_str(o, "error")) :
	    NULL;
	u->log_kept = (unsigned long long)json_integer_value(
	    json_object_get(o, "log_bytes"));
	rb_strv_add(&u->argv, json_object_get(o, "argv"));
	if (runstate_is_failure(state))
		u->xstate = state;
	if (rb_num(o, "started") <= 0) {
		/* It never ran (its submission was refused). */
		run_clock_at(r, rb_num(o, "finished"));
		sched_spawn_failed(r->s, st->index, u->item, &r->acts);
	} else {
		u->status = rb_status(o, state);
		run_clock_at(r, rb_num(o, "started"));
		sched_spawned(r->s, st->index, u->item, &r->acts);
		run_clock_at(r, rb_num(o, "finished"));
		sched_exited(r->s, st->index, u->item, u->status, &r->acts);
		sched_output_closed(r->s, st->index, u->item, &r->acts);
	}
	run_clock(r);
}

bool
run_restore_unit(struct run *r, struct run_step *st, struct run_unit *u)
{
	const json_t *o = rb_unit(r, st, u);
	enum run_state_kind state = record_state_of(o);
	const char *job = rb_str(o, "job");

	if (o == NULL)
		return false;
	if (runstate_is_final(state)) {
		rb_ended(r, st, u, o, state);
		return true;
	}
	if ((state != RUNSTATE_RUNNING && state != RUNSTATE_PENDING) ||
	    job == NULL)
		return false;	/* never submitted: it is now */
	rb_unit_argv(r, st, u, o);
	if (state == RUNSTATE_PENDING) {
		u->xstate = RUNSTATE_PENDING;
		if (rb_str(o, "reason") != NULL)
			u->reason = xstrdup(rb_str(o, "reason"));
	}
	run_unit_adopt(r, st, u, job, rb_num(o, "started"));
	return true;
}

bool
run_restore_items(struct run *r, struct run_step *st, struct loop_items *li)
{
	json_t *o = json_array_get(r->restore, (size_t)(st - r->steps));
	json_t *items = json_object_get(o, "items"), *item;
	struct strv paths, outs;
	const char *path;
	size_t i, k;

	if (record_state_of(o) == RUNSTATE_PENDING || json_array_size(items) == 0)
		return false;
	strv_init(&paths);
	strv_init(&outs);
	json_array_foreach(items, i, item) {
		path = rb_str(item, "path");
		for (k = 0; path != NULL && k < li->items.n &&
		    strcmp(li->items.v[k], path) != 0; k++)
			;
		/* rb_check_items found each one; "" if gone since. */
		strv_push(&paths, path != NULL ? path : "");
		strv_push(&outs, path != NULL && k < li->items.n ?
		    li->outputs.v[k] : "");
	}
	strv_free(&li->items);
	strv_free(&li->outputs);
	li->items = paths;
	li->outputs = outs;
	return true;
}
