/* SPDX-License-Identifier: MIT */
/*
 * Runs and freshness: which selected steps are up to date before a run
 * starts, which loop items still need to run, and the stamps of units
 * that ended. See run-int.h and common/fresh/freshness.h.
 */

#include <string.h>
#include <unistd.h>

#include "common/model/command.h"
#include "common/fresh/freshness.h"
#include "common/util/log.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/fresh/urlcache.h"
#include "loomd/fetch.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/plancache.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"
#include "loomd/stampcache.h"

/*
 * How one of a run's downloads ended (fetch.h): the first failure fails
 * the run (its other downloads go with it); after the last success the
 * run starts, unless a run of its pipeline still holds it back.
 */
static void
run_fetch_done(void *owner, const char *url, const char *path,
    const struct loom_error *err, void *arg)
{
	struct run *r = owner;
	struct run_state *rs = run_state_get(arg);

	if (path == NULL) {
		log_warn("run %s: %s", r->id, err->message);
		free(r->error);
		r->error = err->hint[0] != '\0' ? xasprintf("%s (%s)",
		    err->message, err->hint) : xstrdup(err->message);
		run_end_unstarted(r, SCHED_RESULT_FAILED);
		return;
	}
	log_info("run %s: downloaded %s", r->id, url);
	if (fetch_count(rs->fetch, r) > 0)
		return;
	r->fetching = false;
	run_dequeue(r->loomd, r->key);
}

/* Download r's URL data on the loop while r waits (see run-int.h). */
int
run_fetch_start(struct run *r, struct rpc_error *rerr)
{
	struct run_state *rs = run_state_get(r->loomd);
	struct loom_error err;
	struct strv urls;
	size_t i;
	int rc = 0;

	strv_init(&urls);
	if (r->plan_ref == NULL || plancache_has_url(r->plan_ref))
		urlcache_missing(r->p, &urls);
	if (urls.n > 0 && rs->fetch == NULL)
		rs->fetch = fetch_new(r->loomd->base, run_fetch_done,
		    r->loomd);
	for (i = 0; i < urls.n && rc == 0; i++) {
		loom_error_clear(&err);
		if ((rc = fetch_add(rs->fetch, r->p->dir, urls.v[i], r,
		    &err)) == -1) {
			fetch_abort(rs->fetch, r);
			rpc_error_set(rerr, LOOM_ERR_FILE, NULL, "%s",
			    err.message);
		}
	}
	if (rc == 0 && urls.n > 0)
		r->queued = r->fetching = true;
	strv_free(&urls);
	return rc;
}

void
run_fetch_abort(struct run *r)
{
	struct run_state *rs = run_state_get(r->loomd);

	if (rs != NULL)
		fetch_abort(rs->fetch, r);
}

/*
 * Incremental runs (common/fresh/freshness.h): URL data stands in for its URL
 * by its cached file (run_fetch_start downloaded it on the loop; one that
 * went missing since is fetched here, blocking); which steps are named
 * (always run) and --force are read from the request. Then
 * run_fresh_decide says which selected steps are up to date.
 */
int
run_fresh_setup(struct run *r, json_t *params, struct rpc_error *rerr)
{
	struct loom_error err;
	json_t *names, *v;
	ssize_t k;
	size_t i;

	if (rpc_param_bool(params, "force", false, &r->force, rerr) == -1)
		return -1;
	loom_error_clear(&err);
	if ((r->plan_ref == NULL || plancache_has_url(r->plan_ref)) &&
	    urlcache_resolve_pipeline(r->p, true, &err) == -1) {
		rpc_error_set(rerr, LOOM_ERR_FILE, NULL, "%s", err.message);
		return -1;
	}
	free(r->always);
	r->always = xcalloc(r->p->nsteps + 1, sizeof *r->always);
	names = json_object_get(params, "steps");
	json_array_foreach(names, i, v) {
		if (json_is_string(v) && (k = pipeline_step_index(r->p,
		    json_string_value(v))) >= 0)
			r->always[k] = true;
	}
	return 0;
}

int
run_fresh_decide(const struct run *r, struct fresh_plan **out,
    struct loom_error *err)
{
	struct command_env cenv;
	struct fresh_opts fo;

	cenv.virtual_env = r->virtual_env;
	memset(&fo, 0, sizeof fo);
	fo.env = &cenv;
	fo.extra = r->extra;
	fo.selected = r->selected;
	fo.always = r->always;
	fo.force = r->force;
	fo.run_only = true;
	fo.read_stamp = stampcache_read;
	fo.read_stamp_arg = run_state_get(r->loomd)->stamps;
	/* A kept model keeps its commands too. */
	fo.memo = r->plan_ref != NULL ? plancache_memo(r->plan_ref) : NULL;
	*out = freshness_plan(r->p, r->g, &fo, err);
	return *out == NULL ? -1 : 0;
}

/* Every item of step runs (--force, or the step named): none judged. */
bool
run_fresh_all(const struct run *r, size_t step)
{
	return r->force || r->always[step];
}

/*
 * Keep only the loop items that are out of date (all of them with
 * --force or --step), judged now that upstream steps have finished. In
 * the hashing worker: no logging, nothing of the run written.
 */
void
run_fresh_filter(struct run *r, size_t step, struct loop_items *li)
{
	struct command_env cenv;
	struct loom_error err;
	enum freshness_state fs;
	struct strv items, outs, argv;
	char *why;
	size_t i, n = li->items.n;

	if (run_fresh_all(r, step))
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
	strv_free(&li->items);
	strv_free(&li->outputs);
	li->items = items;
	li->outputs = outs;
}

