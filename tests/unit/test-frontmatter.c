/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for task front matter (common/model/frontmatter.c), docs/pipeline-format.md.
 * Covers: the spec's Python docstring example (every field, default
 * spelling kept, choices, summary, lines and columns of names); ''' and
 * r""" docstrings, a comment block before the docstring, one-line
 * docstrings; # blocks (bash, R, Julia) after a shebang; // blocks;
 * CRLF line endings; no block (empty interface, not an error), a block
 * after code, a NUL byte; required defaults and overrides; scalar and
 * null shorthands; malformed YAML located at the task file's line and
 * column (comment markers and docstring indentation accounted for); an
 * unclosed block; wrong shapes; the entry cap against alias expansion;
 * the read cap; reading files (and a missing one).
 */
#include <fcntl.h>
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
#include "common/model/frontmatter.h"
#include "common/util/xmalloc.h"

static struct frontmatter *
parse(const char *text, struct loom_error *err)
{
	loom_error_clear(err);
	return frontmatter_parse("task.py", text, strlen(text), err);
}

/* Parse text, which must fail; check the place and part of the message. */
static void
expect_error(const char *text, int line, int column, const char *msg)
{
	struct loom_error err;
	struct frontmatter *fm;

	fm = parse(text, &err);
	if (fm != NULL)
		fail_msg("parsed, expected an error with '%s'", msg);
	assert_true(err.set);
	assert_string_equal(err.file, "task.py");
	if (err.line != line || err.column != column ||
	    strstr(err.message, msg) == NULL)
		fail_msg("got %d:%d: %s; expected %d:%d: ...%s...", err.line,
		    err.column, err.message, line, column, msg);
}

static const char spec_example[] =
    "#!/usr/bin/env python3\n"
    "# -*- coding: utf-8 -*-\n"
    "\"\"\"Extract features from video.\n"
    "---\n"
    "inputs:\n"
    "  video: {type: video, description: Input video file}\n"
    "outputs:\n"
    "  -o: {type: csv, description: Output features}\n"
    "args:\n"
    "  --sample-rate: {type: int, default: 30, description: Frames per second}\n"
    "  --mode: {type: str, default: fast, choices: [fast, exact]}\n"
    "---\n"
    "\"\"\"\n"
    "import sys\n";

static void
test_frontmatter_python_docstring(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;
	const struct frontmatter_item *it;

	(void)state;
	fm = parse(spec_example, &err);
	assert_non_null(fm);
	assert_true(fm->found);
	assert_int_equal(fm->line, 4);
	assert_string_equal(fm->summary, "Extract features from video.");
	assert_int_equal(fm->inputs.n, 1);
	assert_int_equal(fm->outputs.n, 1);
	assert_int_equal(fm->args.n, 2);

	it = frontmatter_find(&fm->inputs, "video");
	assert_non_null(it);
	assert_string_equal(it->type, "video");
	assert_string_equal(it->description, "Input video file");
	assert_null(it->default_text);
	assert_true(it->required);
	assert_int_equal(it->line, 6);
	assert_int_equal(it->column, 3);

	it = frontmatter_find(&fm->outputs, "-o");
	assert_non_null(it);
	assert_string_equal(it->type, "csv");
	assert_true(it->required);

	it = frontmatter_find(&fm->args, "--sample-rate");
	assert_non_null(it);
	assert_string_equal(it->type, "int");
	assert_string_equal(it->default_text, "30");
	assert_string_equal(it->description, "Frames per second");
	assert_false(it->required);
	assert_int_equal(it->choices.n, 0);
	assert_int_equal(it->line, 10);

	it = frontmatter_find(&fm->args, "--mode");
	assert_non_null(it);
	assert_string_equal(it->default_text, "fast");
	assert_int_equal(it->choices.n, 2);
	assert_string_equal(it->choices.v[0], "fast");
	assert_string_equal(it->choices.v[1], "exact");
	assert_null(frontmatter_find(&fm->args, "--nope"));
	frontmatter_free(fm);
}

static void
test_frontmatter_docstring_variants(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;

	(void)state;
	fm = parse("'''Single quotes.\n\n  More text.\n---\ninputs:\n"
	    "  a: csv\n---\n'''\n", &err);
	assert_non_null(fm);
	assert_true(fm->found);
	assert_string_equal(fm->summary, "Single quotes.\nMore text.");
	assert_string_equal(fm->inputs.v[0].type, "csv");
	frontmatter_free(fm);

	/* Raw docstring, indented block, a comment block before it. */
	fm = parse("# helper\n\nr\"\"\"\n    ---\n    args:\n"
	    "      --x: {default: \"q w\"}\n    ---\n    \"\"\"\n", &err);
	assert_non_null(fm);
	assert_string_equal(fm->args.v[0].name, "--x");
	assert_string_equal(fm->args.v[0].default_text, "q w");
	assert_int_equal(fm->args.v[0].line, 6);
	assert_int_equal(fm->args.v[0].column, 7);
	frontmatter_free(fm);

	/* A one-line docstring has no block. */
	fm = parse("\"\"\"Just a line.\"\"\"\nx = 1\n", &err);
	assert_non_null(fm);
	assert_false(fm->found);
	assert_false(err.set);
	frontmatter_free(fm);
}

