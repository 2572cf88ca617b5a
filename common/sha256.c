/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 as specified in FIPS 180-4, sections 4.1.2, 4.2.2, 5.1.1, 5.3.3
 * and 6.2. The padding and the digest's byte order are SHA-1's too
 * (mdhash.c).
 *
 * Two compression functions process whole 64-byte blocks: portable C, and
 * on x86-64 one built on the SHA extensions (SHA256RNDS2, SHA256MSG1/2),
 * several times faster, which is what keeps hashing 1 MiB inputs for
 * stamps cheap. Which one runs is decided once per process from CPUID and
 * recorded in each context (sha256_init), so a test can force the C code
 * and compare both on the same input.
 */
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_X86	1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "common/sha256.h"

_Static_assert(SHA256_BLOCK_LEN == MDHASH_BLOCK_LEN, "SHA-256 block size");

/* First 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The initial hash value (FIPS 180-4, 5.3.3). */
static const uint32_t sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t	sha256_rotr(uint32_t x, unsigned n);
static uint32_t	sha256_load_be(const unsigned char *p);
static void	sha256_blocks_c(uint32_t h[8], const unsigned char *p,
		    size_t nblocks);
static void	sha256_blocks(struct sha256 *ctx, const unsigned char *p,
		    size_t nblocks);
static bool	sha256_has_hw(void);
#ifdef SHA256_X86
static void	sha256_blocks_x86(uint32_t h[8], const unsigned char *p,
		    size_t nblocks);
#endif

