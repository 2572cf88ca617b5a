/* SPDX-License-Identifier: MIT */
/*
 * The run module's own declarations, shared by its files: run.c (the
 * life of a run: processes, actions, events), run-start.c (run.start:
 * from a request to a scheduled run), run-fresh.c (what is up to date,
 * and the stamps of units that ended) and run-json.c (what a run looks
 * like from outside: records, summaries, run.status, run.list, log.read).
 * Not for other modules: they use run.h.
 */
#ifndef LOOM_LOOMD_RUN_INT_H
#define LOOM_LOOMD_RUN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/fresh/freshness.h"
#include "common/util/error.h"
#include "common/util/jsontext.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomd/sched.h"

struct diags;
struct fresh_plan;
struct graph;
struct loom_error;
struct loomd;
struct loop_items;
struct pipeline;
struct reattach;
struct rpc_error;
struct stamp;
struct steplog;

struct run;

/* One process of a run: a plain step, or one item of a loop step. */
/*
 * Running markers a run keeps open between a unit's start and the write
 * of its stamp (see freshness_begin): beyond, a unit's end opens its
 * stamp file again, so a long queue of stamps waiting to be hashed
 * cannot use up the daemon's descriptors.
 */
#define RUN_MARKERS_OPEN	256
/* Bytes of a stamp left to hash that are read on the loop (run-fresh.c). */
#define RUN_HASH_ON_LOOP	(64 * 1024)

struct run_unit {
	struct run *run;
	size_t step;
	size_t item;
	char *path;			/* loop item: its file, else NULL */
	char *name;			/* loop item: its file's name */
	char *label;			/* "step" or "step[file name]" */
	char *output;			/* loop item: into/<name>, else NULL */
	char *log_name;			/* file name inside the run folder */
	char *marker;			/* "LOOM_STEP_ID=..." */
	struct strv argv;
	uint64_t unit;			/* the executor's id; 0 unless running */
	struct steplog *log;
	long pid;			/* a local process, else -1 */
	unsigned long long pid_start;	/* its start time (/proc), or 0 */
	int status;			/* wait status; -1 when it never ran */
	char *error;			/* why it could not start, or NULL */
	char *job;			/* its id in a batch system, or NULL */
	enum run_state_kind xstate;	/* the executor's (run_on_state) */
	char *reason;			/* pending: why, or NULL */
	char *cancel_sent;		/* how a cancel reached it, or NULL */
	unsigned long long log_kept;
	unsigned long long log_dropped;
	char *log_error;
	struct stamp *stamp;		/* how it ended, not yet written */
	int stamp_fd;			/* its running marker, kept open from
					   start to end (with stamp_kept) */
	bool stamp_kept;
	bool hashing;			/* its stamp is with the worker */
	struct fresh_seen seen;		/* its files as it started */
};

/* A selected step of a run. */
struct run_step {
	size_t index;			/* in the pipeline */
	const char *name;		/* borrowed from the pipeline */
	bool loop;
	bool listed;			/* loop: items known */
	struct run_unit *units;
	size_t nunits;
	struct strv because;		/* skipped: failed dependencies */
	int status;			/* wait status of the failure, or -1 */
	long failed_item;		/* loop: the item status is of, or -1 */
	char *error;			/* listing failed, or NULL */
	char *into;			/* loop: the folder made at listing */
};

struct run {
	struct loomd *loomd;
	char *id;
	char *dir;			/* the run folder */
	char *file;			/* absolute pipeline path */
	char *key;			/* its real path: one run at a time */
	bool queued;			/* waits for a run of the same file */
	bool fetching;			/* queued: its URL data downloads */
	char *behind;			/* queued: the run it waited for */
	json_t *stepinfo;		/* for run.started: run.start's */
	char *error;			/* why it ended without starting */
	struct pipeline *p;		/* p and g: plan_ref's if set */
	struct graph *g;
	struct plancache_entry *plan_ref; /* a kept model (plancache.h) */
	struct sched *s;
	struct executor *ex;		/* where its units run */
	bool *selected;
	struct run_step **by_index;	/* pipeline step -> run step or NULL */
	struct run_step *steps;		/* selected, in execution order */
	size_t nsteps;
	struct strv env;		/* the client's, plus Loom's markers */
	const char **envp;		/* env's strings, the unit's marker, NULL */
	size_t envp_n;			/* env.n when envp was made */
	char *virtual_env;
	char *extra;
	json_t *request;		/* params without env */
	struct fresh_plan *fresh;	/* what is up to date, and why not */
	bool *always;			/* named with --step: always run */
	bool force;			/* --force */
	bool parallel;
	bool ahead;			/* Slurm holds steps for their inputs
					   (execution.slurm.dependencies) */
	size_t max_workers;
	struct sched_actions acts;	/* the scheduler (s) owns the state
					   and times of run, steps, units */
	bool processing;		/* run_process is on the stack */
	size_t *fold;			/* up-to-date steps for the next
					   run.steps_fresh (notify.h) */
	size_t nfold;
	struct run_unit **stamps_due;	/* units whose stamp is not written */
	size_t nstamps_due;
	size_t stamps_due_cap;
	size_t nhashing;		/* stamps the hashing worker has */
	size_t nmarkers;		/* running markers kept open */
	bool end_waits;			/* the run ended: its end is told
					   once nhashing is 0 */
	struct event *ev_start;
	struct event *ev_wake;
	struct event *ev_record;
	bool record_dirty;
	bool journaled;			/* the step journal has lines */
	uint64_t record_cost_us;	/* how long the last write took */
	json_t *restore;		/* rebuilt: the record's "steps",
					   while its units are replayed */
	/*
	 * Freshness decided off the loop (run-start.c): while checking, the
	 * hashing worker reads p, g, selected, always, extra and
	 * virtual_env, and the loop leaves them alone; a run.start's reply
	 * waits in reply, a queued run's cancel in cancel_asked.
	 */
	bool checking;
	bool cancel_asked;
	int check_rc;
	struct fresh_plan *check_fresh;
	struct loom_error check_err;
	struct rpc_deferred *reply;
	bool subscribe;			/* run.start's "subscribe" */
	bool no_wait;			/* run.start's "no_wait" */
	struct run *next;
};

