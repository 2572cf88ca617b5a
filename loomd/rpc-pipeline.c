/* SPDX-License-Identifier: MIT */
/*
 * The editor's view of pipelines, and the bridge's life in the daemon.
 *
 *   ui.open        start the editor bridge (http.c) on a file or folder
 *                  and return its URL with the token
 *   ui.target      what an editor page was opened on
 *   pipeline.open  the graph model of one pipeline file as JSON: data
 *                  (resolved, exists or not), parameters, steps with
 *                  their references, resolved command and task front
 *                  matter, groups, layout and every diagnostic
 *   pipeline.list  the pipeline files under a folder (workspace mode)
 *   pipeline.save  apply edits to a pipeline file as splices
 *                  (common/model/pipeline-save.c) and replace it atomically,
 *                  refused when it changed on disk since base_version
 *
 *   pipeline.validate  the diagnostics of one file, as `loomctl validate
 *                  --json` gives them
 *
 * The module hooks at the end make
 * an open editor keep the daemon alive (loomd_may_exit). Nothing here
 * writes files but pipeline.save, through fileio_write_atomic.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/frontmatter.h"
#include "common/util/paths.h"
#include "common/model/pipeline-save.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/util/protocol.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"
#include "loomd/http.h"
#include "loomd/loomd.h"
#include "loomd/rpc-params.h"
#include "loomd/rpc.h"
#include "loomd/watch.h"

/* Bounds of a workspace scan. */
#define LIST_MAX_DEPTH		4
#define LIST_MAX_FILES		500
#define LIST_MAX_ENTRIES	20000	/* folder entries looked at */
#define LIST_SNIFF		(256 * 1024)
/*
 * Bytes of resolved paths and commands one pipeline.open may send (the
 * file's own text is bounded by its size limit; expansion is not).
 */
#define OPEN_MAX_RESOLVED	LOOM_MAX_CLIENT_OUTPUT

