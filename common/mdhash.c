/* SPDX-License-Identifier: MIT */
/* The buffering, padding and digest output SHA-1 and SHA-256 share. */
#include <string.h>

#include "common/mdhash.h"

void
mdhash_init(struct mdhash *m)
{
	m->nbuf = 0;
	m->total = 0;
}

void
mdhash_update(struct mdhash *m, const void *data, size_t len,
    mdhash_block_fn block, void *state)
{
	const unsigned char *p = data;
	size_t n;

	if (len == 0)
		return;
	m->total += len;
	if (m->nbuf > 0) {
		n = MDHASH_BLOCK_LEN - m->nbuf;
		if (n > len)
			n = len;
		memcpy(m->buf + m->nbuf, p, n);
		m->nbuf += n;
		p += n;
		len -= n;
		if (m->nbuf < MDHASH_BLOCK_LEN)
			return;
		block(state, m->buf, 1);
		m->nbuf = 0;
	}
	if (len >= MDHASH_BLOCK_LEN) {
		n = len / MDHASH_BLOCK_LEN;
		block(state, p, n);
		p += n * MDHASH_BLOCK_LEN;
		len -= n * MDHASH_BLOCK_LEN;
	}
	if (len > 0) {
		memcpy(m->buf, p, len);
		m->nbuf = len;
	}
}

void
mdhash_pad(struct mdhash *m, mdhash_block_fn block, void *state)
{
	unsigned char *buf = m->buf;
	uint64_t bits = m->total * 8;
	size_t nbuf = m->nbuf;
	int i;

	buf[nbuf++] = 0x80;
	if (nbuf > MDHASH_BLOCK_LEN - 8) {
		memset(buf + nbuf, 0, MDHASH_BLOCK_LEN - nbuf);
		block(state, buf, 1);
		nbuf = 0;
	}
	memset(buf + nbuf, 0, MDHASH_BLOCK_LEN - 8 - nbuf);
	for (i = 0; i < 8; i++)
		buf[MDHASH_BLOCK_LEN - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(state, buf, 1);
	m->nbuf = 0;
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
