/* SPDX-License-Identifier: MIT */
/*
 * Constant-time comparison (see consttime.h). The differences of all
 * bytes are folded together and only looked at once at the end; the
 * volatile reads keep the compiler from turning the loop into one that
 * stops early.
 */
#include "common/consttime.h"

/* Whether the len bytes at a and b are equal, reading all of them. */
bool
consttime_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *pa = a, *pb = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}
