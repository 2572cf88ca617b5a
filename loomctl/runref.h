/* SPDX-License-Identifier: MIT */
/*
 * Run ids as people type them: a whole id, a unique prefix of one
 * ("k3f"), "last" for the newest run, or a pipeline file for its newest
 * run. The ids come from the daemon's
 * run.list (every indexed run, newest first). An unknown id is an error
 * naming the closest known id; an ambiguous prefix is an error listing
 * the runs it could mean. Also the outcome of a run as an exit status.
 */
#ifndef LOOM_LOOMCTL_RUNREF_H
#define LOOM_LOOMCTL_RUNREF_H

#include <stdbool.h>

#include <jansson.h>

struct rpcclient;

/* How many runs an ambiguous prefix lists before "...". */
#define RUNREF_SHOW_MAX	8

/*
 * Resolve arg to a whole run id (owned, in *id). arg may also name a
 * pipeline file (a path with a '.' or a '/' to an existing file): its
 * newest run. Returns 0, or an exit status after printing an error: 2
 * when no run or several runs match, 1 when the daemon cannot be asked.
 * runref_resolve_going: a file's newest run still going (to cancel).
 */
int runref_resolve(struct rpcclient *c, const char *arg, char **id);
int runref_resolve_going(struct rpcclient *c, const char *arg, char **id);

/* True while a run (or step) state is not final. */
bool runref_active(const char *state);

/*
 * The exit status a run's final state stands for: 0 succeeded, 130
 * cancelled, 1 otherwise (failed, interrupted, unknown).
 */
int runref_exit_status(const char *state);

#endif
