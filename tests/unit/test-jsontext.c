/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/jsontext.c, with jansson's own json_dumps
 * (JSON_COMPACT | JSON_ENCODE_ANY) as the reference: every value must
 * come out byte for byte as jansson writes it. Covers: scalars (null,
 * booleans, integers at both ends of their range, reals with and
 * without a fraction or an exponent, negative zero; from 1e-4 to 1e16,
 * written without printf, the edges, exact ties and 120000 random ones);
 * strings with every
 * byte below 0x20, quotes, backslashes, '/', DEL, embedded NULs and
 * UTF-8 of two to four bytes; objects keeping insertion order, keys
 * needing escapes, empty containers; invalid UTF-8 (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF,
 * a truncated sequence) failing as json_dumps fails; nesting past the
 * depth limit refused; 2000 random nested values; the length returned.
 * The writer (jsontext_begin ... jsontext_end) against the same events
 * built as jansson trees, the way loomd built run.step_started and
 * run.step_finished before: names and arguments needing escapes, UTF-8,
 * loop items, nulls, reals, nested arrays and objects; a string not
 * UTF-8 makes the whole text NULL.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util/jsontext.h"

/* v (owned) must come out as json_dumps writes it. */
static void
same_as_jansson(json_t *v)
{
	char *want, *got;
	size_t len;

	want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	got = jsontext_dump(v, &len);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
	json_decref(v);
}

static void
test_jsontext_scalars(void **state)
{
	static const double reals[] = {
		0.0, -0.0, 1.0, -1.5, 0.1, 1e5, 1e16, 1e17, 1e21, 1e-5, 1e-7,
		1.5e-300, 1e300, 123456789.125, 1796609585.157859, 2.5e-10,
		-3e+100, 1.0 / 3.0,
	};
	static const json_int_t ints[] = {
		0, 1, -1, 9, 10, -10, 1234567890, INT64_MAX, INT64_MIN,
	};
	size_t i;

	(void)state;
	same_as_jansson(json_null());
	same_as_jansson(json_true());
	same_as_jansson(json_false());
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
		same_as_jansson(json_integer(ints[i]));
	for (i = 0; i < sizeof reals / sizeof reals[0]; i++)
		same_as_jansson(json_real(reals[i]));
}

/* A double from 64 random bits (rand_r gives 31 at a time). */
static double
random_bits_double(unsigned *seed)
{
	uint64_t u = 0;
	double d;
	int i;

	for (i = 0; i < 3; i++)
		u = (u << 22) ^ (uint64_t)rand_r(seed);
	memcpy(&d, &u, sizeof d);
	return d;
}

static void
test_jsontext_reals(void **state)
{
	static const double edges[] = {
		1.0, 9.999999999999999, 10.0, 1e15, 9007199254740991.0,
		9007199254740992.0, 9007199254740993.0, 9999999999999998.0,
		9999999999999999.0, 1e16, 1e16 + 2, 0.9999999999999999,
		1.0000000000000002, 4503599627370495.5, 2251799813685247.75,
		1796609585.157859, 1796609585.5, 123.456, 100.0, 0.5,
		0.1, 0.01, 0.001, 1e-4, 0.613, 0.00012345, 0.099999999999999999,
		9.99999999999999e-5,
	};
	unsigned seed = 2026;
	double d;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		same_as_jansson(json_real(edges[i]));
		same_as_jansson(json_real(-edges[i]));
		same_as_jansson(json_real(nextafter(edges[i], 0)));
		same_as_jansson(json_real(nextafter(edges[i], 1e300)));
	}
	/* Any bits; then every magnitude from 1 to 1e16, and times. */
	for (j = 0; j < 20000; j++) {
		d = random_bits_double(&seed);
		if (isfinite(d))
			same_as_jansson(json_real(d));
		d = ldexp((double)rand_r(&seed) / RAND_MAX + 1.0,
		    rand_r(&seed) % 54);
		same_as_jansson(json_real(d));
		same_as_jansson(json_real(1.7e9 + (double)rand_r(&seed) / 1e6));
		same_as_jansson(json_real((double)(rand_r(&seed) % 100000) /
		    1000.0));
		same_as_jansson(json_real(ldexp((double)rand_r(&seed) /
		    RAND_MAX + 1.0, -(rand_r(&seed) % 16))));
		/* Halves and quarters of large integers: exact ties. */
		same_as_jansson(json_real(ldexp((double)rand_r(&seed) *
		    (double)rand_r(&seed) + 1.0, -(rand_r(&seed) % 4))));
	}
}

static void
test_jsontext_strings(void **state)
{
	char all[0x80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof all; i++)
		all[i] = (char)i;
	same_as_jansson(json_stringn(all, sizeof all));
	same_as_jansson(json_string(""));
	same_as_jansson(json_string("a/b \"q\" \\ end"));
	same_as_jansson(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
	    " \xef\xbf\xbf \xf4\x8f\xbf\xbf"));
	same_as_jansson(json_string("line\nnext\ttab\r\x01\x1f\x7f"));
}