static json_t	*rpc_pipeline_ui_open(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_ui_target(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_open(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_list(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_save(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static char	*rpc_pipeline_save_target(const char *file, bool *exists,
		    struct rpc_error *err);
static void	 rpc_pipeline_file_error(struct rpc_error *err,
		    const char *path, int errnum, const char *message);
static void	 rpc_pipeline_add_name(json_t *a, const char *name,
		    size_t len);
static json_t	*rpc_pipeline_model(const struct pipeline *p,
		    const char *virtual_env);
static void	 rpc_pipeline_model_head(json_t *r, const char *file,
		    bool ok, const struct diags *d);
static const char *rpc_pipeline_venv(struct loomd *loomd, json_t *params);
static struct pipeline *rpc_pipeline_load_text(const char *file,
		    const char *target, const char *text, size_t len,
		    struct diags *d);
static json_t	*rpc_pipeline_dry_run(struct loomd *loomd, json_t *params,
		    const char *file, const char *target, const char *old,
		    size_t oldlen, const char *text, size_t len,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_validate(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_pipeline_ports(const struct pipeline *p,
		    const struct kvlist *l);
static void	 rpc_pipeline_loop_port(const struct pipeline *p,
		    const char *key, const struct value *v, json_t *ports);
static void	 rpc_pipeline_refs(const struct pipeline *p, const char *text,
		    json_t *data, json_t *params);
static void	 rpc_pipeline_value_refs(const struct pipeline *p,
		    const struct value *v, json_t *data, json_t *params);
static char	*rpc_pipeline_value_text(const struct value *v);
static json_t	*rpc_pipeline_fm_list(const struct frontmatter_list *l);
static void	 rpc_pipeline_scan(const char *root, const char *rel,
		    int depth, json_t *out, size_t *seen);
static bool	 rpc_pipeline_looks_like(const char *path);
static bool	 rpc_pipeline_busy(struct loomd *loomd);
static void	 rpc_pipeline_shutdown(struct loomd *loomd);
static void	 rpc_pipeline_status(struct loomd *loomd, json_t *result);
static void	 rpc_pipeline_free(struct loomd *loomd);

const struct rpc_method rpc_pipeline_methods[] = {
	{ LOOM_METHOD_UI_OPEN, rpc_pipeline_ui_open },
	{ LOOM_METHOD_UI_TARGET, rpc_pipeline_ui_target },
	{ LOOM_METHOD_PIPELINE_OPEN, rpc_pipeline_open },
	{ LOOM_METHOD_PIPELINE_VALIDATE, rpc_pipeline_validate },
	{ LOOM_METHOD_PIPELINE_LIST, rpc_pipeline_list },
	{ LOOM_METHOD_PIPELINE_SAVE, rpc_pipeline_save },
	{ NULL, NULL },
};

/* This module's hooks (loomd/loomd.h). */
const struct loomd_module loomd_web_module = {
	.name = "web",
	.busy = rpc_pipeline_busy,
	.shutdown = rpc_pipeline_shutdown,
	.status = rpc_pipeline_status,
	.free = rpc_pipeline_free,
};

/* An open editor, or one about to connect, keeps the daemon alive. */
static bool
rpc_pipeline_busy(struct loomd *loomd)
{
	return http_is_busy(loomd);
}

static void
rpc_pipeline_shutdown(struct loomd *loomd)
{
	http_shutdown(loomd);
}

/* daemon.status: "editor_port" (0 when the bridge is not running). */
static void
rpc_pipeline_status(struct loomd *loomd, json_t *result)
{
	json_object_set_new(result, "editor_port",
	    json_integer(http_port(loomd)));
	json_object_set_new(result, "watches",
	    json_integer((json_int_t)watch_count(loomd)));
}

static void
rpc_pipeline_free(struct loomd *loomd)
{
	http_free(loomd);
	watch_free(loomd);
}

/* ui.open {"path", "port"?, "env"?, "cwd"?} */
static json_t *
rpc_pipeline_ui_open(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct loom_error lerr;
	const char *path, *cwd;
	long long port = 0;
	json_t *env, *r;
	bool is_new = false;

	if ((path = rpc_param_string(params, "path", true, err)) == NULL)
		return NULL;
	if (rpc_param_int(params, "port", false, 0, 65535, &port, err) != 0 ||
	    rpc_param_bool(params, "new", false, &is_new, err) != 0)
		return NULL;
	env = rpc_param_object(params, "env", false, err);
	if (env == NULL && err->code != 0)
		return NULL;
	cwd = rpc_param_string(params, "cwd", false, err);
	if (cwd == NULL && err->code != 0)
		return NULL;
	loom_error_clear(&lerr);
	if ((r = http_ui_open(loomd, path, is_new, (int)port, env, cwd,
	    &lerr)) ==
	    NULL) {
		rpc_error_set(err, LOOM_ERR_USAGE, lerr.hint[0] != '\0' ?
		    json_pack("{s:s}", "hint", lerr.hint) : NULL, "%s",
		    lerr.message);
		return NULL;
	}
	return r;
}

/* ui.target {"target"} */
static json_t *
rpc_pipeline_ui_target(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	long long id = 0;
	json_t *r;

	if (rpc_param_int(params, "target", true, 0, 1 << 30, &id, err) != 0)
		return NULL;
	if ((r = http_target_json(loomd, (long)id)) == NULL) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "no editor target %lld", id);
		return NULL;
	}
	return r;
}

/* Append name to a JSON array of strings unless it is there already. */
static void
rpc_pipeline_add_name(json_t *a, const char *name, size_t len)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (strlen(json_string_value(v)) == len &&
		    strncmp(json_string_value(v), name, len) == 0)
			return;
	}
	json_array_append_new(a, json_stringn(name, len));
}

/* The data entries and parameters text refers to ($name and ${name}). */
static void
rpc_pipeline_refs(const struct pipeline *p, const char *text, json_t *data,
    json_t *params)
{
	const char *s = text, *n;
	char name[256];
	size_t len;

	while (s != NULL && (s = strchr(s, '$')) != NULL) {
		s++;
		n = *s == '{' ? s + 1 : s;
		len = 0;
		while (n[len] == '_' || (n[len] >= 'a' && n[len] <= 'z') ||
		    (n[len] >= 'A' && n[len] <= 'Z') ||
		    (len > 0 && n[len] >= '0' && n[len] <= '9'))
			len++;
		if (len == 0 || len >= sizeof name)
			continue;
		memcpy(name, n, len);
		name[len] = '\0';
		if (pipeline_data(p, name) != NULL)
			rpc_pipeline_add_name(data, name, len);
		else if (pipeline_param(p, name) != NULL)
			rpc_pipeline_add_name(params, name, len);
		s = n + len;
	}
}

/* References of a value, lists and maps included. */
static void
rpc_pipeline_value_refs(const struct pipeline *p, const struct value *v,
    json_t *data, json_t *params)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->type == VALUE_LIST) {
		for (i = 0; i < v->nitems; i++)
			rpc_pipeline_value_refs(p, v->items[i], data, params);
	} else if (v->type == VALUE_MAP) {
		for (i = 0; i < v->map.n; i++)
			rpc_pipeline_value_refs(p, v->map.v[i].value, data,
			    params);
	} else if (v->text != NULL)
		rpc_pipeline_refs(p, v->text, data, params);
}

/* A value as the user wrote it, for display (lists as "[a, b]"). */
static char *
rpc_pipeline_value_text(const struct value *v)
{
	char *s, *item, *t;
	size_t i;

	if (v == NULL)
		return xstrdup("");
	if (v->type == VALUE_LIST || v->type == VALUE_MAP) {
		s = xstrdup(v->type == VALUE_LIST ? "[" : "{");
		for (i = 0; i < (v->type == VALUE_LIST ? v->nitems :
		    v->map.n); i++) {
			item = rpc_pipeline_value_text(v->type == VALUE_LIST ?
			    v->items[i] : v->map.v[i].value);
			if (v->type == VALUE_LIST)
				t = xasprintf("%s%s%s", s, i > 0 ? ", " : "",
				    item);
			else
				t = xasprintf("%s%s%s: %s", s, i > 0 ? ", " :
				    "", v->map.v[i].key, item);
			free(item);
			free(s);
			s = t;
		}
		t = xasprintf("%s%s", s, v->type == VALUE_LIST ? "]" : "}");
		free(s);
		return t;
	}
	return xstrdup(v->text != NULL ? v->text : "");
}

/* The ports (inputs, outputs or args) of a step with their references. */
static json_t *
rpc_pipeline_ports(const struct pipeline *p, const struct kvlist *l)
{
	json_t *a = json_array(), *data, *params;
	size_t i;
	char *text;

	for (i = 0; i < l->n; i++) {
		data = json_array();
		params = json_array();
		rpc_pipeline_value_refs(p, l->v[i].value, data, params);
		text = rpc_pipeline_value_text(l->v[i].value);
		json_array_append_new(a, json_pack("{s:s, s:s%, s:o, s:o}",
		    "key", l->v[i].key, "value", text, strlen(text),
		    "data", data, "params", params));
		free(text);
	}
	return a;
}

/* A loop's over: or into: (v, may be NULL) appended to ports as key. */
static void
rpc_pipeline_loop_port(const struct pipeline *p, const char *key,
    const struct value *v, json_t *ports)
{
	json_t *data, *params;

	if (v == NULL)
		return;
	data = json_array();
	params = json_array();
	rpc_pipeline_value_refs(p, v, data, params);
	json_array_append_new(ports, json_pack("{s:s, s:s, s:o, s:o}", "key",
	    key, "value", v->text != NULL ? v->text : "", "data", data,
	    "params", params));
}

/* One front-matter list as [{name, type, default, ...}]. */
static json_t *
rpc_pipeline_fm_list(const struct frontmatter_list *l)
{
	json_t *a = json_array(), *choices;
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		const struct frontmatter_item *it = &l->v[i];

		choices = json_array();
		for (j = 0; j < it->choices.n; j++)
			json_array_append_new(choices,
			    json_string(it->choices.v[j]));
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, "
		    "s:o, s:b}", "name", it->name,
		    "type", it->type ? json_string(it->type) : json_null(),
		    "default", it->default_text ?
		    json_string(it->default_text) : json_null(),
		    "description", it->description ?
		    json_string(it->description) : json_null(),
		    "choices", choices, "required", it->required));
	}
	return a;
}

