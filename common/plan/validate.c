/* SPDX-License-Identifier: MIT */
/*
 * Semantic validation of a loaded pipeline (see validate.h). Every check
 * runs even after earlier ones failed, so one run reports everything.
 * Name checks go through hash maps and task files are read once per
 * distinct path, so a 10,000-step pipeline validates in milliseconds.
 * The dependency checks are graph.c's; this file only asks for them.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fresh/clean.h"
#include "common/model/command.h"
#include "common/util/error.h"
#include "common/model/frontmatter.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

/* One distinct task file: found or not, and its front matter. */
struct validate_task {
	char *path;		/* absolute */
	bool exists;
	bool is_dir;
	struct frontmatter *fm;	/* NULL when none or unreadable */
	bool fm_reported;	/* malformed front matter reported once */
};

/* A diagnostic and its position in the list, for a stable qsort. */
struct validate_sorted {
	struct diag dg;
	size_t order;
};

struct validate {
	const struct pipeline *p;
	struct diags *d;
	const char **names;	/* data and parameter names, for hints */
	size_t nnames;
	const void **seen;	/* shared (aliased) nodes walked: a hash set */
	size_t nseen;
	size_t capseen;
	struct validate_task *tasks;
	size_t ntasks;
	size_t captasks;
	struct pipeline_map *task_index;
	struct pipeline_map *task_text;	/* task as written (no $) -> tasks */
	size_t expand_limit;	/* bytes a value may expand to */
	const char *path_kind;	/* walking paths ("data path"...): no
				   control characters; NULL for arguments */
	bool data_paths;	/* walking data paths: depth errors too */

	/* Output checks (X5): resolved once per validation. */
	char *file_real;	/* the pipeline file, resolved */
	char *loom_real;	/* its .loom folder, resolved */
	struct strv task_reals;	/* resolved task paths (keys of task_set) */
	struct pipeline_map *task_set;
	struct clean_resolver res;	/* resolves outputs (clean.h) */
};

