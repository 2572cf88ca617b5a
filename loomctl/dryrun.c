/* SPDX-License-Identifier: MIT */
/*
 * Dry runs and the investigate report. A dry run prints a shell script
 * that does what the run would do, run as printed (`... --dry-run | sh`):
 * `set -e`, a `cd` to the pipeline's folder, then for each step the
 * `mkdir -p` of its output folders and its command, one per line, every
 * word quoted. Everything else is a "#" comment, whose text has its
 * control characters escaped, so no name or value can end a comment
 * and start a command (X6). A loop whose folder does not exist yet (an
 * upstream step makes it) cannot list its items: it is printed as a
 * comment with its command for one item, and is not run by the script.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "loomctl/cmd.h"
#include "loomctl/dryrun.h"
#include "loomctl/freshlist.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static bool	dryrun_parallel(const struct pipeline *p,
		    const struct run_opts *o);
static int	dryrun_command(const struct pipeline *p, size_t step,
		    const char *item, const char *output,
		    const struct run_opts *o, struct strv *argv,
		    char **quoted);
static json_t	*dryrun_json_argv(const struct strv *argv);
static void	dryrun_fresh_json(json_t *entry, const struct fresh_step *fs);
static void	dryrun_paths(const char *title, const struct strv *paths);
static void	dryrun_comment(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
static void	dryrun_comment_text(const char *prefix, const char *text);
static int	dryrun_mkdirs(const struct pipeline *p, size_t step,
		    const char *loop_output, const char *into,
		    struct strv *known);
static void	dryrun_header(const struct pipeline *p,
		    const struct run_opts *o, size_t n, size_t nfresh);

/* One "#" comment line; its text cannot break out of the comment. */
static void
dryrun_comment(const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	dryrun_comment_text(NULL, text);
	free(text);
}

/* A comment line of prefix (printed as is) and text, with no copies. */
static void
dryrun_comment_text(const char *prefix, const char *text)
{
	fputs("# ", stdout);
	if (prefix != NULL)
		fputs(prefix, stdout);
	command_fputs_printable(text, stdout);
	putchar('\n');
}

/*
 * "mkdir -p" of the folders a step (or a loop item) writes into, as the
 * daemon creates them before it starts the step: the parent of each
 * output and a loop's into folder. known, when not empty, holds the
 * output paths the plan listed already; they are taken over, not listed
 * again. Returns 0, or 2 after printing the error.
 */
static int
dryrun_mkdirs(const struct pipeline *p, size_t step, const char *loop_output,
    const char *into, struct strv *known)
{
	struct loom_error err;
	struct strv outs, dirs;
	char *slash, *line;
	size_t i, k;

	strv_init(&outs);
	strv_init(&dirs);
	loom_error_clear(&err);
	if (known != NULL && known->n > 0) {
		outs = *known;
		strv_init(known);
	} else if (command_output_paths(p, step, loop_output, &outs,
	    &err) == -1) {
		output_error(&err, stderr);
		strv_free(&outs);
		return LOOMCTL_EXIT_USAGE;
	}
	if (into != NULL)
		strv_push(&dirs, into);
	for (i = 0; i < outs.n; i++) {
		slash = strrchr(outs.v[i], '/');
		if (slash == NULL || slash == outs.v[i] ||
		    pipeline_is_url(outs.v[i]))
			continue;
		*slash = '\0';
		for (k = 0; k < dirs.n && strcmp(dirs.v[k], outs.v[i]) != 0;
		    k++)
			;
		if (k == dirs.n)
			strv_push(&dirs, outs.v[i]);
	}
	if (dirs.n > 0) {
		line = command_quote(&dirs);
		fputs("mkdir -p -- ", stdout);
		puts(line);
		free(line);
	}
	strv_free(&outs);
	strv_free(&dirs);
	return 0;
}

/* The script's first lines: what it runs, set -e and the cd. */
static void
dryrun_header(const struct pipeline *p, const struct run_opts *o, size_t n,
    size_t nfresh)
{
	char *dir = command_quote_word(p->dir);

	printf("# Pipeline: %zu step(s) to run%s", n - nfresh,
	    dryrun_parallel(p, o) ? " [parallel]" : "");
	if (nfresh > 0)
		printf(", %zu up to date (--force runs them)", nfresh);
	printf("\n");
	dryrun_comment("working directory: %s", p->dir);
	printf("set -e\ncd -- %s\n", dir);
	free(dir);
}

