/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/jsonrpc.c. Covers: the line framer (one byte at a
 * time, several lines in one feed, CRLF, blank lines, a line of exactly
 * the cap, over the cap with and without a newline, the bound on what it
 * holds, nothing after TOO_LONG); parsing (nesting limit, duplicate keys,
 * invalid UTF-8, \u0000, 1e400, 2^64, -0, trailing garbage, any value);
 * request validation against the JSON-RPC 2.0 rules (ids, "jsonrpc",
 * method, params, reply ids); builders and compact one-line encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util/jsonrpc.h"
#include "common/util/xmalloc.h"

/* Feed text and collect every complete line, joined by '|'. */
static enum jsonrpc_frame
framer_collect(struct jsonrpc_framer *f, const char *text, size_t len,
    char *out, size_t outlen)
{
	enum jsonrpc_frame fr;
	const char *line;
	size_t n;

	jsonrpc_framer_feed(f, text, len);
	while ((fr = jsonrpc_framer_next(f, &line, &n)) == JSONRPC_FRAME_LINE) {
		assert_int_equal(strlen(line), n);
		if (out[0] != '\0')
			strncat(out, "|", outlen - strlen(out) - 1);
		strncat(out, line, outlen - strlen(out) - 1);
	}
	return fr;
}

static void
test_jsonrpc_framer_bytes(void **state)
{
	struct jsonrpc_framer *f = jsonrpc_framer_create(100);
	const char *text = "{\"a\":1}\r\n\n  \n{\"b\":2}\n";
	char out[256] = "";
	size_t i;

	(void)state;
	for (i = 0; i < strlen(text); i++)
		framer_collect(f, text + i, 1, out, sizeof out);
	assert_string_equal(out, "{\"a\":1}|{\"b\":2}");
	assert_int_equal(jsonrpc_framer_buffered(f), 0);
	jsonrpc_framer_free(f);
}

static void
test_jsonrpc_framer_batch(void **state)
{
	struct jsonrpc_framer *f = jsonrpc_framer_create(100);
	char out[256] = "";

	(void)state;
	assert_int_equal(framer_collect(f, "one\ntwo\r\nthr", 12, out,
	    sizeof out), JSONRPC_FRAME_NONE);
	assert_string_equal(out, "one|two");
	assert_int_equal(jsonrpc_framer_buffered(f), 3);
	out[0] = '\0';
	framer_collect(f, "ee\n", 3, out, sizeof out);
	assert_string_equal(out, "three");
	jsonrpc_framer_free(f);
}

static void
test_jsonrpc_framer_cap(void **state)
{
	struct jsonrpc_framer *f;
	char line[20], out[256] = "";
	const char *p;
	size_t n;

	(void)state;
	/* Exactly the cap, with CRLF: accepted. */
	f = jsonrpc_framer_create(10);
	memcpy(line, "0123456789\r\n", 12);
	assert_int_equal(framer_collect(f, line, 12, out, sizeof out),
	    JSONRPC_FRAME_NONE);
	assert_string_equal(out, "0123456789");
	/* One over, complete in one feed: too long. */
	assert_int_equal(framer_collect(f, "0123456789a\nok\n", 15, out,
	    sizeof out), JSONRPC_FRAME_TOO_LONG);
	/* And for good: later lines are not framed. */
	jsonrpc_framer_feed(f, "ok\n", 3);
	assert_int_equal(jsonrpc_framer_next(f, &p, &n),
	    JSONRPC_FRAME_TOO_LONG);
	assert_int_equal(jsonrpc_framer_buffered(f), 0);
	jsonrpc_framer_free(f);

	/* Over the cap without a newline, byte by byte: noticed at once. */
	f = jsonrpc_framer_create(10);
	out[0] = '\0';
	for (n = 0; n < 11; n++)
		assert_int_equal(framer_collect(f, "x", 1, out, sizeof out),
		    JSONRPC_FRAME_NONE);
	assert_int_equal(framer_collect(f, "x", 1, out, sizeof out),
	    JSONRPC_FRAME_TOO_LONG);
	assert_true(jsonrpc_framer_buffered(f) <= 12);
	jsonrpc_framer_free(f);
}