static uint32_t
sha256_rotr(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static uint32_t
sha256_load_be(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The compression function in C (FIPS 180-4, 6.2.2), block by block. */
static void
sha256_blocks_c(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2, s0, s1;
	int t;

	for (; nblocks > 0; nblocks--, p += SHA256_BLOCK_LEN) {
		for (t = 0; t < 16; t++)
			w[t] = sha256_load_be(p + 4 * t);
		for (t = 16; t < 64; t++) {
			s0 = sha256_rotr(w[t - 15], 7) ^
			    sha256_rotr(w[t - 15], 18) ^ w[t - 15] >> 3;
			s1 = sha256_rotr(w[t - 2], 17) ^
			    sha256_rotr(w[t - 2], 19) ^ w[t - 2] >> 10;
			w[t] = s1 + w[t - 7] + s0 + w[t - 16];
		}
		a = h[0];
		b = h[1];
		c = h[2];
		d = h[3];
		e = h[4];
		f = h[5];
		g = h[6];
		hh = h[7];
		for (t = 0; t < 64; t++) {
			t1 = hh + (sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^
			    sha256_rotr(e, 25)) + ((e & f) ^ (~e & g)) +
			    sha256_k[t] + w[t];
			t2 = (sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^
			    sha256_rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
}

#ifdef SHA256_X86
/*
 * The compression function on the SHA extensions. SHA256RNDS2 does two
 * rounds on the state split as {A,B,E,F} and {C,D,G,H} (A in the highest
 * lane); after two rounds the old {A,B,E,F} is the new {C,D,G,H}, so the
 * two registers swap roles each call. SHA256MSG1 and SHA256MSG2 with one
 * PALIGNR for W[t-7] give four schedule words at a time. m0..m3 hold the
 * last sixteen schedule words in four groups; the macros are unrolled by
 * hand so that they stay in registers at every optimisation level.
 */
#define SHA256_X86_ROUNDS(m, i) do {					\
	wk = _mm_add_epi32((m),						\
	    _mm_loadu_si128((const __m128i *)&sha256_k[4 * (i)]));	\
	cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);			\
	wk = _mm_shuffle_epi32(wk, 0x0e);				\
	abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);			\
} while (0)
/* W[t..t+3] into m0, which held W[t-16..t-13]. */
#define SHA256_X86_SCHEDULE(m0, m1, m2, m3) do {			\
	tmp = _mm_sha256msg1_epu32((m0), (m1));				\
	tmp = _mm_add_epi32(tmp, _mm_alignr_epi8((m3), (m2), 4));	\
	(m0) = _mm_sha256msg2_epu32(tmp, (m3));				\
} while (0)

__attribute__((target("sha,sse4.1")))
static void
sha256_blocks_x86(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
	    0x0405060700010203LL);
	__m128i abef, cdgh, abef0, cdgh0, tmp, wk, m0, m1, m2, m3;
	int i;

	/* h[0..3] = A..D and h[4..7] = E..H, lane 0 first. */
	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]),
	    0xb1);					/* B A D C */
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]),
	    0x1b);					/* H G F E */
	abef = _mm_alignr_epi8(tmp, cdgh, 8);		/* F E B A */
	cdgh = _mm_blend_epi16(cdgh, tmp, 0xf0);	/* H G D C */

	for (; nblocks > 0; nblocks--, p += SHA256_BLOCK_LEN) {
		abef0 = abef;
		cdgh0 = cdgh;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p),
		    bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128(
		    (const __m128i *)(p + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128(
		    (const __m128i *)(p + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128(
		    (const __m128i *)(p + 48)), bswap);
		SHA256_X86_ROUNDS(m0, 0);
		SHA256_X86_ROUNDS(m1, 1);
		SHA256_X86_ROUNDS(m2, 2);
		SHA256_X86_ROUNDS(m3, 3);
		for (i = 4; i < 16; i += 4) {
			SHA256_X86_SCHEDULE(m0, m1, m2, m3);
			SHA256_X86_ROUNDS(m0, i);
			SHA256_X86_SCHEDULE(m1, m2, m3, m0);
			SHA256_X86_ROUNDS(m1, i + 1);
			SHA256_X86_SCHEDULE(m2, m3, m0, m1);
			SHA256_X86_ROUNDS(m2, i + 2);
			SHA256_X86_SCHEDULE(m3, m0, m1, m2);
			SHA256_X86_ROUNDS(m3, i + 3);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	tmp = _mm_shuffle_epi32(abef, 0x1b);		/* A B E F */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);		/* G H C D */
	abef = _mm_blend_epi16(tmp, cdgh, 0xf0);	/* A B C D */
	cdgh = _mm_alignr_epi8(cdgh, tmp, 8);		/* E F G H */
	_mm_storeu_si128((__m128i *)&h[0], abef);
	_mm_storeu_si128((__m128i *)&h[4], cdgh);
}
#endif

/*
 * Whether the CPU has the SHA extensions (and SSE4.1, used alongside).
 * CPUID is slow under a hypervisor, so the answer is kept: it is a fact
 * about the process, the same for every caller.
 */
static bool
sha256_has_hw(void)
{
#ifdef SHA256_X86
	static int known = -1;
	unsigned a, b, c, d;

	if (known == -1) {
		known = 0;
		if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) &&
		    (c & bit_SSSE3) && __get_cpuid_count(7, 0, &a, &b, &c,
		    &d) && (b & bit_SHA))
			known = 1;
	}
	return known == 1;
#else
	return false;
#endif
}

static void
sha256_blocks(struct sha256 *ctx, const unsigned char *p, size_t nblocks)
{
#ifdef SHA256_X86
	if (ctx->hw) {
		sha256_blocks_x86(ctx->h, p, nblocks);
		return;
	}
#endif
	sha256_blocks_c(ctx->h, p, nblocks);
}

/* Start a hash. */
void
sha256_init(struct sha256 *ctx)
{
	memcpy(ctx->h, sha256_iv, sizeof ctx->h);
	mdhash_init(&ctx->md);
	ctx->hw = sha256_has_hw();
}

/* Whole blocks, as mdhash asks for them. */
static void
sha256_mdhash_blocks(void *state, const unsigned char *p, size_t n)
{
	sha256_blocks(state, p, n);
}

/* Add len bytes of data (data may be NULL when len is 0). */
void
sha256_update(struct sha256 *ctx, const void *data, size_t len)
{
	mdhash_update(&ctx->md, data, len, sha256_mdhash_blocks, ctx);
}


/* Pad, process the last blocks, write the digest. */
void
sha256_final(struct sha256 *ctx, unsigned char md[SHA256_DIGEST_LEN])
{
	mdhash_pad(&ctx->md, sha256_mdhash_blocks, ctx);
	mdhash_store_be32(md, ctx->h, 8);
}

/* The digest of one buffer. */
void
sha256_buffer(const void *data, size_t len,
    unsigned char md[SHA256_DIGEST_LEN])
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, md);
}
