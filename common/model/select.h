/* SPDX-License-Identifier: MIT */
/*
 * Step selection (README, "Selecting what runs"): which steps of a pipeline a run
 * executes, from the command line's --step, --from, --until, --group and
 * --include. The rules:
 *
 *  - no --step/--from/--until/--group: every step except disabled ones
 *    and optional ones not named by --include;
 *  - --step A B: exactly these steps, even when optional;
 *  - --from A: A and every step downstream of it (transitively);
 *  - --until A: A and every step it depends on (transitively);
 *  - --group G: the steps of group G;
 *  - several selectors add up (the union);
 *  - --include X: also run optional step X.
 *
 * A step named directly by --step, --from or --until runs even when it is
 * optional. Steps reached by following the graph (--from, --until) or
 * through a group are left out when they are disabled, and when they are
 * optional and not included. Naming a disabled step anywhere (--step,
 * --from, --until, --include) is a usage error. Unknown step or group
 * names are usage errors with a "did you mean" hint.
 *
 * Overrides (--set, --var) and --extra are not selection: see
 * pipeline_apply_override and command_build.
 */
#ifndef LOOM_COMMON_SELECT_H
#define LOOM_COMMON_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

struct graph;
struct loom_error;
struct pipeline;

/* What the command line asked for; each list may be empty. */
struct select_opts {
	struct strv steps;	/* --step: step names */
	struct strv from;	/* --from: step names */
	struct strv until;	/* --until: step names */
	struct strv groups;	/* --group: group names */
	struct strv include;	/* --include: optional step names */
};

/* Empty options (everything but disabled and non-included optional). */
void select_opts_init(struct select_opts *o);
/* Free the lists; o can be reused after select_opts_init. */
void select_opts_free(struct select_opts *o);

/* True when o holds a selector other than --include. */
bool select_opts_narrowed(const struct select_opts *o);

/*
 * Fill selected[0 .. p->nsteps) with the steps the run executes. g is
 * graph_build's graph of p. Returns the number of selected steps (which
 * may be 0), or -1 with err set on a usage error (unknown name, disabled
 * step named); errors carry no file location (they come from the command
 * line) but a hint where one helps.
 */
int select_steps(const struct pipeline *p, const struct graph *g,
    const struct select_opts *o, bool *selected, struct loom_error *err);

#endif
