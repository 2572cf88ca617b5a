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

/* Process one 64-byte block into the hash's state. */
typedef void (*mdhash_block_fn)(void *state, const unsigned char *block);

/*
 * Pad the last partial block (nbuf bytes in buf, total bytes hashed in
 * all) and process what the padding makes of it: one block or two.
 */
void mdhash_pad(unsigned char buf[MDHASH_BLOCK_LEN], size_t nbuf,
    uint64_t total, mdhash_block_fn block, void *state);

/* Write n 32-bit words of h to md, each big-endian. */
void mdhash_store_be32(unsigned char *md, const uint32_t *h, size_t n);

#endif
