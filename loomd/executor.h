/* SPDX-License-Identifier: MIT */
/*
 * Executors: where the units of a run (a step, or one item of a loop
 * step) are carried out. run.c decides nothing about how a unit runs; it
 * hands the executor an argument vector, an environment, a working folder
 * and a tag, and hears back through two callbacks: output (in order, as it
 * arrives) and done (once, after the last output, with how it ended).
 *
 * A unit is named by an id the executor chooses (never 0), not by a
 * process id: a unit may run on this machine (executor-local.c, child
 * processes) or elsewhere (a batch system), and what identifies it there
 * is the executor's business. What an executor can tell about a unit
 * beyond that (a local process id) comes back as attributes at start.
 *
 * The tag is a "NAME=VALUE" string carried in the unit's environment
 * (LOOM_STEP_ID=..., under a run's LOOM_RUN_ID=...): an executor uses it
 * to find whatever a unit started and left behind, and run.c uses it to
 * end everything of a run at once (executor_sweep).
 *
 * The exit status is a wait status (as from waitpid: WIFEXITED and
 * WEXITSTATUS, WIFSIGNALED and WTERMSIG), the form the scheduler and the
 * records take; an executor that learns an exit code and a signal
 * otherwise encodes them so.
 *
 * Callbacks run on the daemon's event loop, never from inside start or
 * cancel; the done callback may start new units and release others.
 */
#ifndef LOOM_LOOMD_EXECUTOR_H
#define LOOM_LOOMD_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct json_t;
struct loom_error;
struct resources;
struct rlimit;

/* Output of a unit, in order; data is borrowed for the call. */
typedef void (*executor_output_cb)(void *arg, const char *data, size_t len);
/*
 * Optional (NULL: output always comes through executor_output_cb): move
 * up to max bytes of output from the descriptor fd straight to the
 * unit's log (splice), or answer EXECUTOR_SPLICE_NO when the bytes are
 * wanted in memory this time (a live viewer); see child_splice_cb. Only
 * the local executor asks.
 */
typedef ssize_t (*executor_splice_cb)(void *arg, int fd, size_t max);
#define EXECUTOR_SPLICE_NO	(-2)
/*
 * The unit has ended and its output is over: status is a wait status.
 * The unit's id is no longer valid once this is called.
 */
typedef void (*executor_done_cb)(void *arg, int status);
/*
 * How a unit stands where it runs, when the executor knows more than
 * "started" and "ended": state is "submitted" (detail: the id the unit
 * has where it runs, a Slurm job id), "pending" (waiting in a queue,
 * detail the queue's reason or NULL), "running", or, just before the
 * done callback, how it ended beyond its status ("timeout",
 * "out_of_memory", "node_failure", "cancelled", "lost"; detail may say
 * more); for "error", detail says why the unit failed without running
 * its command (a refused submission); "cancel_sent" when a cancel has
 * left for where the unit runs (detail: how, e.g. "scancel").
 * Optional: NULL when not wanted; the local executor never calls it.
 * Both strings are borrowed for the call.
 */
typedef void (*executor_state_cb)(void *arg, const char *state,
    const char *detail);

/* What to run. Everything is borrowed for the call to executor_start. */
struct executor_spec {
	const char *const *argv;	/* argv[0]: a path, or a name found
					   in the PATH of envp */
	const char *const *envp;	/* "NAME=VALUE", NULL-ended; holds tag */
	const char *cwd;		/* working folder */
	const char *tag;		/* "NAME=VALUE" marking the unit */
	executor_output_cb on_output;
	executor_splice_cb on_splice;	/* or NULL */
	executor_done_cb on_done;
	executor_state_cb on_state;	/* or NULL */
	void *arg;
	/*
	 * For executors that run units elsewhere (a batch system) and keep
	 * files for them; the local executor ignores them. NULL when not
	 * known.
	 */
	const char *run;		/* the run's id */
	const char *dir;		/* the run's folder */
	const char *name;		/* file name unique in the run */
	const struct resources *res;	/* what a batch job asks for */
	/*
	 * Units of one group (the items of a loop step) started in the
	 * same loop pass may become one job array, of which array_max
	 * items run at once (0: no limit). NULL: a unit of its own.
	 */
	const char *group;
	long array_max;
	/*
	 * Units of this executor that must succeed before this one may
	 * run (Slurm: --dependency=afterok: on their jobs, with
	 * --kill-on-invalid-dep=yes). When one of them fails, the unit
	 * ends without running its command (a job Slurm cancels: state
	 * "cancelled", detail "DependencyNeverSatisfied"). Ids of units
	 * already ended are ignored. NULL when none.
	 */
	const uint64_t *after;
	size_t nafter;
};

