/* SPDX-License-Identifier: MIT */
/*
 * Source inputs: data entries that a step consumes (one of its inputs,
 * or its loop.over, is exactly a reference to the entry, as the graph
 * sees it) and that no step of the pipeline produces. They must exist
 * before anything runs, so a missing one is worth saying before a step
 * crashes on it. URLs are not checked here (the URL cache fetches them).
 * This file only looks; whether a missing source is an error (run,
 * --dry-run) or a warning (validate: it may be created later) is the
 * caller's choice.
 */
#ifndef LOOM_COMMON_SOURCES_H
#define LOOM_COMMON_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"

struct graph;
struct pipeline;

/*
 * Add a diagnostic of severity sev to d for every source input of p that
 * does not exist, consumed by a step that is selected (selected NULL:
 * every step that is not disabled). It names the entry, the path and the
 * first step needing it, at the entry's path in the file, or, when vars
 * ("NAME=PATH" assignments of --var) set it, says "set by --var NAME".
 * Each entry is reported once. Returns the number reported.
 */
size_t sources_check(const struct pipeline *p, const struct graph *g,
    const bool *selected, const struct strv *vars, enum diag_severity sev,
    struct diags *d);

#endif