static void
test_frontmatter_comment_blocks(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;

	(void)state;
	fm = parse("#!/bin/bash\n"
	    "# Convert one file.\n"
	    "# ---\n"
	    "# inputs:\n"
	    "#   src: {type: wav}\n"
	    "# outputs:\n"
	    "#   -o: {type: flac, required: false}\n"
	    "# args:\n"
	    "#   --level: {type: int, default: 5, required: true}\n"
	    "#   --fast:\n"
	    "# ---\n"
	    "set -e\n", &err);
	assert_non_null(fm);
	assert_true(fm->found);
	assert_int_equal(fm->line, 3);
	assert_string_equal(fm->summary, "Convert one file.");
	assert_string_equal(fm->inputs.v[0].type, "wav");
	assert_int_equal(fm->inputs.v[0].line, 5);
	assert_int_equal(fm->inputs.v[0].column, 5);
	assert_false(fm->outputs.v[0].required);
	assert_true(fm->args.v[0].required);
	assert_string_equal(fm->args.v[0].default_text, "5");
	assert_string_equal(fm->args.v[1].name, "--fast");
	assert_null(fm->args.v[1].type);
	assert_false(fm->args.v[1].required);
	frontmatter_free(fm);

	/* JavaScript, CRLF line ends. */
	fm = parse("// Tool.\r\n//---\r\n//inputs:\r\n//  data: json\r\n"
	    "//---\r\nconsole.log(1)\r\n", &err);
	assert_non_null(fm);
	assert_true(fm->found);
	assert_string_equal(fm->inputs.v[0].name, "data");
	assert_string_equal(fm->inputs.v[0].type, "json");
	frontmatter_free(fm);

	/* R (roxygen) with a top-level description and spelling kept. */
	fm = parse("#' ---\n#' description: Fit a model\n#' args:\n"
	    "#'   --lr: {default: 0.001}\n#'   --eps: {default: 1e-5}\n"
	    "#'   --sizes: {default: [1, 2]}\n#'   --tag: {default: '007'}\n"
	    "#' ---\nlibrary(x)\n", &err);
	assert_non_null(fm);
	assert_string_equal(fm->description, "Fit a model");
	assert_string_equal(fm->args.v[0].default_text, "0.001");
	assert_string_equal(fm->args.v[1].default_text, "1e-5");
	assert_string_equal(fm->args.v[2].default_text, "[1, 2]");
	assert_string_equal(fm->args.v[3].default_text, "007");
	frontmatter_free(fm);
}

static void
test_frontmatter_none(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;
	static const char *const texts[] = {
		"",
		"\n\n",
		"import sys\n\"\"\"\n---\ninputs: {a: b}\n---\n\"\"\"\n",
		"#!/bin/sh\necho hi\n# ---\n# inputs: {a: b}\n# ---\n",
		"# just a comment\n# ---- not a delimiter\n",
		"\"\"\"Doc\nwithout a block.\n\"\"\"\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		fm = parse(texts[i], &err);
		assert_non_null(fm);
		assert_false(err.set);
		assert_false(fm->found);
		assert_int_equal(fm->inputs.n + fm->outputs.n + fm->args.n, 0);
		frontmatter_free(fm);
	}
	/* A NUL byte ends the search. */
	loom_error_clear(&err);
	fm = frontmatter_parse("t", "# a\n\0# ---\n# inputs: {x: y}\n# ---\n",
	    34, &err);
	assert_non_null(fm);
	assert_false(fm->found);
	frontmatter_free(fm);
	/* An empty block is found and empty. */
	fm = parse("# ---\n# ---\n", &err);
	assert_non_null(fm);
	assert_true(fm->found);
	frontmatter_free(fm);
}

