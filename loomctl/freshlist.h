/* SPDX-License-Identifier: MIT */
/*
 * Freshness on the client side, from files alone (no daemon):
 * `loomctl status FILE` lists each step as fresh, stale or missing with
 * the reason, and dry runs use the same plan to say which steps a run
 * would execute and why. The daemon's pipeline.freshness method gives the
 * same answers (both come from common/fresh/freshness.h).
 */
#ifndef LOOM_LOOMCTL_FRESHLIST_H
#define LOOM_LOOMCTL_FRESHLIST_H

#include <stdbool.h>
#include <stddef.h>

struct fresh_plan;
struct prepared;
struct run_opts;

/* True when arg names an existing regular file (a pipeline, not a run). */
bool freshlist_is_file(const char *arg);

/*
 * loomctl status FILE [--set k=v] [--var k=v] [--json]: argv[0] is
 * "status". Returns an exit status.
 */
int freshlist_status(int argc, char **argv);

/*
 * The plan of the run that pr and o describe (selection, --step, --force,
 * --extra, $VIRTUAL_ENV from the environment). URL data already in the
 * cache is used; nothing is downloaded. Owned (freshness_plan_free), or
 * NULL when it cannot be made.
 */
struct fresh_plan *freshlist_run_plan(const struct prepared *pr,
    const struct run_opts *o);

/*
 * For a loop item of a plan's step: true when that item is up to date
 * and would not run.
 */
bool freshlist_item_fresh(const struct prepared *pr,
    const struct run_opts *o, const struct fresh_plan *plan, size_t step,
    const char *item, const char *output);

#endif
