/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC methods about incremental runs (docs/protocol.md,
 * "pipeline.freshness"): whether each step of a pipeline is fresh, stale
 * or missing, and why, as loomctl status FILE and the editor's badges
 * show it. The answer comes from files alone (stamps, outputs, inputs,
 * task scripts: common/fresh/freshness.h), so it is the same whether or not the
 * daemon ran the steps. URL data counts as its cached file when it was
 * downloaded; nothing is downloaded here.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/pipeline.h"
#include "common/util/protocol.h"
#include "common/fresh/urlcache.h"
#include "common/plan/plan.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"
#include "loomd/rpc-params.h"

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
 * pipeline.freshness {file, set?, var?, env?} -> {file, steps: [{name,
 * state, reason, items?, stale_items?}], fresh, stale, missing}.
 */
static json_t *
rpc_fresh_pipeline(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct command_env cenv = { NULL };
	struct rpc_plan_args pa;
	struct fresh_opts fo;
	struct fresh_plan *plan;
	struct pipeline *p;
	struct plan pl;
	enum plan_status pst;
	struct loom_error e;
	const char *file;
	json_t *env, *ve, *steps, *r = NULL, *js;
	size_t i, counts[3] = { 0, 0, 0 };
	char *real = NULL;

	(void)loomd;
	(void)client;
	memset(&pl, 0, sizeof pl);
	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	if (rpc_params_plan_args(params, file, false, &pa, err) == -1)
		goto out;
	env = rpc_param_object(params, "env", false, err);
	if (err->code != 0)
		goto out;
	if (env != NULL && (ve = json_object_get(env, "VIRTUAL_ENV")) !=
	    NULL && json_is_string(ve) && json_string_length(ve) > 0)
		cenv.virtual_env = json_string_value(ve);
	if ((real = rpc_params_regular_file(file, err)) == NULL)
		goto out;
	pa.rq.file = real;
	if ((pst = plan_make(&pl, &pa.rq)) != PLAN_OK) {
		rpc_params_plan_error(&pl, pst, real, err);
		goto out;
	}
	p = pl.p;
	loom_error_clear(&e);
	urlcache_resolve_pipeline(p, false, &e);
	memset(&fo, 0, sizeof fo);
	fo.env = &cenv;
	loom_error_clear(&e);
	if (plan_freshness(&pl, &fo, &e) == -1) {
		rpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL, "%s",
		    e.message);
		goto out;
	}
	plan = pl.fresh;
	steps = json_array();
	for (i = 0; i < plan->nsteps; i++) {
		const struct fresh_step *fs = &plan->steps[i];
		size_t k;

		counts[fs->state]++;
		js = json_pack("{s:s, s:s, s:s?}", "name", p->steps[i].name,
		    "state", freshness_state_name(fs->state), "reason",
		    fs->reason);
		if (p->steps[i].loop != NULL) {
			json_t *items = json_array();

			for (k = 0; k < fs->stale_items.n; k++)
				json_array_append_new(items,
				    json_string(fs->stale_items.v[k]));
			json_object_set_new(js, "items",
			    json_integer((json_int_t)fs->nitems));
			json_object_set_new(js, "stale_items", items);
		}
		json_array_append_new(steps, js);
	}
	r = json_pack("{s:s, s:o, s:I, s:I, s:I}", "file", real, "steps",
	    steps, "fresh", (json_int_t)counts[FRESH_FRESH], "stale",
	    (json_int_t)counts[FRESH_STALE], "missing",
	    (json_int_t)counts[FRESH_MISSING]);
out:
	rpc_params_plan_args_free(&pa);
	plan_free(&pl);
	free(real);
	return r;
}
