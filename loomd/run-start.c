/* SPDX-License-Identifier: MIT */
/*
 * run.start: from a request to a scheduled run (load, validate, select,
 * environment, run folder and record). See run-int.h.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/model/command.h"
#include "common/util/fileio.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/util/log.h"
#include "common/util/numtext.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/util/protocol.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/plancache.h"
#include "loomd/record.h"
#include "loomd/rpc-params.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"

/* A loom_error as error.data of -32004. */
static json_t *
run_error_data(const struct loom_error *err)
{
	return json_pack("{s:s, s:i, s:i, s:o}", "file", err->file,
	    "line", err->line, "column", err->column, "hint",
	    err->hint[0] != '\0' ? json_string(err->hint) : json_null());
}

/* Create the parent folders of the outputs of the plain steps to run. */
static int
run_make_output_dirs(struct run *r, struct rpc_error *rerr)
{
	struct pipeline_map *made = pipeline_map_create(16);
	struct loom_error err;
	struct strv outs, dirs;
	char *slash;
	size_t i, j;
	int rc = -1;

	/*
	 * Each folder once: steps of a pipeline share a few folders. A run
	 * starting now (not queued, nothing to fetch) runs only the steps
	 * its check found out of date; the others have their outputs.
	 */
	strv_init(&dirs);
	strv_init(&outs);
	for (i = 0; i < r->p->nsteps; i++) {
		if (!r->selected[i] || (!r->queued && !r->fetching &&
		    r->fresh != NULL && !r->fresh->steps[i].will_run))
			continue;
		strv_free(&outs);
		loom_error_clear(&err);
		if (command_output_paths(r->p, i, NULL, &outs, &err) == -1) {
			rpc_error_set(rerr, LOOM_ERR_USAGE, run_error_data(&err),
			    "%s", err.message);
			goto fail;
		}
		for (j = 0; j < outs.n; j++) {
			slash = strrchr(outs.v[j], '/');
			if (slash == NULL || slash == outs.v[j])
				continue;
			*slash = '\0';
			if (pipeline_map_get(made, outs.v[j]) != -1)
				continue;
			if (fileio_mkdirs(outs.v[j], 0755, &err) == -1) {
				rpc_error_set(rerr, LOOM_ERR_FILE, json_pack(
				    "{s:s, s:i}", "path", outs.v[j], "errno",
				    ENOTDIR), "%s", err.message);
				goto fail;
			}
			strv_push(&dirs, outs.v[j]);
			pipeline_map_add(made, dirs.v[dirs.n - 1], dirs.n - 1);
		}
	}
	rc = 0;
fail:
	strv_free(&outs);
	strv_free(&dirs);
	pipeline_map_free(made);
	return rc;
}

/*
 * Whether runs a and b of one pipeline file get in each other's way: they
 * select a step in common, or a step of one consumes what a step of the
 * other produces (by step name: each run loaded the file itself).
 */
bool
run_overlaps(const struct run *a, const struct run *b)
{
	const struct run *x, *y;
	const size_t *deps;
	ssize_t j;
	size_t i, k, n;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		x = pass == 0 ? a : b;
		y = pass == 0 ? b : a;
		for (i = 0; i < x->p->nsteps; i++) {
			if (!x->selected[i])
				continue;
			j = pipeline_step_index(y->p, x->p->steps[i].name);
			if (j >= 0 && y->selected[j])
				return true;
			deps = graph_deps(x->g, i, &n);
			for (k = 0; k < n; k++) {
				j = pipeline_step_index(y->p,
				    x->p->steps[deps[k]].name);
				if (j >= 0 && y->selected[j])
					return true;
			}
		}
	}
	return false;
}

/*
 * Runs of one pipeline file (by real path) that overlap (run_overlaps)
 * go one at a time: r waits (behind the overlapping run that runs now,
 * else the newest queued one), or with no_wait is refused naming it
 * (-32007). Runs of
 * separate steps go side by side. Returns 0, or -1 with rerr set.
 */
static int
run_queue_check(struct run_state *rs, struct run *r, bool no_wait,
    struct rpc_error *rerr)
{
	struct run *o, *ahead = NULL;

