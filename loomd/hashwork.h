/* SPDX-License-Identifier: MIT */
/*
 * Hashing off the loop. When a unit ends, run-fresh.c takes its stamp on
 * the loop with stat alone (freshness_succeeded_quick: kind, size, time
 * of every input and output, before any other step can touch them; the
 * hashes common/fresh/hashcache.h knows for them come with it). When
 * more than RUN_HASH_ON_LOOP bytes are left to hash it hands the stamp
 * here (a few small files are read on the loop: cheaper than a round
 * trip through the thread): one worker thread reads the files and fills
 * in their content hashes and the task script's (stamp_hash_fill),
 * while the loop goes on answering clients, starting steps and hearing
 * cancels. The stamp comes back on the loop, through a pipe watched by
 * an event, in the order the jobs were added.
 *
 * The worker touches nothing but the job's stamp, its script path and
 * the files: no loop, no log, no pipeline. Jobs still queued when the
 * worker is freed are dropped without their callback (their units keep
 * their "running" marker, which never counts as fresh: a re-run).
 *
 * The same worker (and so the same order) takes the freshness checks of
 * run.start and of a loop's items, which hash task scripts and files
 * too recent to be trusted: hashwork_call runs any self-contained job
 * (one that owns what it reads) in the thread and reports on the loop.
 * A second worker takes pipeline.freshness (`loomctl status FILE`, the
 * editor's states), so a question never waits behind a run's hashing
 * of a large output; it shares only what is safe from any thread (the
 * hash and stamp caches, a kept plan's memo, taken with a trylock).
 * struct loomd holds both.
 */
#ifndef LOOM_LOOMD_HASHWORK_H
#define LOOM_LOOMD_HASHWORK_H

#include <stdbool.h>

struct event_base;
struct loom_error;
struct stamp;

/*
 * A job is done: s is the stamp with its hashes filled in, or NULL when
 * a file could not be hashed (why in err). s is the callee's.
 */
typedef void (*hashwork_done_cb)(void *arg, struct stamp *s,
    const struct loom_error *err);

struct hashwork;

/* The worker, its results heard on base; NULL with err set. */
struct hashwork *hashwork_new(struct event_base *base,
    struct loom_error *err);

/*
 * Fill in the hashes of stamp s (taken, with script, by
 * freshness_succeeded_quick); s and script are the worker's until
 * done(arg, ...) is called on the loop.
 */
void hashwork_add(struct hashwork *hw, struct stamp *s, char *script,
    hashwork_done_cb done, void *arg);

/*
 * Run work(arg) in the worker thread, then done(arg, true) on the loop.
 * work must touch only what arg owns, files, and what is safe from any
 * thread (the hash cache). A job the worker drops when it is freed gets
 * done(arg, false) instead, on the freeing thread, to release arg.
 */
typedef void (*hashwork_work_fn)(void *arg);
typedef void (*hashwork_call_cb)(void *arg, bool ran);
void hashwork_call(struct hashwork *hw, hashwork_work_fn work,
    hashwork_call_cb done, void *arg);

/*
 * The daemon's worker for runs, and the one for pipeline.freshness, each
 * started on first use; NULL (with the reason logged) when the thread
 * cannot start: the caller then does the work on the loop.
 */
struct loomd;
struct hashwork *loomd_hashwork(struct loomd *loomd);
struct hashwork *loomd_hashwork_query(struct loomd *loomd);

/*
 * Stop the worker (after the job it is on) and drop the jobs not
 * reported yet: stamps without their callbacks, hashwork_call jobs with
 * done(arg, false). NULL is fine.
 */
void hashwork_free(struct hashwork *hw);

#endif