static struct diag *validate_error(struct validate *v,
		    const struct loom_span *sp, int coloff,
		    const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
static struct diag *validate_warning(struct validate *v,
		    const struct loom_span *sp, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static void	validate_names(struct validate *v);
static void	validate_no_control(struct validate *v, const char *what,
		    const char *text, const struct loom_span *sp);
static void	validate_all_names(struct validate *v);
static void	validate_output_sources(struct validate *v,
		    const struct step *s);
static void	validate_output_source(struct validate *v,
		    const struct step *s, const struct kv *out,
		    const struct value *val);
static void	validate_size(struct validate *v, const char *text,
		    const struct loom_span *sp);
static void	validate_size_verdict(struct validate *v, int rc,
		    const struct loom_error *err);
static void	validate_steps(struct validate *v);
static void	validate_value(struct validate *v, const struct value *val,
		    bool in_loop);
static void	validate_text(struct validate *v, const char *text,
		    const struct loom_span *sp, bool in_loop);
static void	validate_task(struct validate *v, const struct step *s);
static void	validate_frontmatter(struct validate *v, const struct step *s,
		    const struct frontmatter *fm, const char *task);
static void	validate_layout(struct validate *v);
static int	validate_cmp(const void *a, const void *b);
static void	validate_sort(struct diags *d);

static int	validate_coloff(const struct validate *v,
		    const struct loom_span *sp, const char *text, size_t off);
static const struct data_entry *validate_ref(struct validate *v,
		    const char *name, const char *text, size_t off,
		    const struct loom_span *sp, bool in_loop,
		    const struct param **pa);
static bool	validate_name_char(int c, bool first);
static bool	validate_seen(struct validate *v, const struct value *val);
static struct validate_task *validate_task_file(struct validate *v,
		    const char *path);
static char *validate_declared(const struct frontmatter_list *list);
static void	validate_fm_section(struct validate *v, const struct step *s,
		    const struct kvlist *given,
		    const struct frontmatter_list *declared, const char *what,
		    const char *task);

static struct diag *
validate_error(struct validate *v, const struct loom_span *sp, int coloff,
    const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;

	va_start(ap, fmt);
	dg = pipeline_vdiag(v->p, v->d, DIAG_ERROR, sp, coloff, fmt, ap);
	va_end(ap);
	return dg;
}

static struct diag *
validate_warning(struct validate *v, const struct loom_span *sp,
    const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;

	va_start(ap, fmt);
	dg = pipeline_vdiag(v->p, v->d, DIAG_WARNING, sp, 0, fmt, ap);
	va_end(ap);
	return dg;
}

/*
 * The column offset of byte off of text inside the scalar at sp, when the
 * source there spells text on one line (plain, or right after a quote);
 * else 0, pointing at the scalar's start.
 */
static int
validate_coloff(const struct validate *v, const struct loom_span *sp,
    const char *text, size_t off)
{
	const char *src = v->p->source;
	size_t start = sp->start, i;
	int col = 0;

	if (src == NULL || start >= v->p->source_len)
		return 0;
	if (src[start] == '"' || src[start] == '\'')
		start++, col++;
	if (start + off > v->p->source_len ||
	    memcmp(src + start, text, off) != 0 ||
	    memchr(text, '\n', off) != NULL)
		return 0;
	for (i = 0; i < off; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/*
 * Check one reference name found in text at byte off. Returns the data
 * entry it names, or NULL; *pa (when not NULL) gets the parameter it
 * names instead.
 */
static const struct data_entry *
validate_ref(struct validate *v, const char *name, const char *text,
    size_t off, const struct loom_span *sp, bool in_loop,
    const struct param **pa)
{
	const struct data_entry *de;
	const struct param *found;
	const char *best;
	struct diag *dg;
	int coloff;

	if (pa != NULL)
		*pa = NULL;
	if (strcmp(name, "loop_item") == 0 ||
	    strcmp(name, "loop_output") == 0) {
		if (in_loop)
			return NULL;
		coloff = validate_coloff(v, sp, text, off);
		dg = validate_error(v, sp, coloff, "$%s is only available "
		    "inside a loop step", name);
		diag_set_hint(dg, "give the step a loop: {over: ..., into: "
		    "...}, or refer to a data entry");
		return NULL;
	}
	if ((de = pipeline_data(v->p, name)) != NULL)
		return de;
	if ((found = pipeline_param(v->p, name)) != NULL) {
		if (pa != NULL)
			*pa = found;
		return NULL;
	}
	coloff = validate_coloff(v, sp, text, off);
	dg = validate_error(v, sp, coloff, "unknown reference $%s", name);
	best = pipeline_suggest(name, v->names, v->nnames);
	if (best != NULL)
		diag_set_hint(dg, "did you mean $%s?", best);
	else
		diag_set_hint(dg, "define %s under data:, variables: or "
		    "parameters:", name);
	return NULL;
}

static bool
validate_name_char(int c, bool first)
{
	if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && c >= '0' && c <= '9';
}

/* Check the references in one scalar's text, as pipeline_expand sees them. */
static void
validate_text(struct validate *v, const char *text, const struct loom_span *sp,
    bool in_loop)
{
	const struct data_entry *de;
	const struct param *pa;
	struct loom_error err;
	const char *q;
	char buf[128], *name;
	size_t i;
	struct diag *dg;

	if (text != NULL && v->path_kind != NULL)
		validate_no_control(v, v->path_kind, text, sp);
	if (text == NULL || strchr(text, '$') == NULL)
		return;
	if (text[0] == '$' && text[1] != '{') {
		for (i = 1; validate_name_char(text[i], i == 1); i++)
			;
		/*
		 * One reference, looked up once: a data entry's size is
		 * known by its index, a parameter's is its length, and a
		 * loop value or an unknown name adds nothing.
		 */
		if (i > 1 && text[i] == '\0') {
			de = validate_ref(v, text + 1, text, 0, sp, in_loop,
			    &pa);
			if (de != NULL) {
				loom_error_clear(&err);
				validate_size_verdict(v,
				    pipeline_check_data_ref(v->p, de, sp,
				    v->expand_limit, &err), &err);
			} else if (pa != NULL && pa->value != NULL &&
			    pa->value->text != NULL &&
			    strlen(pa->value->text) > v->expand_limit)
				validate_size(v, text, sp);
			return;
		}
	}
	for (q = strstr(text, "${"); q != NULL; q = strstr(q, "${")) {
		for (i = 2; validate_name_char(q[i], i == 2); i++)
			;
		if (i == 2 || q[i] != '}') {
			dg = validate_error(v, sp, validate_coloff(v, sp, text,
			    (size_t)(q - text)), "malformed reference: ${ "
			    "must be followed by a name and }");
			diag_set_hint(dg, "write ${name}, with letters, digits "
			    "and _ only");
			return;
		}
		name = xstrndup_buf(q + 2, i - 2, buf, sizeof buf);
		validate_ref(v, name, text, (size_t)(q - text), sp, in_loop,
		    NULL);
		xstrbuf_free(name, buf);
		q += i + 1;
	}
	validate_size(v, text, sp);
}

/*
 * What text expands to must stay within the limits (a reference bomb).
 * Too deep a nesting is reported once, with the data paths.
 */
static void
validate_size(struct validate *v, const char *text, const struct loom_span *sp)
{
	struct loom_error err;

	loom_error_clear(&err);
	validate_size_verdict(v, pipeline_check_text(v->p, text, sp,
	    v->expand_limit, &err), &err);
}

/* Report what a size check (rc, err) found, once. */
static void
validate_size_verdict(struct validate *v, int rc,
    const struct loom_error *err)
{
	size_t i;

	if (rc == 0 || (rc == -2 && !v->data_paths))
		return;
	/* Entries in one circle all lead to the same place: say it once. */
	for (i = 0; rc == -2 && i < v->d->n; i++) {
		if (v->d->v[i].line == err->line &&
		    v->d->v[i].column == err->column &&
		    strcmp(v->d->v[i].message, err->message) == 0)
			return;
	}
	diags_add_error(v->d, err);
}

/*
 * Has this shared node been walked already? Aliased nodes appear many
 * times in the tree; walking each once keeps alias-heavy files cheap
 * and reports each problem once.
 */
static bool
validate_seen(struct validate *v, const struct value *val)
{
	const void **old;
	size_t i, h, oldcap;

	if (val->refs == 0)
		return false;
	if ((v->nseen + 1) * 2 > v->capseen) {
		old = v->seen;
		oldcap = v->capseen;
		v->capseen = oldcap ? oldcap * 2 : 64;
		v->seen = xcalloc(v->capseen, sizeof *v->seen);
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			h = ((uintptr_t)old[i] >> 4) & (v->capseen - 1);
			while (v->seen[h] != NULL)
				h = (h + 1) & (v->capseen - 1);
			v->seen[h] = old[i];
		}
		free(old);
	}
	h = ((uintptr_t)val >> 4) & (v->capseen - 1);
	while (v->seen[h] != NULL) {
		if (v->seen[h] == val)
			return true;
		h = (h + 1) & (v->capseen - 1);
	}
	v->seen[h] = val;
	v->nseen++;
	return false;
}

static void
validate_value(struct validate *v, const struct value *val, bool in_loop)
{
	size_t i;

	if (val == NULL || validate_seen(v, val))
		return;
	switch (val->type) {
	case VALUE_STRING:
		validate_text(v, val->text, &val->span, in_loop);
		break;
	case VALUE_LIST:
		for (i = 0; i < val->nitems; i++)
			validate_value(v, val->items[i], in_loop);
		break;
	case VALUE_MAP:
		for (i = 0; i < val->map.n; i++)
			validate_value(v, val->map.v[i].value, in_loop);
		break;
	default:
		break;
	}
}

/*
 * A name or path must not hold control characters (X6): a line break
 * in a step name or a path would end a line of a dry-run script, a
 * comment or a log, and nobody means one there.
 */
static void
validate_no_control(struct validate *v, const char *what, const char *text,
    const struct loom_span *sp)
{
	const unsigned char *q;
	struct diag *dg;
	char *safe;

	for (q = (const unsigned char *)text; *q != '\0'; q++) {
		if (*q < 0x20 || *q == 0x7f)
			break;
	}
	if (*q == '\0')
		return;
	safe = command_printable(text);
	dg = validate_error(v, sp, 0, "%s '%s' holds the control character "
	    "0x%02x", what, safe, *q);
	diag_set_hint(dg, "names and paths cannot hold line breaks, tabs or "
	    "other control characters; remove it");
	free(safe);
}

/*
 * One output (val, of out) that is a source: the pipeline file, .loom
 * or inside it, or a task script.
 */
static void
validate_output_source(struct validate *v, const struct step *s,
    const struct kv *out, const struct value *val)
{
	const struct pipeline *p = v->p;
	const struct data_entry *de;
	struct loom_error err;
	struct diag *dg = NULL;
	const char *file = v->file_real, *loom = v->loom_real, *abs;
	char *text, *own = NULL, *real;
	ssize_t ti;

	if (!value_is_scalar(val) || val->text == NULL)
		return;
	loom_error_clear(&err);
	if ((de = pipeline_value_ref(p, val)) != NULL) {
		abs = pipeline_data_path_ref(p, de, &err);
		/* Not kept (past the index's budget): a copy of its own. */
		if (abs == NULL && !err.set)
			abs = own = pipeline_data_path(p, de, &err);
	} else if ((text = pipeline_expand(p, val->text, &val->span, "",
	    "", &err)) != NULL) {
		abs = own = pipeline_abspath(p, text);
		free(text);
	} else
		abs = NULL;
	if (abs == NULL || pipeline_is_url(abs)) {
		free(own);
		return;
	}
	real = clean_resolver_get(&v->res, abs);
	if (strcmp(real, file) == 0)
		dg = validate_warning(v, &val->span, "output %s of step '%s' is "
		    "the pipeline file %s", out->key, s->name, file);
	else if (strcmp(real, loom) == 0)
		dg = validate_warning(v, &val->span, "output %s of step '%s' is "
		    "Loom's state folder %s", out->key, s->name, loom);
	else if (strncmp(real, loom, strlen(loom)) == 0 &&
	    real[strlen(loom)] == '/')
		dg = validate_warning(v, &val->span, "output %s of step '%s' is "
		    "inside Loom's state folder %s", out->key, s->name, loom);
	if (dg == NULL && (ti = pipeline_map_get(v->task_set, real)) >= 0)
		dg = validate_warning(v, &val->span, "output %s of step '%s' "
		    "is the task script %s", out->key, s->name,
		    v->task_reals.v[ti]);
	if (dg != NULL)
		diag_set_hint(dg, "running the step would overwrite it, and "
		    "clean keeps it: write outputs elsewhere (out/...)");
	free(real);
	free(own);
}

/* Outputs of s that are sources (X5): warned about, one by one. */
static void
validate_output_sources(struct validate *v, const struct step *s)
{
	const struct value *val;
	size_t i, j;

	for (i = 0; i < s->outputs.n; i++) {
		val = s->outputs.v[i].value;
		if (val == NULL)
			continue;
		if (val->type != VALUE_LIST)
			validate_output_source(v, s, &s->outputs.v[i], val);
		else
			for (j = 0; j < val->nitems; j++)
				validate_output_source(v, s,
				    &s->outputs.v[i], val->items[j]);
	}
}

/* Names of data entries, parameters, steps and groups: no control. */
static void
validate_all_names(struct validate *v)
{
	const struct pipeline *p = v->p;
	size_t i;

	for (i = 0; i < p->ndata; i++)
		validate_no_control(v, "data entry name", p->data[i].name,
		    &p->data[i].span);
	for (i = 0; i < p->nparams; i++)
		validate_no_control(v, "parameter name", p->params[i].name,
		    &p->params[i].span);
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].name != NULL)
			validate_no_control(v, "step name", p->steps[i].name,
			    &p->steps[i].name_span);
	for (i = 0; i < p->ngroups; i++)
		validate_no_control(v, "group name", p->groups[i].name,
		    &p->groups[i].span);
}

/* Names defined twice: data/variables among themselves and parameters. */
static void
validate_names(struct validate *v)
{
	const struct pipeline *p = v->p;
	struct pipeline_map *m;
	struct diag *dg;
	ssize_t j;
	size_t i;

	m = pipeline_map_create(p->ndata + p->nparams);
	for (i = 0; i < p->ndata; i++) {
		if ((j = pipeline_map_add(m, p->data[i].name, i)) == -1)
			continue;
		dg = validate_error(v, &p->data[i].span, 0, "'%s' is defined "
		    "twice (lines %d and %d)", p->data[i].name,
		    p->data[j].span.line, p->data[i].span.line);
		diag_set_hint(dg, "variables: and data: share one namespace; "
		    "rename or remove one");
	}
	for (i = 0; i < p->nparams; i++) {
		if ((j = pipeline_map_get(m, p->params[i].name)) == -1)
			continue;
		dg = validate_error(v, &p->params[i].span, 0, "'%s' is defined "
		    "twice: parameter here, data entry at line %d",
		    p->params[i].name, p->data[j].span.line);
		diag_set_hint(dg, "$%s would mean the data entry; rename one "
		    "of them", p->params[i].name);
	}
	pipeline_map_free(m);

	m = pipeline_map_create(p->nsteps);
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].name[0] == '\0' ||
		    (j = pipeline_map_add(m, p->steps[i].name, i)) == -1)
			continue;
		dg = validate_error(v, &p->steps[i].name_span, 0, "duplicate "
		    "step name '%s' (lines %d and %d)", p->steps[i].name,
		    p->steps[j].name_span.line, p->steps[i].name_span.line);
		diag_set_hint(dg, "step names must be unique; rename one");
	}
	pipeline_map_free(m);

	m = pipeline_map_create(p->ngroups);
	for (i = 0; i < p->ngroups; i++) {
		if (p->groups[i].name[0] == '\0' ||
		    (j = pipeline_map_add(m, p->groups[i].name, i)) == -1)
			continue;
		dg = validate_error(v, &p->groups[i].span, 0, "group '%s' is "
		    "defined twice (lines %d and %d)", p->groups[i].name,
		    p->groups[j].span.line, p->groups[i].span.line);
		diag_set_hint(dg, "put all of the group's steps in one "
		    "group: block");
	}
	pipeline_map_free(m);

	/*
	 * Data paths: references, entries that refer to each other, sizes
	 * (worked out, never built).
	 */
	v->expand_limit = PIPELINE_MAX_EXPANDED_PATH;
	v->data_paths = true;
	v->path_kind = "data path";
	for (i = 0; i < p->ndata; i++) {
		const struct data_entry *de = &p->data[i];

		if (de->path != NULL)
			validate_value(v, de->path, false);
	}
	v->expand_limit = PIPELINE_MAX_EXPANDED;
	v->data_paths = false;
	v->path_kind = NULL;
}