	for (o = rs->active; o != NULL; o = o->next) {
		if (o == r || strcmp(o->key, r->key) != 0 || o->p == NULL ||
		    o->selected == NULL || !run_overlaps(o, r))
			continue;
		/* The running one is named; else the newest queued one. */
		if (ahead == NULL || !o->queued)
			ahead = o;
		if (!o->queued)
			break;
	}
	if (ahead == NULL)
		return 0;
	if (no_wait) {
		rpc_error_set(rerr, LOOM_ERR_BUSY, json_pack("{s:s, s:s}",
		    "run", ahead->id, "hint", "wait for it ('loomctl wait "
		    "RUN'), cancel it ('loomctl cancel RUN'), or run without "
		    "--no-wait to queue behind it"), "%s is already running "
		    "as run %s", r->file, ahead->id);
		return -1;
	}
	r->queued = true;
	r->behind = xstrdup(ahead->id);
	return 0;
}

/*
 * Whether r, starting now, has nothing to run: every selected step is up
 * to date and no URL data is being fetched. It then ends on its first
 * loop pass without starting a process, and its record is written once,
 * at that end.
 */
static bool
run_ends_at_once(const struct run *r)
{
	size_t k;

	if (r->queued || r->fetching || r->fresh == NULL)
		return false;
	for (k = 0; k < r->p->nsteps; k++)
		if (r->selected[k] && r->fresh->steps[k].will_run)
			return false;
	return true;
}

/* Mark the selected steps that are up to date (before the start). */
static void
run_mark_uptodate(struct run *r)
{
	size_t k;

	for (k = 0; k < r->p->nsteps; k++)
		if (r->selected[k] && !r->fresh->steps[k].will_run)
			sched_set_uptodate(r->s, k);
}

/* In the hashing worker: decide what is up to date for r. */
static void
run_check_work(void *arg)
{
	struct run *r = arg;

	loom_error_clear(&r->check_err);
	r->check_rc = run_fresh_decide(r, &r->check_fresh, &r->check_err);
}

/*
 * Decide r's freshness off the loop (run_fresh_setup done), then call
 * done(r, ...) on the loop; without a worker, here and now.
 */
static void
run_check(struct run *r, hashwork_call_cb done)
{
	struct hashwork *hw = loomd_hashwork(r->loomd);

	r->checking = true;
	if (hw != NULL) {
		hashwork_call(hw, run_check_work, done, r);
		return;
	}
	run_check_work(r);
	done(r, true);
}

/* The check is back: r->fresh is its plan; -1 with rerr set if none. */
static int
run_checked(struct run *r, struct rpc_error *rerr)
{
	r->checking = false;
	if (r->check_rc == -1) {
		rpc_error_set(rerr, JSONRPC_INTERNAL_ERROR, NULL, "%s",
		    r->check_err.message);
		return -1;
	}
	freshness_plan_free(r->fresh);
	r->fresh = r->check_fresh;
	r->check_fresh = NULL;
	run_state_get(r->loomd)->commands_built += r->fresh->nbuilt;
	run_state_get(r->loomd)->commands_reused += r->fresh->nreused;
	return 0;
}

/* A queued run's check is back: start it, or end it failed. */
static void
run_begin_checked(void *arg, bool ran)
{
	struct timeval zero = { 0, 0 };
	struct run *r = arg;
	struct rpc_error rerr;

	if (!ran)
		return;		/* the daemon is exiting: it frees r */
	memset(&rerr, 0, sizeof rerr);
	if (run_checked(r, &rerr) == -1 || r->cancel_asked) {
		if (!r->cancel_asked)
			log_warn("run %s: %s", r->id, rerr.message);
		json_decref(rerr.data);
		if (!r->cancel_asked)
			r->error = xstrdup(rerr.message);
		run_end_unstarted(r, r->cancel_asked ?
		    SCHED_RESULT_CANCELLED : SCHED_RESULT_FAILED);
		return;
	}
	r->queued = false;
	run_mark_uptodate(r);
	run_clock(r);
	sched_run_begin(r->s);
	if (!run_ends_at_once(r))
		run_write_record(r, true);
	evtimer_add(r->ev_start, &zero);
}

