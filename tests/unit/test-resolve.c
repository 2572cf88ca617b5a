/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for resolution (common/model/pipeline.c). Covers: $name and ${name}
 * expansion (data first, then parameters; spelling kept: 0.001 and 1e-5;
 * embedding inside longer text; data paths that refer to parameters and
 * to other entries; reference loops bounded), $loop_item/$loop_output
 * only when given, unknown references with file:line:col and a "did you
 * mean" hint, malformed ${...}; pipeline_data_path and pipeline_abspath
 * (relative against the YAML's folder, URLs untouched); --set typing
 * (true/false, integers, decimals, the rest text, spelling kept) and
 * --var (relative paths against the pipeline's folder), NAME=VALUE
 * parsing and unknown names; pipeline_value_ref; suggestions; YAML
 * scalar typing; value sharing. Sizes (X2): a reference bomb refused
 * with the size it would have, nested $loop_item uses counted with the
 * item's length, the 64 KiB limit of data paths, sizes worked out
 * again after --set and --var, and entries known to be empty skipped.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

static const char text[] =
    "variables:\n"
    "  video: data/raw/rec.mp4\n"
    "  remote: https://example.org/x.csv\n"
    "  absolute: /srv/data/a.csv\n"
    "data:\n"
    "  features: {type: csv, path: data/features.csv}\n"
    "  model:\n"
    "    path: results/lr_${learning_rate}/e${epochs}_${tiny}.pt\n"
    "  alias_of_video: $video\n"
    "  loop_a: $loop_b\n"
    "  loop_b: $loop_a\n"
    "parameters:\n"
    "  learning_rate: 0.001\n"
    "  tiny: 1e-5\n"
    "  epochs: 100\n"
    "  name: \"x y\"\n"
    "pipeline: []\n";

static struct pipeline *
setup(struct diags *d)
{
	struct pipeline *p;

	diags_init(d);
	p = pipeline_load_string("exp.yml", "/home/u/exp", text, strlen(text),
	    d);
	assert_non_null(p);
	assert_int_equal(d->nerrors, 0);
	return p;
}

static char *
expand(const struct pipeline *p, const char *t, const char *item,
    const char *out)
{
	struct loom_error err;
	struct loom_span sp = { 7, 9, 0, 0 };
	char *r;

	loom_error_clear(&err);
	r = pipeline_expand(p, t, &sp, item, out, &err);
	if (r == NULL)
		loom_error_print(&err, stderr);
	assert_non_null(r);
	assert_false(err.set);
	return r;
}

static void
check_expand(const struct pipeline *p, const char *t, const char *want)
{
	char *r = expand(p, t, NULL, NULL);

	assert_string_equal(r, want);
	free(r);
}

static void
test_resolve_expand(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	char *r;

	check_expand(p, "$learning_rate", "0.001");
	check_expand(p, "$tiny", "1e-5");
	check_expand(p, "${tiny}", "1e-5");
	check_expand(p, "$video", "data/raw/rec.mp4");
	check_expand(p, "$features", "data/features.csv");
	check_expand(p, "lr_${learning_rate}/m_${epochs}.pt",
	    "lr_0.001/m_100.pt");
	check_expand(p, "$model", "results/lr_0.001/e100_1e-5.pt");
	check_expand(p, "$alias_of_video", "data/raw/rec.mp4");
	check_expand(p, "${name}!", "x y!");
	/* Not references: kept as written. */
	check_expand(p, "plain text", "plain text");
	check_expand(p, "costs $5", "costs $5");
	check_expand(p, "$video/x", "$video/x");
	check_expand(p, "$", "$");
	check_expand(p, "", "");

	r = expand(p, "$loop_item", "/abs/in/a.wav", "/abs/out/a.wav");
	assert_string_equal(r, "/abs/in/a.wav");
	free(r);
	r = expand(p, "${loop_output}.log", "/in/a.wav", "/out/a.wav");
	assert_string_equal(r, "/out/a.wav.log");
	free(r);

	pipeline_free(p);
	diags_free(&d);
}

static void
expand_fails(const struct pipeline *p, const char *t, const char *msg,
    const char *hint)
{
	struct loom_error err;
	struct loom_span sp = { 7, 9, 0, 0 };

	loom_error_clear(&err);
	assert_null(pipeline_expand(p, t, &sp, NULL, NULL, &err));
	assert_true(err.set);
	assert_string_equal(err.file, "exp.yml");
	if (strstr(msg, "nest") == NULL) {
		assert_int_equal(err.line, 7);
		assert_int_equal(err.column, 9);
	}
	if (strstr(err.message, msg) == NULL)
		fail_msg("'%s' lacks '%s'", err.message, msg);
	if (hint != NULL && strstr(err.hint, hint) == NULL)
		fail_msg("hint '%s' lacks '%s'", err.hint, hint);
}

static void
test_resolve_expand_errors(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);

	expand_fails(p, "$featurs", "unknown reference $featurs",
	    "did you mean $features?");
	expand_fails(p, "x/${learning_rat}/y", "unknown reference "
	    "$learning_rat", "did you mean $learning_rate?");
	expand_fails(p, "$zzzzzz", "unknown reference $zzzzzz",
	    "define zzzzzz under data:");
	expand_fails(p, "$loop_item", "$loop_item is only available inside "
	    "a loop step", NULL);
	expand_fails(p, "${loop_output}", "$loop_output is only available",
	    NULL);
	expand_fails(p, "a${b", "malformed reference", "${name}");
	expand_fails(p, "a${}b", "malformed reference", NULL);
	expand_fails(p, "${a-b}", "malformed reference", NULL);
	/* loop_a -> loop_b -> loop_a ...: bounded, reported. */
	expand_fails(p, "$loop_a", "references nest deeper than 16 levels",
	    "refer to each other");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_resolve_paths(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	struct loom_error err;
	char *r;

	loom_error_clear(&err);
	r = pipeline_data_path(p, pipeline_data(p, "video"), &err);
	assert_string_equal(r, "/home/u/exp/data/raw/rec.mp4");
	free(r);
	r = pipeline_data_path(p, pipeline_data(p, "model"), &err);
	assert_string_equal(r, "/home/u/exp/results/lr_0.001/e100_1e-5.pt");
	free(r);
	r = pipeline_data_path(p, pipeline_data(p, "remote"), &err);
	assert_string_equal(r, "https://example.org/x.csv");
	free(r);
	r = pipeline_data_path(p, pipeline_data(p, "absolute"), &err);
	assert_string_equal(r, "/srv/data/a.csv");
	free(r);
	assert_false(err.set);
	assert_null(pipeline_data_path(p, pipeline_data(p, "loop_a"), &err));
	assert_true(err.set);

	r = pipeline_abspath(p, "./a//b/./c");
	assert_string_equal(r, "/home/u/exp/a/b/c");
	free(r);
	r = pipeline_abspath(p, "../up/x");
	assert_string_equal(r, "/home/u/exp/../up/x");
	free(r);
	r = pipeline_abspath(p, "/x/y/");
	assert_string_equal(r, "/x/y");
	free(r);
	r = pipeline_abspath(p, "/");
	assert_string_equal(r, "/");
	free(r);
	/* Nothing to drop: returned as joined (no byte-by-byte pass). */
	r = pipeline_abspath(p, "out/s0/d1.txt");
	assert_string_equal(r, "/home/u/exp/out/s0/d1.txt");
	free(r);
	/* "/." that starts a name is kept; "/." that is a name is not. */
	r = pipeline_abspath(p, ".cache/.x/./y/.");
	assert_string_equal(r, "/home/u/exp/.cache/.x/y");
	free(r);
	r = pipeline_abspath(p, "a//");
	assert_string_equal(r, "/home/u/exp/a");
	free(r);

	assert_true(pipeline_is_url("https://a.b/c"));
	assert_true(pipeline_is_url("s3://bucket/key"));
	assert_false(pipeline_is_url("data/x.csv"));
	assert_false(pipeline_is_url("c:/x"));
	assert_false(pipeline_is_url("/abs://x"));
	pipeline_free(p);
	diags_free(&d);
}

static void
test_resolve_set(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	struct loom_error err;
	const struct value *v;

	loom_error_clear(&err);
	assert_int_equal(pipeline_set_param(p, "learning_rate", "0.0010",
	    &err), 0);
	v = pipeline_param(p, "learning_rate")->value;
	assert_int_equal(v->type, VALUE_FLOAT);
	assert_string_equal(v->text, "0.0010");
	/* The span stays on the parameter's line for messages. */
	assert_int_equal(v->span.line, 13);
	check_expand(p, "lr_${learning_rate}", "lr_0.0010");

	assert_int_equal(pipeline_apply_override(p, "tiny=1e-5", false, &err),
	    0);
	v = pipeline_param(p, "tiny")->value;
	assert_int_equal(v->type, VALUE_FLOAT);
	assert_string_equal(v->text, "1e-5");
	assert_int_equal(pipeline_apply_override(p, "epochs=-3", false, &err),
	    0);
	assert_int_equal(pipeline_param(p, "epochs")->value->type, VALUE_INT);
	assert_int_equal(pipeline_apply_override(p, "epochs=true", false,
	    &err), 0);
	v = pipeline_param(p, "epochs")->value;
	assert_int_equal(v->type, VALUE_BOOL);
	assert_true(v->boolean);
	assert_int_equal(pipeline_apply_override(p, "epochs=false", false,
	    &err), 0);
	assert_false(pipeline_param(p, "epochs")->value->boolean);
	/* Only true/false, integers and decimals are typed. */
	assert_int_equal(pipeline_apply_override(p, "name=null", false, &err),
	    0);
	assert_int_equal(pipeline_param(p, "name")->value->type, VALUE_STRING);
	assert_int_equal(pipeline_apply_override(p, "name=0x10", false, &err),
	    0);
	assert_int_equal(pipeline_param(p, "name")->value->type, VALUE_STRING);
	assert_int_equal(pipeline_apply_override(p, "name=a=b", false, &err),
	    0);
	assert_string_equal(pipeline_param(p, "name")->value->text, "a=b");
	assert_int_equal(pipeline_apply_override(p, "name=", false, &err), 0);
	assert_string_equal(pipeline_param(p, "name")->value->text, "");
	assert_false(err.set);

	assert_int_equal(pipeline_apply_override(p, "learning_rat=1", false,
	    &err), -1);
	assert_string_equal(err.message, "--set learning_rat: no parameter "
	    "named learning_rat");
	assert_string_equal(err.hint, "did you mean learning_rate?");
	loom_error_clear(&err);
	assert_int_equal(pipeline_apply_override(p, "video=x", false, &err),
	    -1);
	assert_string_equal(err.hint, "video is a data entry: use --var");
	loom_error_clear(&err);
	assert_int_equal(pipeline_apply_override(p, "noequals", false, &err),
	    -1);
	assert_string_equal(err.message, "--set 'noequals': expected "
	    "NAME=VALUE");
	loom_error_clear(&err);
	assert_int_equal(pipeline_apply_override(p, "=1", true, &err), -1);
	assert_string_equal(err.message, "--var '=1': expected NAME=VALUE");
	pipeline_free(p);
	diags_free(&d);
}

static void
test_resolve_var(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	struct loom_error err;
	char *r;

	loom_error_clear(&err);
	assert_int_equal(pipeline_apply_override(p, "video=other/v.mp4", true,
	    &err), 0);
	/* Relative --var paths resolve against the pipeline's folder. */
	r = pipeline_data_path(p, pipeline_data(p, "video"), &err);
	assert_string_equal(r, "/home/u/exp/other/v.mp4");
	free(r);
	/* Quoted: a path that looks like a number stays text. */
	assert_int_equal(pipeline_set_var(p, "features", "0.5", &err), 0);
	assert_int_equal(pipeline_data(p, "features")->path->type,
	    VALUE_STRING);
	assert_int_equal(pipeline_set_var(p, "features", "/abs/f.csv", &err),
	    0);
	r = pipeline_data_path(p, pipeline_data(p, "features"), &err);
	assert_string_equal(r, "/abs/f.csv");
	free(r);
	/* A data entry referring to the replaced one follows it. */
	check_expand(p, "$alias_of_video", "other/v.mp4");
	assert_false(err.set);

	assert_int_equal(pipeline_set_var(p, "vide", "x", &err), -1);
	assert_string_equal(err.message, "--var vide: no data entry named "
	    "vide");
	assert_string_equal(err.hint, "did you mean video?");
	loom_error_clear(&err);
	assert_int_equal(pipeline_set_var(p, "epochs", "x", &err), -1);
	assert_string_equal(err.hint, "epochs is a parameter: use --set");
	loom_error_clear(&err);
	assert_int_equal(pipeline_set_var(p, "video", "", &err), -1);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_resolve_value_ref(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	struct value *v;

	v = value_new_scalar("$features", false);
	assert_ptr_equal(pipeline_value_ref(p, v), pipeline_data(p,
	    "features"));
	value_free(v);
	v = value_new_scalar("${features}", true);
	assert_ptr_equal(pipeline_value_ref(p, v), pipeline_data(p,
	    "features"));
	value_free(v);
	v = value_new_scalar("$features/x", false);
	assert_null(pipeline_value_ref(p, v));
	value_free(v);
	v = value_new_scalar("$epochs", false);
	assert_null(pipeline_value_ref(p, v));
	value_free(v);
	v = value_new_scalar("$nothing", false);
	assert_null(pipeline_value_ref(p, v));
	value_free(v);
	assert_null(pipeline_value_ref(p, NULL));
	pipeline_free(p);
	diags_free(&d);
}

/*
 * A data path is worked out once and kept (pipeline_data_path_ref gives
 * the same string again), and forgotten when a data path or a parameter
 * changes: --var on the entry, --var on an entry it refers to, --set of
 * a parameter in it; from then on it is worked out on each lookup.
 */
static void
test_resolve_path_kept(void **state)
{
	struct diags d;
	struct pipeline *p = setup(&d);
	struct loom_error err;
	const char *kept;
	char *r;

	(void)state;
	loom_error_clear(&err);
	kept = pipeline_data_path_ref(p, pipeline_data(p, "model"), &err);
	assert_string_equal(kept, "/home/u/exp/results/lr_0.001/e100_1e-5.pt");
	assert_ptr_equal(pipeline_data_path_ref(p, pipeline_data(p, "model"),
	    &err), kept);
	r = pipeline_data_path(p, pipeline_data(p, "model"), &err);
	assert_string_equal(r, kept);
	assert_ptr_not_equal(r, kept);
	free(r);
	assert_int_equal(pipeline_set_param(p, "epochs", "7", &err), 0);
	r = pipeline_data_path(p, pipeline_data(p, "model"), &err);
	assert_string_equal(r, "/home/u/exp/results/lr_0.001/e7_1e-5.pt");
	free(r);
	/* Not kept any more: no error, and a copy from pipeline_data_path. */
	assert_null(pipeline_data_path_ref(p, pipeline_data(p, "model"),
	    &err));
	assert_false(err.set);

	r = pipeline_data_path(p, pipeline_data(p, "alias_of_video"), &err);
	assert_string_equal(r, "/home/u/exp/data/raw/rec.mp4");
	free(r);
	assert_int_equal(pipeline_set_var(p, "video", "/v/new.mp4", &err), 0);
	r = pipeline_data_path(p, pipeline_data(p, "alias_of_video"), &err);
	assert_string_equal(r, "/v/new.mp4");
	free(r);
	r = pipeline_data_path(p, pipeline_data(p, "video"), &err);
	assert_string_equal(r, "/v/new.mp4");
	free(r);
	assert_false(err.set);

	/* A circle is refused each time it is asked for. */
	assert_null(pipeline_data_path_ref(p, pipeline_data(p, "loop_a"),
	    &err));
	assert_true(err.set);
	loom_error_clear(&err);
	assert_null(pipeline_data_path(p, pipeline_data(p, "loop_a"), &err));
	assert_true(err.set);
	loom_error_clear(&err);
	pipeline_free(p);
	diags_free(&d);
}

/*
 * The index keeps paths up to 8 MiB in all: 3,000 entries of 4 KiB each
 * keep the first ones; the others are worked out on each lookup, with
 * the same result, and pipeline_data_path_ref says so (NULL, no error).
 */
static void
test_resolve_path_budget(void **state)
{
	struct diags d;
	struct pipeline *p;
	struct loom_error err;
	char *yaml, *r, *want, name[16];
	size_t len = 0, cap = 64 * 1024 * 1024, i;
	int kept = 0, left = 0;

	(void)state;
	yaml = xmalloc(cap);
	len += (size_t)snprintf(yaml + len, cap - len, "data:\n  a: ");
	for (i = 0; i < 4000; i++)
		yaml[len++] = 'a';
	yaml[len++] = '\n';
	for (i = 0; i < 3000; i++)
		len += (size_t)snprintf(yaml + len, cap - len,
		    "  b%zu: ${a}/%zu\n", i, i);
	len += (size_t)snprintf(yaml + len, cap - len, "pipeline: []\n");
	diags_init(&d);
	p = pipeline_load_string("exp.yml", "/e", yaml, len, &d);
	assert_non_null(p);
	assert_int_equal(d.nerrors, 0);
	loom_error_clear(&err);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "b%zu", i);
		if (pipeline_data_path_ref(p, pipeline_data(p, name), &err) !=
		    NULL)
			kept++;
		else
			left++;
		assert_false(err.set);
		r = pipeline_data_path(p, pipeline_data(p, name), &err);
		assert_non_null(r);
		want = xasprintf("/e/%.4000s/%zu", yaml + 11, i);
		assert_string_equal(r, want);
		free(want);
		free(r);
	}
	assert_true(kept > 1000 && kept < 2100);
	assert_int_equal(kept + left, 3000);
	free(yaml);
	pipeline_free(p);
	diags_free(&d);
}

/*
 * A name too long for the stack copy (300 bytes) is looked up all the
 * same, whole and inside text.
 */
static void
test_resolve_long_name(void **state)
{
	struct diags d;
	struct pipeline *p;
	struct value *v;
	char name[301], *yaml, *ref, *r;

	(void)state;
	memset(name, 'n', 300);
	name[300] = '\0';
	yaml = xasprintf("data:\n  %s: {path: out/long.txt}\n"
	    "pipeline:\n  - {name: a, script: a.sh}\n", name);
	diags_init(&d);
	p = pipeline_load_string("exp.yml", "/home/u/exp", yaml, strlen(yaml),
	    &d);
	assert_non_null(p);
	assert_int_equal(d.nerrors, 0);
	ref = xasprintf("$%s", name);
	v = value_new_scalar(ref, false);
	assert_non_null(pipeline_value_ref(p, v));
	assert_ptr_equal(pipeline_value_ref(p, v), pipeline_data(p, name));
	value_free(v);
	free(ref);
	ref = xasprintf("${%s}/x", name);
	r = expand(p, ref, NULL, NULL);
	assert_string_equal(r, "out/long.txt/x");
	free(r);
	free(ref);
	free(yaml);
	pipeline_free(p);
	diags_free(&d);
}

static void
test_resolve_suggest(void **state)
{
	const char *c[] = { "features", "model", "video", "learning_rate" };

	assert_string_equal(pipeline_suggest("feature", c, 4), "features");
	assert_string_equal(pipeline_suggest("Featurs", c, 4), "features");
	assert_string_equal(pipeline_suggest("vidoe", c, 4), "video");
	assert_string_equal(pipeline_suggest("learningrate", c, 4),
	    "learning_rate");
	assert_null(pipeline_suggest("xyz", c, 4));
	assert_null(pipeline_suggest("model", c, 4));
	assert_null(pipeline_suggest("a", c, 0));
}

static void
test_resolve_classify(void **state)
{
	bool b;

	assert_int_equal(value_classify("", true, &b), VALUE_NULL);
	assert_int_equal(value_classify("~", true, &b), VALUE_NULL);
	assert_int_equal(value_classify("null", true, &b), VALUE_NULL);
	assert_int_equal(value_classify("True", true, &b), VALUE_BOOL);
	assert_true(b);
	assert_int_equal(value_classify("FALSE", true, &b), VALUE_BOOL);
	assert_false(b);
	assert_int_equal(value_classify("yes", true, &b), VALUE_STRING);
	assert_int_equal(value_classify("0x1F", true, &b), VALUE_INT);
	assert_int_equal(value_classify("0o17", true, &b), VALUE_INT);
	assert_int_equal(value_classify("0o19", true, &b), VALUE_STRING);
	assert_int_equal(value_classify("-12", true, &b), VALUE_INT);
	assert_int_equal(value_classify("1e-5", true, &b), VALUE_FLOAT);
	assert_int_equal(value_classify(".5", true, &b), VALUE_FLOAT);
	assert_int_equal(value_classify("5.", true, &b), VALUE_FLOAT);
	assert_int_equal(value_classify("-.inf", true, &b), VALUE_FLOAT);
	assert_int_equal(value_classify(".nan", true, &b), VALUE_FLOAT);
	assert_int_equal(value_classify("1.2.3", true, &b), VALUE_STRING);
	assert_int_equal(value_classify("1e", true, &b), VALUE_STRING);
	assert_int_equal(value_classify(".", true, &b), VALUE_STRING);
	/* Override rules. */
	assert_int_equal(value_classify("True", false, &b), VALUE_STRING);
	assert_int_equal(value_classify("", false, &b), VALUE_STRING);
	assert_int_equal(value_classify(".inf", false, &b), VALUE_STRING);
	assert_int_equal(value_classify("+7", false, &b), VALUE_INT);
	assert_int_equal(value_classify("2.50", false, &b), VALUE_FLOAT);
}

static void
test_resolve_values(void **state)
{
	struct value *v = value_new_scalar("0.001", false), *c;

	assert_int_equal(v->type, VALUE_FLOAT);
	assert_true(value_is_scalar(v));
	assert_ptr_equal(value_hold(v), v);
	assert_int_equal(v->refs, 1);
	value_free(v);		/* drops the extra reference */
	assert_int_equal(v->refs, 0);
	c = value_copy(v);
	assert_string_equal(c->text, "0.001");
	assert_int_equal(c->refs, 0);
	value_free(v);
	value_free(c);
	v = value_new_scalar("true", true);
	assert_int_equal(v->type, VALUE_STRING);
	value_free(v);
}

/* Expansion is sized before it is built (X2). */
static void
test_resolve_sizes(void **state)
{
	static const char bomb[] =
	    "parameters:\n"
	    "  p: ab\n"
	    "data:\n"
	    "  a: ${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}\n"
	    "  b: ${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}\n"
	    "  c: ${d}${d}${d}${d}${d}${d}${d}${d}${d}${d}\n"
	    "  d: ${e}${e}${e}${e}${e}${e}${e}${e}${e}${e}\n"
	    "  e: ${p}${p}${p}${p}${p}${p}${p}${p}${p}${p}\n"
	    "  item: x${loop_item}y${loop_item}\n"
	    "pipeline: []\n";
	struct diags d;
	struct pipeline *p;
	struct loom_error err;
	char *s, *big;

	(void)state;
	diags_init(&d);
	p = pipeline_load_string("b.yml", "/x", bomb, strlen(bomb), &d);
	assert_non_null(p);
	/* e is 20 bytes, d 200, c 2000, b 20000: a is 200000 bytes. */
	loom_error_clear(&err);
	s = pipeline_data_path(p, pipeline_data(p, "a"), &err);
	assert_null(s);
	assert_string_equal(err.message, "references expand to 200000 bytes "
	    "here, more than the limit of 65536 bytes");
	assert_int_equal(err.line, 4);
	assert_int_equal(err.column, 6);
	/* As an argument it is within 1 MiB: built, exactly that long. */
	loom_error_clear(&err);
	s = pipeline_expand(p, "${a}", NULL, NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(strlen(s), 200000);
	free(s);
	loom_error_clear(&err);
	s = pipeline_expand(p, "${a}${a}${a}${a}${a}${a}", NULL, NULL, NULL,
	    &err);
	assert_null(s);
	assert_non_null(strstr(err.message, "1200000 bytes"));
	/* Nested $loop_item counts twice its length. */
	big = malloc(600 * 1024);
	memset(big, 'i', 600 * 1024 - 1);
	big[600 * 1024 - 1] = '\0';
	loom_error_clear(&err);
	s = pipeline_expand(p, "${item}", NULL, "short", "o", &err);
	assert_string_equal(s, "xshortyshort");
	free(s);
	loom_error_clear(&err);
	assert_null(pipeline_expand(p, "${item}", NULL, big, "o", &err));
	assert_non_null(strstr(err.message, "1228800 bytes"));
	/* Sizes follow --set and --var. */
	loom_error_clear(&err);
	assert_int_equal(pipeline_set_param(p, "p", "a", &err), 0);
	s = pipeline_expand(p, "${a}", NULL, NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(strlen(s), 100000);
	free(s);
	s = pipeline_data_path(p, pipeline_data(p, "b"), &err);
	assert_non_null(s);
	assert_int_equal(strlen(s), strlen("/x/") + 10000);
	free(s);
	big[7000] = '\0';
	assert_int_equal(pipeline_set_var(p, "e", big, &err), 0);
	assert_null(pipeline_data_path(p, pipeline_data(p, "d"), &err));
	assert_non_null(strstr(err.message, "70000 bytes here, more than "
	    "the limit of 65536"));
	free(big);
	pipeline_free(p);
	diags_free(&d);
}

/*
 * Entries known to expand to nothing are skipped, not followed: 10^6
 * references over an empty parameter build "" at once; an entry below
 * that refers to nothing is still reported.
 */
static void
test_resolve_empty(void **state)
{
	static const char text_empty[] =
	    "parameters:\n"
	    "  z: \"\"\n"
	    "data:\n"
	    "  a: ${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}\n"
	    "  b: ${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}\n"
	    "  c: ${d}${d}${d}${d}${d}${d}${d}${d}${d}${d}\n"
	    "  d: ${e}${e}${e}${e}${e}${e}${e}${e}${e}${e}\n"
	    "  e: ${f}${f}${f}${f}${f}${f}${f}${f}${f}${f}\n"
	    "  f: x${z}\n"
	    "  g: ${h}${h}\n"
	    "  h: ${nosuch}\n"
	    "pipeline: []\n";
	struct diags d;
	struct pipeline *p;
	struct loom_error err;
	char *s;

	(void)state;
	diags_init(&d);
	p = pipeline_load_string("e.yml", "/x", text_empty,
	    strlen(text_empty), &d);
	assert_non_null(p);
	loom_error_clear(&err);
	s = pipeline_expand(p, "<${b}>", NULL, NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(strlen(s), 10000 + 2);
	free(s);
	assert_int_equal(pipeline_set_param(p, "z", "", &err), 0);
	assert_int_equal(pipeline_set_var(p, "f", "${z}", &err), 0);
	s = pipeline_expand(p, "<${a}${a}${a}${a}${a}${a}${a}${a}>", NULL,
	    NULL, NULL, &err);
	assert_string_equal(s, "<>");
	free(s);
	assert_null(pipeline_expand(p, "${g}", NULL, NULL, NULL, &err));
	assert_string_equal(err.message, "unknown reference $nosuch");
	pipeline_free(p);
	diags_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_expand),
		cmocka_unit_test(test_resolve_expand_errors),
		cmocka_unit_test(test_resolve_paths),
		cmocka_unit_test(test_resolve_set),
		cmocka_unit_test(test_resolve_var),
		cmocka_unit_test(test_resolve_value_ref),
		cmocka_unit_test(test_resolve_suggest),
		cmocka_unit_test(test_resolve_classify),
		cmocka_unit_test(test_resolve_values),
		cmocka_unit_test(test_resolve_sizes),
		cmocka_unit_test(test_resolve_long_name),
		cmocka_unit_test(test_resolve_path_kept),
		cmocka_unit_test(test_resolve_path_budget),
		cmocka_unit_test(test_resolve_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