/* A task's front matter, or null when it has none or cannot be read. */
json_t *
rpc_pipeline_frontmatter(const char *path)
{
	struct loom_error err;
	struct frontmatter *fm;
	json_t *r;

	loom_error_clear(&err);
	if ((fm = frontmatter_parse_file(path, &err)) == NULL)
		return json_null();
	if (!fm->found && fm->summary == NULL) {
		frontmatter_free(fm);
		return json_null();
	}
	r = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "found", fm->found,
	    "description", fm->description ? json_string(fm->description) :
	    json_null(), "summary", fm->summary ? json_string(fm->summary) :
	    json_null(), "inputs", rpc_pipeline_fm_list(&fm->inputs),
	    "outputs", rpc_pipeline_fm_list(&fm->outputs),
	    "args", rpc_pipeline_fm_list(&fm->args));
	frontmatter_free(fm);
	return r;
}

/* The model's "data": each entry, resolved; *spent counts the paths. */
static json_t *
rpc_pipeline_data_json(const struct pipeline *p, size_t *spent)
{
	json_t *data = json_array();
	struct loom_error err;
	struct stat sb;
	const char *kind;
	char *path;
	size_t i;
	bool url;

	for (i = 0; i < p->ndata; i++) {
		const struct data_entry *d = &p->data[i];

		loom_error_clear(&err);
		path = pipeline_data_path(p, d, &err);
		*spent += path != NULL ? strlen(path) : 0;
		url = d->path != NULL && d->path->text != NULL &&
		    (strncmp(d->path->text, "http://", 7) == 0 ||
		    strncmp(d->path->text, "https://", 8) == 0);
		if (url)
			kind = "url";
		else if (path == NULL || stat(path, &sb) == -1)
			kind = "missing";
		else if (S_ISDIR(sb.st_mode))
			kind = "dir";
		else if (S_ISREG(sb.st_mode))
			kind = "file";
		else
			kind = "other";
		json_array_append_new(data, json_pack("{s:s, s:o, s:s, s:o, "
		    "s:b, s:b, s:s, s:o, s:i}", "name", d->name,
		    "type", d->type ? json_string(d->type) : json_null(),
		    "path", d->path && d->path->text ? d->path->text : "",
		    "resolved", path ? json_string(path) : json_null(),
		    "url", url, "exists", strcmp(kind, "missing") != 0 && !url,
		    "kind", kind, "description", d->description ?
		    json_string(d->description) : json_null(),
		    "line", d->span.line));
		free(path);
		if (*spent > OPEN_MAX_RESOLVED)
			break;
	}
	return data;
}

