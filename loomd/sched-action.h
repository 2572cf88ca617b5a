/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's actions (sched.h says what each asks for): the action
 * list the caller owns, its text form, and appending to it. Below the
 * scheduler: this includes nothing of it. Only the scheduler's state
 * machines (sched.c) append actions; its callers read them.
 */
#ifndef LOOM_LOOMD_SCHED_ACTION_H
#define LOOM_LOOMD_SCHED_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a step or run ended. */
enum sched_result {
	SCHED_RESULT_SUCCEEDED,
	SCHED_RESULT_FAILED,
	SCHED_RESULT_SKIPPED,
	SCHED_RESULT_CANCELLED,
	SCHED_RESULT_UPTODATE,
};

enum sched_signal {
	SCHED_SIGNAL_TERM,
	SCHED_SIGNAL_KILL,
};

enum sched_action_type {
	SCHED_ACTION_SPAWN,		/* start unit (step, item) */
	SCHED_ACTION_LIST_ITEMS,	/* list loop step's items, then call
					   sched_set_items/sched_items_failed */
	SCHED_ACTION_SIGNAL,		/* send sig to unit (step, item) */
	SCHED_ACTION_WAKE,		/* call sched_tick at or after at_ms */
	SCHED_ACTION_STEP_SKIPPED,	/* step skipped: because[] failed */
	SCHED_ACTION_STEP_FINISHED,	/* step ended with result */
	SCHED_ACTION_RUN_FINISHED,	/* the run ended with result */
};

/* Step counts of a run; a loop counts once. */
struct sched_counts {
	size_t total;		/* selected steps */
	size_t succeeded;	/* including up-to-date ones */
	size_t uptodate;
	size_t failed;
	size_t skipped;
	size_t cancelled;
};

struct sched_action {
	enum sched_action_type type;
	size_t step;		/* all but WAKE and RUN_FINISHED */
	size_t item;		/* SPAWN, SIGNAL: 0 for a plain step */
	bool loop;		/* SPAWN, SIGNAL: the unit is a loop item */
	enum sched_signal sig;	/* SIGNAL */
	uint64_t at_ms;		/* WAKE */
	enum sched_result result; /* STEP_FINISHED, RUN_FINISHED */
	/* STEP_FINISHED failed: the wait status of the first failed unit,
	   or -1 when it failed without running (spawn or listing failed) */
	int status;
	size_t failed_item;	/* STEP_FINISHED failed: that unit's item */
	size_t *because;	/* STEP_SKIPPED: the failed steps at the
				   root, ascending; owned by the list */
	size_t nbecause;
	struct sched_counts counts; /* RUN_FINISHED */
};

/* A caller-owned list of actions; events append to it. */
struct sched_actions {
	struct sched_action *v;
	size_t n;
	size_t cap;
};

void sched_actions_init(struct sched_actions *a);
/* Drop every action (keeps the storage for reuse). */
void sched_actions_clear(struct sched_actions *a);
void sched_actions_free(struct sched_actions *a);

/* "succeeded", "failed", ... */
const char *sched_result_name(enum sched_result r);

/*
 * One action as a line of text, for logs and tests: "spawn b",
 * "spawn loop[2]" (a loop item), "list loop", "signal b TERM", "wake 5000",
 * "skipped d (b,c)", "finished b failed", "run failed 4/1/1/2/0"
 * (total/succeeded/failed/skipped/cancelled). names gives step names
 * (NULL: step numbers). Returns an owned string.
 */
char *sched_action_format(const struct sched_action *a,
    const char *const *names);


/*
 * Append an action of type for step to a, zeroed except for type, step
 * and status (-1). Returns it, borrowed from a until a changes again.
 */
struct sched_action *sched_action_push(struct sched_actions *a,
    enum sched_action_type type, size_t step);

#endif
