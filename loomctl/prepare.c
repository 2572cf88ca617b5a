/* SPDX-License-Identifier: MIT */
/*
 * Loading, overriding, validating and selecting for the offline commands.
 * Overrides are applied before validation, so a --var that points at a
 * missing folder or a --set that breaks a path is reported like any other
 * problem of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/model/select.h"
#include "common/model/sources.h"
#include "common/util/xmalloc.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

/* Load, override, validate, build the graph and select (common/plan/plan.h). */
int
prepare_pipeline(struct prepared *pr, const struct run_opts *o, bool select,
    bool quiet)
{
	struct plan_request rq = {
		.file = o->file,
		.set = &o->set,
		.var = &o->var,
	};
	struct select_opts so;
	enum plan_status st;
	struct plan pl;

	memset(pr, 0, sizeof *pr);
	so.steps = o->steps;
	so.from = o->from;
	so.until = o->until;
	so.groups = o->groups;
	so.include = o->include;
	if (select)
		rq.select = &so;
	st = plan_make(&pl, &rq);
	/* The plan's parts become pr's. */
	pr->p = pl.p;
	pr->g = pl.g;
	pr->selected = pl.selected;
	pr->nselected = pl.nselected;
	pr->diags = pl.diags;
	if (quiet)
		return st == PLAN_OK ? 0 : 2;
	/* A bad override stops before validation: no diagnostics yet. */
	if (st != PLAN_BAD_REQUEST || pr->g != NULL)
		output_diags(&pr->diags, stderr);
	if (st == PLAN_BAD_REQUEST)
		output_error(&pl.err, stderr);
	else if (st == PLAN_INVALID && pr->diags.nerrors > 0)
		fprintf(stderr, "loomctl: %zu error(s) in %s\n",
		    pr->diags.nerrors, o->file);
	return st == PLAN_OK ? 0 : 2;
}

/* Missing source inputs: errors for a run, warnings for validate. */
int
prepare_sources(struct prepared *pr, const struct run_opts *o, bool all,
    bool quiet)
{
	struct diags found;
	size_t n, n0 = pr->diags.n;

	n = sources_check(pr->p, pr->g, all ? NULL : pr->selected, &o->var,
	    all ? DIAG_WARNING : DIAG_ERROR, &pr->diags);
	/* Print only what was just found: the rest is printed already. */
	memset(&found, 0, sizeof found);
	found.v = pr->diags.v + n0;
	found.n = pr->diags.n - n0;
	if (!quiet)
		output_diags(&found, stderr);
	if (n > 0 && !all) {
		if (!quiet)
			fprintf(stderr, "%zu missing source input(s) in %s: "
			    "nothing was run\n", n, o->file);
		return 2;
	}
	return 0;
}

void
prepare_free(struct prepared *pr)
{
	graph_free(pr->g);
	pipeline_free(pr->p);
	free(pr->selected);
	diags_free(&pr->diags);
	memset(pr, 0, sizeof *pr);
}

/* The selected steps in the graph's stable order. */
size_t *
prepare_order(const struct prepared *pr, size_t *n)
{
	const size_t *order = graph_order(pr->g);
	size_t i, k = 0, total = graph_nsteps(pr->g);
	size_t *out = xcalloc(total + 1, sizeof *out);

	for (i = 0; i < total; i++) {
		if (pr->selected[order[i]])
			out[k++] = order[i];
	}
	*n = k;
	return out;
}