/*
 * The final record of a run that could not be written (disk full, I/O
 * error): kept, answered from memory, and written again every second.
 */
struct run_unwritten {
	char *id;
	char *dir;
	char *text;			/* the record (run_record_text) */
	size_t len;
	char *sum;			/* its summary */
	size_t sum_len;
	struct run_unwritten *next;
};

/* The run module's state (loomd->runs). */
struct run_state {
	struct run *active;		/* newest first */
	size_t nactive;
	struct run_unwritten *unwritten;
	struct event *ev_retry;
	bool stopping;
	unsigned long long daemon_start;
	uint64_t records_written;	/* run records written, in all */
	/* Steps' commands built by run checks, and reused (plancache.h). */
	uint64_t commands_built, commands_reused;
	struct fetch *fetch;		/* URL downloads, or NULL */
	struct plancache *plans;	/* models kept between runs */
	struct stampcache *stamps;	/* stamps read, kept (any thread) */
	struct reattach *reattached;	/* runs of a dead daemon followed */
	/*
	 * run.start requests not answered yet, oldest first (through next):
	 * being checked by the hashing worker, or waiting for an
	 * overlapping one ahead of them (run-start.c).
	 */
	struct run *preparing;
	bool pumping;			/* run_start_pump is on the stack */
	bool pump_again;
};

/*
 * run-reattach.c: follow the Slurm jobs of a dead daemon's run without
 * rebuilding it (when run-rebuild.c cannot).
 */
bool run_reattach(void *arg, json_t *rec, const char *run_dir);
void run_reattach_free_all(struct loomd *loomd);

/*
 * run-rebuild.c: a dead daemon's run with Slurm jobs (record_adopt_cb)
 * becomes an active run again, its jobs taken over; else, with the
 * reason logged and recorded, run_reattach follows them.
 */
bool run_rebuild(void *arg, json_t *rec, const char *run_dir);
/*
 * While a rebuilt run is replayed (r->restore): unit u, asked for by the
 * scheduler, ended or was submitted before the restart. true when it is
 * taken care of (its end told to the scheduler, or its job taken over);
 * false: it had not been submitted, and starts as any unit.
 */
bool run_restore_unit(struct run *r, struct run_step *st,
    struct run_unit *u);
/*
 * The same for the items of loop step st: when the dead daemon had
 * listed them, li becomes those items (in their recorded order) and
 * true is returned; false: list and filter them as any run.
 */
bool run_restore_items(struct run *r, struct run_step *st,
    struct loop_items *li);

/*
 * run-start.c: load r->file with the request's overrides, validate it
 * and select its steps (r->p, r->g, r->selected; *nsel, unless NULL, the
 * number selected). Missing sources are an error when check_sources:
 * run.start says so; a run rebuilt after a restart (run-rebuild.c) is
 * planned without, its sources checked when it started. -1 with rerr
 * set.
 */
int run_plan(struct run *r, json_t *params, bool check_sources,
    size_t *nsel, struct rpc_error *rerr);
/* A queued run's turn has come; start it. */
void run_begin(struct run *r);
/* The run's steps (nsel selected ones) and units, in execution order. */
void run_build_steps(struct run *r, size_t nsel);
/* The steps' environment from env (an object of strings), Loom's own out. */
void run_set_env(struct run *r, json_t *env);

/* Units handed out at once to the Slurm executor: what rpc accepts. */
#define RUN_SLURM_WORKERS	100000

/* Whether two runs of one pipeline file share or feed each other's steps. */
bool run_overlaps(const struct run *a, const struct run *b);

/* run.c: the life of a run. */
struct run_state *run_state_get(struct loomd *loomd);
/* Tell r's scheduler the time of the events that follow (now). */
void run_clock(struct run *r);
/*
 * Take over unit u of a rebuilt run, submitted before the restart as
 * job (executor_adopt), started at wall-clock time started: it runs
 * from now on as if started here; when it cannot be, it failed.
 */
