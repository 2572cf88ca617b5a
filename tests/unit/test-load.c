/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for loading (common/model/pipeline-load.c). Covers: every section
 * of docs/pipeline-format.md into the model (variables: and data:, parameters with
 * their spelling, steps with every field, 'script' alias, group blocks
 * flattened, loop, execution, layout, unknown keys kept and warned);
 * spans (1-based, byte offsets, multibyte text before a node); type
 * errors (optional: maybe, max_workers: many, layout x not a number);
 * syntax errors with 1-based places; and the hostile inputs of
 * RELIABILITY.md: Y1 alias bomb, Y2 recursive aliases, Y3 nesting of
 * 100,000 '[', '{' and block levels (and through aliases), Y4 size,
 * Y5 encoding (0xff, cut multibyte at EOF, UTF-16 BOM, NUL, C0
 * control), Y6 duplicate keys, Y7 tags. Each asserts file, line,
 * column and message. Every test runs twice: with libyaml in the
 * loader's thread and with it in a second one (common/model/yamlpipe.c,
 * threshold 0), and test_load_both_ways loads the golden cases, the
 * examples and big generated files (errors at their start, middle and
 * end, a second document, a fatal alias) both ways and compares the
 * whole model and every diagnostic.
 */
#include <sys/types.h>

#include <dirent.h>
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
#include "common/model/pipeline.h"
#include "common/model/yamlpipe.h"
#include "common/util/xmalloc.h"

#define NAME "exp.yml"

/* The round's threshold: libyaml in one thread (huge) or two (0). */
static size_t round_min;

static struct pipeline *
load(const char *text, struct diags *d)
{
	diags_init(d);
	return pipeline_load_string(NAME, "/work/exp", text, strlen(text), d);
}

static struct pipeline *
loadn(const char *text, size_t len, struct diags *d)
{
	diags_init(d);
	return pipeline_load_string(NAME, "/work/exp", text, len, d);
}

/* Print the diagnostics, for failing assertions. */
static void
dump(const struct diags *d)
{
	diags_print(d, stderr);
}

/*
 * Assert that d holds a diagnostic of severity sev at line:col whose
 * message contains text.
 */
static void
expect(const struct diags *d, enum diag_severity sev, int line, int col,
    const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].severity == sev && d->v[i].line == line &&
		    d->v[i].column == col &&
		    strstr(d->v[i].message, text) != NULL) {
			assert_string_equal(d->v[i].file, NAME);
			return;
		}
	}
	fprintf(stderr, "missing %s at %d:%d containing '%s'; have:\n",
	    sev == DIAG_ERROR ? "error" : "warning", line, col, text);
	dump(d);
	fail();
}

static const struct diag *
find_hint(const struct diags *d, const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].hint != NULL && strstr(d->v[i].hint, text) != NULL)
			return &d->v[i];
	return NULL;
}

static const char full[] =
    "variables:\n"
    "  video: data/raw/recording.mp4\n"
    "data:\n"
    "  features:\n"
    "    type: csv\n"
    "    path: data/processed/features.csv\n"
    "    description: Extracted features\n"
    "    colour: blue\n"
    "  model: {type: model, path: \"results/lr_${learning_rate}/m.pt\"}\n"
    "parameters:\n"
    "  learning_rate: 0.001\n"
    "  tiny: 1e-5\n"
    "  epochs: 100\n"
    "  verbose: true\n"
    "  label: 'x'\n"
    "execution:\n"
    "  parallel: true\n"
    "  max_workers: 4\n"
    "  interpreters: {\".py\": [python3, -u], \".sh\": bash}\n"
    "pipeline:\n"
    "  - name: extract\n"
    "    task: tasks/extract.py\n"
    "    inputs:  {video: $video}\n"
    "    outputs: {-o: $features}\n"
    "    args:    {--lr: $learning_rate, --verbose: true, --k: [1, 2]}\n"
    "    optional: true\n"
    "    disabled: false\n"
    "    interpreter: [python3, -X, dev]\n"
    "    description: Extract things\n"
    "    retries: 3\n"
    "  - group: training\n"
    "    steps:\n"
    "      - name: train\n"
    "        script: tasks/train.py\n"
    "        inputs: {data: $features}\n"
    "        outputs: {-o: $model}\n"
    "      - name: evaluate\n"
    "        task: tasks/eval.py\n"
    "        interpreter: python3\n"
    "  - name: per_file\n"
    "    task: tasks/convert.sh\n"
    "    loop:\n"
    "      over: $video\n"
    "      into: $features\n"
    "      filter: \"*.wav\"\n"
    "      parallel: false\n"
    "    inputs:  {src: $loop_item}\n"
    "    outputs: {-o: $loop_output}\n"
    "layout:\n"
    "  extract: {x: 400, y: -12.5}\n"
    "  train: {x: 0, y: 1e2}\n"
    "owner: someone\n";

