/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for step selection (common/model/select.c), README, "Selecting
 * what runs". Covers: no selection (disabled and non-included optional steps left
 * out), --include, --step (exactly these, optional ones too), --from
 * (downstream, optional only when included, disabled never, walking
 * through steps that are left out), --until (upstream), --group, unions
 * of selectors, and the usage errors: unknown step or group with a "did
 * you mean" hint, a disabled step named by --step, --from, --until or
 * --include.
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
#include "common/model/select.h"
#include "common/util/xmalloc.h"

/*
 * extract -> train -> evaluate -> report, train -> plots (optional) ->
 * report; old (disabled) consumes train's output and feeds late;
 * group extras: lint, deep (optional, after evaluate).
 */
static const char yml[] =
    "data:\n"
    "  a: {path: a}\n"
    "  b: {path: b}\n"
    "  c: {path: c}\n"
    "  d: {path: d}\n"
    "  e: {path: e}\n"
    "pipeline:\n"
    "  - name: extract\n"
    "    task: t.py\n"
    "    outputs: {-o: $a}\n"
    "  - name: train\n"
    "    task: t.py\n"
    "    inputs: {i: $a}\n"
    "    outputs: {-o: $b}\n"
    "  - name: plots\n"
    "    task: t.py\n"
    "    optional: true\n"
    "    inputs: {i: $b}\n"
    "    outputs: {-o: $c}\n"
    "  - name: evaluate\n"
    "    task: t.py\n"
    "    inputs: {i: $b}\n"
    "    outputs: {-o: $d}\n"
    "  - name: report\n"
    "    task: t.py\n"
    "    inputs: {i: $c, j: $d}\n"
    "  - name: old\n"
    "    task: t.py\n"
    "    disabled: true\n"
    "    inputs: {i: $b}\n"
    "    outputs: {-o: $e}\n"
    "  - name: late\n"
    "    task: t.py\n"
    "    inputs: {i: $e}\n"
    "  - group: extras\n"
    "    steps:\n"
    "      - name: lint\n"
    "        task: t.py\n"
    "      - name: deep\n"
    "        task: t.py\n"
    "        optional: true\n"
    "        inputs: {i: $d}\n";

struct fx {
	struct diags d;
	struct pipeline *p;
	struct graph *g;
	struct select_opts o;
	struct loom_error err;
	bool *selected;
	char *text;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	diags_init(&f->d);
	f->p = pipeline_load_string("exp.yml", "/work/exp", yml, strlen(yml),
	    &f->d);
	if (f->p == NULL || f->d.nerrors > 0)
		diags_print(&f->d, stderr);
	assert_non_null(f->p);
	f->g = graph_build(f->p, &f->d);
	assert_non_null(f->g);
	select_opts_init(&f->o);
	loom_error_clear(&f->err);
	f->selected = xcalloc(f->p->nsteps, sizeof *f->selected);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	select_opts_free(&f->o);
	graph_free(f->g);
	pipeline_free(f->p);
	diags_free(&f->d);
	free(f->selected);
	free(f->text);
	free(f);
	return 0;
}

/* Run the selection; the selected names in file order, or "error". */
static const char *
run(struct fx *f)
{
	char *tmp;
	size_t i, count = 0;
	int rc;

	free(f->text);
	f->text = xstrdup("");
	loom_error_clear(&f->err);
	rc = select_steps(f->p, f->g, &f->o, f->selected, &f->err);
	if (rc < 0) {
		assert_true(f->err.set);
		for (i = 0; i < f->p->nsteps; i++)
			assert_false(f->selected[i]);
		free(f->text);
		f->text = xstrdup("error");
		return f->text;
	}
	for (i = 0; i < f->p->nsteps; i++) {
		if (!f->selected[i])
			continue;
		count++;
		tmp = xasprintf("%s%s%s", f->text, *f->text ? " " : "",
		    f->p->steps[i].name);
		free(f->text);
		f->text = tmp;
	}
	assert_int_equal(rc, (int)count);
	return f->text;
}

static void
test_select_default(void **state)
{
	struct fx *f = *state;

	assert_false(select_opts_narrowed(&f->o));
	assert_string_equal(run(f), "extract train evaluate report late lint");
}

