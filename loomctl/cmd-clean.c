/* SPDX-License-Identifier: MIT */
/*
 * loomctl clean FILE [--all] [--list|--dry-run] [--permanent] [-y]:
 * removes what a pipeline's steps produce (common/fresh/clean.h says exactly
 * what), moving it to the desktop trash so it can be restored, or
 * deleting it with --permanent, then drops the stamps and the URL cache.
 * --all adds the outputs recorded by stamps (other parameter values).
 * --list (--dry-run) only shows what would go. On a terminal it asks
 * first unless -y; without a terminal and without -y it refuses, since
 * nobody could answer. It works on files alone and never talks to the
 * daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fresh/clean.h"
#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/fresh/urlcache.h"
#include "loomctl/cmd.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static int	cmd_clean_exec(struct cmd_ctx *ctx, int argc, char **argv);
static const char *cmd_clean_rel(const struct pipeline *p, const char *path);
static bool	cmd_clean_confirm(size_t n, bool permanent);

const struct loomctl_cmd cmd_clean_entry = {
	.name = "clean",
	.usage = "FILE [--all] [--list|--dry-run] [--permanent] [--outside] "
	    "[-y] [--set NAME=VALUE] [--var NAME=PATH]",
	.summary = "Remove (or list) the outputs a pipeline's steps produce.",
	.help =
	    "Moves every output of every step to the trash (freedesktop.org\n"
	    "trash: restore it from your file manager), then removes the\n"
	    "stamps of these outputs and the URL cache. Source data (data\n"
	    "no step produces), task scripts, the pipeline file and .loom are\n"
	    "never touched, even through a symbolic link; outputs outside the\n"
	    "pipeline's folder are kept unless --outside is given.\n\n"
	    "Without --all, only the outputs named with today's parameters\n"
	    "go; results of other values (a sweep's) stay, with their stamps.\n"
	    "--all also removes every output recorded by a stamp (up to 32\n"
	    "output sets per step), under the same rules, and only while it\n"
	    "is as Loom wrote it; then every stamp goes.\n\n"
	    "Options:\n"
	    "  --all             also the outputs recorded by stamps (other "
	    "values)\n"
	    "  --list, --dry-run show what would be removed, remove nothing\n"
	    "  --permanent       delete instead of moving to the trash\n"
	    "  --outside         also remove outputs outside the pipeline's "
	    "folder\n"
	    "  -y, --yes         do not ask (needed when not on a terminal)\n"
	    "  --set NAME=VALUE  override a parameter (repeatable)\n"
	    "  --var NAME=PATH   override a data path (repeatable)\n\n"
	    "Exit status: 0 done, 1 something could not be removed, 2 usage "
	    "error,\ninvalid pipeline, or no confirmation.\n",
	.exec = cmd_clean_exec,
};

static const char *
cmd_clean_rel(const struct pipeline *p, const char *path)
{
	size_t n = strlen(p->dir);

	if (strncmp(path, p->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* Ask on the terminal; true only for an explicit yes. */
