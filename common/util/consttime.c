/* SPDX-License-Identifier: MIT */
/*
 * Constant-time comparison (see consttime.h): nettle's memeql_sec, which
 * reads every byte and only looks at the folded differences at the end.
 */
#include <nettle/memops.h>

#include "common/util/consttime.h"

/* Whether the len bytes at a and b are equal, reading all of them. */
bool
consttime_equal(const void *a, const void *b, size_t len)
{
	return nettle_memeql_sec(a, b, len) != 0;
}
