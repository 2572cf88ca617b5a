/* SPDX-License-Identifier: MIT */
/*
 * Request parameters and error data shared by the method groups that
 * take a pipeline file (rpc-pipeline.c, rpc-fresh.c): the file check,
 * the "set"/"var" overrides and the DIAG objects of docs/protocol.md.
 * Nothing here keeps state or reads the daemon; each function works on
 * what it is given.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "common/pipeline.h"
#include "common/protocol.h"
#include "common/xmalloc.h"
#include "loomd/rpc.h"
#include "loomd/rpc-params.h"

static int	rpc_params_apply(struct pipeline *p, json_t *list, bool is_var,
		    struct rpc_error *err);

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

/* Apply one list of "k=v" overrides; -1 with err set on a bad one. */
static int
rpc_params_apply(struct pipeline *p, json_t *list, bool is_var,
    struct rpc_error *err)
{
	struct loom_error e;
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		loom_error_clear(&e);
		if (pipeline_apply_override(p, json_string_value(v), is_var,
		    &e) == -1) {
			rpc_error_set(err, LOOM_ERR_USAGE, json_pack("{s:s?}",
			    "hint", e.hint[0] != '\0' ? e.hint : NULL),
			    "%s", e.message);
			return -1;
		}
	}
	return 0;
}

/* Apply --set then --var overrides; -1 with err set at the first bad one. */
int
rpc_params_overrides(struct pipeline *p, json_t *set, json_t *var,
    struct rpc_error *err)
{
	if (set != NULL && rpc_params_apply(p, set, false, err) == -1)
		return -1;
	if (var != NULL && rpc_params_apply(p, var, true, err) == -1)
		return -1;
	return 0;
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
