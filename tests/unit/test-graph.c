/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the dependency graph (common/model/graph.c). Covers: edges
 * from inputs, list inputs and loop.over to outputs and loop.into
 * (whole references only; parameters and unproduced data make none);
 * deps and dependents sorted and deduplicated; producers; transitive
 * dependency; duplicate producers (both steps and lines named, located
 * at the second); cycles of one, two and three steps named in data-flow
 * order, two separate cycles both reported, a step downstream of a cycle
 * not named; the stable topological order (file order among independent
 * steps, a step waiting for a later producer); graphs made by hand; and
 * 10,000-step chains and fan-outs built from a pipeline file (size, not
 * time, is asserted: the time budget lives in bench/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

#define NAME "exp.yml"

static struct pipeline *
load(const char *text, struct diags *d)
{
	struct pipeline *p;

	diags_init(d);
	p = pipeline_load_string(NAME, "/work/exp", text, strlen(text), d);
	if (p == NULL || d->nerrors > 0)
		diags_print(d, stderr);
	assert_non_null(p);
	assert_int_equal(d->nerrors, 0);
	return p;
}

static size_t
idx(const struct pipeline *p, const char *name)
{
	ssize_t i = pipeline_step_index(p, name);

	assert_true(i >= 0);
	return (size_t)i;
}

/* The names of a list of steps, joined by spaces. */
static char *
names(const struct pipeline *p, const size_t *v, size_t n)
{
	char *s = xstrdup(""), *tmp;
	size_t i;

	for (i = 0; i < n; i++) {
		tmp = xasprintf("%s%s%s", s, i ? " " : "", p->steps[v[i]].name);
		free(s);
		s = tmp;
	}
	return s;
}

static void
expect_deps(const struct pipeline *p, const struct graph *g,
    const char *step, const char *want_deps, const char *want_dependents)
{
	const size_t *v;
	size_t n;
	char *s;

	v = graph_deps(g, idx(p, step), &n);
	s = names(p, v, n);
	assert_string_equal(s, want_deps);
	free(s);
	v = graph_dependents(g, idx(p, step), &n);
	s = names(p, v, n);
	assert_string_equal(s, want_dependents);
	free(s);
}

static void
expect_order(const struct pipeline *p, const struct graph *g,
    const char *want)
{
	char *s = names(p, graph_order(g), graph_nsteps(g));

	assert_string_equal(s, want);
	free(s);
}

/* Assert d holds an error at line:col whose message contains text. */
static void
expect_error(const struct diags *d, int line, int col, const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].severity == DIAG_ERROR && d->v[i].line == line &&
		    d->v[i].column == col &&
		    strstr(d->v[i].message, text) != NULL) {
			assert_string_equal(d->v[i].file, NAME);
			return;
		}
	fprintf(stderr, "missing error at %d:%d with '%s'; have:\n", line,
	    col, text);
	diags_print(d, stderr);
	fail();
}

static const char basic[] =
    "data:\n"
    "  video: {path: raw/v.mp4}\n"
    "  features: {path: out/f.csv}\n"
    "  model: {path: out/m.pt}\n"
    "  raw: {path: raw}\n"
    "  per: {path: out/per}\n"
    "  report: {path: out/r.txt}\n"
    "parameters:\n"
    "  lr: 0.1\n"
    "pipeline:\n"
    "  - name: evaluate\n"				/* line 11 */
    "    task: t/eval.py\n"
    "    inputs: {m: $model, f: $features, again: $model}\n"
    "    outputs: {-o: $report}\n"
    "  - name: extract\n"
    "    task: t/extract.py\n"
    "    inputs: {video: $video}\n"
    "    outputs: {-o: $features}\n"
    "    args: {--lr: $lr}\n"
    "  - name: train\n"
    "    task: t/train.py\n"
    "    inputs: {data: $features, more: [$video, \"${features}\"]}\n"
    "    outputs: {-o: $model}\n"
    "  - name: split\n"
    "    task: t/split.py\n"
    "    outputs: {-o: $raw}\n"
    "  - name: convert\n"
    "    task: t/convert.py\n"
    "    loop: {over: $raw, into: $per}\n"
    "    inputs: {src: $loop_item}\n"
    "    outputs: {-o: $loop_output}\n"
    "  - name: summary\n"
    "    task: t/summary.py\n"
    "    inputs: {files: [$per, $report]}\n";

