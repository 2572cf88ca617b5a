/* SPDX-License-Identifier: MIT */
/*
 * Request parameters and error data shared by the method groups that
 * take a pipeline file (run-start.c, rpc-pipeline.c, rpc-fresh.c): the
 * file check, the plan request ("set", "var" and the selection), the one
 * error of a plan that failed and the DIAG objects of docs/protocol.md.
 * Nothing here keeps state or reads the daemon; each function works on
 * what it is given.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/model/select.h"
#include "common/util/xmalloc.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/rpc.h"
#include "loomd/rpc-params.h"

/* The real path of a regular file, or NULL with err set. */
char *
rpc_params_regular_file(const char *file, struct rpc_error *err)
{
	struct stat sb;
	char *real;
	int error;

	if ((real = realpath(file, NULL)) == NULL) {
		error = errno;
		rpc_error_set(err, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", file, "errno", error), "cannot open %s: %s", file,
		    strerror(error));
		return NULL;
	}
	if (stat(real, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		rpc_error_set(err, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", file, "errno", EISDIR), "cannot open %s: %s", file,
		    "not a regular file");
		free(real);
		return NULL;
	}
	return real;
}

/* A pipeline file, or one not created yet (see rpc-params.h). */
char *
rpc_params_pipeline_file(const char *file, bool *exists,
    struct rpc_error *err)
{
	struct stat sb;
	const char *slash;
	char *dir, *real;

	*exists = true;
	if (lstat(file, &sb) == 0 || errno != ENOENT || file[0] != '/' ||
	    (slash = strrchr(file, '/'))[1] == '\0')
		return rpc_params_regular_file(file, err);
	dir = slash == file ? xstrdup("/") : xstrndup(file,
	    (size_t)(slash - file));
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL || stat(real, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		free(real);
		return rpc_params_regular_file(file, err);
	}
	*exists = false;
	dir = xasprintf("%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/",
	    slash + 1);
	free(real);
	return dir;
}

/* Copy a list of strings from params into sv. */
int
rpc_params_list(json_t *params, const char *name, struct strv *sv,
    struct rpc_error *err)
{
	json_t *arr, *v;
	size_t i;

	arr = rpc_param_strings(params, name, false, err);
	if (arr == NULL)
		return json_object_get(params, name) != NULL ? -1 : 0;
	json_array_foreach(arr, i, v)
		strv_push(sv, json_string_value(v));
	return 0;
}

/* The plan request of params; -1 with err set on a bad member. */
int
rpc_params_plan_args(json_t *params, const char *file, bool select,
    struct rpc_plan_args *a, struct rpc_error *err)
{
	memset(a, 0, sizeof *a);
	strv_init(&a->set);
	strv_init(&a->var);
	select_opts_init(&a->so);
	a->rq.file = file;
	a->rq.set = &a->set;
	a->rq.var = &a->var;
	if (rpc_params_list(params, "set", &a->set, err) == -1 ||
	    rpc_params_list(params, "var", &a->var, err) == -1)
		return -1;
	if (!select)
		return 0;
	a->rq.select = &a->so;
	if (rpc_params_list(params, "steps", &a->so.steps, err) == -1 ||
	    rpc_params_list(params, "from", &a->so.from, err) == -1 ||
	    rpc_params_list(params, "until", &a->so.until, err) == -1 ||
	    rpc_params_list(params, "groups", &a->so.groups, err) == -1 ||
	    rpc_params_list(params, "include", &a->so.include, err) == -1)
		return -1;
	return 0;
}

void
rpc_params_plan_args_free(struct rpc_plan_args *a)
{
	strv_free(&a->set);
	strv_free(&a->var);
	select_opts_free(&a->so);
}

/*
 * The one error of a plan that failed: -32001 with every diagnostic (the
 * first error, file:line:col, in the message), or -32004 naming where
 * the bad override or selection is and how to fix it.
 */
void
rpc_params_plan_error(const struct plan *pl, enum plan_status st,
    const char *file, struct rpc_error *err)
{
	const struct loom_error *e = &pl->err;
	const struct diag *g;
	char *s = NULL;
	size_t i;

	if (st == PLAN_BAD_REQUEST) {
		rpc_error_set(err, LOOM_ERR_USAGE, json_pack(
		    "{s:s, s:i, s:i, s:o}", "file", e->file, "line", e->line,
		    "column", e->column, "hint", e->hint[0] != '\0' ?
		    json_string(e->hint) : json_null()), "%s", e->message);
		return;
	}
	for (i = 0; i < pl->diags.n && s == NULL; i++) {
		g = &pl->diags.v[i];
		if (g->severity == DIAG_ERROR)
			s = xasprintf("%s:%d:%d: %s", g->file != NULL ?
			    g->file : file, g->line, g->column, g->message);
	}
	if (s == NULL && pl->diags.n > 0)
		s = xstrdup(pl->diags.v[0].message);
	rpc_error_set(err, LOOM_ERR_PIPELINE, json_pack("{s:o}",
	    "diagnostics", rpc_params_diags(&pl->diags)),
	    "invalid pipeline: %s", s != NULL ? s : file);
	free(s);
}

/* Diagnostics as docs/protocol.md's DIAG objects. */
json_t *
rpc_params_diags(const struct diags *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i, "
		    "s:s, s:o}", "severity", g->severity == DIAG_ERROR ?
		    "error" : "warning", "file", g->file != NULL ? g->file : "",
		    "line", g->line, "column", g->column, "message",
		    g->message != NULL ? g->message : "", "hint",
		    g->hint != NULL ? json_string(g->hint) : json_null()));
	}
	return a;
}