static void
test_jsonrpc_framer_bound(void **state)
{
	struct jsonrpc_framer *f = jsonrpc_framer_create(1000);
	char chunk[64], out[16] = "";
	int i;

	(void)state;
	memset(chunk, 'y', sizeof chunk);
	for (i = 0; i < 1000; i++) {
		if (framer_collect(f, chunk, sizeof chunk, out, sizeof out) ==
		    JSONRPC_FRAME_TOO_LONG)
			break;
		assert_true(jsonrpc_framer_buffered(f) <= 1000 + 1 +
		    sizeof chunk);
	}
	assert_true(i < 1000);
	jsonrpc_framer_free(f);
}

static int
parse_code(const char *text)
{
	struct jsonrpc_error err;
	json_t *v;

	memset(&err, 0, sizeof err);
	v = jsonrpc_parse(text, strlen(text), &err);
	if (v != NULL) {
		json_decref(v);
		return 0;
	}
	assert_true(err.message[0] != '\0');
	return err.code;
}

static void
test_jsonrpc_parse_limits(void **state)
{
	char *deep;
	size_t i;

	(void)state;
	deep = xmalloc(2 * 100000 + 1);
	for (i = 0; i < 100000; i++) {
		deep[i] = '[';
		deep[100000 + i] = ']';
	}
	deep[200000] = '\0';
	assert_int_equal(parse_code(deep), -32700);
	/* JSONRPC_MAX_DEPTH levels are fine, one more is not. */
	deep[JSONRPC_MAX_DEPTH] = '\0';
	for (i = 0; i < JSONRPC_MAX_DEPTH; i++)
		deep[i] = '[';
	memset(deep, '[', JSONRPC_MAX_DEPTH);
	memset(deep + JSONRPC_MAX_DEPTH, ']', JSONRPC_MAX_DEPTH);
	deep[2 * JSONRPC_MAX_DEPTH] = '\0';
	assert_int_equal(parse_code(deep), 0);
	memmove(deep + 1, deep, 2 * JSONRPC_MAX_DEPTH + 1);
	deep[0] = '[';
	strcat(deep, "]");
	assert_int_equal(parse_code(deep), -32700);
	free(deep);
	/* Brackets inside strings do not count. */
	assert_int_equal(parse_code("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[\"}"),
	    0);

	assert_int_equal(parse_code("{\"a\":1,\"a\":2}"), -32700);
	assert_int_equal(parse_code("\"\xff\""), -32700);
	assert_int_equal(parse_code("\"\xc3\""), -32700);
	assert_int_equal(parse_code("\"a\\u0000b\""), -32700);
	assert_int_equal(parse_code("1e400"), -32700);
	assert_int_equal(parse_code("18446744073709551616"), -32700);
	assert_int_equal(parse_code("-0"), 0);
	assert_int_equal(parse_code("{} x"), -32700);
	assert_int_equal(parse_code(""), -32700);
	assert_int_equal(parse_code("42"), 0);
}

/* Check text; returns the error code (0 when valid) and the reply id. */
static int
check_code(const char *text, json_t **reply_id_text)
{
	struct jsonrpc_request req;
	struct jsonrpc_error err;
	json_t *msg, *reply_id;
	int code = 0;

	msg = jsonrpc_parse(text, strlen(text), &err);
	assert_non_null(msg);
	if (jsonrpc_request_check(msg, &req, &reply_id, &err) == -1)
		code = err.code;
	else
		jsonrpc_request_clear(&req);
	if (reply_id_text != NULL)
		*reply_id_text = reply_id != NULL ? json_deep_copy(reply_id) :
		    NULL;
	json_decref(msg);
	return code;
}

