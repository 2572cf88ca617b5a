/* SPDX-License-Identifier: MIT */
/*
 * Stamps read before, kept: the up-to-date check of a run reads each
 * stamp of an unchanged file from memory, after one fstatat of it
 * instead of an open, a read and a close (and its parse), and shares the
 * kept stamp with the check instead of copying it. A stamp is
 * reused while its file has the identity it had when read (device,
 * inode, size, mtime and ctime in nanoseconds), so a stamp rewritten or
 * removed by anyone (another daemon, a user, loomctl clean) is read
 * again or found missing; one changed in the clock tick of its read or
 * after is not kept (a second write in that tick could keep its ctime).
 * Thread-safe (the hashing worker reads stamps). At most
 * STAMPCACHE_MAX stamps are kept; past that the cache starts empty.
 */
#ifndef LOOM_LOOMD_STAMPCACHE_H
#define LOOM_LOOMD_STAMPCACHE_H

#include "common/fresh/stamp.h"

#define STAMPCACHE_MAX	100000

struct stampcache;

struct stampcache *stampcache_create(void);
void stampcache_free(struct stampcache *sc);

/*
 * stamp_read_at through sc (arg): the same result, a stamp to let go
 * with stamp_free, NULL for none, or NULL with err set. A kept stamp is
 * handed out as it is (stamp_ref), not copied: the caller only reads it.
 * The shape of fresh_opts.read_stamp.
 */
struct stamp *stampcache_read(void *arg, int stamps_fd,
    const char *experiment_dir, const char *step, const char *item,
    const char *set, struct loom_error *err);

/* Stamps read from their file, and from memory, since the start. */
void stampcache_counts(struct stampcache *sc, unsigned long long *reads,
    unsigned long long *hits);

#endif