static void
test_jsontext_containers(void **state)
{
	json_t *o = json_object(), *a = json_array(), *inner;
	char key[16];
	int i;

	(void)state;
	for (i = 40; i > 0; i--) {
		snprintf(key, sizeof key, "k%d", i * 7 % 41);
		json_object_set_new(o, key, json_integer(i));
	}
	json_object_set_new(o, "with \"quote\"\n", json_string("v"));
	json_object_setn_new(o, "nul\0key", 7, json_true());
	json_object_set_new(o, "empty", json_object());
	json_object_set_new(o, "none", json_array());
	inner = json_pack("{s:[i,f,s,n,b]}", "x", 1, 2.5, "s", 0);
	json_array_append_new(a, inner);
	json_array_append_new(a, json_array());
	json_object_set_new(o, "list", a);
	same_as_jansson(o);
	same_as_jansson(json_object());
	same_as_jansson(json_array());
}

static void
test_jsontext_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\x80", "a\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3(",
	};
	json_t *s, *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = json_stringn_nocheck(bad[i], strlen(bad[i]));
		assert_null(json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY));
		assert_null(jsontext_dump(s, NULL));
		o = json_object();
		json_object_set_new(o, "k", s);
		assert_null(jsontext_dump(o, NULL));
		json_decref(o);
		assert_false(jsontext_is_utf8(bad[i]));
		assert_null(json_string(bad[i]));
	}
	assert_true(jsontext_is_utf8(""));
	assert_true(jsontext_is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80 \x7f\x01"));
}

static void
test_jsontext_depth(void **state)
{
	json_t *v = json_array(), *top = v, *next;
	char *text;
	int i;

	(void)state;
	for (i = 0; i < JSONTEXT_MAX_DEPTH; i++) {
		next = json_array();
		json_array_append_new(v, next);
		v = next;
	}
	text = jsontext_dump(top, NULL);
	assert_non_null(text);
	assert_int_equal(strlen(text), 2 * (JSONTEXT_MAX_DEPTH + 1));
	free(text);
	json_array_append_new(v, json_array());
	assert_null(jsontext_dump(top, NULL));
	json_decref(top);
	assert_null(jsontext_dump(NULL, NULL));
}

/* A pseudo-random value, at most depth levels deep. */
static json_t *
random_value(unsigned *seed, int depth)
{
	char s[24];
	json_t *v;
	int i, n, k = rand_r(seed) % (depth > 0 ? 8 : 6);

	switch (k) {
	case 0: return json_null();
	case 1: return json_boolean(rand_r(seed) & 1);
	case 2: return json_integer((json_int_t)rand_r(seed) *
	    (rand_r(seed) & 1 ? -1 : 1) * 100003);
	case 3: return json_real((double)rand_r(seed) /
	    (double)(rand_r(seed) + 1) * (rand_r(seed) % 3 == 0 ? 1e-9 : 1e9));
	case 4: case 5:
		n = rand_r(seed) % (int)sizeof s;
		for (i = 0; i < n; i++)
			s[i] = (char)(rand_r(seed) % 0x7f + 1);
		return json_stringn(s, (size_t)n);
	case 6:
		v = json_array();
		for (n = rand_r(seed) % 5; n > 0; n--)
			json_array_append_new(v, random_value(seed, depth - 1));
		return v;
	default:
		v = json_object();
		for (n = rand_r(seed) % 5; n > 0; n--) {
			snprintf(s, sizeof s, "k%d\t%d", rand_r(seed) % 100, n);
			json_object_set_new(v, s, random_value(seed, depth - 1));
		}
		return v;
	}
}

static void
test_jsontext_random(void **state)
{
	unsigned seed = 14;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++)
		same_as_jansson(random_value(&seed, 4));
}

/* Names and arguments as steps may have them. */
static const char *const writer_names[] = {
	"s1", "with space", "quote\"d", "back\\slash", "tab\there",
	"line\nbreak", "ctl\x01\x1f", "caf\xc3\xa9", "\xe2\x86\x92 arrow",
	"emoji \xf0\x9f\x98\x80", "/slash/", "del\x7f", "",
};
#define NNAMES (sizeof writer_names / sizeof writer_names[0])

/* The text of w must be json_dumps of want (owned). */
static void
writer_same(struct jsontext_writer *w, json_t *want)
{
	char *text, *ref;
	size_t len;

	text = jsontext_end(w, &len);
	ref = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(text);
	assert_non_null(ref);
	assert_string_equal(text, ref);
	assert_int_equal(len, strlen(ref));
	free(text);
	free(ref);
	json_decref(want);
}

/* A notification's head in both forms, params opened in w. */
static json_t *
writer_head(struct jsontext_writer *w, const char *method, json_t *params)
{
	json_t *msg = json_object();

	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_object_set_new(msg, "method", json_string(method));
	json_object_set_new(msg, "params", params);
	jsontext_begin(w, NULL);
	jsontext_add_string(w, "jsonrpc", "2.0");
	jsontext_add_string(w, "method", method);
	jsontext_open(w, "params", '{');
	return msg;
}

