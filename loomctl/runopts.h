/* SPDX-License-Identifier: MIT */
/*
 * Command-line options shared by the commands that take a pipeline file:
 * the selection (README "Selecting what runs": --step A [B...], --from, --until,
 * --group, --include, --set k=v, --var k=v, --extra, --parallel,
 * --sequential, --max-workers N, --force, --executor,
 * --slurm-dependencies) and the run switches (--dry-run, -d/--detach,
 * --json). Options may be repeated; the
 * multi-value ones take every following word up to the next option.
 */
#ifndef LOOM_LOOMCTL_RUNOPTS_H
#define LOOM_LOOMCTL_RUNOPTS_H

#include <stdbool.h>

#include "common/util/xmalloc.h"

struct loomctl_cmd;

/* Which options a command accepts. */
/* --step, --from, --until, --group, --include */
#define RUNOPTS_SELECT	0x01
#define RUNOPTS_OVERRIDE 0x02	/* --set, --var */
/*
 * --extra, --parallel, --sequential, --max-workers, --force, --executor,
 * --slurm-dependencies
 */
#define RUNOPTS_EXEC	0x04
/* --dry-run, -d/--detach, --no-progress, --no-wait */
#define RUNOPTS_RUN	0x08
#define RUNOPTS_JSON	0x10	/* --json */
#define RUNOPTS_ALL	0x1f

struct run_opts {
	const char *file;		/* the pipeline file (borrowed) */
	struct strv positional;		/* words after the file */
	struct strv steps;
	struct strv from;
	struct strv until;
	struct strv groups;
	struct strv include;
	struct strv set;		/* "k=v" */
	struct strv var;		/* "k=v" */
	const char *extra;		/* borrowed, NULL when not given */
	const char *executor;		/* "local", "slurm" or NULL */
	const char *slurm_deps;		/* "loom", "slurm" or NULL */
	int parallel;			/* -1 not given, 0 or 1 */
	long max_workers;		/* 0 when not given */
	bool force;
	bool dry_run;
	bool detach;
	bool json;
	bool no_progress;
	bool no_wait;			/* refuse to queue behind a run */
	bool help;			/* --help was given: print it, exit 0 */
};

void runopts_init(struct run_opts *o);
void runopts_free(struct run_opts *o);

/* Whether s ends as a pipeline file's name does (.yml, .yaml). */
bool runopts_is_file_name(const char *s);

/*
 * Parse argv[1..argc) (argv[0] is the command name). Returns 0, or 2
 * after printing a usage error. Unknown options are usage errors; words
 * that are not options fill file, then positional.
 */
int runopts_parse(struct run_opts *o, const struct loomctl_cmd *cmd,
    int flags, int argc, char **argv);

/* True when any selection option was given. */
bool runopts_has_selection(const struct run_opts *o);

#endif
