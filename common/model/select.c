/* SPDX-License-Identifier: MIT */
/*
 * Step selection: turns --step, --from, --until, --group and --include
 * into the set of steps a run executes (the rules are in select.h). It
 * only reads the pipeline and its graph; it neither loads nor runs.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/model/select.h"
#include "common/util/xmalloc.h"

enum select_walk {
	SELECT_DOWNSTREAM,
	SELECT_UPSTREAM,
};

static ssize_t	select_lookup(const struct pipeline *, const char *,
		    const char *, bool, struct loom_error *);
static void	select_walk(const struct pipeline *, const struct graph *,
		    size_t, enum select_walk, const bool *, bool *);
static bool	select_eligible(const struct pipeline *, size_t, const bool *);

/* Empty options: the default selection. */
void
select_opts_init(struct select_opts *o)
{
	strv_init(&o->steps);
	strv_init(&o->from);
	strv_init(&o->until);
	strv_init(&o->groups);
	strv_init(&o->include);
}

/* Free the name lists of o. */
void
select_opts_free(struct select_opts *o)
{
	strv_free(&o->steps);
	strv_free(&o->from);
	strv_free(&o->until);
	strv_free(&o->groups);
	strv_free(&o->include);
}

/* Whether o names steps, a start, an end or a group. */
bool
select_opts_narrowed(const struct select_opts *o)
{
	return o->steps.n > 0 || o->from.n > 0 || o->until.n > 0 ||
	    o->groups.n > 0;
}

/*
 * The index of the step called name, which the option opt names; an
 * unknown name is an error with the nearest name as a hint, and so is a
 * disabled step when refuse_disabled is set.
 */
static ssize_t
select_lookup(const struct pipeline *p, const char *opt, const char *name,
    bool refuse_disabled, struct loom_error *err)
{
	ssize_t idx;
	const char **names, *near;
	size_t i;

	idx = pipeline_step_index(p, name);
	if (idx < 0) {
		names = xcalloc(p->nsteps + 1, sizeof *names);
		for (i = 0; i < p->nsteps; i++)
			names[i] = p->steps[i].name;
		near = pipeline_suggest(name, names, p->nsteps);
		loom_error_set(err, NULL, 0, 0, "%s: no step named '%s' in %s",
		    opt, name, p->path);
		if (near != NULL)
			loom_error_hint(err, "did you mean '%s'?", near);
		else
			loom_error_hint(err,
			    "'loomctl list %s' shows the steps", p->path);
		free(names);
		return -1;
	}
	if (refuse_disabled && p->steps[idx].disabled) {
		loom_error_set(err, NULL, 0, 0, "%s: step '%s' is disabled",
		    opt, name);
		loom_error_hint(err, "remove 'disabled: true' from step '%s' "
		    "(%s line %d) to run it", name, p->path,
		    p->steps[idx].span.line);
		return -1;
	}
	return idx;
}

/* True when step may run when reached through the graph or a group. */
static bool
select_eligible(const struct pipeline *p, size_t step, const bool *included)
{
	const struct step *st = &p->steps[step];

	if (st->disabled)
		return false;
	return !st->optional || included[step];
}

/*
 * Select every eligible step reachable from start, following dependents
 * (downstream) or dependencies (upstream). The walk goes through steps
 * that are not eligible themselves: they are left out, not a barrier.
 */
static void
select_walk(const struct pipeline *p, const struct graph *g, size_t start,
    enum select_walk dir, const bool *included, bool *selected)
{
	size_t *stack, nstack = 0, i, k, n, next;
	const size_t *edges;
	bool *seen;

	stack = xcalloc(p->nsteps + 1, sizeof *stack);
	seen = xcalloc(p->nsteps + 1, sizeof *seen);
	stack[nstack++] = start;
	seen[start] = true;
	while (nstack > 0) {
		i = stack[--nstack];
		if (dir == SELECT_DOWNSTREAM)
			edges = graph_dependents(g, i, &n);
		else
			edges = graph_deps(g, i, &n);
		for (k = 0; k < n; k++) {
			next = edges[k];
			if (seen[next])
				continue;
			seen[next] = true;
			if (select_eligible(p, next, included))
				selected[next] = true;
			stack[nstack++] = next;
		}
	}
	free(seen);
	free(stack);
}

/* Fill selected for o; the count, or -1 with err set on a usage error. */
int
select_steps(const struct pipeline *p, const struct graph *g,
    const struct select_opts *o, bool *selected, struct loom_error *err)
{
	bool *included;
	ssize_t idx, gi;
	size_t i, j, count = 0;
	const struct group *grp;
	const char **names, *near;
	int rc = -1;

	included = xcalloc(p->nsteps + 1, sizeof *included);
	memset(selected, 0, p->nsteps * sizeof *selected);

	for (i = 0; i < o->include.n; i++) {
		idx = select_lookup(p, "--include", o->include.v[i], true, err);
		if (idx < 0)
			goto out;
		included[idx] = true;
	}

	if (!select_opts_narrowed(o)) {
		for (i = 0; i < p->nsteps; i++)
			selected[i] = select_eligible(p, i, included);
	}
	for (i = 0; i < o->steps.n; i++) {
		idx = select_lookup(p, "--step", o->steps.v[i], true, err);
		if (idx < 0)
			goto out;
		selected[idx] = true;
	}
	for (i = 0; i < o->from.n; i++) {
		idx = select_lookup(p, "--from", o->from.v[i], true, err);
		if (idx < 0)
			goto out;
		selected[idx] = true;
		select_walk(p, g, (size_t)idx, SELECT_DOWNSTREAM, included,
		    selected);
	}
	for (i = 0; i < o->until.n; i++) {
		idx = select_lookup(p, "--until", o->until.v[i], true, err);
		if (idx < 0)
			goto out;
		selected[idx] = true;
		select_walk(p, g, (size_t)idx, SELECT_UPSTREAM, included,
		    selected);
	}
	for (i = 0; i < o->groups.n; i++) {
		gi = pipeline_group_index(p, o->groups.v[i]);
		if (gi < 0) {
			names = xcalloc(p->ngroups + 1, sizeof *names);
			for (j = 0; j < p->ngroups; j++)
				names[j] = p->groups[j].name;
			near = pipeline_suggest(o->groups.v[i], names,
			    p->ngroups);
			loom_error_set(err, NULL, 0, 0,
			    "--group: no group named '%s' in %s",
			    o->groups.v[i], p->path);
			if (near != NULL)
				loom_error_hint(err, "did you mean '%s'?",
				    near);
			else if (p->ngroups == 0)
				loom_error_hint(err, "%s defines no groups",
				    p->path);
			free(names);
			goto out;
		}
		grp = &p->groups[gi];
		for (j = 0; j < grp->nsteps; j++)
			if (select_eligible(p, grp->steps[j], included))
				selected[grp->steps[j]] = true;
	}
	/* --include also runs the step when the selection was narrowed. */
	for (i = 0; i < p->nsteps; i++) {
		if (included[i])
			selected[i] = true;
		if (selected[i])
			count++;
	}
	rc = (int)count;
out:
	if (rc < 0)
		memset(selected, 0, p->nsteps * sizeof *selected);
	free(included);
	return rc;
}
