/* SPDX-License-Identifier: MIT */
/*
 * SHA-1 (FIPS 180-4), for the one place a protocol requires it: the
 * WebSocket handshake's Sec-WebSocket-Accept (RFC 6455, section 4.2.2).
 * SHA-1 is broken for collision resistance; never use it to identify
 * content (stamps use SHA-256, sha256.h). The hashing is nettle's.
 */
#ifndef LOOM_COMMON_SHA1_H
#define LOOM_COMMON_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN		20	/* SHA1_DIGEST_SIZE */
#define SHA1_BLOCK_LEN		64

/* Room for nettle's context (checked by sha1.c). */
#define SHA1_CTX_SPACE	128

/*
 * A hash in progress. Fill with sha1_init; no allocation, no free. The
 * context is nettle's, kept opaque here because nettle's own header
 * defines names that are Loom's (sha1_init, sha1_update).
 */
struct sha1 {
	union {
		uint64_t align;
		unsigned char bytes[SHA1_CTX_SPACE];
	} u;
};

void sha1_init(struct sha1 *ctx);
void sha1_update(struct sha1 *ctx, const void *data, size_t len);
/* Finish: the digest goes to md; ctx must be initialised again to reuse. */
void sha1_final(struct sha1 *ctx, unsigned char md[SHA1_DIGEST_LEN]);
/* The digest of one buffer. */
void sha1_buffer(const void *data, size_t len,
    unsigned char md[SHA1_DIGEST_LEN]);

#endif
