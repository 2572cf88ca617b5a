/* SPDX-License-Identifier: MIT */
/* From a request to a validated, selected plan (plan.h). */
#include <stdlib.h>
#include <string.h>

#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/model/select.h"
#include "common/model/sources.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

/* Apply the overrides of list (--var when is_var); -1 with pl->err set. */
static int
plan_overrides(struct plan *pl, const struct strv *list, bool is_var)
{
	size_t i;

	for (i = 0; list != NULL && i < list->n; i++)
		if (pipeline_apply_override(pl->p, list->v[i], is_var,
		    &pl->err) == -1)
			return -1;
	return 0;
}

enum plan_status
plan_make(struct plan *pl, const struct plan_request *rq)
{
	memset(pl, 0, sizeof *pl);
	diags_init(&pl->diags);
	loom_error_clear(&pl->err);
	pl->p = pipeline_load_file(rq->file, &pl->diags);
	if (pl->p == NULL || (pl->diags.nerrors > 0 && !rq->keep_invalid))
		goto invalid;
	if (plan_overrides(pl, rq->set, false) == -1 ||
	    plan_overrides(pl, rq->var, true) == -1) {
		diags_sort(&pl->diags);
		return PLAN_BAD_REQUEST;
	}
	pl->g = validate_pipeline_graph(pl->p, &pl->diags);
	pl->selected = xcalloc(pl->p->nsteps + 1, sizeof *pl->selected);
	if (pl->g == NULL)
		goto invalid;
	diags_sort(&pl->diags);
	return plan_select(pl, rq);

invalid:
	diags_sort(&pl->diags);
	return PLAN_INVALID;
}

/*
 * The file's warnings stay: loomctl prints them before the missing
 * sources when it plans alone (prepare.c), and the daemon's kept models
 * hand theirs back the same way.
 */
enum plan_status
plan_select(struct plan *pl, const struct plan_request *rq)
{
	int n;

	if (pl->selected == NULL)
		pl->selected = xcalloc(pl->p->nsteps + 1,
		    sizeof *pl->selected);
	if (rq->select == NULL)
		return PLAN_OK;
	n = select_steps(pl->p, pl->g, rq->select, pl->selected, &pl->err);
	if (n == -1)
		return PLAN_BAD_REQUEST;
	pl->nselected = (size_t)n;
	if (rq->check_sources && sources_check(pl->p, pl->g, pl->selected,
	    rq->var, DIAG_ERROR, &pl->diags) > 0) {
		diags_sort(&pl->diags);
		return PLAN_INVALID;
	}
	return PLAN_OK;
}

int
plan_freshness(struct plan *pl, const struct fresh_opts *fo,
    struct loom_error *err)
{
	freshness_plan_free(pl->fresh);
	pl->fresh = freshness_plan(pl->p, pl->g, fo, err);
	return pl->fresh != NULL ? 0 : -1;
}

void
plan_free(struct plan *pl)
{
	freshness_plan_free(pl->fresh);
	graph_free(pl->g);
	pipeline_free(pl->p);
	free(pl->selected);
	diags_free(&pl->diags);
	memset(pl, 0, sizeof *pl);
}
