/* SPDX-License-Identifier: MIT */
/*
 * Where and with what a step runs: the executor (local processes or a
 * Slurm cluster) and the resources a Slurm job asks for. A pipeline sets
 * them under execution: (executor:, slurm:), a step overrides them with
 * resources: (docs/slurm.md). This file checks each setting as Slurm
 * would read it, so that a typo is an error with file:line:col at
 * validation instead of a refused submission later, and merges the two
 * levels. "resources_" is its prefix.
 */
#ifndef LOOM_COMMON_RESOURCES_H
#define LOOM_COMMON_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

enum executor_kind {
	EXECUTOR_DEFAULT,		/* not given: local */
	EXECUTOR_LOCAL,
	EXECUTOR_SLURM,
};

/*
 * How a Slurm run orders its jobs (execution.slurm.dependencies): Loom
 * submits a step when its inputs are ready (loom, the default), or
 * submits the whole selection at once, each job held by Slurm with
 * --dependency=afterok: on the jobs of the steps it needs (slurm).
 */
enum slurm_deps {
	SLURM_DEPS_DEFAULT,		/* not given: loom */
	SLURM_DEPS_LOOM,
	SLURM_DEPS_SLURM,
};

/* Limits on what comes from the file. */
#define RESOURCES_MAX_TEXT	256	/* bytes of one setting */
#define RESOURCES_MAX_EXTRA	64	/* items of extra: */

struct resources {
	char *partition;	/* NULL when not given, as every field */
	char *time;		/* as Slurm reads --time: "90", "1:30:00" */
	char *mem;		/* "4G", "500M", "0" (all of a node's) */
	long cpus_per_task;	/* 0 when not given */
	char *gpus;		/* "2" or "a100:2" */
	char *account;
	char *qos;
	struct strv extra;	/* further sbatch options, "--name[=value]" */
};

/* The keys of slurm: and resources:, in documentation order. */
extern const char *const resources_keys[];
extern const size_t resources_nkeys;

/* "local" or "slurm"; EXECUTOR_DEFAULT for anything else. */
enum executor_kind resources_executor(const char *name);
const char *resources_executor_name(enum executor_kind kind);

/* "loom" or "slurm"; SLURM_DEPS_DEFAULT for anything else. */
enum slurm_deps resources_deps(const char *name);

/*
 * Check the value text of one scalar key of slurm:/resources: (not
 * extra:) and store it. On a bad value returns false with a message and
 * a hint (both static or in the buffers given).
 */
bool	resources_set(struct resources *r, const char *key, const char *text,
	    char *msg, size_t msglen, const char **hint);

/* Check one item of extra: and append it; false with a message. */
bool	resources_add_extra(struct resources *r, const char *text,
	    char *msg, size_t msglen, const char **hint);

/* out = base with every field over gives replaced (extra: appended). */
void	resources_merge(struct resources *out, const struct resources *base,
	    const struct resources *over);

bool	resources_empty(const struct resources *r);
void	resources_free(struct resources *r);

#endif
