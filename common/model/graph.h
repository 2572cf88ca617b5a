/* SPDX-License-Identifier: MIT */
/*
 * The dependency graph of a pipeline's steps. Step B depends on step A
 * when B consumes a data entry that A produces: B consumes an entry when
 * one of its inputs, or its loop.over, is exactly a reference to it
 * ("$features", as pipeline_value_ref sees it); A produces an entry when
 * one of its outputs, or its loop.into, is exactly such a reference.
 *
 * The graph also keeps a stable topological order: among steps that do
 * not depend on each other, file order wins, so the same file always
 * gives the same order. Two producers of one entry and cycles are errors
 * reported as diagnostics. Everything here is linear or n log n in the
 * number of steps and references (10,000 steps take milliseconds).
 *
 * A graph can also be put together by hand (graph_create, graph_add_dep,
 * graph_seal), which is how the scheduler's tests describe shapes without
 * a pipeline file. The graph never looks at disabled/optional flags or
 * the selection: that is select.c's job.
 */
#ifndef LOOM_COMMON_GRAPH_H
#define LOOM_COMMON_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct diags;
struct pipeline;

struct graph;

/*
 * Build the graph of p's steps. Two producers of one data entry give an
 * error naming the entry, both steps and their lines; each cycle gives an
 * error naming the steps around it ("a -> b -> c -> a"). Both go to d
 * (which may be NULL). Returns NULL when any such error was found,
 * otherwise a graph owned by the caller.
 */
struct graph *graph_build(const struct pipeline *p, struct diags *d);

/* An empty graph of n steps, for graph_add_dep and graph_seal. */
struct graph *graph_create(size_t n);

/* Record that step depends on dep (duplicates are fine). Before sealing. */
void graph_add_dep(struct graph *g, size_t step, size_t dep);

/*
 * Finish a graph made by hand: sort and deduplicate edges, compute the
 * dependents and the order. Returns 0, or -1 when there is a cycle (the
 * graph can then only be freed). graph_build seals for you.
 */
int graph_seal(struct graph *g);

/* Free a graph; NULL is fine. */
void graph_free(struct graph *g);

/* The number of steps. */
size_t graph_nsteps(const struct graph *g);

/*
 * The steps that step depends on (its direct upstream), ascending, each
 * once; *n receives the count. Borrowed from the graph.
 */
const size_t *graph_deps(const struct graph *g, size_t step, size_t *n);

/* The steps that depend directly on step, ascending, each once. */
const size_t *graph_dependents(const struct graph *g, size_t step,
    size_t *n);

/*
 * All steps in a stable topological order (dependencies first; file
 * order among independent steps). An array of graph_nsteps entries,
 * borrowed from the graph.
 */
const size_t *graph_order(const struct graph *g);

/* The position of step in graph_order (0 for the first to run). */
size_t graph_rank(const struct graph *g, size_t step);

/*
 * The step producing data entry number data (an index into
 * pipeline->data), or -1 when no step produces it. Only for graphs made
 * by graph_build; -1 for graphs made by hand.
 */
ssize_t graph_producer(const struct graph *g, size_t data);

/* True when step depends on dep, directly or transitively. O(n + e). */
bool graph_depends_on(const struct graph *g, size_t step, size_t dep);

#endif
