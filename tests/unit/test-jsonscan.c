/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/jsonscan.c, always against jansson: for
 * every text, a value the scanner returns must be equal to what
 * json_loadb (duplicates rejected, any value) returns, with the same
 * compact text (so the same key order and the same reals); where
 * jansson rejects a text the scanner must decline. Covers: the events
 * and replies the daemon sends (copied from a real run: run.start's
 * answer, run.started, run.step_started for steps and loop items,
 * run.output, run.step_finished, run.step_skipped, run.finished, an
 * error reply); what it must read itself (white space, -0, 18 digits,
 * reals, UTF-8, DEL, empty key and containers, depth 8); what it must
 * leave to jansson (escapes, duplicate keys, 19 digits, 1e400, 1e-400,
 * depth 9); what both refuse (leading zeros, "1.", trailing commas and
 * bytes, invalid UTF-8, control bytes, a NUL, unterminated texts); and
 * 100,000 texts mutated from the real events, one byte at a time.
 * jsonscan_flat, the same way: the members it reads from the events'
 * params (and from the mutants' params) are jansson's, in order, kind
 * and value; it declines nested objects, exponents of three digits,
 * more members than asked for, duplicates, and what jansson rejects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util/jsonscan.h"

#define FLAGS	(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/* What the scanner did with a text. */
enum outcome { READ, DECLINED };

/* Lines as the daemon writes them. */
static const char *const events[] = {
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocol\":1,"
	    "\"version\":\"0.1.0\",\"pid\":11401}}",
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"run\":\"xkf9v1\",\"dir\":"
	    "\"/tmp/ce/exp2/.loom/runs/xkf9v1\",\"steps\":[{\"name\":\"a\","
	    "\"group\":null,\"loop\":false,\"uptodate\":false,\"reason\":"
	    "\"last run failed (exit code 3)\",\"after\":[]},{\"name\":\"b\","
	    "\"group\":null,\"loop\":false,\"uptodate\":false,\"reason\":"
	    "\"never ran\",\"after\":[\"a\"]}],\"parallel\":false,"
	    "\"max_workers\":2,\"state\":\"running\"}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.started\",\"params\":{\"run\":"
	    "\"xkf9v1\",\"file\":\"/tmp/ce/exp2/p.yml\",\"steps\":[{\"name\":"
	    "\"a\",\"group\":null,\"loop\":false,\"uptodate\":false,\"reason\":"
	    "\"forced (--force)\",\"after\":[]}],\"parallel\":false,"
	    "\"max_workers\":2}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_started\",\"params\":{"
	    "\"run\":\"w2cke7\",\"step\":\"s2\",\"pid\":11883,\"argv\":[\"bash\","
	    "\"/tmp/ce/exp/tasks/step.sh\",\"/tmp/ce/exp/d/1\",\"-o\","
	    "\"/tmp/ce/exp/d/2\"]}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_started\",\"params\":{"
	    "\"run\":\"lm6z17\",\"step\":\"each\",\"item\":2,\"item_name\":"
	    "\"100\",\"items\":500,\"pid\":17690,\"argv\":[\"bash\","
	    "\"/tmp/ce/exp/tasks/step.sh\",\"/tmp/ce/exp/items/100\",\"-o\","
	    "\"/tmp/ce/exp/outs/100\"]}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.output\",\"params\":{\"run\":"
	    "\"xkf9v1\",\"step\":\"a\",\"offset\":0,\"data\":"
	    "\"aGVsbG8gw6kgInEiIFwgYmFjawo=\"}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_finished\",\"params\":{"
	    "\"run\":\"w2cke7\",\"step\":\"s1\",\"state\":\"succeeded\","
	    "\"exit_code\":0,\"signal\":null,\"duration\":0.044999999999999998}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_finished\",\"params\":{"
	    "\"run\":\"lm6z17\",\"step\":\"each\",\"state\":\"succeeded\","
	    "\"item\":1,\"item_name\":\"10\",\"exit_code\":0,\"signal\":null,"
	    "\"duration\":0.016}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_finished\",\"params\":{"
	    "\"run\":\"k2\",\"step\":\"t\",\"state\":\"failed\",\"exit_code\":"
	    "null,\"signal\":\"SIGKILL\",\"duration\":1.5e-05}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.step_skipped\",\"params\":{"
	    "\"run\":\"k2\",\"step\":\"u\",\"because\":[\"t\",\"s\"]}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"run.finished\",\"params\":{\"run\":"
	    "\"xkf9v1\",\"state\":\"failed\",\"steps_total\":2,"
	    "\"steps_succeeded\":0,\"steps_failed\":2,\"steps_skipped\":0,"
	    "\"steps_cancelled\":0}}",
	"{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32001,\"message\":"
	    "\"no run k9\",\"data\":{\"hint\":\"see loomctl runs\"}}}",
};

/*
 * The scanner's value for text equals jansson's, or it declines; which
 * of the two it did. Fails the test on any difference.
 */
static enum outcome
differ(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *mine, *theirs;
	char *a, *b;

	mine = jsonscan_parse(text, len);
	theirs = json_loadb(text, len, FLAGS, &jerr);
	if (mine == NULL) {
		json_decref(theirs);
		return DECLINED;
	}
	if (theirs == NULL)
		fail_msg("read what jansson rejects (%s): %.*s", jerr.text,
		    (int)len, text);
	assert_true(json_equal(mine, theirs));
	a = json_dumps(mine, JSON_COMPACT | JSON_ENCODE_ANY);
	b = json_dumps(theirs, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(mine);
	json_decref(theirs);
	return READ;
}

static void
expect(const char *text, enum outcome want)
{
	if (differ(text, strlen(text)) != want)
		fail_msg("%s: %s", want == READ ? "declined" : "read", text);
}

/*
 * jsonscan_flat's members of text agree with jansson's object for the
 * bytes it says the object takes, or it declines; which of the two.
 */
static enum outcome
flat_differ(const char *text, size_t len)
{
	struct jsonscan_member m[32];
	json_error_t jerr;
	json_t *theirs, *v;
	const char *key;
	size_t used, n, i = 0;

	used = jsonscan_flat(text, len, m, 32, &n);
	if (used == 0)
		return DECLINED;
	assert_true(used <= len);
	theirs = json_loadb(text, used, FLAGS, &jerr);
	if (theirs == NULL)
		fail_msg("flat read what jansson rejects (%s): %.*s",
		    jerr.text, (int)used, text);
	assert_true(json_is_object(theirs));
	assert_int_equal(json_object_size(theirs), n);
	json_object_foreach(theirs, key, v) {
		assert_int_equal(strlen(key), m[i].klen);
		assert_memory_equal(key, m[i].key, m[i].klen);
		switch (m[i].kind) {
		case JSONSCAN_STRING:
			assert_true(json_is_string(v));
			assert_int_equal(json_string_length(v), m[i].len);
			assert_memory_equal(json_string_value(v), m[i].str,
			    m[i].len);
			break;
		case JSONSCAN_INTEGER:
			assert_true(json_is_integer(v));
			assert_true(json_integer_value(v) == m[i].integer);
			break;
		case JSONSCAN_NULL:
			assert_true(json_is_null(v));
			break;
		case JSONSCAN_OTHER:
			assert_true(json_is_boolean(v) || json_is_real(v) ||
			    json_is_array(v));
			break;
		}
		i++;
	}
	json_decref(theirs);
	return READ;
}

static void
expect_flat(const char *text, enum outcome want)
{
	if (flat_differ(text, strlen(text)) != want)
		fail_msg("flat %s: %s", want == READ ? "declined" : "read",
		    text);
}

/* The params object of an event's text, or NULL. */
static const char *
params_of(const char *text, size_t len, size_t *rest)
{
	static const char key[] = "\"params\":";
	const char *p = memmem(text, len, key, sizeof key - 1);

	if (p == NULL)
		return NULL;
	p += sizeof key - 1;
	*rest = len - (size_t)(p - text);
	return p;
}

/* Whether jansson takes the text at all. */
static bool
jansson_takes(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loadb(text, strlen(text), FLAGS, &jerr);

	json_decref(v);
	return v != NULL;
}

static void
test_jsonscan_events(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof events / sizeof events[0]; i++)
		expect(events[i], READ);
}

/*
 * The params of every event but run.started (its steps are objects)
 * are read flat; a message as a whole (params nested) is not.
 */
static void
test_jsonscan_flat_events(void **state)
{
	const char *p;
	size_t i, rest, read = 0;

	(void)state;
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		expect_flat(events[i], DECLINED);
		if ((p = params_of(events[i], strlen(events[i]), &rest)) ==
		    NULL)
			continue;
		if (flat_differ(p, rest) == READ)
			read++;
		else
			assert_non_null(strstr(events[i], "run.started"));
	}
	assert_int_equal(read, 8);
}

