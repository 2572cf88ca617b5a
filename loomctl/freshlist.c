/* SPDX-License-Identifier: MIT */
/*
 * loomctl status FILE, and the freshness plan behind dry runs (see
 * freshlist.h). Dry runs read files only. status FILE asks a daemon that
 * already runs (pipeline.freshness: it keeps the models and stamps it
 * read, so an unchanged file is not loaded again) and otherwise, or when
 * the daemon's answer could print differently, works it out here; it
 * never starts a daemon. Both ways print the same bytes.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/util/jsontext.h"
#include "common/model/pipeline.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"
#include "common/util/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/freshlist.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runopts.h"

/* One line of status FILE: a step, its state, why (borrowed). */
struct freshlist_line {
	const char *name;
	enum freshness_state state;
	const char *reason;
};

static const char *const freshlist_names[] = { "fresh", "stale",
    "missing" };

static void	freshlist_env(struct command_env *env);
static void	freshlist_print(const struct freshlist_line *v, size_t n);
static json_t	*freshlist_ask(const struct run_opts *o);
static bool	freshlist_lines(json_t *res, struct freshlist_line **v,
		    size_t *n);
static bool	freshlist_warnings(json_t *res, const char *file,
		    struct diags *d);
static int	freshlist_remote(const struct run_opts *o);

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

/* The text of status FILE: a line per step, then the counts. */
static void
freshlist_print(const struct freshlist_line *v, size_t n)
{
	size_t i, width = 4, counts[3] = { 0, 0, 0 };

	for (i = 0; i < n; i++) {
		counts[v[i].state]++;
		if (strlen(v[i].name) > width)
			width = strlen(v[i].name);
	}
	for (i = 0; i < n; i++) {
		enum output_style colour = v[i].state == FRESH_FRESH ?
		    OUTPUT_GREEN : v[i].state == FRESH_STALE ? OUTPUT_YELLOW :
		    OUTPUT_RED;

		printf("%-*s  %s%-*s%s%s%s\n", (int)width, v[i].name,
		    output_sgr(stdout, colour), v[i].reason != NULL ? 7 : 0,
		    freshlist_names[v[i].state],
		    output_sgr(stdout, OUTPUT_RESET), v[i].reason != NULL ?
		    "  " : "", v[i].reason != NULL ? v[i].reason : "");
	}
	printf("%zu step(s): %zu fresh, %zu stale, %zu missing\n", n,
	    counts[0], counts[1], counts[2]);
}

/*
 * pipeline.freshness of o's file from a daemon that runs, with the
 * file's warnings: the reply, or NULL (none runs, it refused, or the
 * request cannot say what o says). Never starts a daemon.
 */
static json_t *
freshlist_ask(const struct run_opts *o)
{
	struct rpcclient *c;
	struct loom_error err;
	struct stat st;
	const char *ve = getenv("VIRTUAL_ENV");
	json_t *req, *set, *res = NULL;
	char *real;
	size_t i;

	/*
	 * With --var the daemon keeps no model (nothing to gain from it),
	 * and a linked pipeline file would be judged there from its
	 * target's folder (the daemon is sent the real path): worked out
	 * here.
	 */
	if (o->var.n > 0 || lstat(o->file, &st) == -1 || !S_ISREG(st.st_mode))
		return NULL;
	if ((real = realpath(o->file, NULL)) == NULL)
		return NULL;
	req = json_pack("{s:s, s:b}", "file", real, "warnings", 1);
	free(real);
	if (req == NULL)
		return NULL;
	set = json_array();
	json_object_set_new(req, "set", set);
	for (i = 0; i < o->set.n; i++) {
		/* A value that is not UTF-8 cannot travel in JSON. */
		if (json_array_append_new(set, json_string(o->set.v[i])) == -1)
			goto out;
	}
	if (ve != NULL && ve[0] != '\0' && json_object_set_new(req, "env",
	    json_pack("{s:s}", "VIRTUAL_ENV", ve)) == -1)
		goto out;
	loom_error_clear(&err);
	if ((c = connect_daemon(CONNECT_EXISTING, NULL, &err)) == NULL)
		goto out;
	loom_error_clear(&err);
	res = rpcclient_call(c, LOOM_METHOD_PIPELINE_FRESHNESS, req, NULL,
	    &err);
	req = NULL;
	rpcclient_free(c);
out:
	json_decref(req);
	return res;
}

/*
 * The steps of a pipeline.freshness reply as lines (*v owned, its
 * strings res's), or false when the reply is not what status prints.
 */
static bool
freshlist_lines(json_t *res, struct freshlist_line **v, size_t *n)
{
	json_t *steps = json_object_get(res, "steps"), *s, *why;
	const char *state;
	size_t i, k;

	*n = json_array_size(steps);
	*v = xcalloc(*n + 1, sizeof **v);
	json_array_foreach(steps, i, s) {
		(*v)[i].name = json_string_value(json_object_get(s, "name"));
		state = json_string_value(json_object_get(s, "state"));
		why = json_object_get(s, "reason");
		if ((*v)[i].name == NULL || state == NULL ||
		    (!json_is_null(why) && !json_is_string(why)))
			return false;
		for (k = 0; k < 3; k++)
			if (strcmp(state, freshlist_names[k]) == 0)
				break;
		if (k == 3)
			return false;
		(*v)[i].state = (enum freshness_state)k;
		(*v)[i].reason = json_string_value(why);
	}
	return true;
}

