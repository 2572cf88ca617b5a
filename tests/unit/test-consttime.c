/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/consttime.c. Covers: equal buffers, zero length,
 * a difference in the first, a middle and the last byte, differences in
 * single bits of every position of a 64-byte token, and that only len
 * bytes are compared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/consttime.h"

static void
test_consttime_equal(void **state)
{
	char a[] = "0123456789abcdef", b[] = "0123456789abcdef";

	assert_true(consttime_equal(a, b, 16));
	assert_true(consttime_equal(a, "x", 0));
	b[0] = 'X';
	assert_false(consttime_equal(a, b, 16));
	b[0] = '0';
	b[8] = 'X';
	assert_false(consttime_equal(a, b, 16));
	b[8] = '8';
	b[15] = 'X';
	assert_false(consttime_equal(a, b, 16));
	/* Only the first len bytes count. */
	assert_true(consttime_equal(a, b, 15));
}

static void
test_consttime_every_bit(void **state)
{
	unsigned char a[64], b[64];
	int i, bit;

	for (i = 0; i < 64; i++)
		a[i] = (unsigned char)(i * 37 + 11);
	for (i = 0; i < 64; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(b, a, sizeof b);
			b[i] ^= (unsigned char)(1 << bit);
			assert_false(consttime_equal(a, b, sizeof a));
		}
	}
	memcpy(b, a, sizeof b);
	assert_true(consttime_equal(a, b, sizeof a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consttime_equal),
		cmocka_unit_test(test_consttime_every_bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