static bool
dryrun_parallel(const struct pipeline *p, const struct run_opts *o)
{
	if (o->parallel != -1)
		return o->parallel == 1;
	return p->exec.parallel == 1;
}

/*
 * Build one command (a loop item's when item is not NULL). Returns 0, or
 * 2 after printing the error.
 */
static int
dryrun_command(const struct pipeline *p, size_t step, const char *item,
    const char *output, const struct run_opts *o, struct strv *argv,
    char **quoted)
{
	struct command_env env;
	struct loom_error err;

	memset(&env, 0, sizeof env);
	env.virtual_env = getenv("VIRTUAL_ENV");
	loom_error_clear(&err);
	if (command_build(p, step, &env, item, output, o->extra, argv,
	    &err) == -1) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_USAGE;
	}
	*quoted = command_quote(argv);
	return 0;
}

/* "uptodate" and "reason" (why it would run) of a dry-run entry. */
static void
dryrun_fresh_json(json_t *entry, const struct fresh_step *fs)
{
	json_object_set_new(entry, "uptodate", json_boolean(!fs->will_run));
	json_object_set_new(entry, "reason", fs->run_reason != NULL ?
	    json_string(fs->run_reason) : json_null());
}

static json_t *
dryrun_json_argv(const struct strv *argv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < argv->n; i++)
		json_array_append_new(a, json_string(argv->v[i]));
	return a;
}

/*
 * A script of thousands of lines into a pipe or a file goes out in
 * 64 KiB writes rather than stdio's default 4 KiB (one system call per
 * ~30 steps); a terminal keeps its line buffering.
 */
static void
dryrun_buffer(void)
{
	static char buf[64 * 1024];

	if (isatty(STDOUT_FILENO))
		return;
	fflush(stdout);
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
}

/* What dryrun_print's helpers share. */
struct dryrun_ctx {
	const struct prepared *pr;
	const struct run_opts *o;
	const struct pipeline *p;
	struct fresh_plan *plan;	/* NULL when freshness is unknown */
	json_t *list;			/* --json: the steps array */
};

/* A step without a loop: its command, or why it does not run. */
static int
dryrun_plain_step(struct dryrun_ctx *dc, size_t idx)
{
	const struct step *s = &dc->p->steps[idx];
	const struct fresh_step *fs = dc->plan != NULL ?
	    &dc->plan->steps[idx] : NULL;
	struct strv argv;
	char *quoted;
	int rc;

	strv_init(&argv);
	/* The plan built the command already: built once, printed here. */
	if (fs != NULL && fs->argv.n > 0) {
		argv = fs->argv;
		strv_init(&dc->plan->steps[idx].argv);
		quoted = command_quote(&argv);
	} else if ((rc = dryrun_command(dc->p, idx, NULL, NULL, dc->o, &argv,
	    &quoted)) != 0) {
		strv_free(&argv);
		return rc;
	}
	rc = 0;
	if (dc->o->json) {
		json_array_append_new(dc->list, json_pack("{s:s, s:o}",
		    "step", s->name, "argv", dryrun_json_argv(&argv)));
		if (fs != NULL)
			dryrun_fresh_json(json_array_get(dc->list,
			    json_array_size(dc->list) - 1), fs);
	} else {
		dryrun_comment_text(NULL, s->name);
		if (fs != NULL && !fs->will_run) {
			dryrun_comment_text(NULL, "  up to date, not run");
			dryrun_comment_text(NULL, quoted);
		} else {
			if (fs != NULL)
				dryrun_comment_text("  runs: ",
				    fs->run_reason);
			rc = dryrun_mkdirs(dc->p, idx, NULL, NULL, fs != NULL ?
			    &dc->plan->steps[idx].outputs : NULL);
			puts(quoted);
		}
	}
	free(quoted);
	strv_free(&argv);
	return rc;
}

