/* SPDX-License-Identifier: MIT */
/*
 * Dry runs: the commands a run would execute, in execution order, loops
 * expanded per item, each shell-quoted so that pasting it into bash runs
 * exactly the same argument vector. Also the "investigate" report of the
 * seed's loom command: every selected step with its resolved paths and
 * whether they exist.
 */
#ifndef LOOM_LOOMCTL_DRYRUN_H
#define LOOM_LOOMCTL_DRYRUN_H

#include <stdbool.h>

struct prepared;
struct run_opts;

/* Print the commands of the selected steps; returns an exit status. */
int dryrun_print(const struct prepared *pr, const struct run_opts *o);

/* Print the investigate report; returns an exit status. */
int dryrun_investigate(const struct prepared *pr, const struct run_opts *o);

#endif
