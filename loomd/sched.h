/* SPDX-License-Identifier: MIT */
/*
 * The pure scheduling core of a run. It decides what runs next and keeps
 * the state of every selected step; it does nothing itself. The caller
 * (run.c) feeds it events (a unit was spawned, exited, closed its output,
 * the user cancelled, time passed) and carries out the actions it
 * appends to a caller-owned list: spawn this unit, signal that one, wake
 * me at time T, list this loop's items, this step was skipped or
 * finished, the run is over.
 *
 * It includes only libc and common/ headers: no event loop, no file
 * descriptors, no pids, no clock reads, no filesystem. Time comes in as
 * monotonic milliseconds. Actions come out in a deterministic order
 * (topological rank, then item index), so tests compare them as text.
 *
 * It is the one owner of the states and times of the run, its steps and
 * their units: records, run.status, events and loomctl's output are
 * rendered from its views (sched_run_view, sched_step_view,
 * sched_unit_view and their *_times). The caller tells it the time of
 * the events that follow (sched_set_time: wall-clock seconds for the
 * records, monotonic milliseconds for durations) and it stamps every
 * start and end with that time.
 *
 * Units. A plain step is one unit (item 0). A loop step, when it becomes
 * ready, asks for its items (SCHED_ACTION_LIST_ITEMS); the caller answers
 * with sched_set_items(n) (or sched_items_failed), and each item is a
 * unit. Units share the worker pool: max_workers counts processes
 * (docs/protocol.md, run.list). A loop is one step in the totals and fails when any
 * item fails; the other items still run. A unit is finished only when
 * both its exit and its output EOF were seen, in either order, and it
 * holds its worker slot until then.
 *
 * Modes. Parallel: every ready step starts as soon as a worker is free.
 * Sequential: one step at a time, in topological order, and one unit at
 * a time, except that a loop whose own loop.parallel is true may run its
 * items side by side (the caller passes each loop's effective flag:
 * loop.parallel when given, else the pipeline's mode).
 *
 * Failure. A failed step makes every step depending on it (transitively)
 * skipped, with the failed steps at the root of it as the reason; steps
 * not depending on it still run. Cancel: nothing new starts, queued and
 * waiting steps end as cancelled, running units get SIGTERM, then SIGKILL
 * once the grace period has passed (a SCHED_ACTION_WAKE tells the caller
 * when to call sched_tick).
 */
#ifndef LOOM_LOOMD_SCHED_H
#define LOOM_LOOMD_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util/runstate.h"
#include "loomd/sched-action.h"

struct graph;

struct sched;

/* The state of a step, as the scheduler sees it. */
enum sched_step_state {
	SCHED_STEP_UNSELECTED,	/* not part of this run */
	SCHED_STEP_WAITING,	/* dependencies still running */
	SCHED_STEP_READY,	/* may start; waiting for its turn */
	SCHED_STEP_LISTING,	/* loop: waiting for sched_set_items */
	SCHED_STEP_RUNNING,	/* units queued or in flight */
	SCHED_STEP_SUCCEEDED,
	SCHED_STEP_FAILED,
	SCHED_STEP_SKIPPED,	/* a dependency failed */
	SCHED_STEP_CANCELLED,
	SCHED_STEP_UPTODATE,	/* marked done before the start */
};

/*
 * When a run, step or unit started and ended, as sched_set_time told;
 * 0 when it has not (or never did). A step that ends without a unit
 * having started (up to date, cancelled while waiting, a loop without
 * items) has no wall-clock start, but a monotonic one equal to its end
 * (its duration is 0); a skipped step has neither.
 */
struct sched_times {
	double started;		/* wall clock, seconds */
	double ended;
	uint64_t started_ms;	/* monotonic milliseconds */
	uint64_t ended_ms;
};


/*
 * A scheduler for the steps of g (borrowed: it must outlive the
 * scheduler). selected has graph_nsteps(g) entries (copied); only
 * selected steps run, and edges from unselected steps are ignored (their
 * outputs are taken as present). max_workers >= 1 is the number of
 * processes at most; grace_ms the time between SIGTERM and SIGKILL on
 * cancel.
 */
struct sched *sched_create(const struct graph *g, const bool *selected,
    bool parallel, size_t max_workers, uint64_t grace_ms);

/* Free a scheduler; NULL is fine. */
void sched_free(struct sched *s);

/*
 * Before sched_start: step is a loop step; items_parallel is its
 * effective loop.parallel (see "Modes" above).
 */
void sched_set_loop(struct sched *s, size_t step, bool items_parallel);

/*
 * Before sched_start: hand steps out ahead (a batch system's own
 * dependencies, docs/slurm.md). A step is ready as soon as the steps it
 * depends on have all their units started (SPAWN answered by
 * sched_spawned), not only once they have ended; a loop step still waits
 * for them to end (its items are listed from what they make), and
 * sequential mode does not hold steps back. The caller has whatever
 * runs a step wait for the units of the steps it depends on. When a
 * dependency fails (or is cancelled, but not by sched_cancel), the
 * dependents handed out are ended by that system; their units and they
 * end skipped, not failed. A step whose units are done before its
 * dependencies ends when they have.
 */
