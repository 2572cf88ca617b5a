/* SPDX-License-Identifier: MIT */
/*
 * The output side of the scheduler: the caller-owned action lists that
 * events append to, and actions and states as text for logs, records and
 * tests (the types and the public calls are declared in sched.h). What
 * to append, and when, is decided by the state machines in sched.c; this
 * file never looks at a scheduler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/xmalloc.h"
#include "loomd/sched-action.h"

/* An empty action list. */
void
sched_actions_init(struct sched_actions *a)
{
	memset(a, 0, sizeof *a);
}

/* Drop the actions of a, keeping its storage. */
void
sched_actions_clear(struct sched_actions *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].because);
	a->n = 0;
}

/* Free the actions of a and their storage. */
void
sched_actions_free(struct sched_actions *a)
{
	sched_actions_clear(a);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* Append a zeroed action of type for step; see sched-action.h. */
struct sched_action *
sched_action_push(struct sched_actions *a, enum sched_action_type type,
    size_t step)
{
	struct sched_action *act;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 16 : a->cap * 2;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	act = &a->v[a->n++];
	memset(act, 0, sizeof *act);
	act->type = type;
	act->step = step;
	act->status = -1;
	return act;
}

/* The name of a result, for records and messages. */
const char *
sched_result_name(enum sched_result r)
{
	switch (r) {
	case SCHED_RESULT_SUCCEEDED:
		return "succeeded";
	case SCHED_RESULT_FAILED:
		return "failed";
	case SCHED_RESULT_SKIPPED:
		return "skipped";
	case SCHED_RESULT_CANCELLED:
		return "cancelled";
	case SCHED_RESULT_UPTODATE:
		return "up-to-date";
	}
	return "unknown";
}

/* One action as a line of text; an owned string. */
char *
sched_action_format(const struct sched_action *a, const char *const *names)
{
	char step[64], unit[96], *list, *tmp;
	size_t i;

	/* WAKE and RUN_FINISHED name no step (there may be none). */
	if (a->type == SCHED_ACTION_WAKE ||
	    a->type == SCHED_ACTION_RUN_FINISHED)
		step[0] = '\0';
	else if (names != NULL)
		snprintf(step, sizeof step, "%s", names[a->step]);
	else
		snprintf(step, sizeof step, "%zu", a->step);
	snprintf(unit, sizeof unit, "%s[%zu]", step, a->item);

	switch (a->type) {
	case SCHED_ACTION_SPAWN:
		return xasprintf("spawn %s", a->loop ? unit : step);
	case SCHED_ACTION_LIST_ITEMS:
		return xasprintf("list %s", step);
	case SCHED_ACTION_SIGNAL:
		return xasprintf("signal %s %s", a->loop ? unit : step,
		    a->sig == SCHED_SIGNAL_TERM ? "TERM" : "KILL");
	case SCHED_ACTION_WAKE:
		return xasprintf("wake %llu", (unsigned long long)a->at_ms);
	case SCHED_ACTION_STEP_SKIPPED:
		list = xstrdup("");
		for (i = 0; i < a->nbecause; i++) {
			if (names != NULL)
				tmp = xasprintf("%s%s%s", list, i ? "," : "",
				    names[a->because[i]]);
			else
				tmp = xasprintf("%s%s%zu", list, i ? "," : "",
				    a->because[i]);
			free(list);
			list = tmp;
		}
		tmp = xasprintf("skipped %s (%s)", step, list);
		free(list);
		return tmp;
	case SCHED_ACTION_STEP_FINISHED:
		return xasprintf("finished %s %s", step,
		    sched_result_name(a->result));
	case SCHED_ACTION_RUN_FINISHED:
		return xasprintf("run %s %zu/%zu/%zu/%zu/%zu",
		    sched_result_name(a->result), a->counts.total,
		    a->counts.succeeded, a->counts.failed, a->counts.skipped,
		    a->counts.cancelled);
	}
	return xstrdup("unknown");
}
