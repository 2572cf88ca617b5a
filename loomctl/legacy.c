/* SPDX-License-Identifier: MIT */
/*
 * "loom" and "loom-ui": the seed's commands. loom takes a pipeline file
 * and the original flags:
 *
 *   loom FILE                      run it (attached)
 *   loom FILE --step A B --set a=1 b=2 --var k=v --dry-run ...
 *                                  every selection option of loomctl run,
 *                                  with --set/--var also taking several
 *                                  NAME=VALUE words after one flag
 *   loom FILE --list               loomctl list FILE
 *   loom FILE --investigate        every selected step with its resolved
 *                                  interpreter, paths (and whether they
 *                                  exist) and command; runs nothing
 *   loom FILE --clean [--permanent] [-y]
 *   loom FILE --clean-list         loomctl clean FILE [--list] ...
 *
 * loom-ui FILE is loomctl ui FILE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/dryrun.h"
#include "loomctl/legacy.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static void	legacy_usage(FILE *fp);
static void	legacy_push_overrides(struct strv *sub,
		    const struct run_opts *o);

static void
legacy_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: loom FILE [options]\n\n"
	    "Runs the pipeline in FILE (the seed's command; 'loomctl --help' "
	    "lists the\nfull command set).\n\n"
	    "  --step A [B...]       run exactly these steps\n"
	    "  --from A, --until A   run from / up to a step\n"
	    "  --group G, --include X\n"
	    "  --set a=1 [b=2...]    override parameters\n"
	    "  --var k=path [...]    override data paths\n"
	    "  --extra \"ARGS\"        extra arguments for the selected steps\n"
	    "  --parallel, --sequential, --max-workers N\n"
	    "  --dry-run             print the commands, run nothing\n"
	    "  --list                list the steps\n"
	    "  --investigate         describe every selected step in detail\n"
	    "  --clean, --clean-list remove / list what the steps produce\n"
	    "  --permanent, -y       with --clean: delete instead of trash; "
	    "do not ask\n"
	    "  -d, --detach          start the run in the background\n\n"
	    "Exit status: 0 success, 1 a step failed or the run was "
	    "cancelled, 2 usage\nerror or invalid pipeline.\n");
}

/* o's overrides as loomctl words: --set NAME=VALUE, then --var NAME=PATH. */
static void
legacy_push_overrides(struct strv *sub, const struct run_opts *o)
{
	size_t i;

	for (i = 0; i < o->set.n; i++) {
		strv_push(sub, "--set");
		strv_push(sub, o->set.v[i]);
	}
	for (i = 0; i < o->var.n; i++) {
		strv_push(sub, "--var");
		strv_push(sub, o->var.v[i]);
	}
}

/* loom FILE [flags]. */
int
legacy_loom(struct cmd_ctx *ctx, int argc, char **argv)
{
	bool list = false, investigate = false, clean = false;
	bool clean_list = false, permanent = false, yes = false;
	struct strv rest, sub;
	struct run_opts o;
	struct prepared pr;
	int a, rc;

	strv_init(&rest);
	strv_push(&rest, "run");
	for (a = 1; a < argc; a++) {
		if (cmd_is_help(argv[a])) {
			legacy_usage(stdout);
			strv_free(&rest);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[a], "--version") == 0) {
			printf("loom %s\n", LOOM_VERSION);
			strv_free(&rest);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[a], "--list") == 0)
			list = true;
		else if (strcmp(argv[a], "--investigate") == 0)
			investigate = true;
		else if (strcmp(argv[a], "--clean") == 0)
			clean = true;
		else if (strcmp(argv[a], "--clean-list") == 0)
			clean_list = true;
		else if (strcmp(argv[a], "--permanent") == 0)
			permanent = true;
		else if (strcmp(argv[a], "-y") == 0 ||
		    strcmp(argv[a], "--yes") == 0)
			yes = true;
		else
			strv_push(&rest, argv[a]);
	}
	if (rest.n == 1) {
		legacy_usage(stderr);
		strv_free(&rest);
		return LOOMCTL_EXIT_USAGE;
	}
	if ((permanent || yes) && !clean && !clean_list) {
		fprintf(stderr, "loom: --permanent and -y go with --clean\n");
		strv_free(&rest);
		return LOOMCTL_EXIT_USAGE;
	}
	if (list + investigate + (clean || clean_list) > 1) {
		fprintf(stderr, "loom: --list, --investigate and --clean "
		    "exclude each other\n");
		strv_free(&rest);
		return LOOMCTL_EXIT_USAGE;
	}

	if (!list && !investigate && !clean && !clean_list) {
		ctx->cmd = &cmd_run_entry;
		rc = cmd_run_entry.exec(ctx, (int)rest.n, rest.v);
		strv_free(&rest);
		return rc;
	}

	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_run_entry, RUNOPTS_ALL, (int)rest.n,
	    rest.v);
	if (rc == 0 && (o.file == NULL || o.positional.n > 0)) {
		fprintf(stderr, "loom: one pipeline file is needed\n");
		rc = LOOMCTL_EXIT_USAGE;
	}
	if (rc != 0) {
		runopts_free(&o);
		strv_free(&rest);
		return rc;
	}
	if (clean || clean_list) {
		strv_init(&sub);
		strv_push(&sub, "clean");
		strv_push(&sub, o.file);
		if (clean_list)
			strv_push(&sub, "--list");
		if (permanent)
			strv_push(&sub, "--permanent");
		if (yes)
			strv_push(&sub, "-y");
		legacy_push_overrides(&sub, &o);
		ctx->cmd = &cmd_clean_entry;
		rc = cmd_clean_entry.exec(ctx, (int)sub.n, sub.v);
		strv_free(&sub);
	} else if (list) {
		strv_init(&sub);
		strv_push(&sub, "list");
		strv_push(&sub, o.file);
		legacy_push_overrides(&sub, &o);
		ctx->cmd = &cmd_list_entry;
		rc = cmd_list_entry.exec(ctx, (int)sub.n, sub.v);
		strv_free(&sub);
	} else {
		rc = prepare_pipeline(&pr, &o, true, false);
		if (rc == 0)
			rc = dryrun_investigate(&pr, &o);
		prepare_free(&pr);
	}
	runopts_free(&o);
	strv_free(&rest);
	return rc;
}

/* loom-ui FILE. */
int
legacy_loom_ui(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct strv sub;
	int a, rc;

	strv_init(&sub);
	strv_push(&sub, "ui");
	for (a = 1; a < argc; a++)
		strv_push(&sub, argv[a]);
	ctx->cmd = &cmd_ui_entry;
	rc = cmd_ui_entry.exec(ctx, (int)sub.n, sub.v);
	strv_free(&sub);
	return rc;
}
