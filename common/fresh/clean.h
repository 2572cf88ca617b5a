/* SPDX-License-Identifier: MIT */
/*
 * What `loomctl clean` (and `loom FILE --clean`) removes: every path a
 * step produces (its outputs, and the `into` folder of a loop step), and
 * nothing else. Source data — data entries no step produces — the
 * pipeline file, task scripts, .loom and the experiment folder itself
 * are never targets, nor is any path that resolves to one of them or
 * contains one, nor (unless asked) a path outside the experiment folder;
 * such outputs are listed as refused, with the reason. With all, the
 * outputs recorded by stamps (those of other parameter values, or of
 * paths the pipeline no longer names) are targets too, under the same
 * rules, and only while they are as Loom wrote them. Also removed after
 * the outputs: the stamps under .loom/stamps/ and the URL cache. Run
 * records (.loom/runs/) are history and stay.
 *
 * This module works out the list and carries it out; asking the user is
 * the caller's job.
 */
#ifndef LOOM_COMMON_CLEAN_H
#define LOOM_COMMON_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

struct graph;
struct loom_error;
struct pipeline;
struct pipeline_map;

struct clean_target {
	char *path;		/* absolute, as the pipeline names it */
	char *real;		/* its folders' links resolved: what goes */
	char *step;		/* the producing step's name */
	bool exists;
	bool recorded;		/* named by a stamp, not by today's paths */
	char *refused;		/* why it is kept, or NULL */
};

struct clean_list {
	struct clean_target *v;
	size_t n;
	size_t cap;
	struct pipeline_map *index;	/* real -> position in v */
};

/*
 * clean_resolve with the resolution of the last folder reused while
 * consecutive paths share it, as outputs mostly do: resolving every
 * output's folder anew costs a readlink per name in it. Zero it to
 * start; valid while no link on the way changes.
 */
struct clean_resolver {
	char *parent;		/* the last folder resolved, as written */
	char *real;		/* ... and resolved */
};

/*
 * Collect the targets of p (g is its dependency graph), one per distinct
 * resolved path, in step order, then with all the outputs recorded by
 * stamps. Targets outside p's folder are refused unless outside is true.
 * Returns 0, or -1 with err set when an output path cannot be worked out
 * or the stamps cannot be read.
 */
int clean_collect(const struct pipeline *p, const struct graph *g,
    bool outside, bool all, struct clean_list *list, struct loom_error *err);

void clean_list_free(struct clean_list *list);

/*
 * An absolute path with the symbolic links of its folders resolved (the
 * last name kept as written, unless "." or ".."), for comparing paths
 * as the file system sees them. Owned.
 */
char *clean_resolve(const char *path);

/* clean_resolve(path) through r's cache. Owned. */
char *clean_resolver_get(struct clean_resolver *r, const char *path);
void clean_resolver_free(struct clean_resolver *r);

/*
 * Remove one target: to the trash, or for good when permanent. On
 * success with the trash, *trashed_as (when not NULL) receives the path
 * inside the trash. Returns 0, or -1 with err set.
 */
int clean_remove(const struct clean_target *t, bool permanent,
    char **trashed_as, struct loom_error *err);

/*
 * Remove the stamps and the URL cache of p: every stamp with all, else
 * those that do not record outputs of other values still on disk (a
 * success none of whose outputs is in list), which a later clean --all
 * still finds.
 */
int clean_state(const struct pipeline *p, const struct clean_list *list,
    bool all, struct loom_error *err);

#endif
