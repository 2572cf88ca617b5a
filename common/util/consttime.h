/* SPDX-License-Identifier: MIT */
/*
 * Comparison of secrets (the editor's token) in time that does not depend
 * on where the first difference is, so that timing the answers does not
 * reveal a secret byte by byte.
 */
#ifndef LOOM_COMMON_CONSTTIME_H
#define LOOM_COMMON_CONSTTIME_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the len bytes at a and b are equal, reading all of them. */
bool consttime_equal(const void *a, const void *b, size_t len);

#endif