/* A loop whose items cannot be listed yet: its command template. */
static int
dryrun_pending_loop(struct dryrun_ctx *dc, size_t idx, const char *why)
{
	const struct step *s = &dc->p->steps[idx];
	struct strv argv;
	char *quoted;
	int rc;

	strv_init(&argv);
	rc = dryrun_command(dc->p, idx, "$loop_item", "$loop_output", dc->o,
	    &argv, &quoted);
	if (rc == 0 && dc->o->json) {
		json_array_append_new(dc->list, json_pack("{s:s, s:s, s:o}",
		    "step", s->name, "pending", why, "argv",
		    dryrun_json_argv(&argv)));
	} else if (rc == 0) {
		dryrun_comment("%s: items listed when the step runs (%s)",
		    s->name, why);
		dryrun_comment("  for each item: %s", quoted);
	}
	if (rc == 0)
		free(quoted);
	strv_free(&argv);
	return rc;
}

/* One item of a loop step. */
static int
dryrun_loop_item(struct dryrun_ctx *dc, size_t idx,
    const struct loop_items *li, size_t k)
{
	const struct step *s = &dc->p->steps[idx];
	const char *out = li->outputs.v[k][0] != '\0' ? li->outputs.v[k] :
	    NULL;
	struct strv argv;
	json_t *entry;
	char *quoted;
	bool fresh;
	int rc;

	strv_init(&argv);
	rc = dryrun_command(dc->p, idx, li->items.v[k], out, dc->o, &argv,
	    &quoted);
	if (rc != 0) {
		strv_free(&argv);
		return rc;
	}
	fresh = dc->plan != NULL && freshlist_item_fresh(dc->pr, dc->o,
	    dc->plan, idx, li->items.v[k], out);
	if (dc->o->json) {
		entry = json_pack("{s:s, s:i, s:s, s:o}", "step", s->name,
		    "item", (int)k, "item_path", li->items.v[k], "argv",
		    dryrun_json_argv(&argv));
		if (dc->plan != NULL)
			json_object_set_new(entry, "uptodate",
			    json_boolean(fresh));
		json_array_append_new(dc->list, entry);
	} else if (fresh)
		dryrun_comment("up to date: %s", quoted);
	else {
		rc = dryrun_mkdirs(dc->p, idx, out, li->into, NULL);
		puts(quoted);
	}
	free(quoted);
	strv_free(&argv);
	return rc;
}

/* A loop step: one command per item. */
static int
dryrun_loop_step(struct dryrun_ctx *dc, size_t idx)
{
	const struct step *s = &dc->p->steps[idx];
	const struct fresh_step *fs = dc->plan != NULL ?
	    &dc->plan->steps[idx] : NULL;
	struct loop_items li;
	struct loom_error err;
	size_t k;
	int rc = 0;

	loopitems_init(&li);
	loom_error_clear(&err);
	if (loopitems_list(dc->p, idx, &li, &err) == -1) {
		rc = dryrun_pending_loop(dc, idx, err.message);
		loopitems_free(&li);
		return rc;
	}
	if (!dc->o->json) {
		dryrun_comment("%s: %zu item(s) of %s", s->name, li.items.n,
		    li.over);
		if (fs != NULL && fs->will_run)
			dryrun_comment("  runs: %s", fs->run_reason);
		else if (fs != NULL)
			dryrun_comment("  up to date, not run");
	}
	for (k = 0; k < li.items.n && rc == 0; k++)
		rc = dryrun_loop_item(dc, idx, &li, k);
	loopitems_free(&li);
	return rc;
}

/* Print the commands of the selected steps. */
int
dryrun_print(const struct prepared *pr, const struct run_opts *o)
{
	struct dryrun_ctx dc = { pr, o, pr->p, NULL, NULL };
	json_t *out = NULL;
	size_t *order, n, i, nfresh = 0;
	int rc = 0;

	dryrun_buffer();
	order = prepare_order(pr, &n);
	/* Which steps a run would execute, and why (freshlist.c). */
	dc.plan = freshlist_run_plan(pr, o);
	for (i = 0; dc.plan != NULL && i < n; i++)
		nfresh += !dc.plan->steps[order[i]].will_run;
	if (o->json) {
		dc.list = json_array();
		out = json_pack("{s:s, s:s, s:b, s:o}", "file", o->file,
		    "cwd", dc.p->dir, "parallel", dryrun_parallel(dc.p, o),
		    "steps", dc.list);
	} else
		dryrun_header(dc.p, o, n, nfresh);
	for (i = 0; i < n && rc == 0; i++) {
		if (dc.p->steps[order[i]].loop == NULL)
			rc = dryrun_plain_step(&dc, order[i]);
		else
			rc = dryrun_loop_step(&dc, order[i]);
	}
	if (o->json && rc == 0)
		output_json(out, stdout);
	json_decref(out);
	freshness_plan_free(dc.plan);
	free(order);
	return rc;
}

