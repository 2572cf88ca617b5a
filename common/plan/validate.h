/* SPDX-License-Identifier: MIT */
/*
 * Semantic checks of a loaded pipeline: every problem at once, as
 * diagnostics located at file:line:column with a hint where one helps.
 * Loading (pipeline-load.c) has already reported syntax, limits, shapes
 * and types; this adds what needs the whole pipeline: references,
 * names defined twice, task files, loops, the dependency graph (two
 * producers of one entry, cycles) and what the tasks' front matter says.
 */
#ifndef LOOM_COMMON_VALIDATE_H
#define LOOM_COMMON_VALIDATE_H

struct diags;
struct graph;
struct pipeline;
struct strv;

/*
 * Check p and append every problem to d, then sort d by location (so
 * the loader's diagnostics already in d are merged in order). Errors:
 * a reference to nothing (hint: the nearest name), a name defined twice
 * across variables:, data: and parameters:, a step or group name used
 * twice, a missing task file, a loop without over: or into:,
 * $loop_item/$loop_output outside a loop, two producers of one data
 * entry, cycles. Warnings: an argument the task's front matter does not
 * declare, a required one the step does not pass, a malformed front
 * matter block, a layout entry naming nothing.
 */
void validate_pipeline(const struct pipeline *p, struct diags *d);

/*
 * validate_pipeline for callers that go on to use the dependency graph:
 * the graph built while checking is handed over instead of thrown away.
 * Returns it (the caller frees it with graph_free) when d holds no error
 * afterwards, loader errors already in d included; else NULL.
 */
struct graph *validate_pipeline_graph(const struct pipeline *p,
    struct diags *d);

/*
 * validate_pipeline_graph that also appends to read the absolute path of
 * every task file it looked at (existence and front matter), once each:
 * with the pipeline file, what the result depends on.
 */
struct graph *validate_pipeline_files(const struct pipeline *p,
    struct diags *d, struct strv *read);

#endif
