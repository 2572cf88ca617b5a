/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the editor bridge's pure parts (loomd/http.c, ws.c):
 * the one security check (RELIABILITY W2 Host, W3 malformed headers, W4
 * token, W5 Origin, W6 Origin beats token, W16 cookie name), the
 * WebSocket handshake checks (F2: missing or malformed key, version not
 * 13 -> 426, no Upgrade), the accept key (RFC 6455 section 1.3) and the
 * UTF-8 check behind close code 1007. The live listener is covered by
 * tests/integration/test-web-bridge.sh.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "loomd/http.h"
#include "loomd/ws.h"

#define PORT	43210
#define TOKEN	"00112233445566778899aabbccddeeff0011223344556677"

static const struct http_guard guard = { PORT, TOKEN };

/* A request that passes: HTTP/1.1, our Host, the token in the cookie. */
static struct http_request_info
good(void)
{
	struct http_request_info ri;

	memset(&ri, 0, sizeof ri);
	ri.major = 1;
	ri.minor = 1;
	ri.host = "127.0.0.1:43210";
	ri.nhost = 1;
	ri.cookie = "loom_token_43210=" TOKEN;
	return ri;
}

static void
test_http_check_allows_own_host_and_token(void **state)
{
	struct http_request_info ri = good();
	bool from_query = true;

	assert_int_equal(http_check_request(&guard, &ri, &from_query, NULL), 0);
	assert_false(from_query);
	ri.host = "localhost:43210";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);
	ri.host = "LOCALHOST:43210";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);

	/* The token once on the URL, no cookie yet. */
	ri.cookie = NULL;
	ri.query_token = TOKEN;
	assert_int_equal(http_check_request(&guard, &ri, &from_query, NULL), 0);
	assert_true(from_query);

	/* Among other cookies, with spaces. */
	ri.query_token = NULL;
	ri.cookie = "a=b; loom_token_43210=" TOKEN " ; c=d";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);
}

static void
test_http_check_host(void **state)
{
	static const char *const bad[] = {
		"evil.example:43210", "localhost6:43210",
		"127.0.0.1.nip.io:43210", "localhost:43211", "0.0.0.0:43210",
		"127.0.0.1", "localhost", "[::1]:43210", "127.0.0.1:043210",
		"", "[", "http://", "127.0.0.1:43210 ", " 127.0.0.1:43210",
		"127.0.0.1:43210.evil.example", "\x80\xff:43210",
		"sub.localhost:43210",
	};
	struct http_request_info ri = good();
	const char *why = NULL;
	char *big;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ri.host = bad[i];
		assert_int_equal(http_check_request(&guard, &ri, NULL, &why),
		    403);
		assert_non_null(why);
	}
	big = malloc(8193);
	memset(big, 'a', 8192);
	big[8192] = '\0';
	ri.host = big;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	free(big);

	/* No Host on HTTP/1.1 is malformed; on HTTP/1.0 it is refused. */
	ri.host = NULL;
	ri.nhost = 0;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 400);
	ri.minor = 0;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);

	/* Two Host headers, even both right. */
	ri = good();
	ri.nhost = 2;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 400);
}

static void
test_http_check_origin(void **state)
{
	static const char *const bad[] = {
		"http://evil.example", "null", "http://127.0.0.1:43211",
		"http://localhost.evil.example:43210",
		"https://127.0.0.1:43210",
		"http://127.0.0.1:43210.evil.example",
		"http://127.0.0.1", "127.0.0.1:43210", "", "http://",
		"http://127.0.0.1:43210/", "ws://127.0.0.1:43210",
	};
	struct http_request_info ri = good();
	size_t i;

	ri.upgrade = true;
	ri.origin = "http://127.0.0.1:43210";
	ri.norigin = 1;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);
	ri.origin = "http://localhost:43210";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);

	/* W5 and W6: a foreign origin is refused, valid token or not. */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ri.origin = bad[i];
		assert_int_equal(http_check_request(&guard, &ri, NULL, NULL),
		    403);
		ri.upgrade = false;
		assert_int_equal(http_check_request(&guard, &ri, NULL, NULL),
		    403);
		ri.upgrade = true;
	}
	/* An upgrade must say where it comes from. */
	ri.origin = NULL;
	ri.norigin = 0;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	/* ... but a plain page load need not. */
	ri.upgrade = false;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 0);
	/* Two Origin headers. */
	ri.origin = "http://127.0.0.1:43210";
	ri.norigin = 2;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 400);
}

static void
test_http_check_token(void **state)
{
	struct http_request_info ri = good();

	ri.cookie = NULL;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	/* Wrong token of equal length. */
	ri.cookie = "loom_token_43210=f0112233445566778899aabbccddeeff"
	    "0011223344556677";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	/* A prefix, a longer value, an empty value. */
	ri.cookie = "loom_token_43210=00112233";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	ri.cookie = "loom_token_43210=" TOKEN "00";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	ri.cookie = "loom_token_43210=";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	/* The right token under another port's cookie name. */
	ri.cookie = "loom_token_43211=" TOKEN;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	ri.cookie = "xloom_token_43210=" TOKEN;
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	/* A wrong token in the query. */
	ri.cookie = NULL;
	ri.query_token = "00112233445566778899aabbccddeeff0011223344556678";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
	ri.query_token = "";
	assert_int_equal(http_check_request(&guard, &ri, NULL, NULL), 403);
}

