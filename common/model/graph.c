/* SPDX-License-Identifier: MIT */
/*
 * The dependency graph of a pipeline's steps: edges from data references,
 * duplicate-producer and cycle diagnostics, and a stable topological
 * order (Kahn's algorithm with a min-heap on the file index, so file
 * order wins among independent steps). Edges are kept in compressed
 * rows (one array of all deps, one offset per step), which keeps 10,000
 * steps in a few hundred kilobytes and every pass linear.
 *
 * It does not know about selection, disabled or optional steps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/util/log.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

struct graph_edge {
	size_t step;
	size_t dep;
};

struct graph {
	size_t n;
	bool sealed;

	struct graph_edge *edges;	/* before sealing */
	size_t nedges;
	size_t edges_cap;

	size_t *dep_off;		/* n + 1 offsets into deps */
	size_t *deps;
	size_t *rdep_off;		/* n + 1 offsets into rdeps */
	size_t *rdeps;

	size_t *order;			/* n; the first norder are valid */
	size_t norder;
	size_t *rank;			/* n; SIZE_MAX for steps in cycles */

	ssize_t *producer;		/* per data entry (graph_build) */
	size_t ndata;
};

static int	graph_cmp_edge(const void *, const void *);
static void	graph_heap_push(size_t *, size_t *, size_t);
static size_t	graph_heap_pop(size_t *, size_t *);
static void	graph_report_cycles(const struct graph *,
		    const struct pipeline *, struct diags *);
static void	graph_consume(const struct pipeline *, struct graph *, size_t,
		    const struct value *);
static void	graph_produce(const struct pipeline *, struct graph *,
		    struct loom_span *, size_t, const struct value *,
		    struct diags *, bool *);

/* An empty graph of n steps; edges come from graph_add_dep. */
struct graph *
graph_create(size_t n)
{
	struct graph *g;

	g = xcalloc(1, sizeof *g);
	g->n = n;
	return g;
}

/* Record one edge (duplicates are dropped when sealing). */
void
graph_add_dep(struct graph *g, size_t step, size_t dep)
{
	LOOM_ASSERT(!g->sealed && step < g->n && dep < g->n);
	if (g->nedges == g->edges_cap) {
		g->edges_cap = g->edges_cap == 0 ? 64 : g->edges_cap * 2;
		g->edges = xreallocarray(g->edges, g->edges_cap,
		    sizeof *g->edges);
	}
	g->edges[g->nedges].step = step;
	g->edges[g->nedges].dep = dep;
	g->nedges++;
}

static int
graph_cmp_edge(const void *a, const void *b)
{
	const struct graph_edge *ea = a, *eb = b;

	if (ea->step != eb->step)
		return ea->step < eb->step ? -1 : 1;
	if (ea->dep != eb->dep)
		return ea->dep < eb->dep ? -1 : 1;
	return 0;
}

/* A binary min-heap of step indexes; *n is its size. */
static void
graph_heap_push(size_t *heap, size_t *n, size_t v)
{
	size_t i = (*n)++, parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap[parent] <= v)
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = v;
}

static size_t
graph_heap_pop(size_t *heap, size_t *n)
{
	size_t top = heap[0], last, i = 0, c;

	last = heap[--(*n)];
	for (;;) {
		c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && heap[c + 1] < heap[c])
			c++;
		if (last <= heap[c])
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (*n > 0)
		heap[i] = last;
	return top;
}