/*
 * A queued run's turn: decide what is up to date now (the run before it
 * may have made things so; in the hashing worker, the run still queued
 * meanwhile), then start it as run.start would have. When that fails
 * the run ends failed, with the reason as its "error".
 */
void
run_begin(struct run *r)
{
	struct rpc_error rerr;

	memset(&rerr, 0, sizeof rerr);
	log_info("run %s: its turn has come", r->id);
	if (run_fresh_setup(r, r->request, &rerr) == -1) {
		log_warn("run %s: %s", r->id, rerr.message);
		json_decref(rerr.data);
		r->error = xstrdup(rerr.message);
		run_end_unstarted(r, SCHED_RESULT_FAILED);
		return;
	}
	run_check(r, run_begin_checked);
}

/* The run's steps (nsel selected ones), in execution order. */
void
run_build_steps(struct run *r, size_t nsel)
{
	const size_t *order = graph_order(r->g);
	struct run_step *st;
	size_t i, k, n = 0;
	char num[NUMTEXT_MAX + 1];
	int lp;

	r->by_index = xcalloc(r->p->nsteps + 1, sizeof *r->by_index);
	r->steps = xcalloc(nsel + 1, sizeof *r->steps);
	for (k = 0; k < r->p->nsteps; k++) {
		i = order[k];
		if (!r->selected[i])
			continue;
		st = &r->steps[n++];
		st->index = i;
		st->name = r->p->steps[i].name;
		st->status = -1;
		st->failed_item = -1;
		strv_init(&st->because);
		r->by_index[i] = st;
		if (r->p->steps[i].loop != NULL) {
			lp = r->p->steps[i].loop->parallel;
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
		st->units[0].log_name = run_log_name(i, st->name, -1);
		st->units[0].label = xstrdup(st->name);
		num[numtext_uint(num, i)] = '\0';
		st->units[0].marker = xstrjoin("LOOM_STEP_ID=", r->id, "-",
		    num, "-0", NULL);
	}
	r->nsteps = n;
}

/* -1 with rerr set unless env maps names to strings. */
static int
run_check_env(json_t *env, struct rpc_error *rerr)
{
	const char *key;
	json_t *v;

	json_object_foreach(env, key, v) {
		if (!json_is_string(v) || strchr(key, '=') != NULL ||
		    *key == '\0') {
			rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
			    "\"env\" must map names to strings");
			return -1;
		}
	}
	return 0;
}

/* The executor of kind: the local one unless slurm. */
static struct executor *
run_executor(struct loomd *loomd, enum executor_kind kind)
{
	return kind == EXECUTOR_SLURM ? loomd->slurm : loomd->executor;
}

/* Workers: max_workers asked for, else the file's, else the CPUs. */
static size_t
run_workers(const struct run *r, long long asked)
{
	long ncpu;

	if (asked > 0)
		return (size_t)asked;
	if (r->p->exec.max_workers > 0)
		return (size_t)r->p->exec.max_workers;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return ncpu > 0 ? (size_t)ncpu : 1;
}

/* The steps' environment: the client's env, never the daemon's. */
void
run_set_env(struct run *r, json_t *env)
{
	const char *key;
	json_t *v;

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
}

/* The run.queued event (steps stolen): subscribers see it at once. */
static void
run_announce_queued(struct run *r, json_t *steps)
{
	json_t *params;

	if (!notify_wanted(r->loomd, r->id)) {
		json_decref(steps);
		return;
	}
	params = json_pack("{s:s, s:s, s:o}", "run", r->id, "file", r->file,
	    "steps", steps);
	if (r->behind != NULL)
		json_object_set_new(params, "queued_behind",
		    json_string(r->behind));
	notify_event(r->loomd, r->id, LOOM_EVENT_RUN_QUEUED, params);
}