static void
test_jsonscan_flat_edges(void **state)
{
	struct jsonscan_member m[2];
	size_t n;

	(void)state;
	expect_flat("{}", READ);
	expect_flat(" {}", DECLINED);
	expect_flat("{ \"a\" : [ 1 , [\"x\", null] ] , \"b\":-0}tail", READ);
	expect_flat("{\"a\":0.0050000000000000001,\"b\":true,\"c\":false}",
	    READ);
	expect_flat("{\"a\":1e5,\"b\":1.5e-05,\"c\":-2E+99}", READ);
	expect_flat("{\"a\":1e100}", DECLINED);
	expect_flat("{\"a\":1e400}", DECLINED);
	expect_flat("{\"a\":{}}", DECLINED);
	expect_flat("{\"a\":[{}]}", DECLINED);
	expect_flat("{\"a\":1,\"a\":2}", DECLINED);
	expect_flat("{\"a\":\"\\n\"}", DECLINED);
	expect_flat("{\"a\":1234567890123456789}", DECLINED);
	expect_flat("{\"a\":\"\xc0\xaf\"}", DECLINED);
	expect_flat("{\"a\":[[[[[[[1]]]]]]]}", READ);	/* 8 deep */
	expect_flat("{\"a\":[[[[[[[[1]]]]]]]]}", DECLINED);
	expect_flat("{\"a\":1,}", DECLINED);
	expect_flat("{\"a\":1", DECLINED);
	expect_flat("{\"a\":01}", DECLINED);
	/* Room for two members only. */
	assert_int_equal(jsonscan_flat("{\"a\":1,\"b\":2}", 13, m, 2, &n), 13);
	assert_int_equal(n, 2);
	assert_int_equal(jsonscan_flat("{\"a\":1,\"b\":2,\"c\":3}", 19, m, 2,
	    &n), 0);
}