/* Build the rows and the order; 0, or -1 when a cycle remains. */
int
graph_seal(struct graph *g)
{
	size_t i, j, k, *indeg, *heap, nheap = 0, *fill;

	LOOM_ASSERT(!g->sealed);
	g->sealed = true;

	/*
	 * Sort edges by (step, dep) and drop duplicates. They are added
	 * step by step in file order, so they are often sorted already: one
	 * pass to see, instead of a sort's n log n comparisons.
	 */
	for (i = 1; i < g->nedges &&
	    graph_cmp_edge(&g->edges[i - 1], &g->edges[i]) <= 0; i++)
		;
	if (i < g->nedges)
		qsort(g->edges, g->nedges, sizeof *g->edges, graph_cmp_edge);
	for (i = 0, j = 0; i < g->nedges; i++) {
		if (j > 0 &&
		    graph_cmp_edge(&g->edges[j - 1], &g->edges[i]) == 0)
			continue;
		g->edges[j++] = g->edges[i];
	}
	g->nedges = j;

	g->dep_off = xcalloc(g->n + 1, sizeof *g->dep_off);
	g->deps = xcalloc(g->nedges + 1, sizeof *g->deps);
	g->rdep_off = xcalloc(g->n + 1, sizeof *g->rdep_off);
	g->rdeps = xcalloc(g->nedges + 1, sizeof *g->rdeps);
	for (i = 0; i < g->nedges; i++) {
		g->dep_off[g->edges[i].step + 1]++;
		g->rdep_off[g->edges[i].dep + 1]++;
		g->deps[i] = g->edges[i].dep;
	}
	for (i = 0; i < g->n; i++) {
		g->dep_off[i + 1] += g->dep_off[i];
		g->rdep_off[i + 1] += g->rdep_off[i];
	}
	/* Edges are sorted by step, so each dependents row comes out sorted. */
	fill = xcalloc(g->n + 1, sizeof *fill);
	memcpy(fill, g->rdep_off, (g->n + 1) * sizeof *fill);
	for (i = 0; i < g->nedges; i++)
		g->rdeps[fill[g->edges[i].dep]++] = g->edges[i].step;
	free(fill);
	free(g->edges);
	g->edges = NULL;

	/* Kahn's algorithm; the heap makes file order win among ties. */
	indeg = xcalloc(g->n + 1, sizeof *indeg);
	heap = xcalloc(g->n + 1, sizeof *heap);
	g->order = xcalloc(g->n + 1, sizeof *g->order);
	g->rank = xcalloc(g->n + 1, sizeof *g->rank);
	for (i = 0; i < g->n; i++) {
		indeg[i] = g->dep_off[i + 1] - g->dep_off[i];
		g->rank[i] = SIZE_MAX;
		if (indeg[i] == 0)
			graph_heap_push(heap, &nheap, i);
	}
	while (nheap > 0) {
		i = graph_heap_pop(heap, &nheap);
		g->rank[i] = g->norder;
		g->order[g->norder++] = i;
		for (k = g->rdep_off[i]; k < g->rdep_off[i + 1]; k++) {
			j = g->rdeps[k];
			if (--indeg[j] == 0)
				graph_heap_push(heap, &nheap, j);
		}
	}
	free(heap);
	free(indeg);
	return g->norder == g->n ? 0 : -1;
}

/* Free g and everything it holds; NULL is fine. */
void
graph_free(struct graph *g)
{
	if (g == NULL)
		return;
	free(g->edges);
	free(g->dep_off);
	free(g->deps);
	free(g->rdep_off);
	free(g->rdeps);
	free(g->order);
	free(g->rank);
	free(g->producer);
	free(g);
}

/* The number of steps of g. */
size_t
graph_nsteps(const struct graph *g)
{
	return g->n;
}

/* The direct dependencies of step, ascending; borrowed. */
const size_t *
graph_deps(const struct graph *g, size_t step, size_t *n)
{
	*n = g->dep_off[step + 1] - g->dep_off[step];
	return g->deps + g->dep_off[step];
}

/* The direct dependents of step, ascending; borrowed. */
const size_t *
graph_dependents(const struct graph *g, size_t step, size_t *n)
{
	*n = g->rdep_off[step + 1] - g->rdep_off[step];
	return g->rdeps + g->rdep_off[step];
}

/* The stable topological order; borrowed. */
const size_t *
graph_order(const struct graph *g)
{
	return g->order;
}

/* The position of step in graph_order. */
size_t
graph_rank(const struct graph *g, size_t step)
{
	return g->rank[step];
}

/* The step producing data entry data, or -1. */
ssize_t
graph_producer(const struct graph *g, size_t data)
{
	if (g->producer == NULL || data >= g->ndata)
		return -1;
	return g->producer[data];
}

