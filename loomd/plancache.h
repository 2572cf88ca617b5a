/* SPDX-License-Identifier: MIT */
/*
 * The pipelines the daemon loaded for runs, kept: a run of a file loaded
 * before, unchanged, reuses its parsed and validated model instead of
 * loading it again. "Unchanged" is the identity (device, inode, size,
 * mtime and ctime, in nanoseconds) of the file and of every task file
 * validation read (existence, front matter), checked by one stat each
 * per run. A model is kept only when none of those files changed in the
 * clock tick of its load (their ctime is older than the load's start),
 * so that an edit after the load always shows in the ctime. At most
 * PLANCACHE_MAX models are kept, least recently used out first; a model
 * a run still uses lives until that run ends. With the model go the
 * steps' commands, outputs and output set keys its up-to-date checks
 * worked out (fresh_memo, common/fresh/freshness.h): a run of an
 * unchanged file builds none of them again.
 *
 * Only plain requests use it: no --set or --var (they change the model)
 * and no URL data (resolving it changes the model too).
 */
#ifndef LOOM_LOOMD_PLANCACHE_H
#define LOOM_LOOMD_PLANCACHE_H

#include "common/plan/plan.h"

#define PLANCACHE_MAX	4

struct plancache;
struct plancache_entry;

struct plancache *plancache_create(void);
/* Drop every model; those runs still use go with their last release. */
void plancache_free(struct plancache *pc);

/*
 * plan_make for rq (pl need not be initialised; free it with plan_free
 * whatever the status). With *ref set on return, pl->p and pl->g are the
 * kept model's: take them out of pl before plan_free, never modify them,
 * and give them back with plancache_release(*ref) instead of freeing
 * them. With *ref NULL, pl owns its model as after plan_make.
 */
enum plan_status plancache_plan(struct plancache *pc, struct plan *pl,
    const struct plan_request *rq, struct plancache_entry **ref);

/* A run is done with the model of e (NULL: nothing). */
void plancache_release(struct plancache_entry *e);

/*
 * The commands, outputs and keys of e's steps, kept with its model
 * (fresh_opts.memo).
 */
struct fresh_memo *plancache_memo(const struct plancache_entry *e);

/*
 * Whether e's model has URL data (a kept one has none: nothing to fetch
 * or resolve).
 */
bool plancache_has_url(const struct plancache_entry *e);

/* The warnings of validating e's model, sorted. */
const struct diags *plancache_warnings(const struct plancache_entry *e);

/* Models loaded, and reused, since the start (daemon.status). */
void plancache_counts(const struct plancache *pc, unsigned long long *loads,
    unsigned long long *hits);

#endif