static void
test_jsonscan_reads(void **state)
{
	(void)state;
	expect(" {\"a\" : [ 1 , 2 ] ,\t\"b\"\r\n:{}}\n ", READ);
	expect("-0", READ);
	expect("0", READ);
	expect("-123456789012345678", READ);
	expect("123456789012345678", READ);
	expect("[0.5,-0.0,1e5,1E+5,2.5e-3,1.7976931348623157e308]", READ);
	expect("\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"", READ);
	expect("\"\x7f\"", READ);
	expect("{\"\":\"\"}", READ);
	expect("[[],{},[{}]]", READ);
	expect("[true,false,null]", READ);
	expect("[[[[[[[[]]]]]]]]", READ);		/* 8 deep */
	expect("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}",
	    READ);
}

static void
test_jsonscan_declines(void **state)
{
	static const char *const valid[] = {
		"\"a\\\"b\"", "\"\\u00e9\"", "\"\\n\"", "{\"k\\/\":1}",
		"1234567890123456789", "-1234567890123456789",
		"[[[[[[[[[]]]]]]]]]", "1e-400", "{\"a\":1,\"a\":1}",
	};
	static const char *const invalid[] = {
		"", " ", "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+",
		"1e400", "-1e400", "99999999999999999999", "[1,]", "{,}",
		"{\"a\":1,}", "{\"a\"}", "{\"a\":}", "{1:2}", "[1 2]", "1 2",
		"truex", "tru", "nul", "[true", "{\"a\":1", "\"abc",
		"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\x80\"", "\"\xe2\x82\"", "\"a\tb\"", "\"\x1f\"", "\xef\xbb\xbf{}",
		"[NaN]", "[Infinity]", "{\"a\":1}x", "'a'", "[\xc3\xa9]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		/* jansson's business: declined here, whatever jansson says. */
		expect(valid[i], DECLINED);
	}
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		assert_false(jansson_takes(invalid[i]));
		expect(invalid[i], DECLINED);
	}
	/* A NUL inside the text, in and out of a string. */
	assert_int_equal(differ("\"a\0b\"", 5), DECLINED);
	assert_int_equal(differ("{}\0", 3), DECLINED);
	assert_int_equal(differ("[1,\0]", 5), DECLINED);
}

/* A small deterministic generator (no libc state shared with others). */
static uint32_t
next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Every event, changed at one or two places by a byte that matters to
 * a JSON reader: every outcome must agree with jansson.
 */
static void
test_jsonscan_mutants(void **state)
{
	static const char bytes[] = "{}[]\",:\\ 0123456789-+.eEtfnul\x80\xc3"
	    "\xa9\x00\x1f\x7f";
	uint32_t seed = 14;
	char buf[1024];
	const char *p;
	size_t i, len, at, rest, read = 0, flat = 0;
	int k, n;

	(void)state;
	for (i = 0; i < 100000; i++) {
		const char *e = events[i % (sizeof events / sizeof events[0])];

		len = strlen(e);
		assert_true(len < sizeof buf - 2);
		memcpy(buf, e, len);
		n = 1 + (int)(next_random(&seed) % 2);
		for (k = 0; k < n; k++) {
			at = next_random(&seed) % len;
			switch (next_random(&seed) % 3) {
			case 0:		/* replace */
				buf[at] = bytes[next_random(&seed) %
				    (sizeof bytes - 1)];
				break;
			case 1:		/* insert */
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = bytes[next_random(&seed) %
				    (sizeof bytes - 1)];
				len++;
				break;
			default:	/* delete */
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			}
		}
		if (differ(buf, len) == READ)
			read++;
		if ((p = params_of(buf, len, &rest)) != NULL &&
		    flat_differ(p, rest) == READ)
			flat++;
	}
	/* Many mutants are still plain JSON and read here. */
	assert_true(read > 10000);
	assert_true(flat > 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonscan_events),
		cmocka_unit_test(test_jsonscan_flat_events),
		cmocka_unit_test(test_jsonscan_flat_edges),
		cmocka_unit_test(test_jsonscan_reads),
		cmocka_unit_test(test_jsonscan_declines),
		cmocka_unit_test(test_jsonscan_mutants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