/* The model's "parameters", with the type of each value. */
static json_t *
rpc_pipeline_params_json(const struct pipeline *p)
{
	json_t *params = json_array();
	const char *type;
	char *text;
	size_t i;

	for (i = 0; i < p->nparams; i++) {
		const struct param *pa = &p->params[i];
		const struct value *v = pa->value;

		switch (v != NULL ? v->type : VALUE_NULL) {
		case VALUE_BOOL:
			type = "bool";
			break;
		case VALUE_INT:
			type = "int";
			break;
		case VALUE_FLOAT:
			type = "float";
			break;
		case VALUE_NULL:
			type = "null";
			break;
		default:
			type = "string";
			break;
		}
		text = rpc_pipeline_value_text(v);
		json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:i}",
		    "name", pa->name, "value", text, "type", type,
		    "line", pa->span.line));
		free(text);
	}
	return params;
}

/*
 * A step's command as a run would build it (JSON null when it cannot be
 * built, with err set); *spent counts its bytes.
 */
static json_t *
rpc_pipeline_command_json(const struct pipeline *p, size_t i,
    const struct command_env *cenv, size_t *spent, struct loom_error *err)
{
	const struct step *s = &p->steps[i];
	struct strv argv;
	json_t *cmd;
	size_t j;

	strv_init(&argv);
	loom_error_clear(err);
	if (command_build(p, i, cenv, s->loop ? "<item>" : NULL,
	    s->loop ? "<output>" : NULL, NULL, &argv, err) == 0) {
		cmd = json_array();
		for (j = 0; j < argv.n; j++) {
			*spent += strlen(argv.v[j]);
			json_array_append_new(cmd, json_string(argv.v[j]));
		}
	} else
		cmd = json_null();
	strv_free(&argv);
	return cmd;
}

/*
 * One step of the model. fmcache maps task paths to their front matter,
 * read once for the steps that share a task.
 */
static json_t *
rpc_pipeline_step_json(const struct pipeline *p, size_t i,
    const struct command_env *cenv, json_t *fmcache, size_t *spent)
{
	const struct step *s = &p->steps[i];
	struct loom_error err;
	json_t *ins, *outs, *cmd, *fm, *step;
	char *abs;

	ins = rpc_pipeline_ports(p, &s->inputs);
	outs = rpc_pipeline_ports(p, &s->outputs);
	if (s->loop != NULL) {
		/* loop.over is read and loop.into written. */
		rpc_pipeline_loop_port(p, "loop.over", s->loop->over, ins);
		rpc_pipeline_loop_port(p, "loop.into", s->loop->into, outs);
	}
	cmd = rpc_pipeline_command_json(p, i, cenv, spent, &err);
	abs = s->task != NULL ? pipeline_abspath(p, s->task) : NULL;
	if (abs == NULL)
		fm = json_null();
	else if ((fm = json_object_get(fmcache, abs)) != NULL)
		json_incref(fm);
	else {
		fm = rpc_pipeline_frontmatter(abs);
		json_object_set(fmcache, abs, fm);
	}
	step = json_pack("{s:s, s:s, s:o, s:b, s:o, s:b, s:b, s:o, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
	    "name", s->name, "task", s->task ? s->task : "",
	    "task_path", abs ? json_string(abs) : json_null(),
	    "task_exists", abs != NULL && access(abs, F_OK) == 0,
	    "group", s->group >= 0 ?
	    json_string(p->groups[s->group].name) : json_null(),
	    "optional", s->optional, "disabled", s->disabled,
	    "loop", s->loop ? json_pack("{s:o, s:o, s:o, s:o}",
	    "over", s->loop->over && s->loop->over->text ?
	    json_string(s->loop->over->text) : json_null(),
	    "into", s->loop->into && s->loop->into->text ?
	    json_string(s->loop->into->text) : json_null(),
	    "filter", s->loop->filter ? json_string(s->loop->filter) :
	    json_null(), "parallel", s->loop->parallel < 0 ?
	    json_null() : json_boolean(s->loop->parallel)) : json_null(),
	    "description", s->description ?
	    json_string(s->description) : json_null(),
	    "inputs", ins, "outputs", outs,
	    "args", rpc_pipeline_ports(p, &s->args),
	    "command", cmd,
	    "command_error", json_is_null(cmd) && err.set ?
	    json_string(err.message) : json_null(),
	    "frontmatter", fm, "line", s->span.line);
	free(abs);
	return step;
}