void run_unit_adopt(struct run *r, struct run_step *st, struct run_unit *u,
    const char *job, double started);
/* The scheduler's clock at wall-clock time wall (the past), or now. */
void run_clock_at(struct run *r, double wall);
/*
 * Start the queued runs of the pipeline at key that nothing active holds
 * back any more (a run ahead, or their own downloads).
 */
void run_dequeue(struct loomd *loomd, const char *key);
/*
 * End a run that never started (cancelled while queued, or its turn came
 * and it could not start) with result: its steps end with it, then as
 * any run (record, run.finished, the next queued run of its file).
 */
void run_end_unstarted(struct run *r, enum sched_result result);
/* The active run with this id, or NULL. */
struct run *run_find(struct loomd *loomd, const char *id);
/* Free a run that has left the active list (a loomd_defer_free callback). */
void run_free(void *arg);
/* The value of NAME in a "NAME=VALUE" list, owned, or NULL. */
char *run_env_get(const struct strv *env, const char *name);
/* Timer callbacks: start the run, wake the scheduler, write the record. */
void run_start_cb(evutil_socket_t fd, short what, void *arg);
void run_wake_cb(evutil_socket_t fd, short what, void *arg);
void run_record_cb(evutil_socket_t fd, short what, void *arg);
/*
 * Write the record now; durable (fsync) at the start and end of a run.
 * Returns 0, or -1 (logged) when it could not be written.
 */
int run_write_record(struct run *r, bool durable);
/*
 * Free what unit u holds: its strings, log, stamp and running marker
 * (not its executor's unit).
 */
void run_unit_clear(struct run_unit *u);
/* The final record of run id that is still to be written, or NULL. */
const struct run_unwritten *run_unwritten_find(struct loomd *loomd,
    const char *id);

/* run-fresh.c: freshness before a run, and stamps after each unit. */
/*
 * Start downloading r's URL data not in the cache yet, on the loop: r is
 * then queued (fetching) until the downloads end, and fails with the
 * first one that fails. 0, or -1 with rerr set and nothing started.
 */
int run_fetch_start(struct run *r, struct rpc_error *rerr);
/* Abort r's downloads, if any. */
void run_fetch_abort(struct run *r);
/*
 * Before deciding what is up to date (on the loop): read --force and
 * --step from params, put cached files in place of URL data. 0, or -1
 * with rerr set.
 */
int run_fresh_setup(struct run *r, json_t *params, struct rpc_error *rerr);
/*
 * Decide what is up to date into *out (owned); reads r's plan and files
 * only, so it may run in the hashing worker. 0, or -1 with err set.
 */
int run_fresh_decide(const struct run *r, struct fresh_plan **out,
    struct loom_error *err);
/* run-start.c: a request that was waiting may go on now. */
void run_start_pump(struct run_state *rs);
/* run-start.c: answer and free the requests still preparing (exit). */
void run_start_drop_all(struct run_state *rs);
/* Whether every item of step runs (--force, --step): none judged. */
bool run_fresh_all(const struct run *r, size_t step);
/*
 * Drop the loop items of step that are up to date from li. Reads only
 * what does not change while the run goes on: the hashing worker runs it.
 */
void run_fresh_filter(struct run *r, size_t step,
    struct loop_items *li);
/* Take the stamp of how u ended; run_fresh_flush writes it. */
void run_fresh_end(struct run *r, struct run_unit *u);
/* Write the stamps taken since the last flush. */
void run_fresh_flush(struct run *r);
/* Close the running marker u kept open (freshness_begin), if any. */
void run_fresh_marker_close(struct run_unit *u);
/* run.c: the run ended and its last stamp is back: tell everyone. */
void run_end_told(struct run *r);

/* run-json.c: the record and its parts. */
/*
 * The whole record of a run (docs/protocol.md, "Run records") as text
 * (owned), its length in *len, and its summary (record_summary of it) in
 * *sum (owned), its length in *sum_len; NULL (and *sum NULL) when it
 * cannot be encoded.
 */
char *run_record_text(const struct run *r, size_t *len, char **sum,
    size_t *sum_len);
/* Step counts of a run by state. */
void run_counts(const struct run *r, struct sched_counts *c);
/* STEPINFO for every selected step, in execution order. */
json_t *run_stepinfo(const struct run *r);
/*
 * A loop step's item counts and the item its exit status is of:
 * "items_total", "items_succeeded", "items_failed", "failed_item"?
 * (left out when the item's name is not UTF-8: a file name may not be).
 */
void run_item_counts_text(const struct run_step *st,
    struct jsontext_writer *w);
/* exit_code and signal of a wait status into o. */
void run_status_fields(int status, json_t *o);
void run_status_text(int status, struct jsontext_writer *w);
/* How unit u stands: the scheduler's (sched_unit_view), never kept here. */
enum run_state_kind run_unit_state(const struct run_unit *u);
/* How step st of r stands: the scheduler's (sched_step_view). */
enum run_state_kind run_step_state(const struct run *r,
    const struct run_step *st);

#endif
