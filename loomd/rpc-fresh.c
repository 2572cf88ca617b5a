/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC methods about incremental runs (docs/protocol.md,
 * "pipeline.freshness"): whether each step of a pipeline is fresh, stale
 * or missing, and why, as loomctl status FILE and the editor's badges
 * show it. The answer comes from files alone (stamps, outputs, inputs,
 * task scripts: common/fresh/freshness.h), so it is the same whether or not the
 * daemon ran the steps. URL data counts as its cached file when it was
 * downloaded; nothing is downloaded here.
 *
 * A plain request (no set, no var) of a file a run or a check loaded
 * before, unchanged, is answered from the model the daemon keeps
 * (plancache.h), with the stamps it keeps (stampcache.h) and the
 * commands kept with the model, as run.start is: `loomctl status FILE`
 * asks here when a daemon runs.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/util/jsontext.h"
#include "common/fresh/freshness.h"
#include "common/model/pipeline.h"
#include "common/util/protocol.h"
#include "common/fresh/urlcache.h"
#include "common/plan/plan.h"
#include "common/util/xmalloc.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/plancache.h"
#include "loomd/rpc.h"
#include "loomd/rpc-params.h"
#include "loomd/run.h"
#include "loomd/stampcache.h"

static json_t	*rpc_fresh_pipeline(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);

const struct rpc_method rpc_fresh_methods[] = {
	{ LOOM_METHOD_PIPELINE_FRESHNESS, rpc_fresh_pipeline },
	{ NULL, NULL },
};

/* This module's hooks (loomd/loomd.h): it keeps no state. */
const struct loomd_module loomd_fresh_module = {
	.name = "fresh",
};

/*
 * A pipeline.freshness check on its way through the hashing worker: it
 * owns its plan while the worker decides freshness (hashing task scripts
 * and files too recent to trust), and the request's reply.
 */
struct rpc_fresh_job {
	struct loomd *loomd;
	struct rpc_deferred *reply;
	struct plan pl;
	struct plancache_entry *ref;	/* the kept model in pl, or NULL */
	bool warnings;			/* the reply has pl's warnings */
	struct fresh_opts fo;
	struct command_env cenv;
	char *virtual_env;
	char *real;
	int rc;
	struct loom_error err;
};

static void
rpc_fresh_job_free(struct rpc_fresh_job *j)
{
	/* A kept model is given back, not freed. */
	if (j->ref != NULL) {
		j->pl.p = NULL;
		j->pl.g = NULL;
		plancache_release(j->ref);
	}
	plan_free(&j->pl);
	free(j->virtual_env);
	free(j->real);
	free(j);
}

/* key and s (freshness_text: JSON-safe) as a member of w. */
static void
rpc_fresh_text(struct jsontext_writer *w, const char *key, const char *s)
{
	char *copy;

	jsontext_add_string(w, key, freshness_text(s, &copy));
	free(copy);
}

/* Whether name is in v. */
static bool
rpc_fresh_has(const struct strv *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], name) == 0)
			return true;
	return false;
}

/*
 * The members of pipeline.freshness's result for a job's plan, written
 * in w as text: thousands of steps, no jansson tree (the daemon's events
 * are written so too, notify.h). A path need not be UTF-8, and one
 * string JSON cannot carry would spoil the whole reply: the file and each
 * reason go through freshness_text (step names come from the pipeline
 * file, which the loader takes only as UTF-8), and a loop item whose
 * name is not UTF-8 is left out of stale_items but counted in
 * items_stale. A step a live run has ended but whose stamp is still
 * being hashed says so (its marker alone would say "running now").
 */
static void
rpc_fresh_write(const struct rpc_fresh_job *j, struct jsontext_writer *w)
{
	const struct fresh_plan *plan = j->pl.fresh;
	const struct pipeline *p = j->pl.p;
	struct strv hashing;
	json_t *warn;
	size_t i, k, counts[3] = { 0, 0, 0 };
	bool h;

	strv_init(&hashing);
	run_steps_hashing(j->loomd, j->real, &hashing);
	rpc_fresh_text(w, "file", j->real);
	jsontext_open(w, "steps", '[');
	for (i = 0; i < plan->nsteps; i++) {
		const struct fresh_step *fs = &plan->steps[i];

		counts[fs->state]++;
		jsontext_open(w, NULL, '{');
		jsontext_add_string(w, "name", p->steps[i].name);
		jsontext_add_string(w, "state",
		    freshness_state_name(fs->state));
		h = hashing.n > 0 && rpc_fresh_has(&hashing, p->steps[i].name);
		if (h && fs->state == FRESH_STALE && p->steps[i].loop == NULL)
			jsontext_add_string(w, "reason",
			    "its files are being hashed");
		else if (fs->reason != NULL)
			rpc_fresh_text(w, "reason", fs->reason);
		else
			jsontext_add_null(w, "reason");
		if (p->steps[i].loop != NULL) {
			jsontext_add_int(w, "items", (long long)fs->nitems);
			jsontext_add_int(w, "items_stale",
			    (long long)fs->stale_items.n);
			jsontext_open(w, "stale_items", '[');
			for (k = 0; k < fs->stale_items.n; k++)
				jsontext_try_string(w, NULL,
				    fs->stale_items.v[k]);
			jsontext_close(w, ']');
		}
		if (h)
			jsontext_add_bool(w, "hashing", true);
		jsontext_close(w, '}');
	}
	jsontext_close(w, ']');
	strv_free(&hashing);
	jsontext_add_int(w, "fresh", (long long)counts[FRESH_FRESH]);
	jsontext_add_int(w, "stale", (long long)counts[FRESH_STALE]);
	jsontext_add_int(w, "missing", (long long)counts[FRESH_MISSING]);
	if (j->warnings) {
		warn = rpc_params_diags(&j->pl.diags);
		jsontext_add_value(w, "warnings", warn);
		json_decref(warn);
	}
	run_count_commands(j->loomd, plan->nbuilt, plan->nreused);
}