/*
 * The warnings of a pipeline.freshness reply as a local load reports
 * them: false unless each is about the pipeline file itself (real),
 * which is then named as the user gave it (file). Other files would be
 * named by the daemon's path, not this folder's.
 */
static bool
freshlist_warnings(json_t *res, const char *file, struct diags *d)
{
	json_t *list = json_object_get(res, "warnings"), *w;
	const char *where, *sev;
	char *real;
	size_t i;
	bool ok = json_is_array(list);

	if ((real = realpath(file, NULL)) == NULL)
		return false;
	json_array_foreach(list, i, w) {
		where = json_string_value(json_object_get(w, "file"));
		sev = json_string_value(json_object_get(w, "severity"));
		if (where == NULL || strcmp(where, real) != 0 || sev == NULL ||
		    strcmp(sev, "warning") != 0 ||
		    output_diag_json(d, w, file) == NULL) {
			ok = false;
			break;
		}
	}
	free(real);
	return ok;
}

/*
 * status FILE through a daemon that runs: the exit status, or -1 to work
 * it out here (no daemon, a refusal, an answer that would print
 * differently: invalid files and bad overrides are reported from here).
 */
static int
freshlist_remote(const struct run_opts *o)
{
	struct freshlist_line *v = NULL;
	struct diags warn;
	json_t *res;
	char *copy;
	size_t n;
	int rc = -1;

	if ((res = freshlist_ask(o)) == NULL)
		return -1;
	diags_init(&warn);
	if (!freshlist_lines(res, &v, &n) ||
	    !freshlist_warnings(res, o->file, &warn))
		goto out;
	rc = LOOMCTL_EXIT_OK;
	if (o->json) {
		/* The same object as here: the file as given. */
		json_object_set_new(res, "file", json_string(
		    freshness_text(o->file, &copy)));
		free(copy);
		json_object_del(res, "warnings");
		output_json(res, stdout);
		goto out;
	}
	output_diags(&warn, stderr);
	freshlist_print(v, n);
out:
	diags_free(&warn);
	free(v);
	json_decref(res);
	return rc;
}

/* loomctl status FILE: each step's freshness. */
int
freshlist_status(int argc, char **argv)
{
	struct fresh_plan *plan = NULL;
	struct freshlist_line *v = NULL;
	struct prepared pr;
	struct run_opts o;
	json_t *out, *steps, *js;
	char *copy;
	size_t i, k, counts[3] = { 0, 0, 0 };
	int rc;

	memset(&pr, 0, sizeof pr);
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
	if ((rc = freshlist_remote(&o)) != -1)
		goto out;
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
	/* What the daemon's answer says (freshness_text), said alike. */
	for (i = 0; i < plan->nsteps; i++) {
		freshness_text(plan->steps[i].reason, &copy);
		if (copy != NULL) {
			free(plan->steps[i].reason);
			plan->steps[i].reason = copy;
		}
	}
	if (o.json) {
		steps = json_array();
		for (i = 0; i < plan->nsteps; i++) {
			const struct fresh_step *fs = &plan->steps[i];

			counts[fs->state]++;
			js = json_pack("{s:s, s:s, s:s?}", "name",
			    pr.p->steps[i].name, "state",
			    freshlist_names[fs->state], "reason", fs->reason);
			if (pr.p->steps[i].loop != NULL) {
				json_t *items = json_array();

				/* A name JSON cannot carry: counted alone. */
				for (k = 0; k < fs->stale_items.n; k++)
					if (jsontext_is_utf8(
					    fs->stale_items.v[k]))
						json_array_append_new(items,
						    json_string(
						    fs->stale_items.v[k]));
				json_object_set_new(js, "items", json_integer(
				    (json_int_t)fs->nitems));
				json_object_set_new(js, "items_stale",
				    json_integer((json_int_t)
				    fs->stale_items.n));
				json_object_set_new(js, "stale_items", items);
			}
			json_array_append_new(steps, js);
		}
		out = json_pack("{s:s, s:o, s:I, s:I, s:I}", "file",
		    freshness_text(pr.p->path, &copy), "steps", steps, "fresh",
		    (json_int_t)counts[0], "stale", (json_int_t)counts[1],
		    "missing", (json_int_t)counts[2]);
		free(copy);
		output_json(out, stdout);
		json_decref(out);
		goto out;
	}
	v = xcalloc(plan->nsteps + 1, sizeof *v);
	for (i = 0; i < plan->nsteps; i++) {
		v[i].name = pr.p->steps[i].name;
		v[i].state = plan->steps[i].state;
		v[i].reason = plan->steps[i].reason;
	}
	freshlist_print(v, plan->nsteps);
out:
	free(v);
	freshness_plan_free(plan);
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