/* Read each distinct task file once: existence and front matter. */
static struct validate_task *
validate_task_file(struct validate *v, const char *path)
{
	struct validate_task *t;
	struct stat st;
	struct loom_error err;
	ssize_t i;

	if ((i = pipeline_map_get(v->task_index, path)) != -1)
		return &v->tasks[i];
	if (v->ntasks == v->captasks) {
		v->captasks = v->captasks ? v->captasks * 2 : 16;
		v->tasks = xreallocarray(v->tasks, v->captasks,
		    sizeof *v->tasks);
	}
	t = &v->tasks[v->ntasks];
	memset(t, 0, sizeof *t);
	t->path = xstrdup(path);
	if (stat(path, &st) == 0) {
		t->exists = true;
		t->is_dir = S_ISDIR(st.st_mode);
	}
	if (t->exists && !t->is_dir) {
		loom_error_clear(&err);
		t->fm = frontmatter_parse_file(path, &err);
		if (t->fm == NULL && err.set) {
			struct diag *dg;

			dg = diags_add(v->d, DIAG_WARNING, err.file[0] ?
			    err.file : path, err.line, err.column,
			    "front matter ignored: %s", err.message);
			diag_set_hint(dg, "fix the block between the '---' "
			    "lines, or remove it");
		}
	}
	pipeline_map_add(v->task_index, t->path, v->ntasks);
	return &v->tasks[v->ntasks++];
}