/* In the worker: decide freshness (reads files, hashes some). */
static void
rpc_fresh_work(void *arg)
{
	struct rpc_fresh_job *j = arg;

	loom_error_clear(&j->err);
	j->rc = plan_freshness(&j->pl, &j->fo, &j->err);
}

/* A check that failed: err set. */
static void
rpc_fresh_failed(const struct rpc_fresh_job *j, struct rpc_error *err)
{
	rpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL, "%s", j->err.message);
}

/* On the loop: the worker is done (or dropped the job): answer. */
static void
rpc_fresh_done(void *arg, bool ran)
{
	struct rpc_fresh_job *j = arg;
	struct jsontext_writer w;
	struct rpc_error err;

	memset(&err, 0, sizeof err);
	if (!ran)
		rpc_error_set(&err, LOOM_ERR_SHUTDOWN, NULL,
		    "the daemon is shutting down");
	else if (rpc_deferred_client(j->reply) != NULL && j->rc == -1)
		rpc_fresh_failed(j, &err);
	else if (rpc_deferred_client(j->reply) != NULL) {
		rpc_deferred_text_begin(j->reply, &w);
		rpc_fresh_write(j, &w);
		rpc_deferred_reply_text(j->reply, &w);
		rpc_fresh_job_free(j);
		return;
	}
	rpc_deferred_reply(j->reply, NULL, &err);
	rpc_fresh_job_free(j);
}

/*
 * pipeline.freshness {file, set?, var?, env?, warnings?} -> {file,
 * steps: [{name, state, reason, items?, items_stale?, stale_items?,
 * hashing?}], fresh, stale, missing, warnings?}. The file is loaded and
 * validated here (or its kept model reused); freshness is decided by the
 * hashing worker, and the reply sent when it is done.
 */
static json_t *
rpc_fresh_pipeline(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct rpc_plan_args pa;
	struct rpc_fresh_job *j;
	struct hashwork *hw;
	enum plan_status pst;
	struct jsontext_writer w;
	struct loom_error e;
	const char *file;
	json_t *env, *ve, *r = NULL;
	char *text;
	size_t len;

	j = xcalloc(1, sizeof *j);
	j->loomd = loomd;
	if ((file = rpc_param_string(params, "file", true, err)) == NULL) {
		rpc_fresh_job_free(j);
		return NULL;
	}
	if (rpc_params_plan_args(params, file, false, &pa, err) == -1)
		goto out;
	env = rpc_param_object(params, "env", false, err);
	if (err->code != 0 || rpc_param_bool(params, "warnings", false,
	    &j->warnings, err) == -1)
		goto out;
	if (env != NULL && (ve = json_object_get(env, "VIRTUAL_ENV")) !=
	    NULL && json_is_string(ve) && json_string_length(ve) > 0)
		j->virtual_env = xstrdup(json_string_value(ve));
	if ((j->real = rpc_params_regular_file(file, err)) == NULL)
		goto out;
	pa.rq.file = j->real;
	pst = plancache_plan(run_plancache(loomd), &j->pl, &pa.rq, &j->ref);
	if (pst != PLAN_OK) {
		rpc_params_plan_error(&j->pl, pst, j->real, err);
		goto out;
	}
	/* A kept model has no URL data: nothing to resolve in it. */
	loom_error_clear(&e);
	if (j->ref == NULL || plancache_has_url(j->ref))
		urlcache_resolve_pipeline(j->pl.p, false, &e);
	j->cenv.virtual_env = j->virtual_env;
	j->fo.env = &j->cenv;
	if ((j->fo.read_stamp_arg = run_stampcache(loomd)) != NULL)
		j->fo.read_stamp = stampcache_read;
	if (j->ref != NULL)
		j->fo.memo = plancache_memo(j->ref);
	if ((hw = loomd_hashwork_query(loomd)) != NULL) {
		j->reply = rpc_defer(client);
		hashwork_call(hw, rpc_fresh_work, rpc_fresh_done, j);
		rpc_params_plan_args_free(&pa);
		return NULL;
	}
	/* No worker: decided here, the result made from its text. */
	rpc_fresh_work(j);
	if (j->rc == -1) {
		rpc_fresh_failed(j, err);
		goto out;
	}
	jsontext_begin(&w, NULL);
	rpc_fresh_write(j, &w);
	if ((text = jsontext_end(&w, &len)) != NULL)
		r = json_loadb(text, len, 0, NULL);
	free(text);
	if (r == NULL)
		rpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL,
		    "cannot encode the freshness of %s", j->real);
out:
	rpc_params_plan_args_free(&pa);
	rpc_fresh_job_free(j);
	return r;
}