static void
test_frontmatter_malformed(void **state)
{
	(void)state;
	/* "c: d" inside a plain value: reported at the second ':'. */
	expect_error("#!/bin/bash\n# ---\n# inputs:\n#   b: c: d\n# ---\n", 4, 9,
	    "malformed front matter: mapping values are not allowed");
	/* The same inside an indented docstring. */
	expect_error("\"\"\"Doc.\n  ---\n  inputs:\n    b: c: d\n  ---\n\"\"\"\n",
	    4, 9, "malformed front matter");
	expect_error("# ---\n# inputs:\n#   a: {type: [}\n# ---\n", 3, 16,
	    "malformed front matter");
	expect_error("\"\"\"\n---\ninputs: {a: b}\n\"\"\"\n", 2, 1,
	    "front matter block opened here is not closed");
	expect_error("# ---\n# inputs: [a, b]\n# ---\n", 2, 11,
	    "expected a mapping of names");
	expect_error("# ---\n# - a\n# ---\n", 2, 3, "must be a mapping");
	expect_error("# ---\n# args:\n#   --x: {required: maybe}\n# ---\n", 3,
	    21, "required of '--x' must be true or false");
	expect_error("# ---\n# args:\n#   --x: {choices: {a: 1}}\n# ---\n", 3,
	    20, "choices of '--x' must be a list");
	expect_error("# ---\n# args:\n#   --x: [a]\n# ---\n", 3, 10,
	    "'--x' must be a mapping");
	expect_error("# ---\n# args:\n#   ? [a]\n#   : b\n# ---\n", 3, 7,
	    "names must be plain strings");
}

/* Line breaks libyaml sees inside one line of the file keep places sane. */
static void
test_frontmatter_odd_line_breaks(void **state)
{
	static const char *const texts[] = {
		"# ---\n# inputs:\n#   a: x\r  b: y\n#   c: z\n# ---\n",
		"# ---\n# inputs:\n#   a: x\xe2\x80\xa8  b: y\n#   c: z\n# ---\n",
		"# ---\n# inputs:\n#   a: [x\xc2\x85, y]\n#   c: z\n# ---\n",
	};
	struct loom_error err;
	struct frontmatter *fm;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		fm = parse(texts[i], &err);
		if (fm == NULL) {
			assert_true(err.line >= 3 && err.line <= 4);
			assert_true(err.column >= 1);
			continue;
		}
		for (j = 0; j < fm->inputs.n; j++) {
			assert_true(fm->inputs.v[j].line >= 3);
			assert_true(fm->inputs.v[j].line <= 4);
		}
		frontmatter_free(fm);
	}
}

static void
test_frontmatter_alias_cap(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;
	char *text, *tmp;
	size_t i;

	(void)state;
	/* 200 choices, referenced by 100 entries: 20,000 > the cap. */
	text = xstrdup("# ---\n# choices: &c [");
	for (i = 0; i < 200; i++) {
		tmp = xasprintf("%s%sv%zu", text, i ? ", " : "", i);
		free(text);
		text = tmp;
	}
	tmp = xasprintf("%s]\n# args:\n", text);
	free(text);
	text = tmp;
	for (i = 0; i < 100; i++) {
		tmp = xasprintf("%s#   --a%zu: {choices: *c}\n", text, i);
		free(text);
		text = tmp;
	}
	tmp = xasprintf("%s# ---\n", text);
	free(text);
	text = tmp;
	fm = parse(text, &err);
	assert_null(fm);
	assert_non_null(strstr(err.message, "more than 10000 entries"));
	free(text);
}

static void
test_frontmatter_read_cap(void **state)
{
	struct loom_error err;
	struct frontmatter *fm;
	size_t n = FRONTMATTER_MAX_READ + 100, i;
	char *text = xmalloc(n + 64);

	(void)state;
	/* A docstring block closed only after the cap: not closed. */
	strcpy(text, "\"\"\"\n---\ninputs: {a: b}\n");
	for (i = strlen(text); i < n; i++)
		text[i] = i % 64 == 0 ? '\n' : '#';
	strcpy(text + n, "\n---\n\"\"\"\n");
	fm = parse(text, &err);
	assert_null(fm);
	assert_non_null(strstr(err.message, "not closed"));
	free(text);
}

static void
test_frontmatter_file(void **state)
{
	char path[] = "/tmp/loom-test-fm-XXXXXX";
	struct loom_error err;
	struct frontmatter *fm;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, spec_example, strlen(spec_example)),
	    (ssize_t)strlen(spec_example));
	close(fd);
	loom_error_clear(&err);
	fm = frontmatter_parse_file(path, &err);
	assert_non_null(fm);
	assert_int_equal(fm->args.n, 2);
	frontmatter_free(fm);
	unlink(path);

	fm = frontmatter_parse_file(path, &err);
	assert_null(fm);
	assert_non_null(strstr(err.message, "No such file or directory"));
	assert_non_null(strstr(err.message, path));
	frontmatter_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frontmatter_python_docstring),
		cmocka_unit_test(test_frontmatter_docstring_variants),
		cmocka_unit_test(test_frontmatter_comment_blocks),
		cmocka_unit_test(test_frontmatter_none),
		cmocka_unit_test(test_frontmatter_malformed),
		cmocka_unit_test(test_frontmatter_odd_line_breaks),
		cmocka_unit_test(test_frontmatter_alias_cap),
		cmocka_unit_test(test_frontmatter_read_cap),
		cmocka_unit_test(test_frontmatter_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