static void
test_load_full_model(void **state)
{
	struct diags d;
	struct pipeline *p = load(full, &d);
	const struct step *s;
	const struct data_entry *de;
	const struct kv *kv;

	assert_non_null(p);
	if (d.nerrors != 0)
		dump(&d);
	assert_int_equal(d.nerrors, 0);
	/* Unknown keys: colour, retries, owner. */
	assert_int_equal(d.nwarnings, 3);
	expect(&d, DIAG_WARNING, 8, 5, "unknown key 'colour' in data entry "
	    "'features'");
	expect(&d, DIAG_WARNING, 30, 5, "unknown key 'retries' in step "
	    "'extract'");
	expect(&d, DIAG_WARNING, 52, 1, "unknown key 'owner'");

	assert_string_equal(p->path, NAME);
	assert_string_equal(p->dir, "/work/exp");
	assert_int_equal(p->ndata, 3);
	assert_true(p->data[0].from_variables);
	assert_string_equal(p->data[0].name, "video");
	assert_string_equal(p->data[0].path->text, "data/raw/recording.mp4");
	assert_int_equal(p->data[0].span.line, 2);
	assert_int_equal(p->data[0].span.column, 3);
	de = pipeline_data(p, "features");
	assert_non_null(de);
	assert_false(de->from_variables);
	assert_string_equal(de->type, "csv");
	assert_string_equal(de->description, "Extracted features");
	assert_string_equal(de->path->text, "data/processed/features.csv");
	assert_int_equal(de->unknown.n, 1);
	assert_string_equal(de->unknown.v[0].key, "colour");
	assert_string_equal(pipeline_data(p, "model")->type, "model");

	assert_int_equal(p->nparams, 5);
	assert_string_equal(pipeline_param(p, "learning_rate")->value->text,
	    "0.001");
	assert_int_equal(pipeline_param(p, "learning_rate")->value->type,
	    VALUE_FLOAT);
	assert_string_equal(pipeline_param(p, "tiny")->value->text, "1e-5");
	assert_int_equal(pipeline_param(p, "tiny")->value->type, VALUE_FLOAT);
	assert_int_equal(pipeline_param(p, "epochs")->value->type, VALUE_INT);
	assert_int_equal(pipeline_param(p, "verbose")->value->type,
	    VALUE_BOOL);
	assert_true(pipeline_param(p, "verbose")->value->boolean);
	assert_int_equal(pipeline_param(p, "label")->value->type,
	    VALUE_STRING);
	assert_true(pipeline_param(p, "label")->value->quoted);

	assert_int_equal(p->exec.parallel, 1);
	assert_int_equal(p->exec.max_workers, 4);
	assert_int_equal(p->exec.interpreters.n, 2);
	kv = kvlist_get(&p->exec.interpreters, ".py");
	assert_non_null(kv);
	assert_int_equal(kv->value->type, VALUE_LIST);
	assert_int_equal(kv->value->nitems, 2);

	assert_int_equal(p->nsteps, 4);
	s = &p->steps[0];
	assert_string_equal(s->name, "extract");
	assert_int_equal(s->span.line, 21);
	assert_int_equal(s->span.column, 5);
	assert_int_equal(s->name_span.line, 21);
	assert_int_equal(s->name_span.column, 11);
	assert_string_equal(s->task, "tasks/extract.py");
	assert_int_equal(s->task_span.line, 22);
	assert_int_equal(s->task_span.column, 11);
	assert_false(s->task_via_script);
	assert_int_equal(s->inputs.n, 1);
	assert_string_equal(s->inputs.v[0].key, "video");
	assert_string_equal(s->inputs.v[0].value->text, "$video");
	assert_int_equal(s->args.n, 3);
	assert_string_equal(s->args.v[0].key, "--lr");
	assert_string_equal(s->args.v[1].key, "--verbose");
	assert_int_equal(s->args.v[1].value->type, VALUE_BOOL);
	assert_string_equal(s->args.v[2].key, "--k");
	assert_int_equal(s->args.v[2].value->type, VALUE_LIST);
	assert_true(s->optional);
	assert_false(s->disabled);
	assert_int_equal(s->interpreter.n, 3);
	assert_string_equal(s->interpreter.v[2], "dev");
	assert_string_equal(s->description, "Extract things");
	assert_int_equal(s->group, -1);
	assert_int_equal(s->unknown.n, 1);
	assert_null(s->loop);

	s = &p->steps[1];
	assert_string_equal(s->name, "train");
	assert_true(s->task_via_script);
	assert_string_equal(s->task, "tasks/train.py");
	assert_int_equal(s->group, 0);
	assert_int_equal(p->steps[2].group, 0);
	assert_int_equal(p->steps[2].interpreter.n, 1);
	assert_int_equal(p->ngroups, 1);
	assert_string_equal(p->groups[0].name, "training");
	assert_int_equal(p->groups[0].span.line, 31);
	assert_int_equal(p->groups[0].span.column, 12);
	assert_int_equal(p->groups[0].nsteps, 2);
	assert_int_equal(p->groups[0].steps[0], 1);
	assert_int_equal(p->groups[0].steps[1], 2);
	assert_int_equal(pipeline_group_index(p, "training"), 0);
	assert_int_equal(pipeline_group_index(p, "nope"), -1);

	s = &p->steps[3];
	assert_string_equal(s->name, "per_file");
	assert_non_null(s->loop);
	assert_string_equal(s->loop->over->text, "$video");
	assert_string_equal(s->loop->into->text, "$features");
	assert_string_equal(s->loop->filter, "*.wav");
	assert_int_equal(s->loop->parallel, 0);
	assert_int_equal(s->loop->span.line, 42);
	assert_int_equal(pipeline_step_index(p, "per_file"), 3);
	assert_int_equal(pipeline_step_index(p, "evaluate"), 2);
	assert_int_equal(pipeline_step_index(p, "missing"), -1);

	assert_int_equal(p->nlayout, 2);
	assert_string_equal(p->layout[0].name, "extract");
	assert_true(p->layout[0].x == 400.0);
	assert_true(p->layout[0].y == -12.5);
	assert_true(p->layout[1].y == 100.0);
	assert_int_equal(p->unknown.n, 1);
	assert_string_equal(p->unknown.v[0].key, "owner");
	assert_string_equal(p->unknown.v[0].value->text, "someone");

	/* The source is kept whole, and spans are byte offsets into it. */
	assert_int_equal(p->source_len, strlen(full));
	assert_memory_equal(p->source + s->name_span.start, "per_file", 8);
	assert_int_equal(s->name_span.end - s->name_span.start, 8);

	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_spans_multibyte(void **state)
{
	/* "é" is two bytes but one column; libyaml counts characters. */
	const char *text = "parameters:\n  é: 1\n  ü: \"ö\"\n  x: ä\n";
	struct diags d;
	struct pipeline *p = load(text, &d);
	const struct param *pa;

	assert_non_null(p);
	assert_int_equal(d.n, 0);
	pa = pipeline_param(p, "ü");
	assert_non_null(pa);
	assert_int_equal(pa->value->span.line, 3);
	assert_int_equal(pa->value->span.column, 6);
	assert_memory_equal(text + pa->value->span.start, "\"ö\"", 4);
	assert_int_equal(pa->value->span.end - pa->value->span.start, 4);
	pipeline_free(p);
	diags_free(&d);

	/* A UTF-8 byte order mark is skipped and offsets still match. */
	text = "\xef\xbb\xbfparameters: {a: 1}\n";
	p = load(text, &d);
	assert_non_null(p);
	pa = pipeline_param(p, "a");
	assert_memory_equal(text + pa->value->span.start, "1", 1);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_empty_and_top_level(void **state)
{
	struct diags d;
	struct pipeline *p;

	p = load("", &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->nsteps, 0);
	pipeline_free(p);
	diags_free(&d);

	p = load("# only a comment\n", &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	pipeline_free(p);
	diags_free(&d);

	p = load("- a\n- b\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_ERROR, 1, 1, "the top level of a pipeline file must "
	    "be a mapping, not a list");
	pipeline_free(p);
	diags_free(&d);

	p = load("a: 1\n---\nb: 2\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_ERROR, 2, 1, "one YAML document");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_type_errors(void **state)
{
	struct diags d;
	struct pipeline *p;

	p = load("execution:\n"
	    "  max_workers: many\n"
	    "  parallel: yes\n"
	    "  nice: 5\n"
	    "pipeline:\n"
	    "  - name: a\n"
	    "    task: t.py\n"
	    "    optional: maybe\n"
	    "    disabled: 1\n"
	    "    inputs: [x]\n"
	    "    interpreter: {a: b}\n"
	    "    loop: 3\n"
	    "  - just text\n"
	    "  - name: b\n"
	    "  - task: c.py\n"
	    "    script: d.py\n"
	    "parameters:\n"
	    "  l: [1, 2]\n"
	    "layout:\n"
	    "  a: {x: left, y: 2}\n"
	    "  b: {x: 1}\n"
	    "  c: 7\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_ERROR, 2, 16, "max_workers must be a whole number "
	    "from 1 to 100000, not 'many'");
	expect(&d, DIAG_ERROR, 3, 13, "parallel must be true or false, not "
	    "'yes'");
	expect(&d, DIAG_WARNING, 4, 3, "unknown key 'nice' in execution");
	expect(&d, DIAG_ERROR, 8, 15, "optional must be true or false, not "
	    "'maybe'");
	expect(&d, DIAG_ERROR, 9, 15, "disabled must be true or false, not "
	    "'1'");
	expect(&d, DIAG_ERROR, 10, 13, "inputs must be a mapping of name: "
	    "value lines, not a list");
	expect(&d, DIAG_ERROR, 11, 18, "interpreter must be a command or a "
	    "list of words, not a mapping");
	expect(&d, DIAG_ERROR, 12, 11, "loop must be a mapping with over: "
	    "and into:, not a number");
	expect(&d, DIAG_ERROR, 13, 5, "each entry of pipeline: must be a step");
	expect(&d, DIAG_ERROR, 14, 5, "step 'b' has no task");
	expect(&d, DIAG_ERROR, 15, 5, "step has no name");
	expect(&d, DIAG_ERROR, 16, 5, "has both task: and script:");
	expect(&d, DIAG_ERROR, 18, 6, "parameter 'l' must be a single value");
	expect(&d, DIAG_ERROR, 20, 10, "layout x of 'a' must be a number, "
	    "not 'left'");
	expect(&d, DIAG_ERROR, 21, 3, "layout of 'b' needs both x and y");
	expect(&d, DIAG_ERROR, 22, 6, "layout of 'c' must be {x: NUMBER, y: "
	    "NUMBER}");
	assert_int_equal(p->exec.max_workers, 0);
	assert_int_equal(p->exec.parallel, -1);
	assert_int_equal(p->nlayout, 0);
	pipeline_free(p);
	diags_free(&d);

	/* max_workers: 0 and out of range. */
	p = load("execution: {max_workers: 0}\n", &d);
	expect(&d, DIAG_ERROR, 1, 26, "not '0'");
	pipeline_free(p);
	diags_free(&d);
	p = load("execution: {max_workers: 99999999999999999999}\n", &d);
	expect(&d, DIAG_ERROR, 1, 26, "max_workers must be");
	pipeline_free(p);
	diags_free(&d);
}

/* Steps are converted while parsing: corner cases keep their meaning. */
static void
test_load_streamed_steps(void **state)
{
	struct diags d;
	struct pipeline *p;

	/* An anchored pipeline list stays whole for its alias. */
	p = load("pipeline: &p\n"
	    "  - {name: a, task: t.py}\n"
	    "  - {name: b, task: t.py}\n"
	    "copy: *p\n", &d);
	assert_non_null(p);
	assert_int_equal(p->nsteps, 2);
	assert_int_equal(p->unknown.n, 1);
	assert_int_equal(p->unknown.v[0].value->nitems, 2);
	pipeline_free(p);
	diags_free(&d);

	/* A step given through an alias; a second pipeline: is dropped. */
	p = load("defs: {s: &s {name: a, task: t.py}}\n"
	    "pipeline:\n"
	    "  - *s\n"
	    "  - {name: b, task: u.py}\n"
	    "  - 7\n"
	    "pipeline:\n"
	    "  - {name: c, task: t.py}\n", &d);
	assert_non_null(p);
	assert_int_equal(p->nsteps, 2);
	assert_string_equal(p->steps[0].name, "a");
	assert_int_equal(p->steps[0].span.line, 1);
	assert_string_equal(p->steps[1].task, "u.py");
	expect(&d, DIAG_ERROR, 5, 5, "each entry of pipeline: must be a step");
	expect(&d, DIAG_ERROR, 6, 1, "duplicate key 'pipeline'");
	assert_int_equal(pipeline_step_index(p, "c"), -1);
	pipeline_free(p);
	diags_free(&d);
}

/*
 * Shared (aliased) nodes stay whole for every owner: a group block, a
 * group's steps list, a data section and the pipeline list given twice.
 */
static void
test_load_shared_entries(void **state)
{
	const struct value *v;
	struct diags d;
	struct pipeline *p;

	(void)state;
	p = load("pipeline:\n"
	    "  - &g\n"
	    "    group: G\n"
	    "    steps: &hs\n"
	    "      - {name: a, task: t.py, inputs: {i: $x}}\n"
	    "  - *g\n"
	    "  - {group: H, steps: *hs}\n", &d);
	assert_non_null(p);
	assert_int_equal(p->nsteps, 3);
	assert_int_equal(p->ngroups, 3);
	assert_string_equal(p->steps[2].name, "a");
	assert_string_equal(p->steps[2].task, "t.py");
	assert_int_equal(p->steps[2].group, 2);
	assert_string_equal(p->steps[2].inputs.v[0].key, "i");
	assert_string_equal(p->steps[2].inputs.v[0].value->text, "$x");
	pipeline_free(p);
	diags_free(&d);

	p = load("data: &D\n"
	    "  a: p/a\n"
	    "  b: {path: p/b, type: csv}\n"
	    "variables: *D\n"
	    "pipeline: &P\n"
	    "  - {name: s, task: t.py}\n"
	    "later: *P\n", &d);
	assert_non_null(p);
	assert_int_equal(p->ndata, 4);
	assert_string_equal(p->data[3].name, "b");
	assert_string_equal(p->data[3].type, "csv");
	assert_string_equal(p->data[3].path->text, "p/b");
	assert_true(p->data[3].from_variables);
	v = p->unknown.v[0].value;
	assert_int_equal(v->nitems, 1);
	assert_non_null(v->items[0]);
	assert_string_equal(kvlist_get(&v->items[0]->map, "name")->value->text,
	    "s");
	assert_string_equal(p->steps[0].name, "s");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_unknown_key_hint(void **state)
{
	struct diags d;
	struct pipeline *p;
	const struct diag *h;

	p = load("pipeline:\n  - name: a\n    task: t.py\n    ouputs: {}\n",
	    &d);
	expect(&d, DIAG_WARNING, 4, 5, "unknown key 'ouputs' in step 'a'");
	h = find_hint(&d, "did you mean 'outputs'?");
	assert_non_null(h);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_syntax_errors(void **state)
{
	struct diags d;
	struct pipeline *p;

	p = load("pipeline:\n  - name: a\n    task: b: c\n", &d);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	expect(&d, DIAG_ERROR, 3, 12, "mapping values are not allowed");
	diags_free(&d);

	p = load("a: [1, 2\nb: 3\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 2, 2, "did not find expected ',' or ']' "
	    "(while parsing a flow sequence at line 1, column 4)");
	diags_free(&d);

	/* A tab used for indentation gets a specific hint. */
	p = load("a:\n\tb: 1\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 2, 1, "found character that cannot start "
	    "any token");
	assert_non_null(find_hint(&d, "spaces, not tabs"));
	diags_free(&d);

	p = load("a: *nothing\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 1, 4, "unknown alias *nothing");
	diags_free(&d);

	p = load("? [a, b]\n: 1\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 1, 3, "a mapping key must be a plain name, "
	    "not a list");
	diags_free(&d);
}

/* Y1: nine levels of nine aliases. */
static void
test_load_y1_alias_bomb(void **state)
{
	struct diags d;
	struct pipeline *p;
	char *text = xstrdup("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
	    "\"lol\",\"lol\",\"lol\",\"lol\"]\n"), *next;
	char prev = 'a', cur;

	for (cur = 'b'; cur <= 'i'; cur++, prev++) {
		next = xasprintf("%s%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,"
		    "*%c]\n", text, cur, cur, prev, prev, prev, prev, prev,
		    prev, prev, prev, prev);
		free(text);
		text = next;
	}
	p = load(text, &d);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	/* 10^k nodes per level: level 7 ('g') passes 2,000,000. */
	expect(&d, DIAG_ERROR, 7, 14, "alias expansion limit exceeded");
	free(text);
	diags_free(&d);

	/* Many small aliases: the alias count limit. */
	text = xmalloc(32 + 3 * (PIPELINE_MAX_ALIASES + 1));
	next = text + sprintf(text, "a: &a x\nb: [");
	for (int i = 0; i < PIPELINE_MAX_ALIASES + 1; i++)
		next += sprintf(next, "*a,");
	strcpy(next, "]\n");
	p = load(text, &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 2, 5 + 3 * PIPELINE_MAX_ALIASES,
	    "alias expansion limit exceeded (more than 10000 aliases)");
	free(text);
	diags_free(&d);

	/* Ordinary aliases work and share the node. */
	p = load("parameters:\n  a: &lr 0.01\n  b: *lr\n", &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_string_equal(pipeline_param(p, "b")->value->text, "0.01");
	assert_ptr_equal(pipeline_param(p, "b")->value,
	    pipeline_param(p, "a")->value);
	pipeline_free(p);
	diags_free(&d);
}

/* Y2: an alias inside the node it names. */
static void
test_load_y2_recursive_alias(void **state)
{
	struct diags d;
	struct pipeline *p;

	p = load("a: &a [*a]\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 1, 8, "recursive alias *a");
	diags_free(&d);

	p = load("x: 1\nb: &b {k: *b}\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 2, 11, "recursive alias *b");
	diags_free(&d);

	p = load("c: &c\n  d:\n    - e: *c\n", &d);
	assert_null(p);
	expect(&d, DIAG_ERROR, 3, 10, "recursive alias *c");
	diags_free(&d);
}

static void
y3(const char *text, int line, int col)
{
	struct diags d;
	struct pipeline *p = load(text, &d);

	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	expect(&d, DIAG_ERROR, line, col, "nesting is deeper than the limit "
	    "of 64 levels");
	diags_free(&d);
}

/* Y3: 100,000 levels of '[', '{' and block indentation. */
static void
test_load_y3_depth(void **state)
{
	size_t n = 100000, i;
	char *text = xmalloc(2 * n + 16), *w;

	w = text + sprintf(text, "a: ");
	memset(w, '[', n);
	memset(w + n, ']', n);
	w[2 * n] = '\0';
	/*
	 * The top-level mapping is level 1, so the 63rd '[' is level 64
	 * and the 64th is refused.
	 */
	y3(text, 1, 4 + 63);

	w = text + sprintf(text, "a: ");
	for (i = 0; i < n; i++)
		w[i] = '{';
	w[n] = '\0';
	y3(text, 1, 4 + 63);

	/* Block sequences nest on one line: "- - - ... x". */
	for (i = 0; i < n; i++)
		memcpy(text + 2 * i, "- ", 2);
	strcpy(text + 2 * n, "x\n");
	y3(text, 1, 1 + 2 * 64);
	free(text);

	/* Block mappings, one indentation level per line. */
	text = xstrdup("");
	for (i = 0; i < 200; i++) {
		w = xasprintf("%s%*sk%zu:\n", text, (int)i, "", i);
		free(text);
		text = w;
	}
	y3(text, 65, 65);
	free(text);

	/*
	 * Depth counts aliases expanded: a chain of aliases to deep lists
	 * would otherwise nest without bound.
	 */
	text = xmalloc(256);
	w = text + sprintf(text, "a: &a ");
	memset(w, '[', 40);
	memset(w + 40, ']', 40);
	w += 80;
	w += sprintf(w, "\nb: ");
	memset(w, '[', 30);
	w += 30;
	w += sprintf(w, "*a");
	memset(w, ']', 30);
	w[30] = '\0';
	{
		struct diags d;
		struct pipeline *p = load(text, &d);

		assert_null(p);
		expect(&d, DIAG_ERROR, 2, 34, "nesting is deeper than the "
		    "limit of 64 levels (through alias *a)");
		diags_free(&d);
	}
	free(text);

	/* 64 levels exactly are fine. */
	text = xmalloc(256);
	w = text + sprintf(text, "a: ");
	memset(w, '[', 63);
	memset(w + 63, ']', 63);
	w[126] = '\0';
	{
		struct diags d;
		struct pipeline *p = load(text, &d);

		assert_non_null(p);
		assert_int_equal(d.nerrors, 0);
		pipeline_free(p);
		diags_free(&d);
	}
	free(text);
}

/* Y4: over the size limit, refused before parsing with the limit named. */
static void
test_load_y4_size(void **state)
{
	struct diags d;
	struct pipeline *p;
	size_t n = PIPELINE_MAX_FILE_SIZE + 1;
	char *text = xmalloc(n + 1), *path, limit[64];
	FILE *fp;

	/* Not YAML at all: proves the parser never saw it. */
	memset(text, '[', n);
	text[n] = '\0';
	p = loadn(text, n, &d);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	snprintf(limit, sizeof limit, "the limit is %u bytes",
	    PIPELINE_MAX_FILE_SIZE);
	assert_non_null(strstr(d.v[0].message, limit));
	diags_free(&d);

	path = xstrdup("/tmp/loom-test-load-XXXXXX");
	assert_int_not_equal(mkstemp(path), -1);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(text, 1, n, fp);
	fclose(fp);
	diags_init(&d);
	p = pipeline_load_file(path, &d);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].file, path);
	assert_non_null(strstr(d.v[0].message, "too large"));
	assert_non_null(strstr(d.v[0].message, limit));
	diags_free(&d);
	unlink(path);
	free(path);
	free(text);
}

static void
y5(const char *text, size_t len, int line, int col, const char *msg)
{
	struct diags d;
	struct pipeline *p = loadn(text, len, &d);

	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	expect(&d, DIAG_ERROR, line, col, msg);
	diags_free(&d);
}

/* Y5: encoding errors with 1-based line and column. */
static void
test_load_y5_encoding(void **state)
{
	y5("a: 1\nb: \xff\n", 10, 2, 4, "not UTF-8 text: invalid leading "
	    "UTF-8 octet (byte 0xff)");
	y5("a: 1\nb: caf\xc3", 12, 2, 7, "not UTF-8 text: incomplete UTF-8 "
	    "octet sequence");
	y5("\xff\xfe" "a\0:\0 \0" "1\0", 10, 1, 1, "the file is UTF-16 text");
	y5("\xfe\xff" "\0a\0:", 6, 1, 1, "the file is UTF-16 text");
	y5("a: 1\nb: x\0y\n", 12, 2, 5, "control character 0x00 is not "
	    "allowed");
	y5("a: 1\nbé: x\x01y\n", 14, 2, 6, "control character 0x01 is not "
	    "allowed");
	/* The place of the byte that breaks the sequence. */
	y5("a: \xc3\x28\n", 6, 1, 5, "invalid trailing UTF-8 octet");
}

/* Y6: duplicate keys in any mapping name both lines. */
static void
test_load_y6_duplicate_keys(void **state)
{
	struct diags d;
	struct pipeline *p;
	char *text, *next;
	int i;

	p = load("parameters:\n"
	    "  a: 1\n"
	    "  b: 2\n"
	    "  a: 3\n"
	    "pipeline:\n"
	    "  - name: s\n"
	    "    task: t.py\n"
	    "    args: {--x: 1, --x: 2}\n"
	    "    task: u.py\n"
	    "parameters: {}\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_ERROR, 4, 3, "duplicate key 'a': already given at "
	    "line 2");
	expect(&d, DIAG_ERROR, 8, 20, "duplicate key '--x': already given at "
	    "line 8");
	expect(&d, DIAG_ERROR, 9, 5, "duplicate key 'task': already given at "
	    "line 7");
	expect(&d, DIAG_ERROR, 10, 1, "duplicate key 'parameters': already "
	    "given at line 1");
	assert_int_equal(d.nerrors, 4);
	/* The first wins. */
	assert_string_equal(pipeline_param(p, "a")->value->text, "1");
	assert_string_equal(p->steps[0].task, "t.py");
	assert_int_equal(p->steps[0].args.n, 1);
	pipeline_free(p);
	diags_free(&d);

	/*
	 * A dropped duplicate's anchor still works (found by fuzzing: the
	 * node was freed while its anchor pointed at it).
	 */
	p = load("k: 1\nk: &x [1, 2]\nb: *x\nc: *x\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_ERROR, 2, 1, "duplicate key 'k'");
	assert_int_equal(p->unknown.n, 3);
	assert_int_equal(p->unknown.v[1].value->nitems, 2);
	assert_ptr_equal(p->unknown.v[1].value, p->unknown.v[2].value);
	pipeline_free(p);
	diags_free(&d);

	/* Big mappings go through the hash: same result. */
	text = xstrdup("parameters:\n");
	for (i = 0; i < 100; i++) {
		next = xasprintf("%s  p%d: %d\n", text, i, i);
		free(text);
		text = next;
	}
	next = xasprintf("%s  p42: 0\n", text);
	free(text);
	p = load(next, &d);
	expect(&d, DIAG_ERROR, 102, 3, "duplicate key 'p42': already given "
	    "at line 44");
	assert_int_equal(p->nparams, 100);
	pipeline_free(p);
	diags_free(&d);
	free(next);
}

/* Y7: tags are never interpreted. */
static void
test_load_y7_tags(void **state)
{
	struct diags d;
	struct pipeline *p;

	p = load("parameters:\n"
	    "  a: !!python/object:os.system \"echo hi\"\n"
	    "  b: !custom 3\n"
	    "  c: !!python/object/apply:os.system [\"echo hi\"]\n"
	    "  d: !<tag:example.com,2000:x> {k: v}\n", &d);
	assert_non_null(p);
	expect(&d, DIAG_WARNING, 2, 6, "tag !!python/object:os.system "
	    "ignored: Loom never interprets YAML tags");
	expect(&d, DIAG_WARNING, 3, 6, "tag !custom ignored");
	expect(&d, DIAG_WARNING, 4, 6, "tag !!python/object/apply:os.system "
	    "ignored");
	expect(&d, DIAG_WARNING, 5, 6, "tag tag:example.com,2000:x ignored");
	/* A plain value, as if untagged. */
	assert_string_equal(pipeline_param(p, "a")->value->text, "echo hi");
	assert_int_equal(pipeline_param(p, "a")->value->type, VALUE_STRING);
	assert_int_equal(pipeline_param(p, "b")->value->type, VALUE_INT);
	/* Lists and mappings are not parameters: errors, not execution. */
	expect(&d, DIAG_ERROR, 4, 6, "parameter 'c' must be a single value");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_load_file(void **state)
{
	char dir[] = "/tmp/loom-test-load-XXXXXX", *path, *cwd, real[4096];
	struct diags d;
	struct pipeline *p;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/exp.yml", dir);
	fp = fopen(path, "w");
	fputs("variables: {v: data/x.csv}\n", fp);
	fclose(fp);
	assert_non_null(realpath(dir, real));
	diags_init(&d);
	p = pipeline_load_file(path, &d);
	assert_non_null(p);
	assert_string_equal(p->path, path);
	assert_string_equal(p->dir, real);
	pipeline_free(p);

	/* A relative path: dir is still absolute. */
	cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(dir), 0);
	p = pipeline_load_file("exp.yml", &d);
	assert_non_null(p);
	assert_string_equal(p->path, "exp.yml");
	assert_string_equal(p->dir, real);
	pipeline_free(p);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);

	p = pipeline_load_file("/nonexistent/exp.yml", &d);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].file, "/nonexistent/exp.yml");
	assert_non_null(strstr(d.v[0].message, "No such file"));
	diags_free(&d);
	unlink(path);
	rmdir(dir);
	free(path);
}


/* Describe a value, spans included, for comparing two loads. */
static void
dump_value(FILE *f, const struct value *v)
{
	size_t i;

	if (v == NULL) {
		fputs("(none)", f);
		return;
	}
	fprintf(f, "<%d %d:%d %zu-%zu q%d b%d", (int)v->type, v->span.line,
	    v->span.column, v->span.start, v->span.end, v->quoted,
	    v->boolean);
	if (v->text != NULL)
		fprintf(f, " '%s'", v->text);
	for (i = 0; i < v->nitems; i++) {
		fputc(' ', f);
		dump_value(f, v->items[i]);
	}
	for (i = 0; i < v->map.n; i++) {
		fprintf(f, " %s@%d:%d=", v->map.v[i].key,
		    v->map.v[i].key_span.line, v->map.v[i].key_span.column);
		dump_value(f, v->map.v[i].value);
	}
	fputc('>', f);
}

static void
dump_kvlist(FILE *f, const char *what, const struct kvlist *l)
{
	size_t i;

	fprintf(f, " %s{", what);
	for (i = 0; i < l->n; i++) {
		fprintf(f, "%s@%d:%d=", l->v[i].key, l->v[i].key_span.line,
		    l->v[i].key_span.column);
		dump_value(f, l->v[i].value);
	}
	fputc('}', f);
}

static void
dump_span(FILE *f, const struct loom_span *sp)
{
	fprintf(f, " @%d:%d/%zu-%zu", sp->line, sp->column, sp->start,
	    sp->end);
}

static void
dump_resources(FILE *f, const struct resources *r)
{
	size_t i;

	fprintf(f, " res[%s %s %s %ld %s %s %s", r->partition, r->time, r->mem,
	    r->cpus_per_task, r->gpus, r->account, r->qos);
	for (i = 0; i < r->extra.n; i++)
		fprintf(f, " %s", r->extra.v[i]);
	fputc(']', f);
}

/*
 * The model and the diagnostics of one load as text: two loads that
 * give the same text gave the same result.
 */
static char *
dump_load(const struct pipeline *p, const struct diags *d)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < d->n; i++)
		fprintf(f, "diag %d %s:%d:%d %s | %s\n", (int)d->v[i].severity,
		    d->v[i].file, d->v[i].line, d->v[i].column,
		    d->v[i].message, d->v[i].hint ? d->v[i].hint : "-");
	if (p == NULL) {
		fputs("no model\n", f);
		fclose(f);
		return buf;
	}
	for (i = 0; i < p->ndata; i++) {
		const struct data_entry *e = &p->data[i];

		fprintf(f, "data %s v%d %s %s", e->name, e->from_variables,
		    e->type, e->description);
		dump_span(f, &e->span);
		dump_value(f, e->path);
		dump_kvlist(f, "unknown", &e->unknown);
		fputc('\n', f);
	}
	for (i = 0; i < p->nparams; i++) {
		fprintf(f, "param %s", p->params[i].name);
		dump_span(f, &p->params[i].span);
		dump_value(f, p->params[i].value);
		fputc('\n', f);
	}
	for (i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];

		fprintf(f, "step %s %s s%d o%d d%d g%zd %s", s->name, s->task,
		    s->task_via_script, s->optional, s->disabled, s->group,
		    s->description);
		dump_span(f, &s->span);
		dump_span(f, &s->name_span);
		dump_span(f, &s->task_span);
		dump_span(f, &s->resources_span);
		dump_kvlist(f, "in", &s->inputs);
		dump_kvlist(f, "out", &s->outputs);
		dump_kvlist(f, "args", &s->args);
		dump_kvlist(f, "unknown", &s->unknown);
		for (j = 0; j < s->interpreter.n; j++)
			fprintf(f, " i:%s", s->interpreter.v[j]);
		if (s->loop != NULL) {
			fprintf(f, " loop %s %d", s->loop->filter,
			    s->loop->parallel);
			dump_value(f, s->loop->over);
			dump_value(f, s->loop->into);
			dump_span(f, &s->loop->span);
		}
		dump_resources(f, &s->resources);
		fputc('\n', f);
	}
	for (i = 0; i < p->ngroups; i++) {
		fprintf(f, "group %s", p->groups[i].name);
		dump_span(f, &p->groups[i].span);
		for (j = 0; j < p->groups[i].nsteps; j++)
			fprintf(f, " %zu", p->groups[i].steps[j]);
		fputc('\n', f);
	}
	for (i = 0; i < p->nlayout; i++) {
		fprintf(f, "layout %s %g %g", p->layout[i].name, p->layout[i].x,
		    p->layout[i].y);
		dump_span(f, &p->layout[i].span);
		fputc('\n', f);
	}
	fprintf(f, "exec %d %ld %d %d", p->exec.parallel, p->exec.max_workers,
	    (int)p->exec.executor, (int)p->exec.slurm_deps);
	dump_span(f, &p->exec.span);
	dump_span(f, &p->exec.executor_span);
	dump_kvlist(f, "interpreters", &p->exec.interpreters);
	dump_resources(f, &p->exec.slurm);
	dump_kvlist(f, "\\nunknown", &p->unknown);
	fputc('\n', f);
	fclose(f);
	return buf;
}

/* Load text with libyaml in the loader's thread and in a second one. */
static void
both_ways(const char *what, const char *text, size_t len)
{
	struct diags d;
	struct pipeline *p;
	char *one, *two;
	size_t i, at = 0;

	yamlpipe_set_min(SIZE_MAX);
	p = loadn(text, len, &d);
	one = dump_load(p, &d);
	pipeline_free(p);
	diags_free(&d);

	yamlpipe_set_min(0);
	p = loadn(text, len, &d);
	two = dump_load(p, &d);
	pipeline_free(p);
	diags_free(&d);

	if (strcmp(one, two) != 0) {
		/* Show both from the start of the first line that differs. */
		for (i = 0; one[i] == two[i]; i++)
			if (one[i] == '\n')
				at = i + 1;
		fprintf(stderr, "%s: loads differ\none thread:\n%.2000s\n"
		    "two threads:\n%.2000s\n", what, one + at, two + at);
		fail();
	}
	free(one);
	free(two);
}

static void
both_ways_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = xmalloc((size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	both_ways(path, text, (size_t)n);
	free(text);
}

/* Every *.yml of a folder (and of its subfolders, one level). */
static void
both_ways_dir(const char *dir, bool sub)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	size_t n;
	char *path;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".yml") == 0)
			both_ways_file(path);
		else if (sub && de->d_type == DT_DIR)
			both_ways_dir(path, false);
		free(path);
	}
	closedir(dp);
}

/*
 * head, a pipeline of n steps (a few hundred KiB, an unknown key in
 * every seventh), then tail.
 */
static char *
big(size_t n, const char *head, const char *tail)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	fputs(head, f);
	fputs("data:\n  raw: {path: data/raw.csv, type: csv}\n"
	    "parameters:\n  lr: 0.1\n  ünï: 'x'\npipeline:\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "  - name: s%zu\n    task: tasks/t.py\n"
		    "    inputs: {data: $raw}\n"
		    "    outputs: {-o: \"out/%zu.csv\"}\n"
		    "    args: {--lr: $lr, --k: [1, 2, &a%zu 3], --j: *a%zu}\n"
		    "    description: \"step %zu \\u00e9\"\n%s", i, i, i, i, i,
		    /* Some warnings along the way, to be kept in order. */
		    i % 7 == 3 ? "    colour: blue\n" : "");
	fputs(tail, f);
	fclose(f);
	return buf;
}