/* "steps_total" and "steps_uptodate" (r's freshness known) into result. */
static void
run_step_counts(const struct run *r, json_t *result)
{
	size_t k, n = 0;

	json_object_set_new(result, "steps_total",
	    json_integer((json_int_t)r->nsteps));
	if (r->fresh == NULL)
		return;
	for (k = 0; k < r->p->nsteps; k++)
		if (r->selected[k] && !r->fresh->steps[k].will_run)
			n++;
	json_object_set_new(result, "steps_uptodate",
	    json_integer((json_int_t)n));
}

/*
 * Make r active: running (its start deferred to the next loop pass, so
 * the reply goes out first) or queued (announced with run.queued).
 * Returns the run.start result.
 */
static json_t *
run_enter(struct run *r, struct rpc_client *client, bool subscribe)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct loomd *loomd = r->loomd;
	struct timeval zero = { 0, 0 };
	json_t *result, *steps;
	bool brief;

	strv_push_owned(&r->env, xasprintf("LOOM_RUN_ID=%s", r->id));
	run_clock(r);
	if (r->queued)
		sched_run_queued(r->s);
	else
		sched_run_begin(r->s);
	r->ev_start = evtimer_new(loomd->base, run_start_cb, r);
	r->ev_wake = evtimer_new(loomd->base, run_wake_cb, r);
	r->ev_record = evtimer_new(loomd->base, run_record_cb, r);
	if (!run_ends_at_once(r))
		run_write_record(r, true);
	r->next = rs->active;
	rs->active = r;
	rs->nactive++;
	if (client != NULL && subscribe)
		notify_subscribe(client, r->id);
	/*
	 * Built once: the reply, and run.queued or run.started, share it.
	 * A client folding the steps up to date gets their counts instead
	 * (run_step_counts); run.started builds the list if others want it.
	 */
	brief = !r->queued && json_is_true(json_object_get(r->request,
	    "fold_fresh"));
	steps = brief ? NULL : run_stepinfo(r);
	if (!r->queued) {
		r->stepinfo = steps != NULL ? json_incref(steps) : NULL;
		evtimer_add(r->ev_start, &zero);
	} else
		run_announce_queued(r, json_incref(steps));
	log_info("run %s: %s, %zu step(s), %s, max %zu worker(s)%s%s%s", r->id,
	    r->file, r->nsteps, r->parallel ? "parallel" : "sequential",
	    r->max_workers, r->behind != NULL ? ", queued behind " : "",
	    r->behind != NULL ? r->behind : "",
	    r->fetching ? ", downloading its URL data" : "");
	loomd_update_idle(loomd);

	result = json_pack("{s:s, s:s, s:b, s:I, s:s}", "run", r->id,
	    "dir", r->dir, "parallel", r->parallel,
	    "max_workers", (json_int_t)r->max_workers, "state",
	    runstate_name(sched_run_view(r->s)));
	if (steps != NULL)
		json_object_set_new(result, "steps", steps);
	else
		run_step_counts(r, result);
	if (r->behind != NULL)
		json_object_set_new(result, "queued_behind",
		    json_string(r->behind));
	return result;
}

/* The parameters of run.start, checked (borrowed from the request). */
struct run_start_args {
	const char *file, *cwd, *extra, *executor, *deps;
	json_t *env;
	long long mw;
	bool parallel, has_parallel, subscribe, no_wait, force;
	bool refuse_empty;
};

/* Read and check run.start's own parameters. */
static int
run_start_args(json_t *params, struct run_start_args *a,
    struct rpc_error *rerr)
{
	json_t *v;

