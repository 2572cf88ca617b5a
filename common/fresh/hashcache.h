/* SPDX-License-Identifier: MIT */
/*
 * Content hashes remembered per process: the SHA-256 of a regular file,
 * keyed by what stat says of it (device, inode, size, modification and
 * change times to the nanosecond). The change time cannot be set by a
 * user and moves with every write, so an entry whose key still matches
 * names the same content; a file is hashed once per change, however
 * large, however often it is checked (stamp_hash_file asks here first).
 *
 * An entry is only kept when the file's change time was older than the
 * moment its hashing began by more than one tick of the file system's
 * clock (stamp.c's racy margins): a write in the same tick would leave
 * the key as it was. At most HASHCACHE_MAX entries are kept, the one
 * used longest ago dropped first. Safe to use from several threads (the
 * daemon's loop and its hashing worker).
 */
#ifndef LOOM_COMMON_HASHCACHE_H
#define LOOM_COMMON_HASHCACHE_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stdint.h>

#define HASHCACHE_MAX		65536

/* What the hashing of this process did so far. */
struct hashcache_stats {
	uint64_t bytes;		/* bytes read and hashed */
	uint64_t files;		/* files hashed (cache misses) */
	uint64_t hits;		/* hashes answered by the cache */
	uint64_t entries;	/* entries kept now */
};

/*
 * The hash (64 hex digits and a NUL) remembered for a file as st
 * describes it: true and out filled, or false.
 */
bool hashcache_get(const struct stat *st, char out[65]);

/*
 * Remember hex as the hash of the file st describes, hashed from
 * begin_ns (wall clock, taken before the file was read) on; ignored when
 * the file's change time is too close to begin_ns to be trusted.
 */
void hashcache_put(const struct stat *st, long long begin_ns,
    const char hex[65]);

/* True when hashcache_put(st, begin_ns, ...) would keep the entry. */
bool hashcache_keeps(const struct stat *st, long long begin_ns);

/* Count bytes read and hashed for one file (a cache miss). */
void hashcache_count(uint64_t bytes);

void hashcache_stats(struct hashcache_stats *out);

/* Forget every entry (tests; the counters stay). */
void hashcache_clear(void);

#endif
