/* SPDX-License-Identifier: MIT */
/* The one table of state spellings (runstate.h). */
#include <stddef.h>
#include <string.h>

#include "common/util/runstate.h"

static const char *const runstate_names[] = {
	[RUNSTATE_PENDING] = "pending",
	[RUNSTATE_QUEUED] = "queued",
	[RUNSTATE_RUNNING] = "running",
	[RUNSTATE_SUCCEEDED] = "succeeded",
	[RUNSTATE_FAILED] = "failed",
	[RUNSTATE_SKIPPED] = "skipped",
	[RUNSTATE_CANCELLED] = "cancelled",
	[RUNSTATE_UPTODATE] = "uptodate",
	[RUNSTATE_INTERRUPTED] = "interrupted",
	[RUNSTATE_TIMEOUT] = "timeout",
	[RUNSTATE_OUT_OF_MEMORY] = "out_of_memory",
	[RUNSTATE_NODE_FAILURE] = "node_failure",
	[RUNSTATE_LOST] = "lost",
	[RUNSTATE_UNKNOWN] = "unknown",
};

const char *
runstate_name(enum run_state_kind st)
{
	if ((size_t)st >= sizeof runstate_names / sizeof runstate_names[0])
		return "unknown";
	return runstate_names[st];
}

enum run_state_kind
runstate_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return RUNSTATE_UNKNOWN;
	for (i = 0; i < RUNSTATE_UNKNOWN; i++)
		if (strcmp(runstate_names[i], name) == 0)
			return (enum run_state_kind)i;
	return RUNSTATE_UNKNOWN;
}

bool
runstate_is_final(enum run_state_kind st)
{
	return st != RUNSTATE_PENDING && st != RUNSTATE_QUEUED &&
	    st != RUNSTATE_RUNNING && st != RUNSTATE_UNKNOWN;
}

bool
runstate_is_failure(enum run_state_kind st)
{
	return st == RUNSTATE_FAILED || st == RUNSTATE_TIMEOUT ||
	    st == RUNSTATE_OUT_OF_MEMORY || st == RUNSTATE_NODE_FAILURE ||
	    st == RUNSTATE_LOST;
}
