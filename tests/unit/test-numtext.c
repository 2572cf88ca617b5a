/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/numtext.c, with printf as the reference:
 * integers at both ends of their range and around powers of ten;
 * "%.*f" for every precision from 0 to 9 of zero, negative zero, exact
 * ties at precision 0 (rounded to even), values just below a carry into
 * the next digit, tiny values and subnormals, times since the epoch,
 * 1e18 and above (left to printf), infinities and NaN, and 300000
 * random values over twenty orders of magnitude; the rounding of
 * numtext_scaled on exact ties.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/numtext.h"

static void
same_int(long long v)
{
	char want[NUMTEXT_MAX + 1], got[NUMTEXT_MAX + 1];
	size_t n;

	snprintf(want, sizeof want, "%lld", v);
	n = numtext_int(got, v);
	got[n] = '\0';
	assert_string_equal(got, want);
	if (v >= 0) {
		n = numtext_uint(got, (unsigned long long)v);
		got[n] = '\0';
		assert_string_equal(got, want);
	}
}

static void
test_numtext_integers(void **state)
{
	char want[NUMTEXT_MAX + 1], got[NUMTEXT_MAX + 1];
	long long p = 1;
	size_t n;
	int i;

	(void)state;
	same_int(0);
	same_int(LLONG_MAX);
	same_int(LLONG_MIN);
	same_int(-1);
	for (i = 0; i < 18; i++, p *= 10) {
		same_int(p);
		same_int(p - 1);
		same_int(-p);
		same_int(1 - p);
	}
	n = numtext_uint(got, ULLONG_MAX);
	got[n] = '\0';
	snprintf(want, sizeof want, "%llu", ULLONG_MAX);
	assert_string_equal(got, want);
}

static void
same_fixed(double v, int prec)
{
	char want[NUMTEXT_FIXED_MAX], got[NUMTEXT_FIXED_MAX];
	size_t n;

	snprintf(want, sizeof want, "%.*f", prec, v);
	n = numtext_fixed(got, v, prec);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

static void
test_numtext_fixed_edges(void **state)
{
	static const double v[] = {
		0.0, -0.0, 0.5, 1.5, 2.5, 3.5, -0.5, -2.5, 0.05, 0.25,
		0.125, 0.0000005, 0.00000049999999999999, 0.9999995,
		0.99999949999, 9.9999999999, 999999.9999995, 1e-7, 1e-300,
		DBL_MIN, DBL_MIN / 1024.0, DBL_TRUE_MIN, 1.0 / 3.0,
		1796609585.157859, 1796609585.1578595, 1796609585.9999999,
		1700000000.0, 4294967296.000001, 123456789012345.678,
		999999999999999999.0, 1e17, 1e18, 1e19, 1e300, DBL_MAX,
		-DBL_MAX, -1796609585.157859, -1e-9,
	};
	size_t i;
	int prec;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		for (prec = 0; prec <= 9; prec++) {
			same_fixed(v[i], prec);
			same_fixed(-v[i], prec);
		}
	for (prec = 0; prec <= 9; prec++) {
		same_fixed(INFINITY, prec);
		same_fixed(-INFINITY, prec);
		same_fixed(NAN, prec);
	}
}

static void
test_numtext_fixed_random(void **state)
{
	uint64_t bits;
	double v;
	int i, prec;

	(void)state;
	srandom(20261207);
	for (i = 0; i < 300000; i++) {
		/* a random mantissa and a magnitude from 1e-6 to 1e14 */
		bits = ((uint64_t)random() << 31) ^ (uint64_t)random();
		v = ldexp((double)(bits & ((1ULL << 53) - 1)),
		    (int)(random() % 67) - 73);
		prec = (int)(random() % 10);
		same_fixed(v, prec);
		/* times since the epoch, as the step journal writes them */
		v = 1.7e9 + (double)(random() % 100000000) / 1000.0 +
		    (double)random() / 2147483648.0 / 1000.0;
		same_fixed(v, 6);
	}
}

static void
test_numtext_scaled_ties(void **state)
{
	unsigned __int128 n;

	(void)state;
	assert_int_equal(numtext_scaled(0.5, 0, &n), 0);
	assert_true(n == 0);
	assert_int_equal(numtext_scaled(1.5, 0, &n), 0);
	assert_true(n == 2);
	assert_int_equal(numtext_scaled(2.5, 0, &n), 0);
	assert_true(n == 2);
	assert_int_equal(numtext_scaled(0.125, 2, &n), 0);
	assert_true(n == 12);
	assert_int_equal(numtext_scaled(0.375, 2, &n), 0);
	assert_true(n == 38);
	assert_int_equal(numtext_scaled(0.0, 22, &n), 0);
	assert_true(n == 0);
	assert_int_equal(numtext_scaled(DBL_TRUE_MIN, 22, &n), 0);
	assert_true(n == 0);
	assert_int_equal(numtext_scaled(DBL_MAX, 0, &n), -1);
	assert_int_equal(numtext_scaled(1e20, 20, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numtext_integers),
		cmocka_unit_test(test_numtext_fixed_edges),
		cmocka_unit_test(test_numtext_fixed_random),
		cmocka_unit_test(test_numtext_scaled_ties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