static void
test_jsonrpc_request_check(void **state)
{
	struct jsonrpc_request req;
	struct jsonrpc_error err;
	json_t *msg, *id, *reply_id;

	(void)state;
	assert_int_equal(check_code("[]", NULL), -32600);
	assert_int_equal(check_code("1", NULL), -32600);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\"}", NULL), -32600);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":3,"
	    "\"method\":7}", &id), -32600);
	assert_int_equal(json_integer_value(id), 3);
	json_decref(id);
	assert_int_equal(check_code("{\"jsonrpc\":\"1.0\",\"id\":\"x\","
	    "\"method\":\"a\"}", &id), -32600);
	assert_string_equal(json_string_value(id), "x");
	json_decref(id);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":[1],"
	    "\"method\":\"a\"}", &id), -32600);
	assert_null(id);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":true,"
	    "\"method\":\"a\"}", &id), -32600);
	assert_null(id);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"a\",\"params\":3}", NULL), -32600);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"a\",\"params\":null}", NULL), -32600);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":1.5,"
	    "\"method\":\"a\",\"params\":[1]}", NULL), 0);
	assert_int_equal(check_code("{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"method\":\"a\"}", NULL), 0);

	/* A notification: no id; absent params become an empty object. */
	msg = json_loads("{\"jsonrpc\":\"2.0\",\"method\":\"run.x\"}", 0, NULL);
	assert_int_equal(jsonrpc_request_check(msg, &req, &reply_id, &err), 0);
	assert_null(req.id);
	assert_string_equal(req.method, "run.x");
	assert_true(json_is_object(req.params));
	assert_int_equal(json_object_size(req.params), 0);
	jsonrpc_request_clear(&req);
	json_decref(msg);

	msg = json_loads("{\"jsonrpc\":\"2.0\",\"id\":\"k\",\"method\":\"m\","
	    "\"params\":{\"a\":1}}", 0, NULL);
	assert_int_equal(jsonrpc_request_check(msg, &req, &reply_id, &err), 0);
	assert_string_equal(json_string_value(req.id), "k");
	assert_int_equal(json_integer_value(json_object_get(req.params, "a")),
	    1);
	jsonrpc_request_clear(&req);
	json_decref(msg);
}

static void
test_jsonrpc_builders(void **state)
{
	json_t *msg, *id;
	char *text;
	size_t len;

	(void)state;
	id = json_string("a\nb");
	msg = jsonrpc_result(id, json_pack("{s:s}", "x", "line1\nline2"));
	text = jsonrpc_encode(msg, &len);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\","
	    "\"result\":{\"x\":\"line1\\nline2\"}}");
	assert_int_equal(len, strlen(text));
	assert_null(strchr(text, '\n'));
	free(text);
	json_decref(msg);
	json_decref(id);

	msg = jsonrpc_error(NULL, -32601, "method not found: x", NULL);
	text = jsonrpc_encode(msg, NULL);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
	    "{\"code\":-32601,\"message\":\"method not found: x\"}}");
	free(text);
	json_decref(msg);

	/* A message with invalid UTF-8 is replaced, never dropped. */
	msg = jsonrpc_error(NULL, -32700, "bad \xff", json_pack("{s:i}",
	    "n", 1));
	text = jsonrpc_encode(msg, NULL);
	assert_non_null(strstr(text, "not valid UTF-8"));
	assert_non_null(strstr(text, "\"data\":{\"n\":1}"));
	free(text);
	json_decref(msg);

	msg = jsonrpc_notification("run.output", NULL);
	text = jsonrpc_encode(msg, NULL);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"run.output\",\"params\":{}}");
	free(text);
	json_decref(msg);

	msg = jsonrpc_request(7, "daemon.ping", NULL);
	text = jsonrpc_encode(msg, NULL);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"daemon.ping\",\"params\":{}}");
	free(text);
	json_decref(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonrpc_framer_bytes),
		cmocka_unit_test(test_jsonrpc_framer_batch),
		cmocka_unit_test(test_jsonrpc_framer_cap),
		cmocka_unit_test(test_jsonrpc_framer_bound),
		cmocka_unit_test(test_jsonrpc_parse_limits),
		cmocka_unit_test(test_jsonrpc_request_check),
		cmocka_unit_test(test_jsonrpc_builders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
