/* SPDX-License-Identifier: MIT */
/*
 * The offline half of every command that takes a pipeline file: load it,
 * apply --set/--var, validate, build the dependency graph and select the
 * steps, printing diagnostics the way a compiler does. What comes out is
 * what validate, list, show and run --dry-run work from. Nothing here
 * talks to the daemon.
 */
#ifndef LOOM_LOOMCTL_PREPARE_H
#define LOOM_LOOMCTL_PREPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/error.h"

struct graph;
struct pipeline;
struct run_opts;

struct prepared {
	struct pipeline *p;
	struct graph *g;
	bool *selected;		/* p->nsteps flags */
	size_t nselected;
	struct diags diags;	/* everything found, printed already */
};

/*
 * Load and check o->file (and select steps when select is true).
 * Diagnostics (warnings too) go to stderr unless quiet. Returns 0, or the
 * exit status to leave with (2: invalid pipeline or bad selection). The
 * caller frees pr with prepare_free in both cases.
 */
int prepare_pipeline(struct prepared *pr, const struct run_opts *o,
    bool select, bool quiet);

/*
 * Report the source inputs that do not exist (common/model/sources.h): for the
 * selected steps as errors (run, --dry-run: nothing may start), or with
 * all for every step as warnings (validate: a source may be created
 * later). They join pr->diags and go to stderr unless quiet. Returns 0,
 * or 2 when an error was reported.
 */
int prepare_sources(struct prepared *pr, const struct run_opts *o, bool all,
    bool quiet);

void prepare_free(struct prepared *pr);

/* The selected steps in execution order; *n receives the count (owned). */
size_t *prepare_order(const struct prepared *pr, size_t *n);

#endif
