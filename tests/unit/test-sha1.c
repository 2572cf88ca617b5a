/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/sha1.c. Covers: the FIPS 180-4 / NIST example
 * messages ("", "abc", the 448-bit and 896-bit messages, one million
 * 'a'); incremental updates split at every offset of a 200-byte message
 * equal to the one-shot digest; and the WebSocket accept key of RFC 6455,
 * section 1.3 (SHA-1 then base64), directly and through ws_accept_key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/base64.h"
#include "common/util/sha1.h"
#include "common/util/xmalloc.h"
#include "loomd/ws.h"

static void	to_hex(const unsigned char md[SHA1_DIGEST_LEN], char *out);

static void
to_hex(const unsigned char md[SHA1_DIGEST_LEN], char *out)
{
	int i;

	for (i = 0; i < SHA1_DIGEST_LEN; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void
test_sha1_nist_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "a49b2446a02c645bf419f995b67091253a04a259" },
	};
	unsigned char md[SHA1_DIGEST_LEN];
	char hex[2 * SHA1_DIGEST_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha1_buffer(v[i].msg, strlen(v[i].msg), md);
		to_hex(md, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

static void
test_sha1_million_a(void **state)
{
	unsigned char md[SHA1_DIGEST_LEN];
	char hex[2 * SHA1_DIGEST_LEN + 1], *a = xmalloc(1000000);
	struct sha1 ctx;
	int i;

	memset(a, 'a', 1000000);
	sha1_buffer(a, 1000000, md);
	to_hex(md, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	sha1_init(&ctx);
	for (i = 0; i < 10000; i++)
		sha1_update(&ctx, a, 100);
	sha1_final(&ctx, md);
	to_hex(md, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(a);
}

static void
test_sha1_split_every_offset(void **state)
{
	unsigned char msg[200], one[SHA1_DIGEST_LEN], md[SHA1_DIGEST_LEN];
	char hex[2 * SHA1_DIGEST_LEN + 1];
	struct sha1 ctx;
	size_t i;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)(i * 13 + 5);
	sha1_buffer(msg, sizeof msg, one);
	/* Worked out independently of this code (Python's hashlib). */
	to_hex(one, hex);
	assert_string_equal(hex, "4985b65ac12064147211642711bc8e84f51fd936");
	for (i = 0; i <= sizeof msg; i++) {
		sha1_init(&ctx);
		sha1_update(&ctx, msg, i);
		sha1_update(&ctx, msg + i, sizeof msg - i);
		sha1_final(&ctx, md);
		assert_memory_equal(md, one, sizeof md);
	}
}

static void
test_sha1_websocket_accept(void **state)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	unsigned char md[SHA1_DIGEST_LEN];
	char *cat, out[WS_ACCEPT_LEN], b64[BASE64_ENCODED_LEN(SHA1_DIGEST_LEN)
	    + 1];

	cat = xasprintf("%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
	sha1_buffer(cat, strlen(cat), md);
	free(cat);
	assert_int_equal(base64_encode_to(b64, md, sizeof md), 28);
	assert_string_equal(b64, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ws_accept_key(key, out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_nist_vectors),
		cmocka_unit_test(test_sha1_million_a),
		cmocka_unit_test(test_sha1_split_every_offset),
		cmocka_unit_test(test_sha1_websocket_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