static bool
cmd_clean_confirm(size_t n, bool permanent)
{
	char answer[32];

	fprintf(stderr, "%s %zu item(s)%s? [y/N] ", permanent ?
	    "Delete" : "Move", n, permanent ? " for good" : " to the trash");
	fflush(stderr);
	if (fgets(answer, sizeof answer, stdin) == NULL)
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/* What clean would remove (or keep), and the state it resets. */
static void
cmd_clean_show(const struct pipeline *p, const struct clean_list *cl,
    const char *file, bool list_only)
{
	char *cache;
	size_t i;

	printf("%s of %s:\n", list_only ? "Outputs" : "Removing the outputs",
	    file);
	for (i = 0; i < cl->n; i++) {
		const struct clean_target *t = &cl->v[i];

		if (t->refused != NULL)
			printf("  kept     %s (%s%s): %s\n",
			    cmd_clean_rel(p, t->path), t->step,
			    t->recorded ? ", recorded" : "", t->refused);
		else
			printf("  %-8s %s (%s%s)\n", t->exists ? "present" :
			    "absent", cmd_clean_rel(p, t->path), t->step,
			    t->recorded ? ", recorded" : "");
	}
	cache = xasprintf("%s/%s", p->dir, URLCACHE_DIR);
	printf("  also     .loom/stamps/%s\n", access(cache, F_OK) == 0 ?
	    ", " URLCACHE_DIR "/" : "");
	free(cache);
}

/* Trash (or delete) every present output, then the state: exit status. */
static int
cmd_clean_remove(const struct pipeline *p, const struct clean_list *cl,
    bool all, bool permanent)
{
	struct loom_error err;
	size_t i, nfail = 0, nremoved = 0;
	char *as;

	for (i = 0; i < cl->n; i++) {
		const struct clean_target *t = &cl->v[i];

		if (!t->exists || t->refused != NULL)
			continue;
		loom_error_clear(&err);
		if (clean_remove(t, permanent, &as, &err) == -1) {
			output_fail("%s", err.message);
			if (err.hint[0] != '\0')
				fprintf(stderr, "  hint: %s\n", err.hint);
			nfail++;
			continue;
		}
		if (permanent)
			printf("deleted  %s\n", cmd_clean_rel(p, t->path));
		else
			printf("trashed  %s -> %s\n",
			    cmd_clean_rel(p, t->path), as);
		free(as);
		nremoved++;
	}
	loom_error_clear(&err);
	if (clean_state(p, cl, all, &err) == -1) {
		output_fail("%s", err.message);
		nfail++;
	}
	printf("%zu item(s) %s%s\n", nremoved,
	    permanent ? "deleted" : "moved to the trash",
	    nfail > 0 ? ", some could not be removed" : "");
	return nfail > 0 ? LOOMCTL_EXIT_FAILED : LOOMCTL_EXIT_OK;
}

static int
cmd_clean_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	bool list_only = false, permanent = false, yes = false;
	bool outside = false, all = false;
	struct clean_list cl;
	struct loom_error err;
	struct run_opts o;
	struct prepared pr;
	struct strv rest;
	size_t i, nexist = 0;
	int a, rc;

	(void)ctx;
	memset(&cl, 0, sizeof cl);
	strv_init(&rest);
	for (a = 0; a < argc; a++) {
		if (a > 0 && (strcmp(argv[a], "--list") == 0 ||
		    strcmp(argv[a], "--dry-run") == 0))
			list_only = true;
		else if (a > 0 && strcmp(argv[a], "--all") == 0)
			all = true;
		else if (a > 0 && strcmp(argv[a], "--permanent") == 0)
			permanent = true;
		else if (a > 0 && strcmp(argv[a], "--outside") == 0)
			outside = true;
		else if (a > 0 && (strcmp(argv[a], "-y") == 0 ||
		    strcmp(argv[a], "--yes") == 0))
			yes = true;
		else
			strv_push(&rest, argv[a]);
	}
	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_clean_entry, RUNOPTS_OVERRIDE,
	    (int)rest.n, rest.v);
	if (rc != 0 || o.help) {
		if (o.help)
			cmd_print_help(&cmd_clean_entry, stdout);
		runopts_free(&o);
		strv_free(&rest);
		return rc;
	}
	if (o.file == NULL || o.positional.n > 0) {
		rc = cmd_usage_error(&cmd_clean_entry, o.file == NULL ?
		    "a pipeline file is needed" : "one file at a time");
		runopts_free(&o);
		strv_free(&rest);
		return rc;
	}
	if ((rc = prepare_pipeline(&pr, &o, false, false)) != 0)
		goto out;
	loom_error_clear(&err);
	if (clean_collect(pr.p, pr.g, outside, all, &cl, &err) == -1) {
		output_error(&err, stderr);
		rc = LOOMCTL_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < cl.n; i++)
		if (cl.v[i].exists && cl.v[i].refused == NULL)
			nexist++;

	cmd_clean_show(pr.p, &cl, o.file, list_only);
	if (list_only) {
		printf("%zu output(s) present; nothing removed (--list)\n",
		    nexist);
		rc = LOOMCTL_EXIT_OK;
		goto out;
	}
	if (!yes && nexist > 0) {
		if (!isatty(STDIN_FILENO)) {
			output_fail("not removing anything without "
			    "confirmation");
			fprintf(stderr, "  hint: pass -y to %s %zu item(s), "
			    "or --list to see them\n", permanent ?
			    "delete" : "trash", nexist);
			rc = LOOMCTL_EXIT_USAGE;
			goto out;
		}
		if (!cmd_clean_confirm(nexist, permanent)) {
			fprintf(stderr, "nothing removed\n");
			rc = LOOMCTL_EXIT_USAGE;
			goto out;
		}
	}
	rc = cmd_clean_remove(pr.p, &cl, all, permanent);
out:
	clean_list_free(&cl);
	prepare_free(&pr);
	runopts_free(&o);
	strv_free(&rest);
	return rc;
}