static void
dryrun_paths(const char *title, const struct strv *paths)
{
	struct stat st;
	size_t i;

	for (i = 0; i < paths->n; i++) {
		const char *state;

		if (strstr(paths->v[i], "://") != NULL)
			state = "url";
		else if (stat(paths->v[i], &st) == -1)
			state = "missing";
		else if (S_ISDIR(st.st_mode))
			state = "folder";
		else
			state = "exists";
		printf("    %-8s %-8s %s\n", i == 0 ? title : "", state,
		    paths->v[i]);
	}
}

/* The investigate report: everything about each selected step. */
int
dryrun_investigate(const struct prepared *pr, const struct run_opts *o)
{
	const struct pipeline *p = pr->p;
	struct loom_error err;
	struct strv argv, in, outp, interp;
	struct command_env env;
	const size_t *deps;
	size_t *order, n, i, k, nd;
	char *quoted, *task;
	int rc = 0;

	memset(&env, 0, sizeof env);
	env.virtual_env = getenv("VIRTUAL_ENV");
	order = prepare_order(pr, &n);
	printf("Pipeline: %s\n  folder:   %s\n  steps:    %zu in the file, "
	    "%zu selected\n  mode:     %s", o->file, p->dir, p->nsteps, n,
	    dryrun_parallel(p, o) ? "parallel" : "sequential");
	if (o->max_workers > 0 || p->exec.max_workers > 0)
		printf(", max %ld workers", o->max_workers > 0 ?
		    o->max_workers : p->exec.max_workers);
	printf("\n  python:   %s\n", env.virtual_env != NULL ?
	    "$VIRTUAL_ENV/bin/python" : "python3 from PATH");
	if (p->nparams > 0) {
		printf("  parameters:\n");
		for (i = 0; i < p->nparams; i++)
			printf("    %s = %s\n", p->params[i].name,
			    p->params[i].value->text != NULL ?
			    p->params[i].value->text : "");
	}
	for (i = 0; i < n && rc == 0; i++) {
		const struct step *s = &p->steps[order[i]];

		printf("\n[%zu/%zu] %s%s%s\n", i + 1, n,
		    output_sgr(stdout, OUTPUT_BOLD), s->name,
		    output_sgr(stdout, OUTPUT_RESET));
		task = pipeline_abspath(p, s->task);
		strv_init(&interp);
		loom_error_clear(&err);
		if (command_interpreter(p, order[i], &env, &interp, &err) == 0)
			quoted = command_quote(&interp);
		else
			quoted = xstrdup(err.message);
		printf("    task     %-8s %s\n    run with %s\n",
		    access(task, R_OK) == 0 ? "exists" : "missing", task,
		    interp.n > 0 ? quoted : "(directly)");
		free(quoted);
		strv_free(&interp);
		free(task);
		deps = graph_deps(pr->g, order[i], &nd);
		for (k = 0; k < nd; k++)
			printf("    %-8s %s\n", k == 0 ? "after" : "",
			    p->steps[deps[k]].name);
		if (s->loop != NULL) {
			printf("    loop     one command per file (see "
			    "--dry-run)\n");
			continue;
		}
		strv_init(&in);
		strv_init(&outp);
		loom_error_clear(&err);
		if (command_input_paths(p, order[i], NULL, &in, &err) == 0 &&
		    command_output_paths(p, order[i], NULL, &outp, &err) == 0) {
			dryrun_paths("reads", &in);
			dryrun_paths("writes", &outp);
		} else
			output_error(&err, stderr);
		strv_free(&in);
		strv_free(&outp);
		strv_init(&argv);
		rc = dryrun_command(p, order[i], NULL, NULL, o, &argv, &quoted);
		if (rc == 0) {
			printf("    command  %s\n", quoted);
			free(quoted);
		}
		strv_free(&argv);
	}
	free(order);
	return rc;
}