	memset(a, 0, sizeof *a);
	if ((a->file = rpc_param_string(params, "file", true, rerr)) == NULL)
		return -1;
	a->cwd = rpc_param_string(params, "cwd", false, rerr);
	a->env = rpc_param_object(params, "env", true, rerr);
	a->extra = rpc_param_string(params, "extra", false, rerr);
	a->executor = rpc_param_string(params, "executor", false, rerr);
	v = json_object_get(params, "executor");
	if (a->executor == NULL && v != NULL && !json_is_null(v))
		return -1;	/* not a string: rerr says so */
	if (a->executor != NULL &&
	    resources_executor(a->executor) == EXECUTOR_DEFAULT) {
		rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
		    "\"executor\" must be \"local\" or \"slurm\", not \"%s\"",
		    a->executor);
		return -1;
	}
	a->deps = rpc_param_string(params, "slurm_dependencies", false, rerr);
	v = json_object_get(params, "slurm_dependencies");
	if (a->deps == NULL && v != NULL && !json_is_null(v))
		return -1;
	if (a->deps != NULL && resources_deps(a->deps) == SLURM_DEPS_DEFAULT) {
		rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
		    "\"slurm_dependencies\" must be \"loom\" or \"slurm\", "
		    "not \"%s\"", a->deps);
		return -1;
	}
	if (a->env == NULL || rpc_param_int(params, "max_workers", false, 0,
	    100000, &a->mw, rerr) == -1 || rpc_param_bool(params, "subscribe",
	    false, &a->subscribe, rerr) == -1 || rpc_param_bool(params,
	    "no_wait", false, &a->no_wait, rerr) == -1 ||
	    rpc_param_bool(params, "force", false, &a->force, rerr) == -1 ||
	    rpc_param_bool(params, "refuse_empty", false, &a->refuse_empty,
	    rerr) == -1)
		return -1;
	v = json_object_get(params, "parallel");
	a->has_parallel = v != NULL && !json_is_null(v);
	if (a->has_parallel && rpc_param_bool(params, "parallel", false,
	    &a->parallel, rerr) == -1)
		return -1;
	if (a->file[0] != '/' && (a->cwd == NULL || a->cwd[0] != '/')) {
		rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
		    "\"file\" must be absolute, or \"cwd\" given");
		return -1;
	}
	return run_check_env(a->env, rerr);
}

/*
 * The second half of run.start, once r's freshness is known (or r is
 * queued): output folders, the run's folder and record, the scheduler,
 * and r made active. Returns the run.start result, or NULL with rerr set.
 */
static json_t *
run_start_finish(struct run *r, struct rpc_error *rerr)
{
	struct loomd *loomd = r->loomd;
	struct loom_error err;
	json_t *result;
	size_t k, nsel = 0;

	/* Output folders first: a file in the way stops the run here. */
	if (run_make_output_dirs(r, rerr) == -1)
		return NULL;
	loom_error_clear(&err);
	r->id = record_create(r->p->dir, loomd->state_dir, &r->dir, &err);
	if (r->id == NULL) {
		rpc_error_set(rerr, LOOM_ERR_FILE, json_pack("{s:s}", "path",
		    r->p->dir), "%s", err.message);
		return NULL;
	}
	loom_error_clear(&err);
	if (record_index_add(loomd->state_dir, r->id, r->dir, &err) == -1)
		log_warn("run %s: %s", r->id, err.message);
	/*
	 * On Slurm, Slurm places the work: every ready unit is submitted
	 * (a loop's items as one job array), and max_workers bounds the
	 * items of an array running at once (--array=0-N%K).
	 */
	r->s = sched_create(r->g, r->selected, r->parallel,
	    r->ex == loomd->slurm ? RUN_SLURM_WORKERS : r->max_workers,
	    (uint64_t)(loomd->opt.kill_grace * 1000.0));
	if (r->ahead)
		sched_set_ahead(r->s);
	for (k = 0; k < r->p->nsteps; k++)
		nsel += r->selected[k];
	run_build_steps(r, nsel);
	if (!r->queued)
		run_mark_uptodate(r);
	result = run_enter(r, rpc_deferred_client(r->reply), r->subscribe);
	/* Asked for: what validating the file warned about. */
	if (r->plan_ref != NULL &&
	    json_is_true(json_object_get(r->request, "warnings")))
		json_object_set_new(result, "warnings", rpc_params_diags(
		    plancache_warnings(r->plan_ref)));
	return result;
}