/* Whether step depends on dep transitively (a depth-first walk). */
bool
graph_depends_on(const struct graph *g, size_t step, size_t dep)
{
	size_t *stack, nstack = 0, i, k, d;
	bool *seen, found = false;

	stack = xcalloc(g->n + 1, sizeof *stack);
	seen = xcalloc(g->n + 1, sizeof *seen);
	stack[nstack++] = step;
	seen[step] = true;
	while (nstack > 0 && !found) {
		i = stack[--nstack];
		for (k = g->dep_off[i]; k < g->dep_off[i + 1]; k++) {
			d = g->deps[k];
			if (d == dep) {
				found = true;
				break;
			}
			if (!seen[d]) {
				seen[d] = true;
				stack[nstack++] = d;
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

/*
 * Report each cycle among the steps left out of the order. Every such
 * step has a dependency also left out, so walking "first left-out
 * dependency" from any of them must come back to a step seen on the same
 * walk; walks stop at steps seen by earlier walks, which keeps this
 * linear and reports each cycle once.
 */
static void
graph_report_cycles(const struct graph *g, const struct pipeline *p,
    struct diags *d)
{
	size_t *walk, *pos, *path, npath, i, k, cur, next, start, lowest, at;
	char *text, *tmp;
	struct diag *dg;
	const struct step *st;

	walk = xcalloc(g->n + 1, sizeof *walk);	/* 0: unseen, else walk id */
	pos = xcalloc(g->n + 1, sizeof *pos);
	path = xcalloc(g->n + 1, sizeof *path);
	for (i = 0; i < g->n; i++) {
		if (g->rank[i] != SIZE_MAX || walk[i] != 0)
			continue;
		npath = 0;
		cur = i;
		while (walk[cur] == 0) {
			walk[cur] = i + 1;
			pos[cur] = npath;
			path[npath++] = cur;
			next = SIZE_MAX;
			for (k = g->dep_off[cur]; k < g->dep_off[cur + 1];
			    k++) {
				if (g->rank[g->deps[k]] == SIZE_MAX) {
					next = g->deps[k];
					break;
				}
			}
			/* Kahn left cur out, so one of its deps is out too. */
			LOOM_ASSERT(next != SIZE_MAX);
			cur = next;
		}
		if (walk[cur] != i + 1)
			continue;
		/*
		 * path[pos[cur] .. npath) is the cycle, each step a dependency
		 * of the previous one. Print it in data-flow order (producer
		 * first), starting at the step written first in the file.
		 */
		start = pos[cur];
		lowest = start;
		for (k = start; k < npath; k++)
			if (path[k] < path[lowest])
				lowest = k;
		text = xstrdup("");
		at = lowest;
		for (k = 0; k <= npath - start; k++) {
			st = &p->steps[path[at]];
			tmp = xasprintf("%s%s%s", text, k == 0 ? "" : " -> ",
			    st->name);
			free(text);
			text = tmp;
			at = at == start ? npath - 1 : at - 1;
		}
		st = &p->steps[path[lowest]];
		dg = diags_add(d, DIAG_ERROR, p->path, st->span.line,
		    st->span.column, "dependency cycle between steps: %s",
		    text);
		diag_set_hint(dg, "a step cannot consume, even through other "
		    "steps, data it produces; break the cycle by giving one "
		    "output another data entry");
		free(text);
	}
	free(path);
	free(pos);
	free(walk);
}

/* Record the producer of v (an output or loop.into) of step. */
static void
graph_produce(const struct pipeline *p, struct graph *g,
    struct loom_span *spans, size_t step, const struct value *v,
    struct diags *d, bool *failed)
{
	const struct data_entry *de;
	const struct step *first, *second;
	size_t idx;
	struct diag *dg;

	if (v == NULL)
		return;
	de = pipeline_value_ref(p, v);
	if (de == NULL)
		return;
	idx = (size_t)(de - p->data);
	if (g->producer[idx] < 0) {
		g->producer[idx] = (ssize_t)step;
		spans[idx] = v->span;
		return;
	}
	if ((size_t)g->producer[idx] == step)
		return;
	first = &p->steps[g->producer[idx]];
	second = &p->steps[step];
	*failed = true;
	if (d == NULL)
		return;
	dg = diags_add(d, DIAG_ERROR, p->path, v->span.line, v->span.column,
	    "data entry '%s' is produced by two steps: '%s' (line %d) and "
	    "'%s' (line %d)", de->name, first->name, spans[idx].line,
	    second->name, v->span.line);
	diag_set_hint(dg, "each data entry has one producer; write one of "
	    "these outputs to another data entry");
}

/* Add the edge for v (an input or loop.over) of step, when produced. */
static void
graph_consume(const struct pipeline *p, struct graph *g, size_t step,
    const struct value *v)
{
	const struct data_entry *de;
	size_t i;

	if (v == NULL)
		return;
	if (v->type == VALUE_LIST) {
		for (i = 0; i < v->nitems; i++)
			graph_consume(p, g, step, v->items[i]);
		return;
	}
	de = pipeline_value_ref(p, v);
	if (de == NULL)
		return;
	if (g->producer[(size_t)(de - p->data)] >= 0)
		graph_add_dep(g, step,
		    (size_t)g->producer[(size_t)(de - p->data)]);
}

/*
 * The graph of p, or NULL after reporting duplicate producers or cycles to
 * d.
 */
struct graph *
graph_build(const struct pipeline *p, struct diags *d)
{
	struct graph *g;
	struct loom_span *spans;
	const struct step *st;
	size_t i, j;
	bool failed = false;

	g = graph_create(p->nsteps);
	g->ndata = p->ndata;
	g->producer = xcalloc(p->ndata + 1, sizeof *g->producer);
	for (i = 0; i < p->ndata; i++)
		g->producer[i] = -1;
	spans = xcalloc(p->ndata + 1, sizeof *spans);

	for (i = 0; i < p->nsteps; i++) {
		st = &p->steps[i];
		for (j = 0; j < st->outputs.n; j++)
			graph_produce(p, g, spans, i, st->outputs.v[j].value, d,
			    &failed);
		if (st->loop != NULL)
			graph_produce(p, g, spans, i, st->loop->into, d,
			    &failed);
	}
	free(spans);
	for (i = 0; i < p->nsteps; i++) {
		st = &p->steps[i];
		for (j = 0; j < st->inputs.n; j++)
			graph_consume(p, g, i, st->inputs.v[j].value);
		if (st->loop != NULL)
			graph_consume(p, g, i, st->loop->over);
	}
	if (graph_seal(g) != 0) {
		failed = true;
		if (d != NULL)
			graph_report_cycles(g, p, d);
	}
	if (failed) {
		graph_free(g);
		return NULL;
	}
	return g;
}