static void
test_load_both_ways(void **state)
{
	static const struct {
		const char *head;
		const char *tail;
	} bigs[] = {
		{ "", "" },
		{ "", "  - name: last\n    task: b: c\n" },	/* syntax, end */
		{ "", "  - name: [1, 2\n" },			/* unclosed */
		/* Warnings just before the error are kept, in order. */
		{ "", "  - {name: t, task: !x t}\n  - {name: u, name: v}\n"
		    "  - name: [1,\n" },
		{ "", "  - name: x\n\ttask: y\n" },		/* tab */
		{ "", "  - {name: x, task: \"\\xff\"}\n\x01" },	/* control */
		{ "", "---\nsecond: 1\n" },			/* 2nd doc */
		{ "", "---\nsecond: [\n" },	/* 2nd doc, then an error */
		{ "", "  - name: y\n    task: *nothing\n" },	/* fatal */
		{ "x: *nothing\n", "" },		/* fatal at the start */
		{ "x: 1\n---\n", "" },			/* 2nd doc at the start */
		{ "x: [1,\n", "" },			/* error at the start */
		{ "x: {a: 1, a: 2}\n", "  - {name: s0, task: t}\n" },
	};
	char *text, *dir, what[32];
	size_t i;

	(void)state;
	dir = xasprintf("%s/cases", LOOM_TEST_DATA);
	both_ways_dir(dir, false);
	free(dir);
	dir = xasprintf("%s/examples", LOOM_SOURCE_DIR);
	both_ways_dir(dir, true);
	free(dir);
	both_ways("full", full, strlen(full));
	for (i = 0; i < sizeof bigs / sizeof bigs[0]; i++) {
		text = big(3000, bigs[i].head, bigs[i].tail);
		snprintf(what, sizeof what, "big file %zu", i);
		both_ways(what, text, strlen(text));
		/* Cut in the middle of a step: an error there. */
		snprintf(what, sizeof what, "big file %zu, cut", i);
		both_ways(what, text, strlen(text) / 2 + 7);
		free(text);
	}
	/* Back to this round's threshold. */
	yamlpipe_set_min(round_min);
}

