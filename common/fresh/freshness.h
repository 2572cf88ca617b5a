/* SPDX-License-Identifier: MIT */
/*
 * Incremental runs: is a step up to date, and if not, why?
 *
 * A step (or one item of a loop step) is judged against the stamp of its
 * current output set (its outputs as expanded now: stamp_set_key), so
 * results made under other parameter values are kept and reused when
 * the values come back. It is
 *  - missing when one of its outputs does not exist;
 *  - stale when its last attempt failed, was cancelled, was interrupted
 *    or is still running (its stamp is not "succeeded"), when its
 *    argument vector differs from the recorded one (a parameter, a data
 *    path, --extra, the interpreter), when its task script's content
 *    changed, when an input changed since it succeeded, or, with
 *    no stamp at all, when an input or the task script is newer than its
 *    oldest output (make's rule);
 *  - fresh otherwise.
 * A plan then propagates along the dependency graph: a step whose
 * upstream is out of date (or, in a run, will re-run) is stale too, with
 * that upstream step named as the reason.
 *
 * Outputs of failed, cancelled or interrupted steps are left in place for
 * inspection; the stamp alone makes them untrusted until the step
 * succeeds again.
 *
 * The runner calls freshness_begin before a step (or item) starts,
 * freshness_commit after it succeeded and freshness_fail otherwise.
 */
#ifndef LOOM_COMMON_FRESHNESS_H
#define LOOM_COMMON_FRESHNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"

struct command_env;
struct graph;
struct loom_error;
struct pipeline;

enum freshness_state {
	FRESH_FRESH,
	FRESH_STALE,
	FRESH_MISSING,
};

/* Per step result of a plan. */
struct fresh_step {
	enum freshness_state state;	/* with upstream propagation */
	char *reason;		/* why not fresh; NULL when fresh */
	bool will_run;		/* run plans: selected and out of date */
	char *run_reason;	/* why it runs; NULL when it does not */
	/*
	 * Loop steps that will run: every item (forced, named, upstream
	 * re-runs, items could not be judged), or only those out of date,
	 * which the runner checks again with freshness_check when it lists
	 * the items.
	 */
	bool all_items;
	/* Loop steps: items found, and the names of those out of date. */
	size_t nitems;
	struct strv stale_items;
	/*
	 * With fresh_opts.keep_argv, the command the step was judged by
	 * (a step without a loop, whose command could be built); empty
	 * otherwise.
	 */
	struct strv argv;
	/* With keep_argv, the paths of the step's outputs, when listed. */
	struct strv outputs;
};

struct fresh_plan {
	size_t nsteps;
	struct fresh_step *steps;
	/* Commands built for this plan, and taken from fresh_opts.memo. */
	size_t nbuilt, nreused;
};

/*
 * What judging a step works out from the model alone, kept between the
 * plans of one model that does not change (the daemon keeps one with
 * each pipeline it keeps, loomd/plancache.h): each step's command, the
 * paths of its outputs, their output set key (stamp_set_key) and its
 * task's path. Valid for the same model, its task files unchanged, and
 * the same env and extra: a plan with another VIRTUAL_ENV or --extra
 * starts it afresh. Steps with a loop are not kept (their items come
 * from files). One plan uses it at a time; another one at the same
 * time works without it.
 */
struct fresh_memo;

struct fresh_opts {
	const struct command_env *env;	/* NULL: no VIRTUAL_ENV */
	const char *extra;	/* --extra for the selected steps, or NULL */
	/*
	 * NULL for a status plan (nothing runs; will_run stays false).
	 * Otherwise the steps selected to run: will_run is set for those
	 * out of date, those in always, every one with force, and those
	 * downstream of a step that will run.
	 */
	const bool *selected;
	const bool *always;	/* steps named with --step, or NULL */
	bool force;
	bool keep_argv;		/* keep each command in fresh_step.argv */
	/*
	 * For a run, which reads only will_run, run_reason and all_items:
	 * steps whose judgement cannot change those (not selected, or
	 * selected to run anyway: force, always) are not judged (no stamp
	 * read, no file looked at); their state is FRESH_STALE, reason NULL.
	 * A step stale only because of its upstream has no reason either.
	 */
	bool run_only;
	/*
	 * Reads the stamps in place of stamp_read_at (the same contract,
	 * except that the stamp may have other holders: it is only read,
	 * then let go with stamp_free), called with read_stamp_arg first;
	 * NULL: stamp_read_at. The daemon keeps the stamps it read
	 * (loomd/stampcache.h).
	 */
	struct stamp *(*read_stamp)(void *arg, int stamps_fd,
	    const char *experiment_dir, const char *step, const char *item,
	    const char *set, struct loom_error *err);
	void *read_stamp_arg;
	/*
	 * NULL, or the memo of this model (made with fresh_memo_create for
	 * its number of steps); the plan reads and fills it.
	 */
	struct fresh_memo *memo;
};

struct fresh_memo *fresh_memo_create(size_t nsteps);
void fresh_memo_free(struct fresh_memo *m);

