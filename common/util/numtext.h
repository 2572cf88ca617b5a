/* SPDX-License-Identifier: MIT */
/*
 * Numbers as decimal text without printf, byte for byte what printf
 * writes ("%llu", "%lld", "%.*f"): the daemon writes some on every step
 * (stamps, events, records, the step journal), and glibc's printf spends
 * thousands of instructions on one "%.6f". No locale: the point is '.'.
 */
#ifndef LOOM_COMMON_NUMTEXT_H
#define LOOM_COMMON_NUMTEXT_H

#include <stddef.h>

/* Room for a long long; and for any "%.9f" (DBL_MAX has 309 digits). */
#define NUMTEXT_MAX		24
#define NUMTEXT_FIXED_MAX	328

/* "%llu" of u into out (not NUL-terminated); returns its length. */
size_t numtext_uint(char *out, unsigned long long u);
/* "%lld" of v into out (not NUL-terminated); returns its length. */
size_t numtext_int(char *out, long long v);
/*
 * v * 10^k (v >= 0 and finite, 0 <= k <= 22) rounded to the nearest
 * integer, ties to even, into *n, as printf rounds the exact binary
 * value of v; -1 when that does not fit in 127 bits.
 */
int numtext_scaled(double v, int k, unsigned __int128 *n);
/*
 * "%.*f" of v with prec (0 to 9) decimals into out (NUMTEXT_FIXED_MAX
 * bytes, NUL-terminated); returns its length. From 1e18 up, or not
 * finite, it is printf's own.
 */
size_t numtext_fixed(char *out, double v, int prec);

#endif