static void
validate_task(struct validate *v, const struct step *s)
{
	const struct pipeline *p = v->p;
	struct validate_task *t;
	struct loom_error err;
	struct diag *dg;
	const char *text;
	char *owned = NULL, *abs;
	ssize_t ti = -1;

	if (s->task == NULL)
		return;
	/*
	 * Without a '$' the task expands to itself, and many steps share
	 * one task: its text finds the file's entry without building the
	 * absolute path again.
	 */
	if (strchr(s->task, '$') == NULL) {
		text = s->task;
		ti = pipeline_map_get(v->task_text, text);
	} else {
		loom_error_clear(&err);
		if ((owned = pipeline_expand(p, s->task, &s->task_span, NULL,
		    NULL, &err)) == NULL)
			return;	/* the reference was reported already */
		text = owned;
	}
	if (text[0] == '\0') {
		dg = validate_error(v, &s->task_span, 0, "step '%s' has an "
		    "empty task", s->name);
		diag_set_hint(dg, "write the path of the script to run");
		free(owned);
		return;
	}
	if (ti == -1) {
		abs = pipeline_abspath(p, text);
		ti = validate_task_file(v, abs) - v->tasks;
		free(abs);
		if (owned == NULL)
			pipeline_map_add(v->task_text, s->task, (size_t)ti);
	}
	t = &v->tasks[ti];
	if (!t->exists) {
		dg = validate_error(v, &s->task_span, 0, "task file %s not "
		    "found", text);
		diag_set_hint(dg, "relative paths start at the pipeline's "
		    "folder: %s", t->path);
	} else if (t->is_dir) {
		dg = validate_error(v, &s->task_span, 0, "task %s is a folder, "
		    "not a script", text);
		diag_set_hint(dg, "name the script file inside it");
	} else if (t->fm != NULL && t->fm->found)
		validate_frontmatter(v, s, t->fm, text);
	free(owned);
}