/* Take r off the list of requests preparing. */
static void
run_start_unlist(struct run_state *rs, struct run *r)
{
	struct run **pp;

	for (pp = &rs->preparing; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	r->next = NULL;
}

/*
 * Answer r's run.start (result NULL: rerr) and free r when it failed;
 * r is off the list already.
 */
static void
run_start_reply(struct run *r, json_t *result, struct rpc_error *rerr)
{
	struct rpc_deferred *d = r->reply;

	r->reply = NULL;
	if (result == NULL)
		run_free(r);
	rpc_deferred_reply(d, result, rerr);
}

/* r's check is back (ran false: dropped at exit): answer run.start. */
static void
run_start_checked(void *arg, bool ran)
{
	struct run *r = arg;
	struct run_state *rs = run_state_get(r->loomd);
	struct rpc_error rerr;
	json_t *result = NULL;

	memset(&rerr, 0, sizeof rerr);
	run_start_unlist(rs, r);
	if (!ran || rs->stopping) {
		r->checking = false;
		rpc_error_set(&rerr, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
	} else if (run_checked(r, &rerr) == 0)
		result = run_start_finish(r, &rerr);
	run_start_reply(r, result, &rerr);
	if (ran)
		run_start_pump(rs);
}

/*
 * Go on with a run.start whose turn has come: queue or refuse it behind
 * an overlapping run, start its downloads, hand its freshness to the
 * worker (the reply then waits), or finish it now when it is queued.
 */
static void
run_start_go(struct run_state *rs, struct run *r)
{
	struct rpc_error rerr;
	json_t *result = NULL;

	memset(&rerr, 0, sizeof rerr);
	if (rs->stopping)
		rpc_error_set(&rerr, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
	else if (run_queue_check(rs, r, r->no_wait, &rerr) == 0 &&
	    run_fetch_start(r, &rerr) == 0 && !r->queued &&
	    run_fresh_setup(r, r->request, &rerr) == 0) {
		run_check(r, run_start_checked);
		return;
	}
	run_start_unlist(rs, r);
	/* A queued run decides what is up to date when its turn comes. */
	if (rerr.code == 0)
		result = run_start_finish(r, &rerr);
	run_start_reply(r, result, &rerr);
}

/* Whether r must wait for a request ahead of it (it overlaps one). */
static bool
run_start_blocked(struct run_state *rs, struct run *r)
{
	struct run *o;

	for (o = rs->preparing; o != NULL && o != r; o = o->next)
		if (strcmp(o->key, r->key) == 0 && run_overlaps(o, r))
			return true;
	return false;
}

/*
 * Let the requests preparing go on, oldest first, except those behind
 * an overlapping one still being checked or waiting: they then see it
 * registered (run_queue_check) exactly as if it had been answered at
 * once, queued behind it or refused naming it.
 */
void
run_start_pump(struct run_state *rs)
{
	struct run *r;

	if (rs->pumping) {
		rs->pump_again = true;
		return;
	}
	rs->pumping = true;
	do {
		rs->pump_again = false;
		for (r = rs->preparing; r != NULL; r = r->next) {
			if (r->checking || run_start_blocked(rs, r))
				continue;
			run_start_go(rs, r);
			rs->pump_again = true;	/* the list changed */
			break;
		}
	} while (rs->pump_again);
	rs->pumping = false;
}

void
run_start_drop_all(struct run_state *rs)
{
	struct rpc_error rerr;
	struct run *r;

	while (rs->preparing != NULL) {
		memset(&rerr, 0, sizeof rerr);
		rpc_error_set(&rerr, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
		r = rs->preparing;
		run_start_unlist(rs, r);
		run_start_reply(r, NULL, &rerr);
	}
}

/*
 * Whether Slurm holds r's steps for their inputs: the request's
 * slurm_dependencies, else the file's. The file's is ignored by the
 * local executor (the same file runs either way); asked for in the
 * request, it is refused there. -1 with rerr set.
 */
static int
run_start_ahead(struct loomd *loomd, struct run *r,
    const struct run_start_args *a, struct rpc_error *rerr)
{
	enum slurm_deps deps = a->deps != NULL ? resources_deps(a->deps) :
	    r->p->exec.slurm_deps;

	if (a->deps != NULL && deps == SLURM_DEPS_SLURM &&
	    r->ex != loomd->slurm) {
		rpc_error_set(rerr, JSONRPC_INVALID_PARAMS, NULL,
		    "\"slurm_dependencies\": \"slurm\" needs the Slurm "
		    "executor (executor: slurm, or --executor slurm)");
		return -1;
	}
	r->ahead = r->ex == loomd->slurm && deps == SLURM_DEPS_SLURM;
	return 0;
}

/* A new run of a.file, before its plan. */
static struct run *
run_new(struct loomd *loomd, const struct run_start_args *a)
{
	struct run *r = xcalloc(1, sizeof *r);

	r->loomd = loomd;
	r->ex = loomd->executor;
	r->file = a->file[0] == '/' ? xstrdup(a->file) :
	    xasprintf("%s/%s", a->cwd, a->file);
	if ((r->key = realpath(r->file, NULL)) == NULL)
		r->key = xstrdup(r->file);
	sched_actions_init(&r->acts);
	strv_init(&r->env);
	r->subscribe = a->subscribe;
	r->no_wait = a->no_wait;
	return r;
}

int
run_plan(struct run *r, json_t *params, bool check_sources, size_t *nsel,
    struct rpc_error *rerr)
{
	struct rpc_plan_args pa;
	struct plan pl;
	enum plan_status pst;

	if (rpc_params_plan_args(params, r->file, true, &pa, rerr) == -1) {
		rpc_params_plan_args_free(&pa);
		return -1;
	}
	pa.rq.check_sources = check_sources;
	pst = plancache_plan(run_state_get(r->loomd)->plans, &pl, &pa.rq,
	    &r->plan_ref);
	rpc_params_plan_args_free(&pa);
	if (pst != PLAN_OK) {
		rpc_params_plan_error(&pl, pst, r->file, rerr);
		if (r->plan_ref != NULL) {
			pl.p = NULL;
			pl.g = NULL;
		}
		plan_free(&pl);
		return -1;
	}
	r->p = pl.p;
	r->g = pl.g;
	r->selected = pl.selected;
	if (nsel != NULL)
		*nsel = pl.nselected;
	pl.p = NULL;
	pl.g = NULL;
	pl.selected = NULL;
	plan_free(&pl);
	return 0;
}

/*
 * Start a run (run.start). The file is loaded and checked here, on the
 * loop; what is up to date is decided by the hashing worker (task
 * scripts and recent files are hashed) and the reply sent when it is
 * back (run_start_checked). Until then the request waits in
 * rs->preparing, and requests of overlapping steps behind it wait too.
 */
json_t *
run_start(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *rerr)
{
	struct run_state *rs = run_state_get(loomd);
	struct run_start_args a;
	struct run **pp;
	struct run *r;
	size_t nsel;

	if (rs == NULL || rs->stopping) {
		rpc_error_set(rerr, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
		return NULL;
	}
	if (run_start_args(params, &a, rerr) == -1)
		return NULL;
	r = run_new(loomd, &a);
	if (run_plan(r, params, true, &nsel, rerr) == -1) {
		run_free(r);
		return NULL;
	}
	if (nsel == 0 && a.refuse_empty) {
		rpc_error_set(rerr, LOOM_ERR_USAGE, json_pack("{s:b}",
		    "empty", 1), "no step of %s is selected", r->file);
		run_free(r);
		return NULL;
	}
	run_set_env(r, a.env);
	r->extra = a.extra != NULL && *a.extra != '\0' ? xstrdup(a.extra) :
	    NULL;
	r->ex = run_executor(loomd, a.executor != NULL ?
	    resources_executor(a.executor) : r->p->exec.executor);
	if (run_start_ahead(loomd, r, &a, rerr) == -1) {
		run_free(r);
		return NULL;
	}
	r->parallel = a.has_parallel ? a.parallel :
	    r->p->exec.parallel == 1;
	r->max_workers = run_workers(r, a.mw);
	r->request = json_deep_copy(params);
	json_object_del(r->request, "env");

	r->reply = rpc_defer(client);
	for (pp = &rs->preparing; *pp != NULL; pp = &(*pp)->next)
		continue;
	*pp = r;
	run_start_pump(rs);
	return NULL;
}
