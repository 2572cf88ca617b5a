/* SPDX-License-Identifier: MIT */
/*
 * What `loomctl clean` (and `loom FILE --clean`) removes: every path a
 * step produces (its outputs, and the `into` folder of a loop step), and
 * nothing else. Source data — data entries no step produces — the
 * pipeline file, task scripts and the experiment folder itself are never
 * targets, nor is any path that contains one of them; such outputs are
 * listed as refused, with the reason. Also removed after the outputs:
 * the stamps under .loom/stamps/ and the URL cache. Run records
 * (.loom/runs/) are history and stay.
 *
 * This module works out the list and carries it out; asking the user is
 * the caller's job.
 */
#ifndef LOOM_COMMON_CLEAN_H
#define LOOM_COMMON_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/xmalloc.h"

struct graph;
struct loom_error;
struct pipeline;

struct clean_target {
	char *path;		/* absolute */
	char *step;		/* the producing step's name */
	bool exists;
	char *refused;		/* why it is kept, or NULL */
};

struct clean_list {
	struct clean_target *v;
	size_t n;
};

/*
 * Collect the targets of p (g is its dependency graph), one per distinct
 * path, in step order. Returns 0, or -1 with err set when an output path
 * cannot be worked out.
 */
int clean_collect(const struct pipeline *p, const struct graph *g,
    struct clean_list *list, struct loom_error *err);

void clean_list_free(struct clean_list *list);

/*
 * Remove one target: to the trash, or for good when permanent. On
 * success with the trash, *trashed_as (when not NULL) receives the path
 * inside the trash. Returns 0, or -1 with err set.
 */
int clean_remove(const struct clean_target *t, bool permanent,
    char **trashed_as, struct loom_error *err);

/* Remove the stamps and the URL cache of p. */
int clean_state(const struct pipeline *p, struct loom_error *err);

#endif
