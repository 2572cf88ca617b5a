/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/base64.c. Covers: the RFC 4648 section 10 test
 * vectors, encoded (with padding) and decoded (with and without padding);
 * every byte value and every length from 0 to 300 round-tripping;
 * encode_to's returned length and NUL; rejection of characters outside
 * the alphabet (whitespace, '-', '_', '=' inside), of a lone leftover
 * character, of three '='; decode_to refusing output past its capacity
 * and filling exactly what fits; 16 bytes from a WebSocket key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/base64.h"
#include "common/util/xmalloc.h"

static const struct {
	const char *raw;
	const char *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_base64_rfc4648_encode(void **state)
{
	char out[16], *s;
	size_t i, n;

	for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		n = strlen(rfc4648[i].raw);
		s = base64_encode(rfc4648[i].raw, n);
		assert_string_equal(s, rfc4648[i].b64);
		free(s);
		memset(out, '#', sizeof out);
		assert_int_equal(base64_encode_to(out, rfc4648[i].raw, n),
		    strlen(rfc4648[i].b64));
		assert_string_equal(out, rfc4648[i].b64);
		assert_int_equal(BASE64_ENCODED_LEN(n), strlen(out));
	}
}

static void
test_base64_rfc4648_decode(void **state)
{
	unsigned char *d;
	char *unpadded;
	size_t i, len;

	for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		d = base64_decode(rfc4648[i].b64, &len);
		assert_non_null(d);
		assert_int_equal(len, strlen(rfc4648[i].raw));
		assert_memory_equal(d, rfc4648[i].raw, len);
		free(d);
		/* Padding is optional. */
		unpadded = xstrndup(rfc4648[i].b64,
		    strcspn(rfc4648[i].b64, "="));
		d = base64_decode(unpadded, &len);
		assert_non_null(d);
		assert_int_equal(len, strlen(rfc4648[i].raw));
		assert_memory_equal(d, rfc4648[i].raw, len);
		free(d);
		free(unpadded);
	}
}

static void
test_base64_round_trip(void **state)
{
	unsigned char raw[300], *d;
	size_t n, len, i;
	char *s;

	for (i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(255 - i);
	for (n = 0; n <= sizeof raw; n++) {
		s = base64_encode(raw, n);
		assert_int_equal(strlen(s), BASE64_ENCODED_LEN(n));
		assert_int_equal(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/="), strlen(s));
		d = base64_decode(s, &len);
		assert_non_null(d);
		assert_int_equal(len, n);
		assert_memory_equal(d, raw, n);
		free(d);
		free(s);
	}
}

static void
test_base64_rejects(void **state)
{
	static const char *bad[] = {
		"Zm9v\n", " Zm9v", "Zm 9v", "Zm9v-_", "Zg=a", "Z===",
		"Zm9vY", "Zm9v\x80", "Zm9=Yg==", "*",
	};
	size_t i, len = 12345;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_null(base64_decode(bad[i], &len));
		assert_int_equal(len, 12345);
	}
}

static void
test_base64_decode_to_capacity(void **state)
{
	unsigned char out[8], key[32];

	memset(out, 0, sizeof out);
	/* "foobar" needs 6 bytes. */
	assert_int_equal(base64_decode_to(out, 5, "Zm9vYmFy", 8), -1);
	assert_int_equal(base64_decode_to(out, 6, "Zm9vYmFy", 8), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(out[6], 0);
	/* Only len characters are read. */
	assert_int_equal(base64_decode_to(out, sizeof out, "Zm9vYmFy", 4), 3);
	assert_memory_equal(out, "foo", 3);
	/* The key of RFC 6455, section 1.3: 16 bytes. */
	assert_int_equal(base64_decode_to(out, sizeof out,
	    "dGhlIHNhbXBsZSBub25jZQ==", 24), -1);
	assert_int_equal(base64_decode_to(key, sizeof key,
	    "dGhlIHNhbXBsZSBub25jZQ==", 24), 16);
	assert_memory_equal(key, "the sample nonce", 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648_encode),
		cmocka_unit_test(test_base64_rfc4648_decode),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_base64_decode_to_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
