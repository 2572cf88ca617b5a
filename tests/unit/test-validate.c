/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/plan/validate.c. Each validation error and warning is
 * asserted with file, line, column and message: unknown references (with
 * the "did you mean" hint, at the reference's own column), names defined
 * twice across variables:/data:/parameters:, duplicate step names (both
 * lines, groups included), a group named twice, missing task files and
 * tasks that are folders, loops without over:/into:, $loop_item and
 * $loop_output outside a loop, two producers of one entry and cycles
 * (from graph.c), front-matter warnings (undeclared and missing required
 * arguments), layout entries naming nothing; all reported in one run,
 * sorted by location; a clean pipeline gives no diagnostics; problems in
 * aliased nodes are reported once; validate_pipeline_graph reports the
 * same diagnostics and hands over the dependency graph of a valid
 * pipeline (NULL for an invalid one).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

#define NAME "exp.yml"

static char *dir;

static void
put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static int
setup(void **state)
{
	char *sub;

	dir = xstrdup("/tmp/loom-test-validate-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	sub = xasprintf("%s/tasks", dir);
	mkdir(sub, 0755);
	free(sub);
	sub = xasprintf("%s/tasks/folder.py", dir);
	mkdir(sub, 0755);
	free(sub);
	put("tasks/plain.py", "print('hi')\n");
	put("tasks/run.sh", "#!/bin/sh\necho hi\n");
	put("tasks/extract.py",
	    "\"\"\"Extract features.\n"
	    "---\n"
	    "inputs:\n"
	    "  video: {type: video, description: Input video}\n"
	    "outputs:\n"
	    "  -o: {type: csv}\n"
	    "args:\n"
	    "  --sample-rate: {type: int, default: 30}\n"
	    "  --mode: {type: str, required: true, description: How}\n"
	    "---\n"
	    "\"\"\"\n");
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	free(dir);
	return rc == 0 ? 0 : -1;
}

/* Load and validate text; the pipeline must load. */
static struct pipeline *
check(const char *text, struct diags *d)
{
	struct pipeline *p;

	diags_init(d);
	p = pipeline_load_string(NAME, dir, text, strlen(text), d);
	assert_non_null(p);
	validate_pipeline(p, d);
	return p;
}

static void
expect_at(const struct diags *d, enum diag_severity sev, int line, int col,
    const char *text, const char *hint)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].severity != sev || d->v[i].line != line ||
		    d->v[i].column != col ||
		    strstr(d->v[i].message, text) == NULL)
			continue;
		assert_string_equal(d->v[i].file, NAME);
		if (hint != NULL && (d->v[i].hint == NULL ||
		    strstr(d->v[i].hint, hint) == NULL)) {
			diags_print(d, stderr);
			fail_msg("hint of '%s' lacks '%s'", text, hint);
		}
		return;
	}
	diags_print(d, stderr);
	fail_msg("missing %s at %d:%d: %s", sev == DIAG_ERROR ? "error" :
	    "warning", line, col, text);
}

#define expect_error(d, l, c, t, h)	expect_at(d, DIAG_ERROR, l, c, t, h)
#define expect_warning(d, l, c, t, h)	expect_at(d, DIAG_WARNING, l, c, t, h)

