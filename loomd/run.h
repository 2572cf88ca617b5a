/* SPDX-License-Identifier: MIT */
/*
 * Runs inside loomd: the glue between the pure scheduler (sched.c), the
 * child processes (child.c), the step logs (steplog.c), the run records
 * (record.c) and the clients (notify.c). run.c loads and checks the
 * pipeline of a run.start request, creates the run folder and record,
 * carries out every action of the scheduler and feeds process events
 * back to it, writes the record as things change and sends the run.*
 * notifications. The JSON-RPC handlers live in rpc-run.c and rpc-logs.c;
 * this file decides nothing about what runs when.
 *
 * Records are written (with fsync) when a run starts and ends, and in
 * between at most every RUN_RECORD_DELAY_MS, or RUN_RECORD_COST_FACTOR
 * times as long as the last write took, whichever is longer (several
 * transitions share one write, without fsync), so that thousands of short
 * steps are not slowed down by their record: the daemon's time is on the
 * path of every step. Each unit's start and end goes at once to the step
 * journal (record.h), so a crash loses none of them; what was running is
 * reported as interrupted either way, and stamps, not records, say what
 * is up to date. The delay is 5 s: with ~50 ms steps, a write per second
 * of a record of hundreds of steps cost more than the steps' own spawn.
 */
#ifndef LOOM_LOOMD_RUN_H
#define LOOM_LOOMD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct loomd;
struct plancache;
struct rpc_client;
struct rpc_error;
struct loom_error;
struct stampcache;
struct strv;

#define RUN_RECORD_DELAY_MS	5000
#define RUN_RECORD_COST_FACTOR	100	/* record writes: at most 1% */
#define RUN_LIST_DEFAULT	20
#define RUN_LIST_MAX		10000
/* The largest "live_max" of a subscription (bytes). */
#define RUN_LIVE_MAX_MAX	(1LL << 50)
#define RUN_LOG_NAME_MAX	64	/* bytes of a step name in a log name */

/*
 * Start a run from run.start params (see docs/protocol.md), as the
 * handler of client's request. With "subscribe": true the client is
 * subscribed to the run before its first event. A request or file that
 * is wrong returns NULL with err set at once (-32001 invalid pipeline
 * with the diagnostics, missing source inputs among them, -32004 bad
 * selection, -32602 bad params, -32006 shutting down). Otherwise the
 * reply is deferred (rpc_defer) until the hashing worker has decided
 * what is up to date, and is then the result object or an error (-32005
 * a file in the way, -32006 shutting down, -32007 with no_wait while an
 * overlapping run of the same file is active). While such a run is
 * active, the new run is queued behind it and starts when its turn
 * comes.
 */
json_t *run_start(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);

/* True when id names a run of this daemon that is still active. */
bool run_is_active(struct loomd *loomd, const char *id);

/*
 * The record of run id: built from memory for an active run, read from
 * its run.json otherwise. NULL with err set (-32002) when unknown.
 */
json_t *run_status(struct loomd *loomd, const char *id,
    struct rpc_error *err);

/*
 * Summaries of the newest runs, at most limit, newest first; with file
 * (not NULL), only that pipeline file's, after adding to the index the
 * runs found beside it that it did not list (record_index_adopt).
 */
json_t *run_list(struct loomd *loomd, size_t limit, const char *file);

/*
 * Cancel an active run: SIGTERM to every running step's group, SIGKILL
 * after the grace period. Returns 0, or -1 with err set (-32002 unknown,
 * or already finished).
 */
int run_cancel(struct loomd *loomd, const char *id, struct rpc_error *err);

/*
 * log.read: up to max bytes of the log of step (item >= 0 for a loop
 * item, else -1) of run id from offset: {"data","offset","next","eof"}.
 * NULL with err set (-32002 unknown run, -32003 unknown step or item,
 * -32005 unreadable log).
 */
json_t *run_log_read(struct loomd *loomd, const char *id, const char *step,
    long item, uint64_t offset, size_t max, struct rpc_error *err);

/*
 * log.open: pass the log file of step (item as for run_log_read) of run
 * id to client as a descriptor, read-only, ahead of the reply:
 * {"fd","size","complete"}. "fd" is false when there is no file yet (the
 * step has printed nothing) or the transport cannot carry descriptors.
 * When the step still runs, the client gets no more run.output of it.
 * Errors as for run_log_read.
 */
json_t *run_log_open(struct loomd *loomd, struct rpc_client *client,
    const char *id, const char *step, long item, struct rpc_error *err);

/*
 * The log file name of step number step (its index in the pipeline) named
 * name (item >= 0 for a loop item). Owned. run_log_name_old: the name a
 * record written by an older loomd implies (it has no "log" field).
 */
char *run_log_name(size_t step, const char *name, long item);
char *run_log_name_old(const char *name, long item);

/*
 * Add to names the steps of the pipeline whose real path is key that a
 * live run has ended and whose stamp (a loop item's, for a loop step)
 * the hashing worker still has: until it is written, the step's marker
 * says it is running (pipeline.freshness tells why).
 */
void run_steps_hashing(struct loomd *loomd, const char *key,
    struct strv *names);

/*
 * The pipelines and stamps the runs keep (plancache.h, stampcache.h),
 * shared with pipeline.freshness (rpc-fresh.c); NULL before the module
 * is set up and after it is freed. Borrowed.
 */
struct plancache *run_plancache(struct loomd *loomd);
struct stampcache *run_stampcache(struct loomd *loomd);

/*
 * Count commands a freshness check outside a run built, and took from a
 * kept model (daemon.status: commands_built, commands_reused).
 */
void run_count_commands(struct loomd *loomd, size_t built, size_t reused);

/* Module hooks (loomd.h): set up, keep alive, cancel all, free. */
int run_module_init(struct loomd *loomd, struct loom_error *err);
bool run_module_busy(struct loomd *loomd);
void run_module_shutdown(struct loomd *loomd);
void run_module_status(struct loomd *loomd, json_t *result);
void run_module_free(struct loomd *loomd);

#endif
