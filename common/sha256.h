/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4): incremental and one-shot. Used for stamps (file
 * contents, folder listings, scripts) and URL cache names, whose hex
 * digests are stored on disk, so the output must never change.
 *
 * On x86-64 processors with the SHA extensions the compression function
 * uses them (chosen at run time); everywhere else, portable C.
 */
#ifndef LOOM_COMMON_SHA256_H
#define LOOM_COMMON_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mdhash.h"

#define SHA256_DIGEST_LEN	32
#define SHA256_BLOCK_LEN	64

/* A hash in progress. Fill with sha256_init; no allocation, no free. */
struct sha256 {
	uint32_t h[8];			/* the chaining state */
	struct mdhash md;		/* partial block, length */
	bool hw;			/* use the CPU's SHA instructions;
					   set by sha256_init, a test may
					   clear it to try the C code */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* Finish: the digest goes to md; ctx must be initialised again to reuse. */
void sha256_final(struct sha256 *ctx, unsigned char md[SHA256_DIGEST_LEN]);
/* The digest of one buffer. */
void sha256_buffer(const void *data, size_t len,
    unsigned char md[SHA256_DIGEST_LEN]);

#endif
