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

#include "common/error.h"
#include "common/graph.h"
#include "common/pipeline.h"
#include "common/select.h"
#include "common/sources.h"
#include "common/validate.h"
#include "common/xmalloc.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static void	prepare_copy(struct strv *to, const struct strv *from);

static void
prepare_copy(struct strv *to, const struct strv *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		strv_push(to, from->v[i]);
}

/* Load, override, validate, build the graph and select. */
int
prepare_pipeline(struct prepared *pr, const struct run_opts *o, bool select,
    bool quiet)
{
	struct select_opts so;
	struct loom_error err;
	size_t i;
	int n;

	memset(pr, 0, sizeof *pr);
	diags_init(&pr->diags);
	pr->p = pipeline_load_file(o->file, &pr->diags);
	if (pr->p == NULL || pr->diags.nerrors > 0)
		goto invalid;
	for (i = 0; i < o->set.n + o->var.n; i++) {
		bool is_var = i >= o->set.n;
		const char *a = is_var ? o->var.v[i - o->set.n] : o->set.v[i];

		loom_error_clear(&err);
		if (pipeline_apply_override(pr->p, a, is_var, &err) == -1) {
			if (!quiet)
				output_error(&err, stderr);
			return 2;
		}
	}
	pr->g = validate_pipeline_graph(pr->p, &pr->diags);
	if (pr->g == NULL)
		goto invalid;
	diags_sort(&pr->diags);
	if (!quiet)
		output_diags(&pr->diags, stderr);
	pr->selected = xcalloc(pr->p->nsteps + 1, sizeof *pr->selected);
	if (!select)
		return 0;
	select_opts_init(&so);
	prepare_copy(&so.steps, &o->steps);
	prepare_copy(&so.from, &o->from);
	prepare_copy(&so.until, &o->until);
	prepare_copy(&so.groups, &o->groups);
	prepare_copy(&so.include, &o->include);
	loom_error_clear(&err);
	n = select_steps(pr->p, pr->g, &so, pr->selected, &err);
	select_opts_free(&so);
	if (n == -1) {
		if (!quiet)
			output_error(&err, stderr);
		return 2;
	}
	pr->nselected = (size_t)n;
	return 0;

invalid:
	diags_sort(&pr->diags);
	if (!quiet) {
		output_diags(&pr->diags, stderr);
		if (pr->diags.nerrors > 0)
			fprintf(stderr, "loomctl: %zu error(s) in %s\n",
			    pr->diags.nerrors, o->file);
	}
	return 2;
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
