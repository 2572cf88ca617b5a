/* SPDX-License-Identifier: MIT */
/*
 * A plan: what one request to run or inspect a pipeline comes to. The
 * file is loaded, the --set and --var overrides applied (before
 * validation, so that a --var pointing at a missing folder is reported
 * like any other problem of the file), the whole validated and its graph
 * built, the steps selected and, when asked, the source inputs of the
 * selected steps checked; freshness is decided on top (plan_freshness).
 * loomctl (prepare.c), run.start (run-start.c), pipeline.freshness
 * (rpc-fresh.c) and pipeline.open and pipeline.validate (rpc-pipeline.c)
 * all make their pipeline through plan_make (run.start on a model the
 * daemon kept, through its last part, plan_select), so that a mistake in a
 * request reads the same whichever way it came: loomctl prints it, the
 * daemon turns it into one error (rpc_params_plan_error).
 */
#ifndef LOOM_COMMON_PLAN_H
#define LOOM_COMMON_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/error.h"

struct fresh_opts;
struct fresh_plan;
struct graph;
struct pipeline;
struct select_opts;

struct plan_request {
	const char *file;		/* the pipeline file, absolute */
	const struct strv *set;		/* "NAME=VALUE" (--set), or NULL */
	const struct strv *var;		/* "NAME=PATH" (--var), or NULL */
	/* The selection; NULL selects nothing (validation only). */
	const struct select_opts *select;
	/*
	 * Missing source inputs of the selected steps are errors, added to
	 * diags after the file's warnings.
	 */
	bool check_sources;
	/*
	 * Validate even when loading reported errors, and keep the model
	 * (the editor shows what it can of a broken file).
	 */
	bool keep_invalid;
};

enum plan_status {
	PLAN_OK,
	PLAN_INVALID,		/* the file (diags holds its errors) */
	PLAN_BAD_REQUEST,	/* an override or the selection (err) */
};

struct plan {
	struct pipeline *p;		/* NULL when the file did not load */
	struct graph *g;		/* NULL unless valid */
	bool *selected;			/* p->nsteps flags, when p */
	size_t nselected;
	struct diags diags;		/* every diagnostic, sorted */
	struct loom_error err;		/* PLAN_BAD_REQUEST: why, where */
	struct fresh_plan *fresh;	/* plan_freshness, or NULL */
};

/*
 * Make pl (which need not be initialised) from rq. Returns the status;
 * the caller frees pl with plan_free whatever it is.
 */
enum plan_status plan_make(struct plan *pl, const struct plan_request *rq);

/*
 * The end of plan_make for a valid model made elsewhere (pl->p, pl->g
 * and pl->diags set; the daemon keeps models, loomd/plancache.h): select
 * rq's steps and, when asked, check their sources. The status as
 * plan_make's.
 */
enum plan_status plan_select(struct plan *pl, const struct plan_request *rq);

/*
 * Decide what is up to date (common/fresh/freshness.h) for a valid plan;
 * fo->selected NULL asks for a status plan. 0, or -1 with err set.
 */
int plan_freshness(struct plan *pl, const struct fresh_opts *fo,
    struct loom_error *err);

void plan_free(struct plan *pl);

#endif
