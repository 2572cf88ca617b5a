/* SPDX-License-Identifier: MIT */
/* A hash of bytes for tables held in memory (memhash.h). */
#include <string.h>

#include "common/util/memhash.h"

#define MEMHASH_BASIS	14695981039346656037ULL	/* FNV-1a, 64 bits */
#define MEMHASH_PRIME	1099511628211ULL
#define MEMHASH_WORD	0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio */

uint64_t
memhash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = MEMHASH_BASIS, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * MEMHASH_WORD;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ s[i]) * MEMHASH_PRIME;
	return h ^ (h >> 29);
}

uint64_t
strhash(const char *s)
{
	return memhash(s, strlen(s));
}