/* Names declared in list, "a, b, c", for hints. Owned. */
static char *
validate_declared(const struct frontmatter_list *list)
{
	char *out = xstrdup(""), *next;
	size_t i;

	for (i = 0; i < list->n; i++) {
		next = xasprintf("%s%s%s", out, i ? ", " : "",
		    list->v[i].name);
		free(out);
		out = next;
	}
	return out;
}

static void
validate_fm_section(struct validate *v, const struct step *s,
    const struct kvlist *given, const struct frontmatter_list *declared,
    const char *what, const char *task)
{
	const char **names;
	const char *best;
	struct diag *dg;
	char *list;
	size_t i;

	for (i = 0; i < given->n; i++) {
		if (frontmatter_find(declared, given->v[i].key) != NULL)
			continue;
		dg = validate_warning(v, &given->v[i].key_span, "step '%s' "
		    "passes %s '%s', which %s does not declare", s->name,
		    what, given->v[i].key, task);
		names = xreallocarray(NULL, declared->n + 1, sizeof *names);
		for (size_t k = 0; k < declared->n; k++)
			names[k] = declared->v[k].name;
		best = pipeline_suggest(given->v[i].key, names, declared->n);
		free(names);
		list = validate_declared(declared);
		if (best != NULL)
			diag_set_hint(dg, "did you mean '%s'?", best);
		else if (declared->n > 0)
			diag_set_hint(dg, "%s declares: %s", task, list);
		else
			diag_set_hint(dg, "%s declares no %s", task, what);
		free(list);
	}
	for (i = 0; i < declared->n; i++) {
		if (!declared->v[i].required ||
		    kvlist_get(given, declared->v[i].name) != NULL)
			continue;
		dg = validate_warning(v, s->name_span.line ? &s->name_span :
		    &s->span, "step '%s' does not pass required %s '%s' of %s",
		    s->name, what, declared->v[i].name, task);
		if (declared->v[i].description != NULL)
			diag_set_hint(dg, "%s: %s", declared->v[i].name,
			    declared->v[i].description);
	}
}