static void
test_validate_clean(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "variables:\n"
	    "  video: data/v.mp4\n"
	    "data:\n"
	    "  features: {type: csv, path: out/f.csv}\n"
	    "  wavs: data/wavs\n"
	    "  outs: out/wavs\n"
	    "parameters:\n"
	    "  rate: 30\n"
	    "pipeline:\n"
	    "  - name: extract\n"
	    "    task: tasks/extract.py\n"
	    "    inputs: {video: $video}\n"
	    "    outputs: {-o: $features}\n"
	    "    args: {--sample-rate: $rate, --mode: fast}\n"
	    "  - group: g\n"
	    "    steps:\n"
	    "      - name: per\n"
	    "        task: tasks/run.sh\n"
	    "        loop: {over: $wavs, into: $outs}\n"
	    "        inputs: {x: $loop_item}\n"
	    "        outputs: {-o: \"${loop_output}.txt\"}\n"
	    "layout:\n"
	    "  extract: {x: 1, y: 2}\n"
	    "  video: {x: 0, y: 0}\n"
	    "  g: {x: 0, y: 0}\n"
	    "  rate: {x: 0, y: 0}\n", &d);

	if (d.n != 0)
		diags_print(&d, stderr);
	assert_int_equal(d.n, 0);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_references(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "data:\n"
	    "  features: out/f.csv\n"
	    "  model: out/${learning_rat}/m.pt\n"
	    "parameters:\n"
	    "  learning_rate: 0.1\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/plain.py\n"
	    "    inputs: {x: $featurs}\n"
	    "    outputs: {-o: \"res/${feature}_x\"}\n"
	    "    args: {--n: [1, $nope], --l: $loop_item}\n"
	    "    interpreter: python3\n"
	    "  - name: b\n"
	    "    task: tasks/plain.py\n"
	    "    args: {--o: '${loop_output}', --m: 'a${bad'}\n", &d);

	expect_error(&d, 3, 14, "unknown reference $learning_rat",
	    "did you mean $learning_rate?");
	expect_error(&d, 9, 17, "unknown reference $featurs",
	    "did you mean $features?");
	/* Quoted scalar: the column of the reference inside the quotes. */
	expect_error(&d, 10, 24, "unknown reference $feature",
	    "did you mean $features?");
	expect_error(&d, 11, 21, "unknown reference $nope", "define nope "
	    "under data:");
	expect_error(&d, 11, 34, "$loop_item is only available inside a "
	    "loop step", "loop:");
	expect_error(&d, 15, 18, "$loop_output is only available inside a "
	    "loop step", NULL);
	expect_error(&d, 15, 42, "malformed reference", "${name}");
	assert_int_equal(d.nerrors, 7);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_names_twice(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "variables:\n"
	    "  video: a.mp4\n"
	    "  rate: r.txt\n"
	    "data:\n"
	    "  video: {path: b.mp4}\n"
	    "parameters:\n"
	    "  rate: 3\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/plain.py\n"
	    "  - group: g\n"
	    "    steps:\n"
	    "      - name: a\n"
	    "        task: tasks/plain.py\n"
	    "  - group: g\n"
	    "    steps:\n"
	    "      - name: c\n"
	    "        task: tasks/plain.py\n", &d);

	expect_error(&d, 5, 3, "'video' is defined twice (lines 2 and 5)",
	    "share one namespace");
	expect_error(&d, 7, 3, "'rate' is defined twice: parameter here, data "
	    "entry at line 3", "$rate would mean the data entry");
	expect_error(&d, 13, 15, "duplicate step name 'a' (lines 9 and 13)",
	    "unique");
	expect_error(&d, 15, 12, "group 'g' is defined twice (lines 11 and "
	    "15)", "one group: block");
	assert_int_equal(d.nerrors, 4);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_tasks_and_loops(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "data:\n"
	    "  in: data/in\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/missing.py\n"
	    "  - name: b\n"
	    "    script: tasks/folder.py\n"
	    "  - name: c\n"
	    "    task: tasks/plain.py\n"
	    "    loop: {filter: '*.wav'}\n"
	    "  - name: d\n"
	    "    task: tasks/plain.py\n"
	    "    loop:\n"
	    "      over: $in\n"
	    "  - name: e\n"
	    "    task: tasks/missing.py\n", &d);
	char *hint = xasprintf("relative paths start at the pipeline's "
	    "folder: %s/tasks/missing.py", dir);

	expect_error(&d, 5, 11, "task file tasks/missing.py not found", hint);
	expect_error(&d, 16, 11, "task file tasks/missing.py not found",
	    hint);
	expect_error(&d, 7, 13, "task tasks/folder.py is a folder", NULL);
	expect_error(&d, 10, 5, "the loop of step 'c' has no over:", "over:");
	expect_error(&d, 10, 5, "the loop of step 'c' has no into:", "into:");
	expect_error(&d, 13, 5, "the loop of step 'd' has no into:", NULL);
	assert_int_equal(d.nerrors, 6);
	free(hint);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_graph(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "data:\n"
	    "  x: x.csv\n"
	    "  y: y.csv\n"
	    "  z: z.csv\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/plain.py\n"
	    "    inputs: {i: $y}\n"
	    "    outputs: {-o: $x}\n"
	    "  - name: b\n"
	    "    task: tasks/plain.py\n"
	    "    inputs: {i: $x}\n"
	    "    outputs: {-o: $y}\n"
	    "  - name: c\n"
	    "    task: tasks/plain.py\n"
	    "    outputs: {-o: $z}\n"
	    "  - name: d\n"
	    "    task: tasks/plain.py\n"
	    "    outputs: {-o: $z}\n", &d);

	expect_error(&d, 19, 19, "data entry 'z' is produced by two steps: "
	    "'c' (line 16) and 'd' (line 19)", "one producer");
	expect_error(&d, 6, 5, "dependency cycle between steps: a -> b -> a",
	    "break the cycle");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_frontmatter(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/extract.py\n"
	    "    inputs: {video: v.mp4}\n"
	    "    outputs: {-o: f.csv}\n"
	    "    args: {--sample-rte: 3, --other: 1}\n"
	    "  - name: b\n"
	    "    task: tasks/extract.py\n"
	    "    outputs: {--out: f.csv}\n"
	    "    args: {--mode: x}\n", &d);

	expect_warning(&d, 6, 12, "step 'a' passes argument '--sample-rte', "
	    "which tasks/extract.py does not declare", "did you mean "
	    "'--sample-rate'?");
	expect_warning(&d, 6, 29, "step 'a' passes argument '--other', which "
	    "tasks/extract.py does not declare", "declares: --sample-rate, "
	    "--mode");
	expect_warning(&d, 2, 11, "step 'a' does not pass required argument "
	    "'--mode' of tasks/extract.py", "--mode: How");
	expect_warning(&d, 7, 11, "step 'b' does not pass required input "
	    "'video'", "Input video");
	expect_warning(&d, 7, 11, "step 'b' does not pass required output "
	    "'-o'", NULL);
	expect_warning(&d, 9, 15, "step 'b' passes output '--out'", NULL);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 6);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_layout_and_order(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: tasks/nothere.py\n"
	    "    inputs: {i: $ghost}\n"
	    "layout:\n"
	    "  a: {x: 1, y: 1}\n"
	    "  gone: {x: 1, y: 1}\n"
	    "extra: 1\n", &d);
	size_t i;

	expect_warning(&d, 7, 3, "layout names 'gone', which is not a step, "
	    "data entry, parameter or group", NULL);
	expect_warning(&d, 8, 1, "unknown key 'extra'", NULL);
	expect_error(&d, 3, 11, "task file tasks/nothere.py not found", NULL);
	expect_error(&d, 4, 17, "unknown reference $ghost", NULL);
	/* Loader and validator diagnostics merged, sorted by place. */
	for (i = 1; i < d.n; i++)
		assert_true(d.v[i - 1].line < d.v[i].line ||
		    (d.v[i - 1].line == d.v[i].line &&
		    d.v[i - 1].column <= d.v[i].column));
	pipeline_free(p);
	diags_free(&d);
}

