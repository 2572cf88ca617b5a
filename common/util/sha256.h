/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4): incremental and one-shot. Used for stamps (file
 * contents, folder listings, scripts), pipeline versions and URL cache
 * names, whose hex digests are stored on disk, so the output must never
 * change.
 *
 * The hashing is nettle's (Debian's libnettle), which picks the CPU's SHA
 * instructions at load time where the processor has them; this header
 * only gives it Loom's names.
 */
#ifndef LOOM_COMMON_SHA256_H
#define LOOM_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN	32	/* SHA256_DIGEST_SIZE */
#define SHA256_BLOCK_LEN	64

/* Room for nettle's context (checked by sha256.c). */
#define SHA256_CTX_SPACE	128

/*
 * A hash in progress. Fill with sha256_init; no allocation, no free. The
 * context is nettle's, kept opaque here because nettle's own header
 * defines names that are Loom's (sha256_init, sha256_update).
 */
struct sha256 {
	union {
		uint64_t align;
		unsigned char bytes[SHA256_CTX_SPACE];
	} u;
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* Finish: the digest goes to md; ctx must be initialised again to reuse. */
void sha256_final(struct sha256 *ctx, unsigned char md[SHA256_DIGEST_LEN]);
/* The digest of one buffer. */
void sha256_buffer(const void *data, size_t len,
    unsigned char md[SHA256_DIGEST_LEN]);

#endif