static void
validate_frontmatter(struct validate *v, const struct step *s,
    const struct frontmatter *fm, const char *task)
{
	validate_fm_section(v, s, &s->inputs, &fm->inputs, "input", task);
	validate_fm_section(v, s, &s->outputs, &fm->outputs, "output", task);
	validate_fm_section(v, s, &s->args, &fm->args, "argument", task);
}

/*
 * Inputs and outputs given without a value (null): ports not connected
 * yet, as the editor adds them for a new step. The command leaves them
 * out, so the step would run without them.
 */
static void
validate_unconnected(struct validate *v, const struct step *s,
    const struct kvlist *l, const char *what)
{
	struct diag *dg;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].value != NULL && l->v[i].value->type != VALUE_NULL)
			continue;
		dg = validate_warning(v, &l->v[i].key_span, "%s '%s' of step "
		    "'%s' is not connected", what, l->v[i].key, s->name);
		diag_set_hint(dg, "give it a data entry ($name) or a path, or "
		    "remove it: the command leaves it out");
	}
}

static void
validate_steps(struct validate *v)
{
	const struct pipeline *p = v->p;
	const struct step *s;
	struct diag *dg;
	char *abs;
	size_t i, j;
	bool in_loop;

	abs = pipeline_abspath(p, p->path);
	v->file_real = clean_resolver_get(&v->res, abs);
	free(abs);
	abs = xasprintf("%s/.loom", p->dir);
	v->loom_real = clean_resolve(abs);
	free(abs);
	strv_init(&v->task_reals);
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].task == NULL ||
		    strchr(p->steps[i].task, '$') != NULL)
			continue;
		abs = pipeline_abspath(p, p->steps[i].task);
		strv_push_owned(&v->task_reals,
		    clean_resolver_get(&v->res, abs));
		free(abs);
	}
	/* The strings of task_reals stay put: the map borrows them. */
	v->task_set = pipeline_map_create(v->task_reals.n);
	for (i = 0; i < v->task_reals.n; i++)
		pipeline_map_add(v->task_set, v->task_reals.v[i], i);
	for (i = 0; i < p->nsteps; i++) {
		s = &p->steps[i];
		in_loop = s->loop != NULL;
		validate_output_sources(v, s);
		validate_unconnected(v, s, &s->inputs, "input");
		validate_unconnected(v, s, &s->outputs, "output");
		v->path_kind = "input path";
		for (j = 0; j < s->inputs.n; j++)
			validate_value(v, s->inputs.v[j].value, in_loop);
		v->path_kind = "output path";
		for (j = 0; j < s->outputs.n; j++)
			validate_value(v, s->outputs.v[j].value, in_loop);
		v->path_kind = NULL;
		for (j = 0; j < s->args.n; j++)
			validate_value(v, s->args.v[j].value, in_loop);
		v->path_kind = "task path";
		if (s->task != NULL)
			validate_text(v, s->task, &s->task_span, false);
		v->path_kind = "loop folder";
		if (s->loop != NULL) {
			if (s->loop->over == NULL) {
				dg = validate_error(v, &s->loop->span, 0,
				    "the loop of step '%s' has no over:",
				    s->name);
				diag_set_hint(dg, "add over: $folder, the "
				    "folder whose files the step runs on");
			} else
				validate_value(v, s->loop->over, false);
			if (s->loop->into == NULL) {
				dg = validate_error(v, &s->loop->span, 0,
				    "the loop of step '%s' has no into:",
				    s->name);
				diag_set_hint(dg, "add into: $out_folder, the "
				    "folder that receives $loop_output");
			} else
				validate_value(v, s->loop->into, false);
		}
		v->path_kind = NULL;
		validate_task(v, s);
	}
	pipeline_map_free(v->task_set);
	v->task_set = NULL;
	strv_free(&v->task_reals);
	free(v->file_real);
	free(v->loom_real);
	clean_resolver_free(&v->res);
	v->file_real = v->loom_real = NULL;
}

