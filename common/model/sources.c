/* SPDX-License-Identifier: MIT */
/*
 * Missing source inputs, found before anything runs (sources.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/model/sources.h"

static bool	sources_by_var(const struct strv *vars, const char *name);
static bool	sources_missing(const struct pipeline *p,
		    const struct graph *g, const struct value *v,
		    bool *seen, const struct strv *vars,
		    enum diag_severity sev, const char *step,
		    struct diags *d);

/* True when an assignment of vars sets name. */
static bool
sources_by_var(const struct strv *vars, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; vars != NULL && i < vars->n; i++) {
		if (strncmp(vars->v[i], name, len) == 0 &&
		    vars->v[i][len] == '=')
			return true;
	}
	return false;
}

/*
 * Report v when it refers to a source input that does not exist (once
 * per entry: seen). Returns true when it reported.
 */
static bool
sources_missing(const struct pipeline *p, const struct graph *g,
    const struct value *v, bool *seen, const struct strv *vars,
    enum diag_severity sev, const char *step, struct diags *d)
{
	const struct data_entry *de = pipeline_value_ref(p, v);
	struct loom_error err;
	struct stat sb;
	struct diag *dg;
	size_t k;
	char *path;
	bool var;

	if (de == NULL)
		return false;
	k = (size_t)(de - p->data);
	if (seen[k] || graph_producer(g, k) != -1 || de->path == NULL)
		return false;
	seen[k] = true;
	loom_error_clear(&err);
	/* A path that does not expand is validation's to report. */
	if ((path = pipeline_data_path(p, de, &err)) == NULL)
		return false;
	if (pipeline_is_url(path) || stat(path, &sb) == 0 || errno != ENOENT) {
		free(path);
		return false;
	}
	var = sources_by_var(vars, de->name);
	if (var)
		dg = diags_add(d, sev, p->path, 0, 0, "source input '%s' (set "
		    "by --var %s) does not exist: %s (needed by step '%s')",
		    de->name, de->name, path, step);
	else
		dg = diags_add(d, sev, p->path, de->path->span.line,
		    de->path->span.column, "source input '%s' does not "
		    "exist: %s (needed by step '%s')", de->name, path, step);
	diag_set_hint(dg, "no step produces it, so it must be there before "
	    "the run: create it, or %s (a relative path resolves against "
	    "the pipeline's folder)", var ? "give --var an existing path" :
	    "fix the path");
	free(path);
	return true;
}

size_t
sources_check(const struct pipeline *p, const struct graph *g,
    const bool *selected, const struct strv *vars, enum diag_severity sev,
    struct diags *d)
{
	const struct step *st;
	bool *seen;
	size_t i, j, n = 0;

	seen = xcalloc(p->ndata + 1, sizeof *seen);
	for (i = 0; i < p->nsteps; i++) {
		st = &p->steps[i];
		if (selected != NULL ? !selected[i] : st->disabled)
			continue;
		for (j = 0; j < st->inputs.n; j++)
			n += sources_missing(p, g, st->inputs.v[j].value, seen,
			    vars, sev, st->name, d);
		if (st->loop != NULL && st->loop->over != NULL)
			n += sources_missing(p, g, st->loop->over, seen, vars,
			    sev, st->name, d);
	}
	free(seen);
	return n;
}
