/* SPDX-License-Identifier: MIT */
/*
 * The items of a loop step (docs/pipeline-format.md, "loop:"): the regular files
 * of the loop.over folder (symbolic links to regular files count), sorted
 * by name with strcmp, hidden files (names starting with '.') skipped,
 * optionally filtered by the loop.filter glob (fnmatch on the file name).
 * For each item the matching output path is into/<same file name>.
 * Folders are resolved like any data path: absolute against the
 * pipeline's folder. Listing happens at run time (and for dry runs), so
 * files added since the pipeline was loaded are seen.
 */
#ifndef LOOM_COMMON_LOOPITEMS_H
#define LOOM_COMMON_LOOPITEMS_H

#include <stddef.h>

#include "common/util/xmalloc.h"

struct loom_error;
struct pipeline;

struct loop_items {
	char *over;		/* absolute folder that was listed */
	char *into;		/* absolute folder for outputs, NULL if none */
	struct strv items;	/* absolute item paths, sorted by name */
	struct strv outputs;	/* into/<name> for each item ("" if no into) */
};

/* An empty list. */
void loopitems_init(struct loop_items *li);
/* Free everything; li can be reused after loopitems_init. */
void loopitems_free(struct loop_items *li);

/*
 * List the items of loop step number step of p into li (initialised by
 * the caller). A missing over folder, one that is not a folder, or one
 * that cannot be read is an error naming it, located at loop.over in the
 * pipeline file. Returns 0, or -1 with err set.
 */
int loopitems_list(const struct pipeline *p, size_t step,
    struct loop_items *li, struct loom_error *err);

/*
 * The same from plain paths: over and into absolute (into may be NULL),
 * filter a glob or NULL. Errors carry no file location.
 */
int loopitems_scan(const char *over, const char *into, const char *filter,
    struct loop_items *li, struct loom_error *err);

#endif