static void
test_http_cookie_name_has_port(void **state)
{
	char buf[32];

	http_cookie_name(8080, buf, sizeof buf);
	assert_string_equal(buf, "loom_token_8080");
}

static void
test_http_hashed_asset(void **state)
{
	(void)state;
	assert_true(http_is_hashed_asset("assets/index-B8oKjxIn.js"));
	assert_true(http_is_hashed_asset("assets/mount-Ed0MJoGN.css"));
	assert_true(http_is_hashed_asset("assets/x-a_b-C9d0.js"));
	assert_false(http_is_hashed_asset("index.html"));
	assert_false(http_is_hashed_asset("assets/index.js"));
	assert_false(http_is_hashed_asset("assets/index-B8oKjxI.js"));
	assert_false(http_is_hashed_asset("assets/-B8oKjxIn.js"));
	assert_false(http_is_hashed_asset("assets/index-B8oK.xIn.js"));
	assert_false(http_is_hashed_asset("assets/sub/index-B8oKjxIn.js"));
	assert_false(http_is_hashed_asset("assets/logo-B8oKjxIn.svg"));
	assert_false(http_is_hashed_asset("other/index-B8oKjxIn.js"));
	assert_false(http_is_hashed_asset("assets/index-B8oKjxIn.js.map"));
}

static void
test_ws_accept_key_rfc_example(void **state)
{
	char out[WS_ACCEPT_LEN];

	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* Headers of an upgrade request, with one header changed or removed. */
static int
handshake(const char *name, const char *value)
{
	static const char *const base[][2] = {
		{ "Upgrade", "websocket" },
		{ "Connection", "keep-alive, Upgrade" },
		{ "Sec-WebSocket-Version", "13" },
		{ "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==" },
	};
	struct evkeyvalq h;
	const char *key = NULL;
	size_t i;
	int r;

	TAILQ_INIT(&h);
	for (i = 0; i < 4; i++) {
		if (name != NULL && strcmp(base[i][0], name) == 0) {
			if (value != NULL)
				evhttp_add_header(&h, name, value);
		} else
			evhttp_add_header(&h, base[i][0], base[i][1]);
	}
	r = ws_check_handshake(&h, &key);
	if (r == 0)
		assert_non_null(key);
	evhttp_clear_headers(&h);
	return r;
}

static void
test_ws_check_handshake(void **state)
{
	assert_int_equal(handshake(NULL, NULL), 0);
	assert_int_equal(handshake("Upgrade", "WebSocket"), 0);
	assert_int_equal(handshake("Connection", "upgrade"), 0);

	assert_int_equal(handshake("Upgrade", NULL), 400);
	assert_int_equal(handshake("Upgrade", "h2c"), 400);
	assert_int_equal(handshake("Connection", NULL), 400);
	assert_int_equal(handshake("Connection", "keep-alive"), 400);
	assert_int_equal(handshake("Sec-WebSocket-Version", "12"), 426);
	assert_int_equal(handshake("Sec-WebSocket-Version", NULL), 426);
	assert_int_equal(handshake("Sec-WebSocket-Version", "13, 8"), 426);
	assert_int_equal(handshake("Sec-WebSocket-Key", NULL), 400);
	assert_int_equal(handshake("Sec-WebSocket-Key", ""), 400);
	assert_int_equal(handshake("Sec-WebSocket-Key", "short=="), 400);
	/* 17 bytes, 15 bytes, bad characters, no padding. */
	assert_int_equal(handshake("Sec-WebSocket-Key",
	    "dGhlIHNhbXBsZSBub25jZT8="), 400);
	assert_int_equal(handshake("Sec-WebSocket-Key",
	    "dGhlIHNhbXBsZSBub25j"), 400);
	assert_int_equal(handshake("Sec-WebSocket-Key",
	    "dGhlIHNhbXBsZSB*b25jZQ=="), 400);
	assert_int_equal(handshake("Sec-WebSocket-Key",
	    "dGhlIHNhbXBsZSBub25jZQAA"), 400);
}

static void
test_ws_utf8(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "plain {\"jsonrpc\":\"2.0\"}", true },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true },
		{ "\xff", false },
		{ "\xc0\x80", false },			/* overlong NUL */
		{ "\xe0\x80\xaf", false },		/* overlong '/' */
		{ "\xed\xa0\x80", false },		/* surrogate */
		{ "\xe2\x82", false },			/* cut short */
		{ "\xf4\x90\x80\x80", false },		/* above U+10FFFF */
		{ "\x80", false },			/* stray continuation */
		{ "ok\xc3", false },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(ws_utf8_valid((const unsigned char *)
		    cases[i].s, strlen(cases[i].s)), cases[i].ok);
	assert_true(ws_utf8_valid((const unsigned char *)"", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_check_allows_own_host_and_token),
		cmocka_unit_test(test_http_check_host),
		cmocka_unit_test(test_http_check_origin),
		cmocka_unit_test(test_http_check_token),
		cmocka_unit_test(test_http_cookie_name_has_port),
		cmocka_unit_test(test_http_hashed_asset),
		cmocka_unit_test(test_ws_accept_key_rfc_example),
		cmocka_unit_test(test_ws_check_handshake),
		cmocka_unit_test(test_ws_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