static void
test_select_include(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.include, "plots");
	assert_false(select_opts_narrowed(&f->o));
	assert_string_equal(run(f),
	    "extract train plots evaluate report late lint");
	strv_push(&f->o.include, "deep");
	assert_string_equal(run(f),
	    "extract train plots evaluate report late lint deep");
}

static void
test_select_step(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.steps, "plots");
	assert_true(select_opts_narrowed(&f->o));
	/* Named with --step: runs although optional. */
	assert_string_equal(run(f), "plots");
	strv_push(&f->o.steps, "extract");
	assert_string_equal(run(f), "extract plots");
}

static void
test_select_step_disabled(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.steps, "old");
	assert_string_equal(run(f), "error");
	assert_string_equal(f->err.message, "--step: step 'old' is disabled");
	assert_non_null(strstr(f->err.hint, "disabled: true"));
	assert_int_equal(f->err.line, 0);
}

static void
test_select_unknown(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.steps, "trian");
	assert_string_equal(run(f), "error");
	assert_string_equal(f->err.message,
	    "--step: no step named 'trian' in exp.yml");
	assert_string_equal(f->err.hint, "did you mean 'train'?");
	strv_free(&f->o.steps);

	strv_push(&f->o.from, "zzzzzzzzzzzz");
	assert_string_equal(run(f), "error");
	assert_non_null(strstr(f->err.message, "--from: no step named"));
	assert_non_null(strstr(f->err.hint, "loomctl list"));
	strv_free(&f->o.from);

	strv_push(&f->o.groups, "extra");
	assert_string_equal(run(f), "error");
	assert_string_equal(f->err.message,
	    "--group: no group named 'extra' in exp.yml");
	assert_string_equal(f->err.hint, "did you mean 'extras'?");
	strv_free(&f->o.groups);

	strv_push(&f->o.include, "plot");
	assert_string_equal(run(f), "error");
	assert_string_equal(f->err.hint, "did you mean 'plots'?");
}

static void
test_select_from(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.from, "train");
	/* Optional plots and deep left out, disabled old too; late is
	   downstream through old and still runs. */
	assert_string_equal(run(f), "train evaluate report late");
	strv_push(&f->o.include, "plots");
	assert_string_equal(run(f), "train plots evaluate report late");
}

static void
test_select_from_optional_named(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.from, "plots");
	assert_string_equal(run(f), "plots report");
	strv_free(&f->o.from);
	strv_push(&f->o.from, "evaluate");
	assert_string_equal(run(f), "evaluate report");
	strv_push(&f->o.include, "deep");
	assert_string_equal(run(f), "evaluate report deep");
}

static void
test_select_from_disabled(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.from, "old");
	assert_string_equal(run(f), "error");
	assert_string_equal(f->err.message, "--from: step 'old' is disabled");
	strv_free(&f->o.from);
	strv_push(&f->o.until, "old");
	assert_string_equal(run(f), "error");
	strv_free(&f->o.until);
	strv_push(&f->o.include, "old");
	assert_string_equal(run(f), "error");
}

static void
test_select_until(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.until, "report");
	assert_string_equal(run(f), "extract train evaluate report");
	strv_push(&f->o.include, "plots");
	assert_string_equal(run(f), "extract train plots evaluate report");
	strv_free(&f->o.include);
	strv_free(&f->o.until);
	/* Upstream through the disabled step, which stays out. */
	strv_push(&f->o.until, "late");
	assert_string_equal(run(f), "extract train late");
}

static void
test_select_group(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.groups, "extras");
	assert_string_equal(run(f), "lint");
	strv_push(&f->o.include, "deep");
	assert_string_equal(run(f), "lint deep");
}

static void
test_select_union(void **state)
{
	struct fx *f = *state;

	strv_push(&f->o.steps, "lint");
	strv_push(&f->o.until, "train");
	assert_string_equal(run(f), "extract train lint");
	strv_push(&f->o.from, "evaluate");
	assert_string_equal(run(f), "extract train evaluate report lint");
	/* --include adds the step to a narrowed selection too. */
	strv_push(&f->o.include, "deep");
	assert_string_equal(run(f), "extract train evaluate report lint deep");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_default, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_include, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_step, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_step_disabled,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_unknown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_from, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_from_optional_named,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_from_disabled,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_until, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_group, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_select_union, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
