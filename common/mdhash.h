/* SPDX-License-Identifier: MIT */
/*
 * What SHA-1 and SHA-256 share (FIPS 180-4): 64-byte blocks, the padding
 * of section 5.1.1 (a 0x80 byte, zeros, the length in bits as a 64-bit
 * big-endian number) and a digest of 32-bit words written big-endian.
 * Each hash brings its own block function.
 */
#ifndef LOOM_COMMON_MDHASH_H
#define LOOM_COMMON_MDHASH_H

#include <stddef.h>
#include <stdint.h>

#define MDHASH_BLOCK_LEN	64

/* What is not hashed yet: a partial block, and the length so far. */
struct mdhash {
	unsigned char buf[MDHASH_BLOCK_LEN];
	size_t nbuf;			/* bytes in buf */
	uint64_t total;			/* bytes hashed so far */
};

/* Process n whole 64-byte blocks into the hash's state. */
typedef void (*mdhash_block_fn)(void *state, const unsigned char *p,
    size_t n);

/* Start over: nothing buffered, nothing hashed. */
void mdhash_init(struct mdhash *m);

/*
 * Add len bytes of data (NULL when len is 0): whole blocks straight from
 * data, the rest through m's partial block.
 */
void mdhash_update(struct mdhash *m, const void *data, size_t len,
    mdhash_block_fn block, void *state);

/*
 * Pad the last partial block and process what the padding makes of it
 * (one block or two); m is spent until mdhash_init.
 */
void mdhash_pad(struct mdhash *m, mdhash_block_fn block, void *state);

/* Write n 32-bit words of h to md, each big-endian. */
void mdhash_store_be32(unsigned char *md, const uint32_t *h, size_t n);

#endif