static void
test_graph_edges(void **state)
{
	struct diags d;
	struct pipeline *p = load(basic, &d);
	struct graph *g;

	(void)state;
	g = graph_build(p, &d);
	assert_non_null(g);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(graph_nsteps(g), 6);
	/* evaluate names $model twice: one edge. */
	expect_deps(p, g, "evaluate", "extract train", "summary");
	expect_deps(p, g, "extract", "", "evaluate train");
	/* "${features}" is embedded, not a whole reference; $video has no
	   producer. */
	expect_deps(p, g, "train", "extract", "evaluate");
	expect_deps(p, g, "convert", "split", "summary");
	expect_deps(p, g, "summary", "evaluate convert", "");
	assert_int_equal(graph_producer(g, 0), -1);		/* video */
	assert_int_equal(graph_producer(g, 1), (ssize_t)idx(p, "extract"));
	assert_int_equal(graph_producer(g, 4), (ssize_t)idx(p, "convert"));
	assert_int_equal(graph_producer(g, 99), -1);
	assert_true(graph_depends_on(g, idx(p, "summary"), idx(p, "extract")));
	assert_true(graph_depends_on(g, idx(p, "convert"), idx(p, "split")));
	assert_false(graph_depends_on(g, idx(p, "extract"), idx(p, "summary")));
	assert_false(graph_depends_on(g, idx(p, "convert"), idx(p, "train")));
	/* File order, except that evaluate waits for its producers. */
	expect_order(p, g, "extract train evaluate split convert summary");
	assert_int_equal(graph_rank(g, idx(p, "extract")), 0);
	assert_int_equal(graph_rank(g, idx(p, "summary")), 5);
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_graph_duplicate_producer(void **state)
{
	struct diags d;
	struct pipeline *p = load(
	    "data:\n"
	    "  x: {path: x.csv}\n"
	    "pipeline:\n"
	    "  - name: first\n"
	    "    task: a.py\n"
	    "    outputs: {-o: $x}\n"
	    "  - name: second\n"
	    "    task: b.py\n"
	    "    outputs: {--out: $x}\n"
	    "  - name: third\n"
	    "    task: c.py\n"
	    "    loop: {over: $x, into: $x}\n", &d);

	(void)state;
	assert_null(graph_build(p, &d));
	assert_int_equal(d.nerrors, 2);
	expect_error(&d, 9, 22, "data entry 'x' is produced by two steps: "
	    "'first' (line 6) and 'second' (line 9)");
	expect_error(&d, 12, 28, "'first' (line 6) and 'third' (line 12)");
	assert_non_null(d.v[0].hint);
	/* No diagnostics list: still refused. */
	assert_null(graph_build(p, NULL));
	pipeline_free(p);
	diags_free(&d);
}

static void
test_graph_cycles(void **state)
{
	struct diags d;
	struct pipeline *p = load(
	    "data:\n"
	    "  x: {path: x}\n"
	    "  y: {path: y}\n"
	    "  z: {path: z}\n"
	    "  s: {path: s}\n"
	    "  u: {path: u}\n"
	    "  v: {path: v}\n"
	    "pipeline:\n"
	    "  - name: c\n"				/* line 9 */
	    "    task: c.py\n"
	    "    inputs: {i: $y}\n"
	    "    outputs: {-o: $z}\n"
	    "  - name: a\n"				/* line 13 */
	    "    task: a.py\n"
	    "    inputs: {i: $z}\n"
	    "    outputs: {-o: $x}\n"
	    "  - name: b\n"
	    "    task: b.py\n"
	    "    inputs: {i: $x}\n"
	    "    outputs: {-o: $y}\n"
	    "  - name: self\n"				/* line 21 */
	    "    task: s.py\n"
	    "    inputs: {i: $s}\n"
	    "    outputs: {-o: $s}\n"
	    "  - name: after\n"
	    "    task: after.py\n"
	    "    inputs: {i: $y, j: $s}\n"
	    "    outputs: {-o: $u}\n"
	    "  - name: p\n"				/* line 29 */
	    "    task: p.py\n"
	    "    inputs: {i: $v}\n"
	    "    outputs: {-o: $v}\n"
	    "  - name: fine\n"
	    "    task: f.py\n", &d);

	(void)state;
	assert_null(graph_build(p, &d));
	assert_int_equal(d.nerrors, 3);
	/* Named in data-flow order from the step written first. */
	expect_error(&d, 9, 5, "dependency cycle between steps: c -> a -> b "
	    "-> c");
	expect_error(&d, 21, 5, "dependency cycle between steps: self -> "
	    "self");
	expect_error(&d, 29, 5, "dependency cycle between steps: p -> p");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_graph_two_step_cycle(void **state)
{
	struct diags d;
	struct pipeline *p = load(
	    "variables:\n"
	    "  x: x\n"
	    "  y: y\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: a.py\n"
	    "    loop: {over: $y, into: $x}\n"
	    "  - name: b\n"
	    "    task: b.py\n"
	    "    inputs: {i: $x}\n"
	    "    outputs: {-o: $y}\n", &d);

	(void)state;
	assert_null(graph_build(p, &d));
	assert_int_equal(d.nerrors, 1);
	expect_error(&d, 5, 5, "a -> b -> a");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_graph_order_stable(void **state)
{
	struct diags d;
	struct pipeline *p = load(
	    "data:\n"
	    "  x: {path: x}\n"
	    "  y: {path: y}\n"
	    "pipeline:\n"
	    "  - name: s1\n"
	    "    task: a.py\n"
	    "    inputs: {i: $y}\n"
	    "  - name: s2\n"
	    "    task: a.py\n"
	    "  - group: g\n"
	    "    steps:\n"
	    "      - name: s3\n"
	    "        task: a.py\n"
	    "        inputs: {i: $x}\n"
	    "        outputs: {-o: $y}\n"
	    "      - name: s4\n"
	    "        task: a.py\n"
	    "  - name: s5\n"
	    "    task: a.py\n"
	    "    outputs: {-o: $x}\n"
	    "  - name: s6\n"
	    "    task: a.py\n", &d);
	struct graph *g1, *g2;

	(void)state;
	g1 = graph_build(p, &d);
	g2 = graph_build(p, &d);
	assert_non_null(g1);
	expect_order(p, g1, "s2 s4 s5 s3 s1 s6");
	expect_order(p, g2, "s2 s4 s5 s3 s1 s6");
	graph_free(g1);
	graph_free(g2);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_graph_by_hand(void **state)
{
	struct graph *g;
	const size_t *v;
	size_t n;

	(void)state;
	g = graph_create(4);
	graph_add_dep(g, 3, 0);
	graph_add_dep(g, 3, 0);
	graph_add_dep(g, 3, 2);
	graph_add_dep(g, 0, 1);
	assert_int_equal(graph_seal(g), 0);
	v = graph_deps(g, 3, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 2);
	v = graph_dependents(g, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 3);
	v = graph_order(g);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], 2);
	assert_int_equal(v[3], 3);
	assert_int_equal(graph_producer(g, 0), -1);
	graph_free(g);

	g = graph_create(2);
	graph_add_dep(g, 0, 1);
	graph_add_dep(g, 1, 0);
	assert_int_equal(graph_seal(g), -1);
	graph_free(g);
	graph_free(NULL);
}

/* A pipeline of n steps: a chain (i consumes d(i-1)) or a fan-out. */
static char *
big_pipeline(size_t n, bool chain)
{
	size_t cap = 128 * n + 64, len = 0, i;
	char *s = xmalloc(cap);

	len += (size_t)snprintf(s + len, cap - len, "data:\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
		    "  d%zu: {path: d/%zu}\n", i, i);
	len += (size_t)snprintf(s + len, cap - len, "pipeline:\n");
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(s + len, cap - len,
		    "  - name: s%zu\n    task: t.py\n    outputs: {-o: $d%zu}\n",
		    i, i);
		if (i > 0)
			len += (size_t)snprintf(s + len, cap - len,
			    "    inputs: {i: $d%zu}\n", chain ? i - 1 : 0);
		assert_true(len < cap);
	}
	return s;
}

static void
test_graph_10000_steps(void **state)
{
	struct diags d;
	struct pipeline *p;
	struct graph *g;
	char *text;
	const size_t *v;
	size_t n, i;

	(void)state;
	text = big_pipeline(10000, true);
	p = load(text, &d);
	g = graph_build(p, &d);
	assert_non_null(g);
	v = graph_order(g);
	for (i = 0; i < 10000; i++)
		assert_int_equal(v[i], i);
	graph_deps(g, 9999, &n);
	assert_int_equal(n, 1);
	assert_true(graph_depends_on(g, 9999, 0));
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
	free(text);

	text = big_pipeline(10000, false);
	p = load(text, &d);
	g = graph_build(p, &d);
	assert_non_null(g);
	graph_dependents(g, 0, &n);
	assert_int_equal(n, 9999);
	v = graph_order(g);
	for (i = 0; i < 10000; i++)
		assert_int_equal(v[i], i);
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
	free(text);
}

static void
test_graph_100000_by_hand(void **state)
{
	struct graph *g;
	size_t i, n = 100000;
	const size_t *v;

	(void)state;
	/* Reverse chain: step i depends on i + 1; order is n-1 ... 0. */
	g = graph_create(n);
	for (i = 0; i + 1 < n; i++)
		graph_add_dep(g, i, i + 1);
	assert_int_equal(graph_seal(g), 0);
	v = graph_order(g);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], n - 1 - i);
	graph_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph_edges),
		cmocka_unit_test(test_graph_duplicate_producer),
		cmocka_unit_test(test_graph_cycles),
		cmocka_unit_test(test_graph_two_step_cycle),
		cmocka_unit_test(test_graph_order_stable),
		cmocka_unit_test(test_graph_by_hand),
		cmocka_unit_test(test_graph_10000_steps),
		cmocka_unit_test(test_graph_100000_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