/* The whole model of a loaded pipeline (see docs/editor.md). */
static json_t *
rpc_pipeline_model(const struct pipeline *p, const char *virtual_env)
{
	struct command_env cenv = { .virtual_env = virtual_env };
	json_t *data, *params, *steps = json_array(), *groups = json_array();
	json_t *layout = json_object(), *members, *fmcache = json_object();
	json_t *model;
	size_t i, j, spent = 0;

	data = rpc_pipeline_data_json(p, &spent);
	params = rpc_pipeline_params_json(p);
	for (i = 0; i < p->nsteps && spent <= OPEN_MAX_RESOLVED; i++)
		json_array_append_new(steps, rpc_pipeline_step_json(p, i,
		    &cenv, fmcache, &spent));
	for (i = 0; i < p->ngroups; i++) {
		members = json_array();
		for (j = 0; j < p->groups[i].nsteps; j++)
			json_array_append_new(members, json_string(
			    p->steps[p->groups[i].steps[j]].name));
		json_array_append_new(groups, json_pack("{s:s, s:o}", "name",
		    p->groups[i].name, "steps", members));
	}
	for (i = 0; i < p->nlayout; i++)
		json_object_set_new(layout, p->layout[i].name,
		    json_pack("{s:f, s:f}", "x", p->layout[i].x, "y",
		    p->layout[i].y));

	json_decref(fmcache);
	model = json_pack("{s:o, s:o, s:o, s:o, s:o}", "data", data,
	    "parameters", params, "steps", steps, "groups", groups,
	    "layout", layout);
	if (spent > OPEN_MAX_RESOLVED) {
		json_decref(model);
		return NULL;
	}
	return model;
}

/* The VIRTUAL_ENV commands are built with: the call's env, else the editor's. */
static const char *
rpc_pipeline_venv(struct loomd *loomd, json_t *params)
{
	json_t *env = json_object_get(params, "env");

	if (env == NULL)
		env = http_target_env(loomd, -1);
	return json_string_value(json_object_get(env, "VIRTUAL_ENV"));
}

/* The head of a pipeline.open answer: file, dir, name, ok, diagnostics. */
static void
rpc_pipeline_model_head(json_t *r, const char *file, bool ok,
    const struct diags *d)
{
	const char *base = strrchr(file, '/');

	json_object_set_new(r, "file", json_string(file));
	json_object_set_new(r, "dir", json_stringn(file,
	    base == file ? 1 : (size_t)(base - file)));
	json_object_set_new(r, "name", json_string(base + 1));
	json_object_set_new(r, "ok", json_boolean(ok));
	json_object_set_new(r, "diagnostics", rpc_params_diags(d));
}

/* pipeline.open {"file"} */
static json_t *
rpc_pipeline_open(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct loom_error lerr;
	struct plan_request rq = { .keep_invalid = true };
	struct pipeline *p;
	struct plan pl;
	const char *file;
	json_t *r;
	char *real, *bytes, version[PIPELINE_VERSION_LEN];
	size_t len;

	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	if ((real = rpc_params_regular_file(file, err)) == NULL)
		return NULL;
	rq.file = real;
	(void)plan_make(&pl, &rq);
	p = pl.p;
	if (p != NULL) {
		r = rpc_pipeline_model(p, rpc_pipeline_venv(loomd, params));
		if (r == NULL) {
			rpc_error_set(err, LOOM_ERR_PIPELINE, json_pack(
			    "{s:s}", "file", real), "%s: resolved paths and "
			    "commands pass %d bytes, too many to send", real,
			    OPEN_MAX_RESOLVED);
			plan_free(&pl);
			free(real);
			return NULL;
		}
	} else
		r = json_pack("{s:[], s:[], s:[], s:[], s:{}}", "data",
		    "parameters", "steps", "groups", "layout");
	rpc_pipeline_model_head(r, real, p != NULL && pl.diags.nerrors == 0,
	    &pl.diags);
	watch_open(loomd, client, real, p);
	/* The version hashes the bytes the loader read (read again only
	   when they gave no model). */
	loom_error_clear(&lerr);
	if (p != NULL) {
		pipeline_save_version(p->source, p->source_len, version);
		json_object_set_new(r, "version", json_string(version));
	} else if ((bytes = fileio_read(real, PIPELINE_MAX_FILE_SIZE, &len,
	    &lerr)) != NULL) {
		pipeline_save_version(bytes, len, version);
		json_object_set_new(r, "version", json_string(version));
		free(bytes);
	} else
		json_object_set_new(r, "version", json_null());
	/*
	 * Temporary files of a save that died here (in an earlier daemon)
	 * go the first time this daemon opens a pipeline of the folder.
	 */
	*strrchr(real, '/') = '\0';
	fileio_sweep_once(real[0] != '\0' ? real : "/");
	plan_free(&pl);
	free(real);
	return r;
}

