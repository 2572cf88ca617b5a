/* SPDX-License-Identifier: MIT */
/*
 * A hash of bytes for tables held in memory (never stored, never
 * compared between processes): FNV-1a's constants, taken eight bytes at a
 * time, mixed down so that the low bits (a table's slot) depend on all of
 * them. Paths and names, hashed often, cost a multiplication per word.
 */
#ifndef LOOM_COMMON_MEMHASH_H
#define LOOM_COMMON_MEMHASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash of the n bytes at p. */
uint64_t memhash(const void *p, size_t n);

/* memhash of a string without its NUL. */
uint64_t strhash(const char *s);

#endif
