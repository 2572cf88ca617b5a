/* SPDX-License-Identifier: MIT */
/*
 * SHA-1 as specified in FIPS 180-4, sections 4.1.1, 4.2.1, 5.1.1, 5.3.1
 * and 6.1, in portable C. It hashes a few dozen bytes per WebSocket
 * handshake, so there is no fast path.
 */
#include <string.h>

#include "common/sha1.h"

_Static_assert(SHA1_BLOCK_LEN == MDHASH_BLOCK_LEN, "SHA-1 block size");

static uint32_t	sha1_rotl(uint32_t x, unsigned n);
static void	sha1_block(uint32_t h[5], const unsigned char *p);

static uint32_t
sha1_rotl(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

/* The compression function (FIPS 180-4, 6.1.2) on one 64-byte block. */
static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t1;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		    (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
	for (t = 16; t < 80; t++)
		w[t] = sha1_rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16],
		    1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (t = 0; t < 80; t++) {
		if (t < 20) {
			f = (b & c) ^ (~b & d);
			k = 0x5a827999;
		} else if (t < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (t < 60) {
			f = (b & c) ^ (b & d) ^ (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t1 = sha1_rotl(a, 5) + f + e + k + w[t];
		e = d;
		d = c;
		c = sha1_rotl(b, 30);
		b = a;
		a = t1;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* Start a hash (initial value: FIPS 180-4, 5.3.1). */
void
sha1_init(struct sha1 *ctx)
{
	ctx->h[0] = 0x67452301;
	ctx->h[1] = 0xefcdab89;
	ctx->h[2] = 0x98badcfe;
	ctx->h[3] = 0x10325476;
	ctx->h[4] = 0xc3d2e1f0;
	mdhash_init(&ctx->md);
}

/* Whole blocks, as mdhash asks for them. */
static void
sha1_blocks(void *state, const unsigned char *p, size_t n)
{
	for (; n > 0; n--, p += SHA1_BLOCK_LEN)
		sha1_block(state, p);
}

/* Add len bytes of data. */
void
sha1_update(struct sha1 *ctx, const void *data, size_t len)
{
	mdhash_update(&ctx->md, data, len, sha1_blocks, ctx->h);
}

/* Pad, process the last blocks, write the digest. */
void
sha1_final(struct sha1 *ctx, unsigned char md[SHA1_DIGEST_LEN])
{
	mdhash_pad(&ctx->md, sha1_blocks, ctx->h);
	mdhash_store_be32(md, ctx->h, 5);
}

/* The digest of one buffer. */
void
sha1_buffer(const void *data, size_t len, unsigned char md[SHA1_DIGEST_LEN])
{
	struct sha1 ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, data, len);
	sha1_final(&ctx, md);
}
