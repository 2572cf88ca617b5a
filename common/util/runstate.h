/* SPDX-License-Identifier: MIT */
/*
 * The states of runs, steps and loop items as users see them: in run
 * records (run.json), run.status and run.list, the run.* events and the
 * output of loomctl. Each has one spelling, in one table (runstate.c);
 * the daemon renders states through it and loomctl reads them back
 * through it. A new state is added here and in that table.
 *
 *   pending      not started yet (a step, an item)
 *   queued       a run waiting behind another run of its file
 *   running
 *   succeeded
 *   failed
 *   skipped      a dependency failed
 *   cancelled
 *   uptodate     a step whose outputs were current: not run
 *   interrupted  the daemon died while it ran (found at the next start)
 *
 * How a batch job (docs/slurm.md) failed, when its executor can tell; a
 * unit or plain step in one of these has failed:
 *   timeout        it reached its time limit
 *   out_of_memory  it went over its memory limit
 *   node_failure   the node it ran on failed
 *   lost           it left the queue without an exit status
 */
#ifndef LOOM_COMMON_RUNSTATE_H
#define LOOM_COMMON_RUNSTATE_H

#include <stdbool.h>

enum run_state_kind {
	RUNSTATE_PENDING,
	RUNSTATE_QUEUED,
	RUNSTATE_RUNNING,
	RUNSTATE_SUCCEEDED,
	RUNSTATE_FAILED,
	RUNSTATE_SKIPPED,
	RUNSTATE_CANCELLED,
	RUNSTATE_UPTODATE,
	RUNSTATE_INTERRUPTED,
	RUNSTATE_TIMEOUT,
	RUNSTATE_OUT_OF_MEMORY,
	RUNSTATE_NODE_FAILURE,
	RUNSTATE_LOST,
	RUNSTATE_UNKNOWN,	/* a spelling this version does not know */
};

/* The spelling of st ("unknown" for RUNSTATE_UNKNOWN). Static. */
const char *runstate_name(enum run_state_kind st);

/* The state spelt name; RUNSTATE_UNKNOWN for NULL or anything else. */
enum run_state_kind runstate_parse(const char *name);

/* True for the states nothing comes after (not pending, queued, running). */
bool runstate_is_final(enum run_state_kind st);

/* True for failed and the ways a batch job fails (timeout ... lost). */
bool runstate_is_failure(enum run_state_kind st);

#endif