/* Unit u's stamp is due: run_fresh_flush writes it. */
static void
run_fresh_due(struct run *r, struct run_unit *u)
{
	if (r->nstamps_due == r->stamps_due_cap) {
		r->stamps_due_cap = r->stamps_due_cap ? r->stamps_due_cap * 2 :
		    8;
		r->stamps_due = xreallocarray(r->stamps_due,
		    r->stamps_due_cap, sizeof *r->stamps_due);
	}
	r->stamps_due[r->nstamps_due++] = u;
}

/* The worker hashed u's stamp (NULL: it could not): write it now. */
static void
run_fresh_hashed(void *arg, struct stamp *s, const struct loom_error *err)
{
	struct run_unit *u = arg;
	struct run *r = u->run;

	LOOM_ASSERT(r->nhashing > 0);
	r->nhashing--;
	u->hashing = false;
	if (s == NULL)
		log_warn("run %s: %s: %s", r->id, u->label, err->message);
	else {
		log_info("run %s: %s: stamp hashed", r->id, u->label);
		u->stamp = s;
		run_fresh_due(r, u);
		if (!r->processing)
			run_fresh_flush(r);
	}
	if (r->nhashing == 0 && r->end_waits)
		run_end_told(r);
}

void
run_steps_hashing(struct loomd *loomd, const char *key, struct strv *names)
{
	const struct run *r;
	const struct run_step *st;
	size_t i, j;

	for (r = run_state_get(loomd)->active; r != NULL; r = r->next) {
		if (r->nhashing == 0 || strcmp(r->key, key) != 0)
			continue;
		for (i = 0; i < r->nsteps; i++) {
			st = &r->steps[i];
			for (j = 0; j < st->nunits; j++)
				if (st->units[j].hashing) {
					strv_push(names, st->name);
					break;
				}
		}
	}
}

/*
 * Hand u's stamp (taken without reading; script its task) to the hashing
 * worker when it has more than RUN_HASH_ON_LOOP bytes left to hash; else,
 * or without a worker (it could not start), the hashes are filled in
 * here: a round trip through the worker costs more than reading a few
 * small files. 0 when the worker has it, -1 when done here (u->stamp
 * NULL with err set when a file could not be hashed).
 */
static int
run_fresh_hash(struct run *r, struct run_unit *u, char *script,
    struct loom_error *err)
{
	struct hashwork *hw = NULL;

	if (u->stamp->unhashed > RUN_HASH_ON_LOOP)
		hw = loomd_hashwork(r->loomd);
	if (hw != NULL) {
		hashwork_add(hw, u->stamp, script, run_fresh_hashed, u);
		u->stamp = NULL;
		u->hashing = true;
		r->nhashing++;
		return 0;
	}
	if (stamp_hash_fill(u->stamp, script, err) == -1) {
		stamp_free(u->stamp);
		u->stamp = NULL;
	}
	free(script);
	return -1;
}

/*
 * Take the stamp of how a unit ended (common/fresh/stamp.h): the identities of
 * its files are taken now, before any other step can touch them (stat
 * alone: contents not known yet are hashed off the loop unless they are
 * small, run_fresh_hash), and
 * the stamp is written by run_fresh_flush once the steps this one
 * unblocked have started (or once hashed). Until then the unit's running
 * marker stands, which never counts as fresh, so a crash in between only
 * means a re-run.
 */
void
run_fresh_end(struct run *r, struct run_unit *u)
{
	enum run_state_kind state = run_unit_state(u);
	struct loom_error err;
	char detail[128], *script;

	loom_error_clear(&err);
	if (state == RUNSTATE_SUCCEEDED) {
		u->stamp = freshness_succeeded_quick(r->p, u->step, u->path,
		    u->output, &u->argv, &script, &err);
		/* A file it read that changed meanwhile is not taken as read. */
		if (u->stamp != NULL && freshness_seen_apply(&u->seen,
		    u->stamp, script)) {
			log_info("run %s: %s: its task changed while it ran",
			    r->id, u->label);
			free(script);
			script = NULL;
		}
		freshness_seen_free(&u->seen);
		if (u->stamp != NULL && run_fresh_hash(r, u, script,
		    &err) == 0)
			return;
	} else if (state == RUNSTATE_CANCELLED || state == RUNSTATE_SKIPPED)
		/* Skipped: submitted ahead, never run (a dependency failed). */
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
		log_warn("run %s: %s: %s", r->id, u->label, err.message);
		run_fresh_marker_close(u);
		return;
	}
	run_fresh_due(r, u);
}

/* Close the running marker a unit kept open, when it has one. */
void
run_fresh_marker_close(struct run_unit *u)
{
	if (u->stamp_kept) {
		close(u->stamp_fd);
		u->stamp_kept = false;
		u->run->nmarkers--;
	}
}

/* Write the stamps run_fresh_end took. */
void
run_fresh_flush(struct run *r)
{
	struct loom_error err;
	struct run_unit *u;
	size_t i;

	for (i = 0; i < r->nstamps_due; i++) {
		u = r->stamps_due[i];
		loom_error_clear(&err);
		if (freshness_write(r->p, u->step, u->path, u->output,
		    u->stamp_kept ? u->stamp_fd : -1, u->stamp, &err) == -1)
			log_warn("run %s: %s: %s", r->id, u->label,
			    err.message);
		if (u->stamp_kept)	/* closed by freshness_write */
			r->nmarkers--;
		u->stamp_kept = false;
		stamp_free(u->stamp);
		u->stamp = NULL;
	}
	r->nstamps_due = 0;
}