/* What an executor tells about a unit it started. */
struct executor_started {
	uint64_t id;			/* never 0 */
	long pid;			/* a local process, or -1 */
	/* Its start time as /proc/<pid>/stat shows it, or 0: unknown. */
	unsigned long long pid_start;
};

struct executor;

/* An executor's calls; an implementation fills one static table. */
struct executor_ops {
	const char *name;		/* "local" */
	int (*start)(struct executor *ex, const struct executor_spec *spec,
	    struct executor_started *out, struct loom_error *err);
	void (*cancel)(struct executor *ex, uint64_t id, bool force);
	void (*release)(struct executor *ex, uint64_t id);
	void (*sweep)(struct executor *ex, const char *tag, bool always);
	void (*recover)(struct executor *ex, const char *tag,
	    const struct json_t *unit);
	int (*adopt)(struct executor *ex, const struct executor_spec *spec,
	    const char *id, unsigned long long seen,
	    struct executor_started *out, struct loom_error *err);
	void (*free)(struct executor *ex);
};

/* Implementations start their own struct with this. */
struct executor {
	const struct executor_ops *ops;
};

/*
 * Start a unit. Returns 0 with out filled, or -1 with err set (naming the
 * program or the working folder) when it cannot start; nothing of it is
 * left running then and no callback comes.
 */
int executor_start(struct executor *ex, const struct executor_spec *spec,
    struct executor_started *out, struct loom_error *err);

/*
 * Ask a unit to stop: gracefully (force false: SIGTERM for a local
 * process), or at once (force true: it and everything carrying its tag is
 * killed). Its done callback still comes. Unknown ids are ignored.
 */
void executor_cancel(struct executor *ex, uint64_t id, bool force);

/*
 * Forget a unit before its done callback came (the run is being freed):
 * it is killed if still going and no callback comes any more.
 */
void executor_release(struct executor *ex, uint64_t id);

/*
 * A run whose units carry tag has ended: kill whatever still carries it,
 * when always, or when the executor has reason to think something does
 * (for a local executor: processes that escaped their unit).
 */
void executor_sweep(struct executor *ex, const char *tag, bool always);

/*
 * Crash recovery, at daemon start before any unit starts: a run that a
 * dead daemon left going is being marked interrupted (record.c), and
 * whatever of it this executor may still have going must end. Called
 * first with unit NULL for the run as a whole (tag: its "LOOM_RUN_ID="
 * tag), then once for every unit its record shows running, with that
 * unit's object of the record (step journal replayed): what run.c
 * recorded of it ("pid", "pid_start", "marker") and whatever else the
 * executor keeps there to find the unit again (a batch system's job id).
 * An executor that cannot end a unit leaves it; the record still says
 * interrupted. A run with Slurm jobs to follow again (record_recover's
 * adopt, run-rebuild.c) is not recovered here at all.
 */
void executor_recover(struct executor *ex, const char *tag,
    const struct json_t *unit);

/*
 * Take over a unit that a dead daemon started (crash recovery, when its
 * run is rebuilt): id is what the unit is where it runs (a Slurm job id,
 * from the record), its files are those spec->name gave it under
 * spec->dir, and seen bytes of its output reached the unit's log
 * already (they are not handed to on_output again). spec needs run,
 * dir, cwd, envp, tag, name and the callbacks (argv is not run); from
 * then on the unit is as one started by executor_start: its output,
 * state and done callbacks come, and executor_cancel reaches it.
 * Returns 0 with out filled, or -1 with err set (an executor that
 * cannot take units over, the local one, says so).
 */
int executor_adopt(struct executor *ex, const struct executor_spec *spec,
    const char *id, unsigned long long seen, struct executor_started *out,
    struct loom_error *err);

/* Free an executor; NULL is fine. Units still going are killed. */
void executor_free(struct executor *ex);

/*
 * The local process executor (executor-local.c, over child.c): units are
 * child processes of the daemon, reaped from a SIGCHLD event on base.
 * nofile is the descriptor limit steps get (NULL: the daemon's own). Only
 * one may exist at a time (it owns SIGCHLD and makes the daemon a
 * subreaper). NULL with err set when SIGCHLD cannot be watched.
 */
struct executor *executor_local_new(struct event_base *base,
    const struct rlimit *nofile, struct loom_error *err);

/*
 * The Slurm executor (executor-slurm.c, docs/slurm.md): every unit is a
 * batch job submitted with sbatch; sbatch, squeue and scancel run as
 * units of local (the local executor, which must outlive it).
 */
struct executor *executor_slurm_new(struct event_base *base,
    struct executor *local);

#endif