/* Layout entries should name a step, data entry, parameter or group. */
static void
validate_layout(struct validate *v)
{
	const struct pipeline *p = v->p;
	const struct layout_entry *e;
	size_t i;

	for (i = 0; i < p->nlayout; i++) {
		e = &p->layout[i];
		if (pipeline_step_index(p, e->name) != -1 ||
		    pipeline_data(p, e->name) != NULL ||
		    pipeline_param(p, e->name) != NULL ||
		    pipeline_group_index(p, e->name) != -1)
			continue;
		/* The editor's keys: data:NAME, param:NAME, group:NAME. */
		if ((strncmp(e->name, "data:", 5) == 0 &&
		    pipeline_data(p, e->name + 5) != NULL) ||
		    (strncmp(e->name, "param:", 6) == 0 &&
		    pipeline_param(p, e->name + 6) != NULL) ||
		    (strncmp(e->name, "group:", 6) == 0 &&
		    pipeline_group_index(p, e->name + 6) != -1))
			continue;
		validate_warning(v, &e->span, "layout names '%s', which is not "
		    "a step, data entry, parameter or group", e->name);
	}
}

/* Order of two diagnostics: file, line, column, then as added. */
static int
validate_cmp(const void *a, const void *b)
{
	const struct validate_sorted *x = a, *y = b;
	int c;

	if ((c = strcmp(x->dg.file, y->dg.file)) != 0)
		return c;
	if (x->dg.line != y->dg.line)
		return x->dg.line < y->dg.line ? -1 : 1;
	if (x->dg.column != y->dg.column)
		return x->dg.column < y->dg.column ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Sort d stably by place. diags_sort is an insertion sort meant for short
 * lists; a big pipeline with a problem on every step has thousands.
 */
static void
validate_sort(struct diags *d)
{
	struct validate_sorted *v;
	size_t i;

	if (d->n < 2)
		return;
	v = xreallocarray(NULL, d->n, sizeof *v);
	for (i = 0; i < d->n; i++) {
		v[i].dg = d->v[i];
		v[i].order = i;
	}
	qsort(v, d->n, sizeof *v, validate_cmp);
	for (i = 0; i < d->n; i++)
		d->v[i] = v[i].dg;
	free(v);
}

/* Check p; see validate.h. */
void
validate_pipeline(const struct pipeline *p, struct diags *d)
{
	graph_free(validate_pipeline_graph(p, d));
}

/* Check p and keep its graph when p is valid; see validate.h. */
struct graph *
validate_pipeline_graph(const struct pipeline *p, struct diags *d)
{
	return validate_pipeline_files(p, d, NULL);
}

struct graph *
validate_pipeline_files(const struct pipeline *p, struct diags *d,
    struct strv *read)
{
	struct validate v;
	struct graph *g;
	size_t i;

	memset(&v, 0, sizeof v);
	v.p = p;
	v.d = d;
	v.expand_limit = PIPELINE_MAX_EXPANDED;
	v.names = xreallocarray(NULL, p->ndata + p->nparams + 1,
	    sizeof *v.names);
	for (i = 0; i < p->ndata; i++)
		v.names[v.nnames++] = p->data[i].name;
	for (i = 0; i < p->nparams; i++)
		v.names[v.nnames++] = p->params[i].name;
	v.task_index = pipeline_map_create(16);
	v.task_text = pipeline_map_create(16);

	validate_names(&v);
	validate_all_names(&v);
	validate_steps(&v);
	validate_layout(&v);
	g = graph_build(p, d);

	for (i = 0; i < v.ntasks; i++) {
		if (read != NULL)
			strv_push(read, v.tasks[i].path);
		free(v.tasks[i].path);
		frontmatter_free(v.tasks[i].fm);
	}
	free(v.tasks);
	pipeline_map_free(v.task_index);
	pipeline_map_free(v.task_text);
	free(v.seen);
	free(v.names);
	validate_sort(d);
	if (d->nerrors > 0) {
		graph_free(g);
		return NULL;
	}
	return g;
}
