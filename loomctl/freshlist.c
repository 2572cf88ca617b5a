/* SPDX-License-Identifier: MIT */
/*
 * loomctl status FILE, and the freshness plan behind dry runs (see
 * freshlist.h). Everything here reads files only; it never starts or asks
 * the daemon, so it answers the same with or without one.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/pipeline.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/freshlist.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static void	freshlist_env(struct command_env *env);

/* True when arg is an existing regular file. */
bool
freshlist_is_file(const char *arg)
{
	struct stat st;

	return arg != NULL && arg[0] != '-' && stat(arg, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

static void
freshlist_env(struct command_env *env)
{
	const char *ve = getenv("VIRTUAL_ENV");

	memset(env, 0, sizeof *env);
	env->virtual_env = ve != NULL && ve[0] != '\0' ? ve : NULL;
}

/* The freshness plan of the run pr and o describe. */
struct fresh_plan *
freshlist_run_plan(const struct prepared *pr, const struct run_opts *o)
{
	struct command_env env;
	struct fresh_opts fo;
	struct fresh_plan *plan;
	struct loom_error err;
	bool *always;
	ssize_t k;
	size_t i;

	loom_error_clear(&err);
	(void)urlcache_resolve_pipeline(pr->p, false, &err);
	always = xcalloc(pr->p->nsteps + 1, sizeof *always);
	for (i = 0; i < o->steps.n; i++)
		if ((k = pipeline_step_index(pr->p, o->steps.v[i])) >= 0)
			always[k] = true;
	freshlist_env(&env);
	memset(&fo, 0, sizeof fo);
	fo.env = &env;
	fo.extra = o->extra;
	fo.selected = pr->selected;
	fo.always = always;
	fo.force = o->force;
	fo.keep_argv = true;
	loom_error_clear(&err);
	plan = freshness_plan(pr->p, pr->g, &fo, &err);
	free(always);
	return plan;
}

/* True when a loop item would not run. */
bool
freshlist_item_fresh(const struct prepared *pr, const struct run_opts *o,
    const struct fresh_plan *plan, size_t step, const char *item,
    const char *output)
{
	const struct fresh_step *fs = &plan->steps[step];
	struct command_env env;
	struct loom_error err;
	enum freshness_state st;
	struct strv argv;
	char *why = NULL;
	bool fresh;

	if (!fs->will_run)
		return true;
	if (fs->all_items)
		return false;
	freshlist_env(&env);
	strv_init(&argv);
	loom_error_clear(&err);
	fresh = command_build(pr->p, step, &env, item, output, o->extra,
	    &argv, &err) == 0 && freshness_check(pr->p, step, &argv, item,
	    output, &st, &why, &err) == 0 && st == FRESH_FRESH;
	free(why);
	strv_free(&argv);
	return fresh;
}

/* loomctl status FILE: each step's freshness. */
int
freshlist_status(int argc, char **argv)
{
	static const char *const names[] = { "fresh", "stale", "missing" };
	struct fresh_plan *plan = NULL;
	struct prepared pr;
	struct run_opts o;
	json_t *out, *steps, *js;
	size_t i, k, width = 4, counts[3] = { 0, 0, 0 };
	int rc;

	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_status_entry, RUNOPTS_OVERRIDE |
	    RUNOPTS_JSON, argc, argv);
	if (rc != 0 || o.file == NULL || o.positional.n > 0) {
		if (rc == 0)
			rc = cmd_usage_error(&cmd_status_entry,
			    "one pipeline file at a time");
		runopts_free(&o);
		return rc;
	}
	if ((rc = prepare_pipeline(&pr, &o, false, o.json)) != 0)
		goto out;
	/* A status plan: nothing selected, nothing runs. */
	{
		struct command_env env;
		struct fresh_opts fo;
		struct loom_error err;

		loom_error_clear(&err);
		(void)urlcache_resolve_pipeline(pr.p, false, &err);
		freshlist_env(&env);
		memset(&fo, 0, sizeof fo);
		fo.env = &env;
		loom_error_clear(&err);
		if ((plan = freshness_plan(pr.p, pr.g, &fo, &err)) == NULL) {
			output_error(&err, stderr);
			rc = LOOMCTL_EXIT_FAILED;
			goto out;
		}
	}
	for (i = 0; i < plan->nsteps; i++) {
		counts[plan->steps[i].state]++;
		if (strlen(pr.p->steps[i].name) > width)
			width = strlen(pr.p->steps[i].name);
	}
	if (o.json) {
		steps = json_array();
		for (i = 0; i < plan->nsteps; i++) {
			const struct fresh_step *fs = &plan->steps[i];

			js = json_pack("{s:s, s:s, s:s?}", "name",
			    pr.p->steps[i].name, "state",
			    names[fs->state], "reason", fs->reason);
			if (pr.p->steps[i].loop != NULL) {
				json_t *items = json_array();

				for (k = 0; k < fs->stale_items.n; k++)
					json_array_append_new(items,
					    json_string(fs->stale_items.v[k]));
				json_object_set_new(js, "items", json_integer(
				    (json_int_t)fs->nitems));
				json_object_set_new(js, "stale_items", items);
			}
			json_array_append_new(steps, js);
		}
		out = json_pack("{s:s, s:o, s:I, s:I, s:I}", "file",
		    pr.p->path, "steps", steps, "fresh",
		    (json_int_t)counts[0], "stale", (json_int_t)counts[1],
		    "missing", (json_int_t)counts[2]);
		output_json(out, stdout);
		json_decref(out);
		goto out;
	}
	for (i = 0; i < plan->nsteps; i++) {
		const struct fresh_step *fs = &plan->steps[i];
		enum output_style colour = fs->state == FRESH_FRESH ?
		    OUTPUT_GREEN : fs->state == FRESH_STALE ? OUTPUT_YELLOW :
		    OUTPUT_RED;

		printf("%-*s  %s%-*s%s%s%s\n", (int)width,
		    pr.p->steps[i].name, output_sgr(stdout, colour),
		    fs->reason != NULL ? 7 : 0, names[fs->state],
		    output_sgr(stdout, OUTPUT_RESET), fs->reason != NULL ?
		    "  " : "", fs->reason != NULL ? fs->reason : "");
	}
	printf("%zu step(s): %zu fresh, %zu stale, %zu missing\n",
	    plan->nsteps, counts[0], counts[1], counts[2]);
out:
	freshness_plan_free(plan);
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