void sched_set_ahead(struct sched *s);

/*
 * Before sched_start: step is selected but already up to date; it counts
 * as succeeded without running (reported as SCHED_RESULT_UPTODATE).
 */
void sched_set_uptodate(struct sched *s, size_t step);

/*
 * The time of the events that follow: wall-clock seconds and monotonic
 * milliseconds (sched_cancel and sched_tick also set the latter).
 */
void sched_set_time(struct sched *s, double wall, uint64_t now_ms);

/*
 * The run waits behind another run of its file (queued), or has begun
 * (running; sched_start comes a moment later): state and time of both.
 */
void sched_run_queued(struct sched *s);
void sched_run_begin(struct sched *s);

/*
 * After RUN_FINISHED, once the caller has done what must come first (its
 * stamps are written) and tells everyone: the run takes the state that
 * RUN_FINISHED said, ended at the time given. Until then it is running.
 */
void sched_run_end(struct sched *s);

/* Start the run: the first spawns (or RUN_FINISHED when nothing runs). */
void sched_start(struct sched *s, struct sched_actions *out);

/* Unit (step, item), asked for by SPAWN, now runs. */
void sched_spawned(struct sched *s, size_t step, size_t item,
    struct sched_actions *out);

/*
 * Unit (step, item) could not be started (fork or exec failed): there is
 * no process and no output; the unit failed.
 */
void sched_spawn_failed(struct sched *s, size_t step, size_t item,
    struct sched_actions *out);

/*
 * Unit (step, item)'s process ended with wait status status (as from
 * waitpid: exit code 0 is success, anything else a failure).
 */
void sched_exited(struct sched *s, size_t step, size_t item, int status,
    struct sched_actions *out);

/* Unit (step, item)'s output reached EOF. */
void sched_output_closed(struct sched *s, size_t step, size_t item,
    struct sched_actions *out);

/*
 * Answer to LIST_ITEMS: loop step has n items (0 is fine: the step
 * succeeds at once). Ignored when the run was cancelled meanwhile.
 */
void sched_set_items(struct sched *s, size_t step, size_t n,
    struct sched_actions *out);

/* Answer to LIST_ITEMS: listing failed (missing folder); the step fails. */
void sched_items_failed(struct sched *s, size_t step,
    struct sched_actions *out);

/*
 * Cancel the run at time now_ms: nothing new starts, running units get
 * SIGTERM and a WAKE for now_ms + grace. A second cancel does nothing.
 */
void sched_cancel(struct sched *s, uint64_t now_ms,
    struct sched_actions *out);

/* Time passed: after a cancel's grace, SIGKILL what still runs. */
void sched_tick(struct sched *s, uint64_t now_ms, struct sched_actions *out);

/* Queries. */
enum sched_step_state sched_step_state(const struct sched *s, size_t step);
bool sched_is_finished(const struct sched *s);
bool sched_is_cancelled(const struct sched *s);
/* Units holding a worker (spawning, running, or waiting for exit/EOF). */
size_t sched_busy_workers(const struct sched *s);
void sched_get_counts(const struct sched *s, struct sched_counts *c);
/*
 * How unit (step, item) stands, as records and events show it: pending
 * (not started), running (from SPAWN until both exit and EOF), then
 * succeeded, failed, or cancelled (dropped before it ran, or stopped by
 * a cancel, whatever its exit status). The one source of unit states.
 */
enum run_state_kind sched_unit_view(const struct sched *s, size_t step,
    size_t item);
/*
 * How step stands, as records and events show it: pending (nothing of it
 * started yet), running (a unit was asked for), then succeeded, failed,
 * skipped, cancelled or uptodate. The one source of step states.
 */
enum run_state_kind sched_step_view(const struct sched *s, size_t step);
/*
 * How the run stands: pending (created), queued, running, then
 * succeeded, failed or cancelled. The one source of the run's state.
 */
enum run_state_kind sched_run_view(const struct sched *s);
/* The run's times; *queued_at is when it was queued, or 0. */
void sched_run_times(const struct sched *s, struct sched_times *t,
    double *queued_at);
/* The times of step, and of unit (step, item) (zero for unknown items). */
void sched_step_times(const struct sched *s, size_t step,
    struct sched_times *t);
void sched_unit_times(const struct sched *s, size_t step, size_t item,
    struct sched_times *t);
/*
 * A run that never started (queued) ends: with cancelled its steps are
 * cancelled and so is the run, else they stay pending and the run has
 * failed (it could not start). Instead of sched_start; no actions.
 */
void sched_end_unstarted(struct sched *s, bool cancelled);
/*
 * The daemon exits with the run still going: every step and unit started
 * and not ended counts as cancelled, and so does the run. No actions;
 * the scheduler is done with.
 */
void sched_abandon(struct sched *s);

/* "waiting", "running", ...: a step state, for messages. */
const char *sched_step_state_name(enum sched_step_state st);

#endif