static int
one_thread(void **state)
{
	(void)state;
	yamlpipe_set_min(round_min = SIZE_MAX);
	return 0;
}

static int
two_threads(void **state)
{
	(void)state;
	yamlpipe_set_min(round_min = 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_full_model),
		cmocka_unit_test(test_load_spans_multibyte),
		cmocka_unit_test(test_load_empty_and_top_level),
		cmocka_unit_test(test_load_type_errors),
		cmocka_unit_test(test_load_streamed_steps),
		cmocka_unit_test(test_load_shared_entries),
		cmocka_unit_test(test_load_unknown_key_hint),
		cmocka_unit_test(test_load_syntax_errors),
		cmocka_unit_test(test_load_y1_alias_bomb),
		cmocka_unit_test(test_load_y2_recursive_alias),
		cmocka_unit_test(test_load_y3_depth),
		cmocka_unit_test(test_load_y4_size),
		cmocka_unit_test(test_load_y5_encoding),
		cmocka_unit_test(test_load_y6_duplicate_keys),
		cmocka_unit_test(test_load_y7_tags),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_both_ways),
	};
	int rc;

	rc = cmocka_run_group_tests_name("one thread", tests, one_thread,
	    NULL);
	return rc | cmocka_run_group_tests_name("two threads", tests,
	    two_threads, NULL);
}
