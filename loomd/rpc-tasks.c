/* SPDX-License-Identifier: MIT */
/*
 * The editor's task browser:
 *
 *   task.list  the task scripts a pipeline can use: every file of its
 *              tasks folders that Loom can run (.py .sh .R .jl .js, or
 *              executable), each with its front matter
 *
 * The tasks folders are "tasks/" beside the pipeline file and the
 * folder of every step's task, non-recursive. Nothing here runs or
 * writes anything.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc-params.h"
#include "loomd/rpc.h"

/* Bounds of one listing. */
#define TASKS_MAX_FOLDERS	64
#define TASKS_MAX_FILES		1000
#define TASKS_MAX_ENTRIES	20000	/* folder entries looked at */

static json_t	*rpc_tasks_list(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static const char *rpc_tasks_language(const char *path, mode_t mode);
static void	 rpc_tasks_scan(const struct pipeline *p, const char *rel,
		    json_t *out, json_t *seen, size_t *entries);

const struct rpc_method rpc_task_methods[] = {
	{ LOOM_METHOD_TASK_LIST, rpc_tasks_list },
	{ NULL, NULL },
};

/* How Loom runs a file (docs/pipeline-format.md), or NULL: not a task. */
static const char *
rpc_tasks_language(const char *path, mode_t mode)
{
	static const char *const ext[][2] = { { ".py", "python" },
	    { ".sh", "bash" }, { ".R", "r" }, { ".jl", "julia" },
	    { ".js", "node" } };
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	for (i = 0; dot != NULL && dot > slash && i < 5; i++)
		if (strcmp(dot, ext[i][0]) == 0)
			return ext[i][1];
	return (mode & 0111) != 0 ? "executable" : NULL;
}

/* Add the tasks of folder rel (relative to the pipeline's folder). */
static void
rpc_tasks_scan(const struct pipeline *p, const char *rel, json_t *out,
    json_t *seen, size_t *entries)
{
	struct dirent **ents;
	struct stat sb;
	const char *lang;
	char *abs, *path, *file;
	json_t *fm;
	int n, i;

	if (json_object_get(seen, rel) != NULL ||
	    json_object_size(seen) >= TASKS_MAX_FOLDERS)
		return;
	json_object_set_new(seen, rel, json_true());
	abs = pipeline_abspath(p, rel);
	if ((n = scandir(abs, &ents, NULL, alphasort)) < 0) {
		free(abs);
		return;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    json_array_size(out) < TASKS_MAX_FILES &&
		    ++*entries <= TASKS_MAX_ENTRIES) {
			file = xasprintf("%s/%s", abs, ents[i]->d_name);
			path = strcmp(rel, ".") == 0 ? xstrdup(ents[i]->d_name) :
			    xasprintf("%s/%s", rel, ents[i]->d_name);
			if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (lang = rpc_tasks_language(file, sb.st_mode)) !=
			    NULL) {
				fm = rpc_pipeline_frontmatter(file);
				json_array_append_new(out, json_pack("{s:s, "
				    "s:s, s:s, s:O, s:O}", "path", path,
				    "name", ents[i]->d_name, "language", lang,
				    "description", json_is_object(fm) ?
				    json_object_get(fm, "summary") :
				    json_null(), "interface", fm));
				json_decref(fm);
			}
			free(path);
			free(file);
		}
		free(ents[i]);
	}
	free(ents);
	free(abs);
}

/* task.list {"file"}: the tasks a pipeline can add as steps. */
static json_t *
rpc_tasks_list(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct plan_request rq = { .keep_invalid = true };
	struct pipeline *p;
	struct plan pl;
	struct diags d;
	const char *file;
	char *real, *dir;
	json_t *out, *seen;
	size_t i, entries = 0;
	bool exists;

	(void)loomd;
	(void)client;
	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	if ((real = rpc_params_pipeline_file(file, &exists, err)) == NULL)
		return NULL;
	memset(&pl, 0, sizeof pl);
	if (exists) {
		/* As every method reads a pipeline; a broken one will do. */
		rq.file = real;
		(void)plan_make(&pl, &rq);
		p = pl.p;
	} else {
		/* Not created yet (loomctl ui --new): its folder's tasks. */
		diags_init(&d);
		dir = xstrndup(real, (size_t)(strrchr(real, '/') - real));
		p = pl.p = pipeline_load_string(real, dir[0] != '\0' ? dir :
		    "/", "", 0, &d);
		free(dir);
		diags_free(&d);
	}
	if (p == NULL) {
		rpc_error_set(err, LOOM_ERR_PIPELINE, NULL, "cannot load %s: "
		    "see pipeline.open for its diagnostics", file);
		plan_free(&pl);
		free(real);
		return NULL;
	}
	out = json_array();
	seen = json_object();
	rpc_tasks_scan(p, "tasks", out, seen, &entries);
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].task == NULL ||
		    p->steps[i].task[0] == '/' ||
		    strstr(p->steps[i].task, "..") != NULL)
			continue;
		dir = strrchr(p->steps[i].task, '/') == NULL ? xstrdup(".") :
		    xstrndup(p->steps[i].task, (size_t)(strrchr(
		    p->steps[i].task, '/') - p->steps[i].task));
		rpc_tasks_scan(p, dir, out, seen, &entries);
		free(dir);
	}
	json_decref(seen);
	plan_free(&pl);
	free(real);
	return json_pack("{s:o, s:b}", "tasks", out, "truncated",
	    json_array_size(out) >= TASKS_MAX_FILES ||
	    entries > TASKS_MAX_ENTRIES);
}