static void
test_validate_aliases_once(void **state)
{
	struct diags d;
	struct pipeline *p = check(
	    "common: &c {--x: $nope}\n"
	    "pipeline:\n"
	    "  - {name: a, task: tasks/plain.py, args: *c}\n"
	    "  - {name: b, task: tasks/plain.py, args: *c}\n", &d);

	/* The shared node is checked once: one error, at its place. */
	expect_error(&d, 1, 18, "unknown reference $nope", NULL);
	assert_int_equal(d.nerrors, 1);
	pipeline_free(p);
	diags_free(&d);
}

/* The graph built while validating is handed over, only when valid. */
static void
test_validate_hands_over_graph(void **state)
{
	static const char *valid =
	    "data:\n"
	    "  x: x.csv\n"
	    "  y: y.csv\n"
	    "pipeline:\n"
	    "  - name: b\n"
	    "    task: tasks/plain.py\n"
	    "    inputs: {i: $x}\n"
	    "    outputs: {-o: $y}\n"
	    "  - name: a\n"
	    "    task: tasks/plain.py\n"
	    "    outputs: {-o: $x}\n"
	    "  - name: c\n"
	    "    task: tasks/missing.py\n";
	struct diags d, d2;
	struct pipeline *p;
	struct graph *g;
	const size_t *deps;
	size_t n;
	const char *bad;

	/* Without step c the pipeline is valid: b depends on a. */
	bad = strstr(valid, "  - name: c");
	diags_init(&d);
	p = pipeline_load_string(NAME, dir, valid, (size_t)(bad - valid), &d);
	assert_non_null(p);
	g = validate_pipeline_graph(p, &d);
	assert_non_null(g);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(graph_nsteps(g), 2);
	deps = graph_deps(g, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(deps[0], 1);
	assert_int_equal(graph_order(g)[0], 1);
	assert_int_equal(graph_order(g)[1], 0);
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);

	/* With it, NULL and the diagnostics validate_pipeline gives. */
	diags_init(&d);
	p = pipeline_load_string(NAME, dir, valid, strlen(valid), &d);
	assert_non_null(p);
	assert_null(validate_pipeline_graph(p, &d));
	expect_error(&d, 13, 11, "tasks/missing.py", NULL);
	diags_init(&d2);
	validate_pipeline(p, &d2);
	assert_int_equal(d.n, d2.n);
	assert_int_equal(d.nerrors, d2.nerrors);
	pipeline_free(p);
	diags_free(&d);
	diags_free(&d2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_clean),
		cmocka_unit_test(test_validate_references),
		cmocka_unit_test(test_validate_names_twice),
		cmocka_unit_test(test_validate_tasks_and_loops),
		cmocka_unit_test(test_validate_graph),
		cmocka_unit_test(test_validate_frontmatter),
		cmocka_unit_test(test_validate_layout_and_order),
		cmocka_unit_test(test_validate_aliases_once),
		cmocka_unit_test(test_validate_hands_over_graph),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
