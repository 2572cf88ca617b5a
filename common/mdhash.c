/* SPDX-License-Identifier: MIT */
/* The padding and digest output SHA-1 and SHA-256 share. See mdhash.h. */
#include <string.h>

#include "common/mdhash.h"

void
mdhash_pad(unsigned char buf[MDHASH_BLOCK_LEN], size_t nbuf, uint64_t total,
    mdhash_block_fn block, void *state)
{
	uint64_t bits = total * 8;
	int i;

	buf[nbuf++] = 0x80;
	if (nbuf > MDHASH_BLOCK_LEN - 8) {
		memset(buf + nbuf, 0, MDHASH_BLOCK_LEN - nbuf);
		block(state, buf);
		nbuf = 0;
	}
	memset(buf + nbuf, 0, MDHASH_BLOCK_LEN - 8 - nbuf);
	for (i = 0; i < 8; i++)
		buf[MDHASH_BLOCK_LEN - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(state, buf);
}

void
mdhash_store_be32(unsigned char *md, const uint32_t *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		md[4 * i] = (unsigned char)(h[i] >> 24);
		md[4 * i + 1] = (unsigned char)(h[i] >> 16);
		md[4 * i + 2] = (unsigned char)(h[i] >> 8);
		md[4 * i + 3] = (unsigned char)h[i];
	}
}
