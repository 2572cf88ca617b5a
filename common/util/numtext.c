/* SPDX-License-Identifier: MIT */
/*
 * Decimal text of numbers without printf (see numtext.h). A double is
 * m * 2^e exactly (m of 53 bits); scaled by a power of ten it fits in
 * 128 bits, so rounding it is exact integer work, as glibc does it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/util/numtext.h"

size_t
numtext_uint(char *out, unsigned long long u)
{
	char tmp[24], *p = tmp + sizeof tmp;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	memcpy(out, p, (size_t)(tmp + sizeof tmp - p));
	return (size_t)(tmp + sizeof tmp - p);
}

size_t
numtext_int(char *out, long long v)
{
	if (v >= 0)
		return numtext_uint(out, (unsigned long long)v);
	out[0] = '-';
	return 1 + numtext_uint(out + 1, 0ULL - (unsigned long long)v);
}

int
numtext_scaled(double v, int k, unsigned __int128 *n)
{
	unsigned __int128 x, rem, half;
	int exp2;

	x = (unsigned long long)ldexp(frexp(v, &exp2), 53);
	exp2 -= 53;
	while (k-- > 0)
		x *= 10;	/* below 2^53 * 10^22 < 2^127 */
	if (exp2 >= 0) {
		if (exp2 >= 127 || (x >> (127 - exp2)) != 0)
			return -1;
		*n = x << exp2;
		return 0;
	}
	if (-exp2 >= 128) {
		*n = 0;		/* x < 2^127: under half of 2^-exp2 */
		return 0;
	}
	rem = x & (((unsigned __int128)1 << -exp2) - 1);
	half = (unsigned __int128)1 << (-exp2 - 1);
	x >>= -exp2;
	if (rem > half || (rem == half && (x & 1) != 0))
		x++;
	*n = x;
	return 0;
}

size_t
numtext_fixed(char *out, double v, int prec)
{
	unsigned long long ip, fp, p10 = 1;
	unsigned __int128 n;
	size_t len = 0;
	int i;

	for (i = 0; i < prec; i++)
		p10 *= 10;
	if (!isfinite(v) || fabs(v) >= 1e18 || prec < 0 || prec > 9 ||
	    numtext_scaled(fabs(v), prec, &n) == -1)
		return (size_t)snprintf(out, NUMTEXT_FIXED_MAX, "%.*f", prec,
		    v);
	if (signbit(v))
		out[len++] = '-';
	ip = (unsigned long long)(n / p10);
	fp = (unsigned long long)(n % p10);
	len += numtext_uint(out + len, ip);
	if (prec > 0) {
		out[len++] = '.';
		for (i = prec - 1; i >= 0; i--) {
			out[len + (size_t)i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += (size_t)prec;
	}
	out[len] = '\0';
	return len;
}