/*
 * pipeline.validate {"file"}: what `loomctl validate --json` prints,
 * {"ok", "diagnostics"}.
 */
static json_t *
rpc_pipeline_validate(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct plan_request rq = { .keep_invalid = true };
	struct plan pl;
	const char *file;
	json_t *r;
	char *real;

	(void)loomd;
	(void)client;
	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	if ((real = rpc_params_regular_file(file, err)) == NULL)
		return NULL;
	rq.file = real;
	(void)plan_make(&pl, &rq);
	r = json_pack("{s:b, s:o}", "ok", pl.p != NULL &&
	    pl.diags.nerrors == 0, "diagnostics", rpc_params_diags(&pl.diags));
	plan_free(&pl);
	free(real);
	return r;
}

/* True when a YAML file has a top-level "pipeline:" key. */
static bool
rpc_pipeline_looks_like(const char *path)
{
	struct loom_error err;
	char *text, *line;
	size_t len;
	bool yes = false;

	loom_error_clear(&err);
	if ((text = fileio_read(path, PIPELINE_MAX_FILE_SIZE, &len, &err)) ==
	    NULL)
		return false;
	for (line = text; line != NULL && line < text + len;) {
		if (strncmp(line, "pipeline:", 9) == 0) {
			yes = true;
			break;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	free(text);
	return yes;
}

/* Collect pipeline files under root/rel, depth-first, bounded. */
static void
rpc_pipeline_scan(const char *root, const char *rel, int depth, json_t *out,
    size_t *seen)
{
	struct dirent **ents;
	struct stat sb;
	char *dir, *path, *sub;
	const char *n, *dot;
	int i, count;

	dir = rel[0] != '\0' ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	count = scandir(dir, &ents, NULL, alphasort);
	if (count < 0) {
		free(dir);
		return;
	}
	for (i = 0; i < count; i++) {
		n = ents[i]->d_name;
		if (n[0] == '.' || strcmp(n, "node_modules") == 0 ||
		    strcmp(n, "__pycache__") == 0 ||
		    json_array_size(out) >= LIST_MAX_FILES ||
		    ++*seen > LIST_MAX_ENTRIES)
			continue;
		path = xasprintf("%s/%s", dir, n);
		sub = rel[0] != '\0' ? xasprintf("%s/%s", rel, n) :
		    xstrdup(n);
		if (lstat(path, &sb) == 0) {
			dot = strrchr(n, '.');
			if (S_ISDIR(sb.st_mode) && depth < LIST_MAX_DEPTH)
				rpc_pipeline_scan(root, sub, depth + 1, out,
				    seen);
			else if (S_ISREG(sb.st_mode) && dot != NULL &&
			    (strcmp(dot, ".yml") == 0 ||
			    strcmp(dot, ".yaml") == 0) &&
			    sb.st_size <= LIST_SNIFF &&
			    rpc_pipeline_looks_like(path))
				json_array_append_new(out, json_pack("{s:s, "
				    "s:s, s:s}", "file", path, "rel", sub,
				    "name", n));
		}
		free(path);
		free(sub);
	}
	for (i = 0; i < count; i++)
		free(ents[i]);
	free(ents);
	free(dir);
}

/* pipeline.list {"dir"} */
static json_t *
rpc_pipeline_list(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	const char *dir;
	char *real;
	json_t *list, *r;
	size_t seen = 0;

	if ((dir = rpc_param_string(params, "dir", true, err)) == NULL)
		return NULL;
	if ((real = realpath(dir, NULL)) == NULL) {
		rpc_error_set(err, LOOM_ERR_FILE, json_pack("{s:s, s:i}",
		    "path", dir, "errno", errno), "cannot open %s: %s", dir,
		    strerror(errno));
		return NULL;
	}
	list = json_array();
	rpc_pipeline_scan(real, "", 0, list, &seen);
	r = json_pack("{s:s, s:o, s:b}", "dir", real, "pipelines", list,
	    "truncated", seen > LIST_MAX_ENTRIES ||
	    json_array_size(list) >= LIST_MAX_FILES);
	free(real);
	return r;
}

/* A JSON-RPC error about a file: its path, errno and the reason. */
static void
rpc_pipeline_file_error(struct rpc_error *err, const char *path, int errnum,
    const char *message)
{
	rpc_error_set(err, LOOM_ERR_FILE, json_pack("{s:s, s:i, s:s}", "path",
	    path, "errno", errnum, "error", strerror(errnum)), "%s", message);
}

/*
 * The file a save writes: file itself (absolute, no ".." part), or the
 * target of a symbolic link when that stays inside file's folder (a
 * save writes through the link and keeps it, as fileio_write_atomic
 * does). *exists says whether it is there. Returns the path (owned), or
 * NULL with err set.
 */
static char *
rpc_pipeline_save_target(const char *file, bool *exists,
    struct rpc_error *err)
{
	struct stat sb;
	char *dir = NULL, *real = NULL, *msg;
	const char *slash = strrchr(file, '/');
	size_t dlen;

	*exists = false;
	if (file[0] != '/' || strstr(file, "/../") != NULL ||
	    strcmp(slash, "/..") == 0 || strcmp(slash, "/.") == 0 ||
	    slash[1] == '\0') {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL, "\"file\" must "
		    "be an absolute path to a file with no '..' in it: %s",
		    file);
		return NULL;
	}
	msg = xstrndup(file, (size_t)(slash - file));
	dir = realpath(msg[0] != '\0' ? msg : "/", NULL);
	free(msg);
	if (dir == NULL) {
		msg = xasprintf("cannot save %s: %s", file, strerror(errno));
		rpc_pipeline_file_error(err, file, errno, msg);
		free(msg);
		return NULL;
	}
	if (lstat(file, &sb) == -1) {
		if (errno != ENOENT)
			goto fail;
		real = xasprintf("%s%s", strcmp(dir, "/") == 0 ? "" : dir,
		    slash);
		free(dir);
		return real;
	}
	if ((real = realpath(file, NULL)) == NULL)
		goto fail;
	dlen = strlen(dir);
	if (strncmp(real, dir, dlen) != 0 || (real[dlen] != '/' &&
	    dlen != 1)) {
		errno = EACCES;
		msg = xasprintf("cannot save %s: the link points outside its "
		    "folder (to %s)", file, real);
		rpc_pipeline_file_error(err, file, EACCES, msg);
		free(msg);
		free(real);
		free(dir);
		return NULL;
	}
	if (stat(real, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	free(dir);
	*exists = true;
	return real;

fail:
	msg = xasprintf("cannot save %s: %s", file, strerror(errno));
	rpc_pipeline_file_error(err, file, errno, msg);
	free(msg);
	free(real);
	free(dir);
	return NULL;
}

/*
 * Load and validate the text a save produced for file (written to target,
 * whose folder relative paths start from). d is initialised here and
 * sorted; the pipeline may be NULL (not loadable).
 */
static struct pipeline *
rpc_pipeline_load_text(const char *file, const char *target, const char *text,
    size_t len, struct diags *d)
{
	struct pipeline *p;
	char *dir;

	diags_init(d);
	dir = xstrndup(target, (size_t)(strrchr(target, '/') - target));
	p = pipeline_load_string(file, dir[0] != '\0' ? dir : "/", text, len,
	    d);
	free(dir);
	if (p != NULL)
		validate_pipeline(p, d);
	diags_sort(d);
	return p;
}

/*
 * pipeline.save with "dry_run": the edited text loaded and validated in
 * memory, nothing written: {"file", "version" (of the file as it is, null
 * when there is none), "written": false, "dry_run": true, "ok",
 * "diagnostics", "pipeline" (the pipeline.open model of the result)},
 * and with "text": true also "text" (the result) and "base" (the text
 * the edits were applied to). old is NULL when the file is not there.
 */
static json_t *
rpc_pipeline_dry_run(struct loomd *loomd, json_t *params, const char *file,
    const char *target, const char *old, size_t oldlen, const char *text,
    size_t len, struct rpc_error *err)
{
	char version[PIPELINE_VERSION_LEN];
	struct pipeline *p;
	struct diags d;
	json_t *model, *r;
	bool want_text = false, ok;

	if (rpc_param_bool(params, "text", false, &want_text, err) != 0)
		return NULL;
	p = rpc_pipeline_load_text(file, target, text, len, &d);
	ok = p != NULL && d.nerrors == 0;
	if (p == NULL)
		model = json_pack("{s:[], s:[], s:[], s:[], s:{}}", "data",
		    "parameters", "steps", "groups", "layout");
	else if ((model = rpc_pipeline_model(p, rpc_pipeline_venv(loomd,
	    params))) == NULL) {
		rpc_error_set(err, LOOM_ERR_PIPELINE, json_pack("{s:s}",
		    "file", file), "%s: resolved paths and commands pass %d "
		    "bytes, too many to send", file, OPEN_MAX_RESOLVED);
		goto fail;
	}
	rpc_pipeline_model_head(model, file, ok, &d);
	if (want_text && len + oldlen > OPEN_MAX_RESOLVED) {
		json_decref(model);
		rpc_error_set(err, LOOM_ERR_PIPELINE, json_pack("{s:s}",
		    "file", file), "%s: the texts pass %d bytes, too many to "
		    "send", file, OPEN_MAX_RESOLVED);
		goto fail;
	}
	if (old != NULL)
		pipeline_save_version(old, oldlen, version);
	r = json_pack("{s:s, s:o, s:b, s:b, s:b, s:o, s:o}", "file", file,
	    "version", old != NULL ? json_string(version) : json_null(),
	    "written", false, "dry_run", true, "ok", ok,
	    "diagnostics", rpc_params_diags(&d), "pipeline", model);
	json_object_set_new(model, "version", json_deep_copy(
	    json_object_get(r, "version")));
	if (want_text) {
		json_object_set_new(r, "text", json_stringn(text, len));
		json_object_set_new(r, "base", json_stringn(old != NULL ?
		    old : "", oldlen));
	}
	pipeline_free(p);
	diags_free(&d);
	return r;

fail:
	pipeline_free(p);
	diags_free(&d);
	return NULL;
}

/* pipeline.save {"file", "base_version", "edits", "create"?, "dry_run"?} */
static json_t *
rpc_pipeline_save(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct loom_error lerr;
	struct pipeline *p;
	struct diags d;
	const char *file, *base;
	char *target, *old = NULL, *text = NULL, *msg;
	char version[PIPELINE_VERSION_LEN];
	json_t *edits, *r = NULL;
	size_t oldlen = 0, len = 0;
	bool create = false, dry = false, exists, written = false;
	int errnum;

	(void)client;
	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	base = rpc_param_string(params, "base_version", false, err);
	if (err->code != 0 || rpc_param_bool(params, "create", false, &create,
	    err) != 0 || rpc_param_bool(params, "dry_run", false, &dry,
	    err) != 0)
		return NULL;
	edits = json_object_get(params, "edits");
	if (!json_is_array(edits)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL, "\"edits\" "
		    "must be a list of edits (docs/protocol.md)");
		return NULL;
	}
	if ((target = rpc_pipeline_save_target(file, &exists, err)) == NULL)
		return NULL;
	loom_error_clear(&lerr);
	if (exists && (old = fileio_read(target, PIPELINE_MAX_FILE_SIZE,
	    &oldlen, &lerr)) == NULL) {
		rpc_pipeline_file_error(err, file, errno, lerr.message);
		goto out;
	}
	if (!exists && !create) {
		msg = xasprintf("cannot save %s: %s (give \"create\": true "
		    "to make a new pipeline)", file, strerror(ENOENT));
		rpc_pipeline_file_error(err, file, ENOENT, msg);
		free(msg);
		goto out;
	}
	if (exists)
		pipeline_save_version(old, oldlen, version);
	/* A dry run without base_version applies to what is on disk now. */
	if ((exists && (base == NULL ? !dry : strcmp(base, version) != 0)) ||
	    (!exists && base != NULL)) {
		rpc_error_set(err, LOOM_ERR_CONFLICT, json_pack("{s:s, s:o}",
		    "file", file, "version", exists ? json_string(version) :
		    json_null()), "%s changed on disk since it was opened; "
		    "open it again (or merge) before saving", file);
		goto out;
	}
	if ((text = pipeline_save_apply(file, exists ? old : "", oldlen, edits,
	    &len, &lerr)) == NULL) {
		rpc_error_set(err, LOOM_ERR_EDIT, json_pack("{s:s, s:s}", "file",
		    file, "message", lerr.message), "%s", lerr.message);
		goto out;
	}
	if (len > PIPELINE_MAX_FILE_SIZE) {
		rpc_error_set(err, LOOM_ERR_EDIT, json_pack("{s:s, s:s}", "file",
		    file, "message", "the result is over the size limit"),
		    "the saved %s would be %zu bytes, over the limit of %u",
		    file, len, PIPELINE_MAX_FILE_SIZE);
		goto out;
	}
	if (dry) {
		r = rpc_pipeline_dry_run(loomd, params, file, target,
		    exists ? old : NULL, oldlen, text, len, err);
		goto out;
	}
	if (!exists || len != oldlen || memcmp(text, old, len) != 0) {
		if (fileio_write_atomic(target, text, len, 0644, &lerr) != 0) {
			errnum = errno;
			rpc_pipeline_file_error(err, file, errnum,
			    lerr.message);
			goto out;
		}
		written = true;
	}
	pipeline_save_version(text, len, version);
	p = rpc_pipeline_load_text(file, target, text, len, &d);
	r = json_pack("{s:s, s:s, s:b, s:b, s:o}", "file", file, "version",
	    version, "written", written, "ok", p != NULL && d.nerrors == 0,
	    "diagnostics", rpc_params_diags(&d));
	pipeline_free(p);
	diags_free(&d);
out:
	free(text);
	free(old);
	free(target);
	return r;
}
