/* SPDX-License-Identifier: MIT */
/*
 * SHA-1 (FIPS 180-4), for the one place a protocol requires it: the
 * WebSocket handshake's Sec-WebSocket-Accept (RFC 6455, section 4.2.2).
 * SHA-1 is broken for collision resistance; never use it to identify
 * content (stamps use SHA-256, sha256.h).
 */
#ifndef LOOM_COMMON_SHA1_H
#define LOOM_COMMON_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include "common/mdhash.h"

#define SHA1_DIGEST_LEN		20
#define SHA1_BLOCK_LEN		64

/* A hash in progress. Fill with sha1_init; no allocation, no free. */
struct sha1 {
	uint32_t h[5];			/* the chaining state */
	struct mdhash md;		/* partial block, length */
};

void sha1_init(struct sha1 *ctx);
void sha1_update(struct sha1 *ctx, const void *data, size_t len);
/* Finish: the digest goes to md; ctx must be initialised again to reuse. */
void sha1_final(struct sha1 *ctx, unsigned char md[SHA1_DIGEST_LEN]);
/* The digest of one buffer. */
void sha1_buffer(const void *data, size_t len,
    unsigned char md[SHA1_DIGEST_LEN]);

#endif