static void
test_jsontext_writer_started(void **state)
{
	struct jsontext_writer w;
	json_t *params, *argv, *msg;
	size_t i, k, loop;

	(void)state;
	for (i = 0; i < NNAMES; i++) {
		for (loop = 0; loop < 2; loop++) {
			params = json_pack("{s:s, s:s}", "run", "20261207-x",
			    "step", writer_names[i]);
			msg = writer_head(&w, "run.step_started", params);
			jsontext_add_string(&w, "run", "20261207-x");
			jsontext_add_string(&w, "step", writer_names[i]);
			if (loop) {
				json_object_set_new(params, "item",
				    json_integer((json_int_t)i));
				json_object_set_new(params, "item_name",
				    json_string(writer_names[NNAMES - 1 - i]));
				json_object_set_new(params, "items",
				    json_integer(1000000));
				jsontext_add_int(&w, "item", (long long)i);
				jsontext_add_string(&w, "item_name",
				    writer_names[NNAMES - 1 - i]);
				jsontext_add_int(&w, "items", 1000000);
			}
			json_object_set_new(params, "pid", json_integer(-42));
			jsontext_add_int(&w, "pid", -42);
			argv = json_array();
			jsontext_open(&w, "argv", '[');
			for (k = 0; k <= i; k++) {
				json_array_append_new(argv,
				    json_string(writer_names[k]));
				jsontext_add_string(&w, NULL, writer_names[k]);
			}
			json_object_set_new(params, "argv", argv);
			jsontext_close(&w, ']');
			jsontext_close(&w, '}');
			writer_same(&w, msg);
		}
	}
}

static void
test_jsontext_writer_finished(void **state)
{
	static const double durations[] = {
		0.0, 0.001, 0.04, 1.5, 12345.678, 1e-7, 3e20, -0.0,
	};
	struct jsontext_writer w;
	json_t *params, *msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		params = json_pack("{s:s, s:s, s:s}", "run", "r",
		    "step", writer_names[i], "state", "failed");
		json_object_set_new(params, "exit_code", json_null());
		json_object_set_new(params, "signal", json_string("SIGKILL"));
		json_object_set_new(params, "error",
		    json_string(writer_names[NNAMES - 1 - i]));
		json_object_set_new(params, "duration", json_real(durations[i]));
		json_object_set_new(params, "items_total", json_integer(0));
		msg = writer_head(&w, "run.step_finished", params);
		jsontext_add_string(&w, "run", "r");
		jsontext_add_string(&w, "step", writer_names[i]);
		jsontext_add_string(&w, "state", "failed");
		jsontext_add_null(&w, "exit_code");
		jsontext_add_string(&w, "signal", "SIGKILL");
		jsontext_add_string(&w, "error", writer_names[NNAMES - 1 - i]);
		jsontext_add_real(&w, "duration", durations[i]);
		jsontext_add_int(&w, "items_total", 0);
		jsontext_close(&w, '}');
		writer_same(&w, msg);
	}
	/* Empty containers and a plain object. */
	jsontext_begin(&w, NULL);
	jsontext_open(&w, "a", '[');
	jsontext_close(&w, ']');
	jsontext_open(&w, "o", '{');
	jsontext_close(&w, '}');
	jsontext_add_int(&w, "n", -9223372036854775807LL - 1);
	writer_same(&w, json_pack("{s:[], s:{}, s:I}", "a", "o", "n",
	    (json_int_t)(-9223372036854775807LL - 1)));
}

/* A writer with some members already, as an event has. */
static void
notify_like(struct jsontext_writer *w)
{
	jsontext_begin(w, NULL);
	jsontext_add_string(w, "run", "r");
	jsontext_add_int(w, "item", 3);
}

static void
test_jsontext_writer_invalid(void **state)
{
	static const char *const bad[] = {
		"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82",
	};
	struct jsontext_writer w;
	size_t i, len = 7;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		notify_like(&w);
		jsontext_add_string(&w, "step", bad[i]);
		assert_null(jsontext_end(&w, &len));
		notify_like(&w);
		jsontext_add_string(&w, bad[i], "value");
		assert_null(jsontext_end(&w, &len));
	}
	jsontext_begin(&w, "");
	jsontext_add_real(&w, "duration", NAN);
	assert_null(jsontext_end(&w, &len));
	assert_int_equal(len, 7);	/* untouched on failure */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsontext_scalars),
		cmocka_unit_test(test_jsontext_reals),
		cmocka_unit_test(test_jsontext_strings),
		cmocka_unit_test(test_jsontext_containers),
		cmocka_unit_test(test_jsontext_invalid_utf8),
		cmocka_unit_test(test_jsontext_depth),
		cmocka_unit_test(test_jsontext_random),
		cmocka_unit_test(test_jsontext_writer_started),
		cmocka_unit_test(test_jsontext_writer_finished),
		cmocka_unit_test(test_jsontext_writer_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