/*
 * Judge every step of p in topological order. Problems with one step
 * (a reference that does not resolve, an unreadable file) make that step
 * stale with the problem as its reason instead of failing the plan.
 * Returns an owned plan, or NULL with err set when g does not fit p.
 */
struct fresh_plan *freshness_plan(const struct pipeline *p,
    const struct graph *g, const struct fresh_opts *o,
    struct loom_error *err);

void freshness_plan_free(struct fresh_plan *plan);

/*
 * Judge one step, or one item of a loop step (item and item_output are
 * then the item's path and its $loop_output; both NULL otherwise), whose
 * command is argv, against its own stamp only (no upstream). *reason
 * receives an owned explanation when the state is not fresh, else NULL.
 * Returns 0, or -1 with err set when the step's files cannot be worked
 * out.
 */
int freshness_check(const struct pipeline *p, size_t step,
    const struct strv *argv, const char *item, const char *item_output,
    enum freshness_state *state, char **reason, struct loom_error *err);

/*
 * Mark a step (or item: its path and $loop_output) as running, before it
 * starts. With keep not NULL, *keep is the marker's file left open for
 * freshness_write (or -1).
 */
int freshness_begin(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, const struct strv *argv,
    int *keep, struct loom_error *err);

/*
 * The command a step (or item) was last started with, as its stamp
 * recorded it (the running marker of freshness_begin, or a success),
 * into argv (initialised by the caller). 1 when the stamp has one, 0
 * when there is none (no stamp, a failure's), -1 with err set when it
 * cannot be read.
 */
int freshness_stamp_argv(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, struct strv *argv,
    struct loom_error *err);

/*
 * The stamp of a success, with the identity of every input and output
 * taken now (item and item_output as in freshness_check), for
 * freshness_write. Owned; NULL with err set.
 */
struct stamp *freshness_succeeded(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, const struct strv *argv,
    struct loom_error *err);

/*
 * What a step's task script and input files looked like as it started
 * (freshness_seen), so that its stamp can say which of them changed
 * while it ran (freshness_seen_apply): the step read the version it
 * found as it started, and a stamp taken at its end would otherwise
 * record the new one and judge the step fresh by a version it never
 * read. Files only: an input folder's identity is worked out from
 * everything below it, too dear to take at every start.
 */
struct fresh_seen {
	bool taken;
	struct stamp_ident script;	/* stamp_ident_stat's */
	size_t ninputs;
	struct stamp_ident *inputs;	/* as command_input_paths lists */
};

/*
 * Take what step's (or item's) task script and inputs look like now:
 * call it before the step starts. Never fails: a path that cannot be
 * worked out leaves seen not taken, and freshness_seen_apply then
 * changes nothing.
 */
void freshness_seen(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, struct fresh_seen *seen);

/*
 * Mark in the success stamp s what changed since seen was taken: an
 * input as changed (it can match no file: the step is stale, "input ...
 * changed", until it runs again), the script by leaving its hash out
 * (stale, "task script ... changed"). script is the task's path, as
 * freshness_succeeded_quick gave it. Returns true when the script
 * changed: its hash must not be filled in (stamp_hash_fill with NULL).
 */
bool freshness_seen_apply(const struct fresh_seen *seen, struct stamp *s,
    const char *script);

void freshness_seen_free(struct fresh_seen *seen);

/*
 * freshness_succeeded without content hashes (stamp_succeeded_quick):
 * stamp_hash_fill(stamp, *script) adds them later, off the daemon's
 * loop. *script is the task's path (owned; NULL when it has none).
 */
struct stamp *freshness_succeeded_quick(const struct pipeline *p,
    size_t step, const char *item, const char *item_output,
    const struct strv *argv, char **script, struct loom_error *err);

/*
 * Write a stamp made by freshness_succeeded or stamp_ended, as the stamp
 * of the unit's output set; marker is what freshness_begin kept (closed
 * here), or -1.
 */
int freshness_write(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, int marker, const struct stamp *s,
    struct loom_error *err);

/* freshness_succeeded, then freshness_write. */
int freshness_commit(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, const struct strv *argv,
    struct loom_error *err);

/*
 * Record a failure (STAMP_FAILED, STAMP_CANCELLED, STAMP_INTERRUPTED)
 * with an optional detail such as "exit code 1".
 */
int freshness_fail(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, enum stamp_state state, const char *detail,
    struct loom_error *err);

/* "fresh", "stale", "missing". */
const char *freshness_state_name(enum freshness_state state);

/*
 * A string of a freshness answer (pipeline.freshness, loomctl status
 * FILE, both ways alike) that may hold a path not UTF-8, which JSON
 * cannot carry: s itself when it is UTF-8; else, in *copy (owned, free
 * it; NULL otherwise), s as log lines write it, each byte that is not
 * part of a UTF-8 character as \xNN (log_escape). A loop item whose
 * name is not UTF-8 is left out of stale_items instead, and counted in
 * items_stale.
 */
const char *freshness_text(const char *s, char **copy);

#endif
