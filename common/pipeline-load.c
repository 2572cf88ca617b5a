/* SPDX-License-Identifier: MIT */
/*
 * Loading a pipeline file: libyaml events become a tree of struct value
 * (every node with its span), then the tree becomes the model of
 * pipeline.h (the entries of pipeline: as soon as each is complete, so a
 * big file never holds its whole tree). libyaml's marks are 0-based and
 * count characters; they are turned into 1-based lines and columns and
 * byte offsets here, and only here.
 *
 * Everything read is hostile until proven otherwise (SPEC section 7): the
 * size is checked before parsing; nesting depth is counted here because
 * libyaml has no limit; an alias shares the anchored node instead of
 * copying it and the nodes it stands for are counted against
 * PIPELINE_MAX_NODES, so alias bombs cost neither memory nor time; an
 * alias to a node that is still open (a: &a [*a]) is refused; duplicate
 * keys are errors in any mapping; tags are never interpreted (the node
 * is read as if untagged, with a warning).
 *
 * Structural and type problems (optional: maybe, max_workers: many) are
 * reported here since the model has typed fields; checks that need the
 * whole pipeline (references, duplicates across sections, the graph,
 * task files) are validate.c's.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/pipeline.h"
#include "common/xmalloc.h"

/* Keys of a mapping are checked for duplicates through a hash past this. */
#define LOAD_LINEAR_KEYS	16

struct load_anchor {
	char *name;
	struct value *v;
	size_t size;		/* nodes the anchored subtree stands for */
	size_t height;		/* levels of collections in it (scalar: 0) */
	bool open;		/* still being parsed: an alias is a cycle */
};

struct load_frame {
	struct value *v;	/* the open sequence or mapping */
	size_t size;		/* nodes inside so far, aliases expanded */
	size_t height;		/* the highest child so far */
	char *key;		/* a mapping's pending key, or NULL */
	struct loom_span key_span;
	bool drop;		/* the pending key is a duplicate */
	ssize_t anchor;		/* index in anchors, or -1 */
	struct pipeline_map *keys;	/* duplicate check for big mappings */
};

struct load {
	struct pipeline *p;
	struct diags *d;
	yaml_parser_t parser;

	/* Character index -> byte offset, walked incrementally. */
	size_t cur_index;
	size_t cur_byte;
	size_t base;		/* bytes of a UTF-8 byte order mark */

	struct load_frame *frames;
	size_t nframes;
	size_t capframes;

	struct load_anchor *anchors;
	size_t nanchors;
	size_t capanchors;
	struct pipeline_map *anchor_names;

	size_t aliases;		/* alias nodes seen */
	size_t nodes;		/* nodes, aliases expanded */
	struct value *root;
	bool fatal;
};

static size_t	load_byte(struct load *l, size_t index);
static struct loom_span load_span(struct load *l, const yaml_mark_t *start,
		    const yaml_mark_t *end);
static struct diag *load_error(struct load *l, const struct loom_span *sp,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static struct diag *load_warning(struct load *l, const struct loom_span *sp,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void	load_fatal(struct load *l, const yaml_mark_t *mark,
		    const char *hint, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
static void	load_add(struct load *l, struct value *v, size_t size,
		    size_t height);
static void	load_events(struct load *l);
static void	load_syntax_error(struct load *l);
static void	load_build(struct load *l, const struct value *root);
static void	load_release(struct value **slot);
static bool	load_is_step_list(const struct load *l);
static void	load_pipeline_item(struct load *l, const struct value *item);
static struct pipeline *load_common(struct pipeline *p, struct diags *d);

static void	load_locate(const struct load *l, size_t off, int *line,
		    int *column);
static void	load_tag(struct load *l, const yaml_char_t *tag,
		    const yaml_mark_t *mark);
static const struct kv *load_find_key(struct load_frame *f, const char *key);
static void	load_key(struct load *l, struct load_frame *f, char *key,
		    const struct loom_span *sp);
static bool	load_count(struct load *l, size_t n, const yaml_mark_t *mark);
static ssize_t load_anchor(struct load *l, const yaml_char_t *name,
		    struct value *v, bool open);
static void	load_alias(struct load *l, const yaml_event_t *ev);
static void	load_scalar(struct load *l, yaml_event_t *ev);
static void	load_open(struct load *l, const yaml_event_t *ev, bool map);
static void	load_close(struct load *l, const yaml_event_t *ev);
static const char *load_kind(const struct value *v);
static const struct loom_span *load_where(const struct kv *kv);
static bool	load_want_map(struct load *l, const struct kv *kv,
		    const char *what);
static char *load_text(struct load *l, const struct kv *kv, const char *what);
static int	load_bool(struct load *l, const struct kv *kv,
		    const char *what);
static void	load_unknown(struct load *l, const struct kv *kv,
		    const char *kind, const char *owner, const char *const *known,
		    size_t nknown);
static void	load_keep(struct kvlist *l, const struct kv *kv);
static void	load_kvlist(struct load *l, const struct kv *kv,
		    const char *what,
		    struct kvlist *out);
static struct data_entry *load_new_data(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_data_entry(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_data_section(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_params(struct load *l, const struct kv *kv);
static void	load_execution(struct load *l, const struct kv *kv);
static void	load_interpreter(struct load *l, const struct kv *kv,
		    struct strv *out);
static void	load_loop(struct load *l, struct step *s, const struct kv *kv);
static struct step *load_new_step(struct load *l);
static void	load_step(struct load *l, const struct value *v, ssize_t group);
static void	load_group(struct load *l, const struct value *v);
static void	load_steps(struct load *l, const struct kv *kv);
static bool	load_number(struct load *l, const struct kv *kv,
		    const char *owner,
		    double *out);
static void	load_layout(struct load *l, const struct kv *kv);
static char *load_dir_of(const char *path);

/* The byte offset of a libyaml character index. */
static size_t
load_byte(struct load *l, size_t index)
{
	const unsigned char *s = (const unsigned char *)l->p->source;
	size_t len = l->p->source_len;

	while (l->cur_index < index && l->cur_byte < len) {
		l->cur_byte++;
		while (l->cur_byte < len && (s[l->cur_byte] & 0xc0) == 0x80)
			l->cur_byte++;
		l->cur_index++;
	}
	while (l->cur_index > index && l->cur_byte > l->base) {
		l->cur_byte--;
		while (l->cur_byte > l->base &&
		    (s[l->cur_byte] & 0xc0) == 0x80)
			l->cur_byte--;
		l->cur_index--;
	}
	return l->cur_byte;
}

static struct loom_span
load_span(struct load *l, const yaml_mark_t *start, const yaml_mark_t *end)
{
	struct loom_span sp;

	sp.line = start->line >= INT_MAX ? INT_MAX : (int)start->line + 1;
	sp.column = start->column >= INT_MAX ? INT_MAX :
	    (int)start->column + 1;
	sp.start = load_byte(l, start->index);
	sp.end = load_byte(l, end->index);
	return sp;
}

static struct diag *
load_error(struct load *l, const struct loom_span *sp, const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	dg = diags_add(l->d, DIAG_ERROR, l->p->path, sp ? sp->line : 0,
	    sp ? sp->column : 0, "%s", msg);
	free(msg);
	return dg;
}

static struct diag *
load_warning(struct load *l, const struct loom_span *sp, const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	dg = diags_add(l->d, DIAG_WARNING, l->p->path, sp ? sp->line : 0,
	    sp ? sp->column : 0, "%s", msg);
	free(msg);
	return dg;
}

/* An error that stops loading: the file cannot become a model. */
static void
load_fatal(struct load *l, const yaml_mark_t *mark, const char *hint,
    const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	dg = diags_add(l->d, DIAG_ERROR, l->p->path,
	    mark ? (int)mark->line + 1 : 0, mark ? (int)mark->column + 1 : 0,
	    "%s", msg);
	if (hint != NULL)
		diag_set_hint(dg, "%s", hint);
	free(msg);
	l->fatal = true;
}

/* The 1-based line and column of a byte offset (for reader errors). */
static void
load_locate(const struct load *l, size_t off, int *line, int *column)
{
	const unsigned char *s = (const unsigned char *)l->p->source;
	size_t i, ls = 0;
	int ln = 1, col = 1;

	if (off > l->p->source_len)
		off = l->p->source_len;
	for (i = 0; i < off; i++)
		if (s[i] == '\n') {
			ln++;
			ls = i + 1;
		}
	for (i = ls; i < off; i++)
		if ((s[i] & 0xc0) != 0x80)
			col++;
	*line = ln;
	*column = col;
}

/* Turn libyaml's error into a diagnostic with a 1-based place. */
static void
load_syntax_error(struct load *l)
{
	yaml_parser_t *ps = &l->parser;
	const char *problem = ps->problem ? ps->problem : "syntax error";
	struct diag *dg;
	int line, column;
	size_t off;

	if (ps->error == YAML_READER_ERROR) {
		load_locate(l, ps->problem_offset, &line, &column);
		if (strstr(problem, "control characters") != NULL)
			dg = diags_add(l->d, DIAG_ERROR, l->p->path, line,
			    column, "control character 0x%02x is not allowed "
			    "in YAML", (unsigned)ps->problem_value & 0xff);
		else if (ps->problem_value != -1)
			dg = diags_add(l->d, DIAG_ERROR, l->p->path, line,
			    column, "not UTF-8 text: %s (byte 0x%02x)", problem,
			    (unsigned)ps->problem_value & 0xff);
		else
			dg = diags_add(l->d, DIAG_ERROR, l->p->path, line,
			    column, "not UTF-8 text: %s", problem);
		diag_set_hint(dg, "a pipeline file must be UTF-8 text; "
		    "remove the byte or re-save the file as UTF-8");
		l->fatal = true;
		return;
	}
	if (ps->error == YAML_MEMORY_ERROR) {
		diags_add(l->d, DIAG_ERROR, l->p->path, 0, 0,
		    "out of memory while parsing");
		l->fatal = true;
		return;
	}
	line = (int)ps->problem_mark.line + 1;
	column = (int)ps->problem_mark.column + 1;
	if (ps->context != NULL)
		dg = diags_add(l->d, DIAG_ERROR, l->p->path, line, column,
		    "%s (%s at line %d, column %d)", problem, ps->context,
		    (int)ps->context_mark.line + 1,
		    (int)ps->context_mark.column + 1);
	else
		dg = diags_add(l->d, DIAG_ERROR, l->p->path, line, column,
		    "%s", problem);
	off = load_byte(l, ps->problem_mark.index);
	if (off < l->p->source_len && l->p->source[off] == '\t')
		diag_set_hint(dg, "YAML indents with spaces, not tabs");
	else if (strstr(problem, "mapping values are not allowed") != NULL)
		diag_set_hint(dg, "a value holding ': ' must be quoted, or a "
		    "key is indented wrongly");
	else
		diag_set_hint(dg, "check the indentation and quoting around "
		    "this place");
	l->fatal = true;
}

/* Warn once about a tag: Loom reads the node as if it had none. */
static void
load_tag(struct load *l, const yaml_char_t *tag, const yaml_mark_t *mark)
{
	const char *t = (const char *)tag;
	struct loom_span sp = load_span(l, mark, mark);
	struct diag *dg;

	if (strncmp(t, "tag:yaml.org,2002:", 18) == 0)
		dg = load_warning(l, &sp, "tag !!%s ignored: Loom never "
		    "interprets YAML tags", t + 18);
	else
		dg = load_warning(l, &sp, "tag %s ignored: Loom never "
		    "interprets YAML tags", t);
	diag_set_hint(dg, "the value is read as written, without the tag");
}

/* Is the key already in the open mapping? Returns its kv or NULL. */
static const struct kv *
load_find_key(struct load_frame *f, const char *key)
{
	struct kvlist *m = &f->v->map;
	size_t i;
	ssize_t at;

	if (m->n < LOAD_LINEAR_KEYS) {
		for (i = 0; i < m->n; i++)
			if (strcmp(m->v[i].key, key) == 0)
				return &m->v[i];
		return NULL;
	}
	if (f->keys == NULL) {
		f->keys = pipeline_map_create(m->n * 2);
		for (i = 0; i < m->n; i++)
			pipeline_map_add(f->keys, m->v[i].key, i);
	}
	at = pipeline_map_get(f->keys, key);
	return at == -1 ? NULL : &m->v[at];
}

/*
 * Is the open list the top-level pipeline: list? Its entries become steps
 * as soon as each is complete, and their nodes are freed at once instead
 * of waiting for the whole file: the tree of a big pipeline is most of
 * the memory a load needs, and memory here is page faults. Not for an
 * anchored list (an alias elsewhere must see its items) nor for a
 * duplicate pipeline: key (dropped).
 */
static bool
load_is_step_list(const struct load *l)
{
	const struct load_frame *root = &l->frames[0];

	return l->nframes == 2 && !l->fatal && root->v->type == VALUE_MAP &&
	    root->key != NULL && !root->drop &&
	    strcmp(root->key, "pipeline") == 0 &&
	    l->frames[1].v->type == VALUE_LIST && l->frames[1].anchor == -1;
}

/* A mapping's next key (owned by the frame from here on). */
static void
load_key(struct load *l, struct load_frame *f, char *key,
    const struct loom_span *sp)
{
	const struct kv *dup;
	struct diag *dg;

	f->key = key;
	f->key_span = *sp;
	f->drop = false;
	if ((dup = load_find_key(f, f->key)) != NULL) {
		dg = load_error(l, sp, "duplicate key '%s': already given at "
		    "line %d", f->key, dup->key_span.line);
		diag_set_hint(dg, "remove one of the two; only the first "
		    "(line %d) is used", dup->key_span.line);
		f->drop = true;
	}
}

/*
 * Attach a finished node to the open collection, or make it the root.
 * Takes the caller's reference to v. size is what v stands for.
 */
static void
load_add(struct load *l, struct value *v, size_t size, size_t height)
{
	struct load_frame *f;
	struct kvlist *m;
	struct diag *dg;

	if (l->nframes == 0) {
		value_free(l->root);
		l->root = v;
		return;
	}
	f = &l->frames[l->nframes - 1];
	f->size += size;
	if (height > f->height)
		f->height = height;
	if (f->v->type == VALUE_LIST) {
		if (load_is_step_list(l)) {
			load_pipeline_item(l, v);
			value_free(v);
			return;
		}
		/* Capacity 4, then doubling at each power of two. */
		if (f->v->nitems == 0)
			f->v->items = xreallocarray(NULL, 4,
			    sizeof *f->v->items);
		else if (f->v->nitems >= 4 &&
		    (f->v->nitems & (f->v->nitems - 1)) == 0)
			f->v->items = xreallocarray(f->v->items,
			    f->v->nitems * 2, sizeof *f->v->items);
		f->v->items[f->v->nitems++] = v;
		return;
	}
	if (f->key == NULL) {
		if (!value_is_scalar(v)) {
			dg = load_error(l, &v->span, "a mapping key must be a "
			    "plain name, not %s", v->type == VALUE_LIST ?
			    "a list" : "a mapping");
			diag_set_hint(dg, "write the key as text, e.g. name:");
			l->fatal = true;
			value_free(v);
			return;
		}
		load_key(l, f, xstrdup(v->text != NULL ? v->text : ""),
		    &v->span);
		value_free(v);
		return;
	}
	if (f->drop) {
		value_free(v);
	} else {
		m = &f->v->map;
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 4;
			m->v = xreallocarray(m->v, m->cap, sizeof *m->v);
		}
		m->v[m->n].key = f->key;
		m->v[m->n].key_span = f->key_span;
		m->v[m->n].value = v;
		if (f->keys != NULL)
			pipeline_map_add(f->keys, m->v[m->n].key, m->n);
		m->n++;
		f->key = NULL;
	}
	free(f->key);
	f->key = NULL;
	f->drop = false;
}

/* Count a new node against the limit; false (and fatal) when over. */
static bool
load_count(struct load *l, size_t n, const yaml_mark_t *mark)
{
	char hint[128];

	if (n > PIPELINE_MAX_NODES || l->nodes > PIPELINE_MAX_NODES - n) {
		snprintf(hint, sizeof hint, "a pipeline may stand for at most "
		    "%u nodes once aliases are expanded", PIPELINE_MAX_NODES);
		load_fatal(l, mark, hint, "alias expansion limit exceeded "
		    "(more than %u nodes)", PIPELINE_MAX_NODES);
		return false;
	}
	l->nodes += n;
	return true;
}

/* Remember an anchor (open until its node is finished). */
static ssize_t
load_anchor(struct load *l, const yaml_char_t *name, struct value *v,
    bool open)
{
	struct load_anchor *a;

	if (name == NULL)
		return -1;
	if (l->nanchors == l->capanchors) {
		l->capanchors = l->capanchors ? l->capanchors * 2 : 8;
		l->anchors = xreallocarray(l->anchors, l->capanchors,
		    sizeof *l->anchors);
	}
	a = &l->anchors[l->nanchors];
	a->name = xstrdup((const char *)name);
	/* Held: the node may be dropped (a duplicate key) and aliased later. */
	a->v = value_hold(v);
	a->size = 1;
	a->height = 0;
	a->open = open;
	/* A later anchor of the same name hides the earlier one. */
	pipeline_map_set(l->anchor_names, a->name, l->nanchors);
	return (ssize_t)l->nanchors++;
}

static void
load_alias(struct load *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct load_anchor *a;
	char hint[160];
	ssize_t i;

	if ((i = pipeline_map_get(l->anchor_names, name)) == -1) {
		load_fatal(l, &ev->start_mark, "define the anchor (&name) "
		    "before using it", "unknown alias *%s", name);
		return;
	}
	a = &l->anchors[i];
	if (a->open) {
		load_fatal(l, &ev->start_mark, "an alias cannot refer to "
		    "the node that contains it", "recursive alias *%s", name);
		return;
	}
	if (++l->aliases > PIPELINE_MAX_ALIASES) {
		snprintf(hint, sizeof hint, "a pipeline may use at most %u "
		    "aliases", PIPELINE_MAX_ALIASES);
		load_fatal(l, &ev->start_mark, hint, "alias expansion limit "
		    "exceeded (more than %u aliases)", PIPELINE_MAX_ALIASES);
		return;
	}
	/*
	 * An alias puts the anchored subtree at this depth: the limit holds
	 * for the tree as expanded, or chains of aliases to deep nodes would
	 * make every recursive walk (validation, freeing, JSON) as deep as
	 * the chain is long.
	 */
	if (l->nframes + a->height > PIPELINE_MAX_DEPTH) {
		snprintf(hint, sizeof hint, "a pipeline file may nest "
		    "mappings and lists at most %d levels deep, aliases "
		    "expanded", PIPELINE_MAX_DEPTH);
		load_fatal(l, &ev->start_mark, hint, "nesting is deeper than "
		    "the limit of %d levels (through alias *%s)",
		    PIPELINE_MAX_DEPTH, name);
		return;
	}
	if (!load_count(l, a->size, &ev->start_mark))
		return;
	load_add(l, value_hold(a->v), a->size, a->height);
}

/*
 * A scalar. Its text is taken over from the event (libyaml allocates with
 * malloc), and a mapping key becomes the frame's pending key without a
 * node of its own: together this halves the allocations of a load.
 */
static void
load_scalar(struct load *l, yaml_event_t *ev)
{
	struct load_frame *f;
	struct value *v;
	struct loom_span sp;
	char *text = (char *)ev->data.scalar.value;
	yaml_scalar_style_t style = ev->data.scalar.style;

	if (!load_count(l, 1, &ev->start_mark))
		return;
	ev->data.scalar.value = NULL;
	if (ev->data.scalar.tag != NULL)
		load_tag(l, ev->data.scalar.tag, &ev->start_mark);
	sp = load_span(l, &ev->start_mark, &ev->end_mark);
	f = l->nframes > 0 ? &l->frames[l->nframes - 1] : NULL;
	if (f != NULL && f->v->type == VALUE_MAP && f->key == NULL &&
	    ev->data.scalar.anchor == NULL) {
		f->size++;
		load_key(l, f, text, &sp);
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->text = text;
	v->quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	/* Block scalars (| and >) are text but not "quoted". */
	v->type = style == YAML_PLAIN_SCALAR_STYLE ?
	    value_classify(text, true, &v->boolean) : VALUE_STRING;
	v->span = sp;
	if (ev->data.scalar.anchor != NULL)
		load_anchor(l, ev->data.scalar.anchor, v, false);
	load_add(l, v, 1, 0);
}

static void
load_open(struct load *l, const yaml_event_t *ev, bool map)
{
	struct load_frame *f;
	struct value *v;
	const yaml_char_t *anchor, *tag;
	char hint[160];

	if (l->nframes >= PIPELINE_MAX_DEPTH) {
		snprintf(hint, sizeof hint, "a pipeline file may nest "
		    "mappings and lists at most %d levels deep",
		    PIPELINE_MAX_DEPTH);
		load_fatal(l, &ev->start_mark, hint, "nesting is deeper than "
		    "the limit of %d levels", PIPELINE_MAX_DEPTH);
		return;
	}
	if (!load_count(l, 1, &ev->start_mark))
		return;
	anchor = map ? ev->data.mapping_start.anchor :
	    ev->data.sequence_start.anchor;
	tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	if (tag != NULL)
		load_tag(l, tag, &ev->start_mark);
	v = xcalloc(1, sizeof *v);
	v->type = map ? VALUE_MAP : VALUE_LIST;
	v->span = load_span(l, &ev->start_mark, &ev->end_mark);
	if (l->nframes == l->capframes) {
		l->capframes = l->capframes ? l->capframes * 2 : 16;
		l->frames = xreallocarray(l->frames, l->capframes,
		    sizeof *l->frames);
	}
	f = &l->frames[l->nframes++];
	memset(f, 0, sizeof *f);
	f->v = v;
	f->anchor = load_anchor(l, anchor, v, true);
}

static void
load_close(struct load *l, const yaml_event_t *ev)
{
	struct load_frame f;

	f = l->frames[--l->nframes];
	f.v->span.end = load_byte(l, ev->end_mark.index);
	if (f.anchor != -1) {
		l->anchors[f.anchor].open = false;
		l->anchors[f.anchor].size = f.size + 1;
		l->anchors[f.anchor].height = f.height + 1;
	}
	free(f.key);
	pipeline_map_free(f.keys);
	load_add(l, f.v, f.size + 1, f.height + 1);
}

/* Drive libyaml until the end of the first document or an error. */
static void
load_events(struct load *l)
{
	yaml_event_t ev;
	int docs = 0;
	bool done = false;

	while (!done && !l->fatal) {
		if (!yaml_parser_parse(&l->parser, &ev)) {
			load_syntax_error(l);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				struct loom_span sp = load_span(l,
				    &ev.start_mark, &ev.end_mark);
				struct diag *dg = load_error(l, &sp, "a "
				    "pipeline file holds one YAML document; "
				    "this second one is not read");
				diag_set_hint(dg, "remove the '---' line or "
				    "move the document to its own file");
				done = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			load_scalar(l, &ev);
			break;
		case YAML_ALIAS_EVENT:
			load_alias(l, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			load_open(l, &ev, false);
			break;
		case YAML_MAPPING_START_EVENT:
			load_open(l, &ev, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			load_close(l, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
}

/* ---- From the tree to the model. ---- */

/*
 * Drop the tree's hold on a node once the model has taken what it needs:
 * the memory is reused for the rest of the model, which keeps the peak
 * (and the page faults of a big file) down. The model's own references
 * keep what it uses alive.
 */
static void
load_release(struct value **slot)
{
	value_free(*slot);
	*slot = NULL;
}

static const char *
load_kind(const struct value *v)
{
	if (v == NULL)
		return "nothing";
	switch (v->type) {
	case VALUE_NULL:
		return "empty";
	case VALUE_BOOL:
		return "true/false";
	case VALUE_INT:
	case VALUE_FLOAT:
		return "a number";
	case VALUE_STRING:
		return "text";
	case VALUE_LIST:
		return "a list";
	case VALUE_MAP:
		return "a mapping";
	}
	return "unknown";
}

/* The place of a value, or of its key when the value is empty. */
static const struct loom_span *
load_where(const struct kv *kv)
{
	if (kv->value != NULL && kv->value->span.line > 0 &&
	    !(kv->value->type == VALUE_NULL && kv->value->text[0] == '\0'))
		return &kv->value->span;
	return &kv->key_span;
}

/* Is v a mapping? Empty is fine (false, no error); else an error. */
static bool
load_want_map(struct load *l, const struct kv *kv, const char *what)
{
	struct diag *dg;

	if (kv->value->type == VALUE_MAP)
		return true;
	if (kv->value->type == VALUE_NULL)
		return false;
	dg = load_error(l, load_where(kv), "%s must be a mapping of "
	    "name: value lines, not %s", what, load_kind(kv->value));
	diag_set_hint(dg, "indent the entries below '%s:'", kv->key);
	return false;
}

/* A scalar's text, owned; NULL (and an error) for lists and mappings. */
static char *
load_text(struct load *l, const struct kv *kv, const char *what)
{
	if (value_is_scalar(kv->value) && kv->value->type != VALUE_NULL)
		return xstrdup(kv->value->text);
	load_error(l, load_where(kv), "%s must be text, not %s", what,
	    load_kind(kv->value));
	return NULL;
}

/* A boolean field: true/false only. Returns -1 on error (reported). */
static int
load_bool(struct load *l, const struct kv *kv, const char *what)
{
	struct diag *dg;

	if (kv->value->type == VALUE_BOOL)
		return kv->value->boolean ? 1 : 0;
	if (value_is_scalar(kv->value))
		dg = load_error(l, load_where(kv), "%s must be true or false, "
		    "not '%s'", what, kv->value->text);
	else
		dg = load_error(l, load_where(kv), "%s must be true or false, "
		    "not %s", what, load_kind(kv->value));
	diag_set_hint(dg, "write %s: true or %s: false", kv->key, kv->key);
	return -1;
}

/* Warn about a key Loom does not know, suggesting a known one. */
static void
load_unknown(struct load *l, const struct kv *kv, const char *kind,
    const char *owner, const char *const *known, size_t nknown)
{
	const char *best = pipeline_suggest(kv->key, known, nknown);
	struct diag *dg;

	if (owner != NULL)
		dg = load_warning(l, &kv->key_span, "unknown key '%s' in %s "
		    "'%s': kept, but not used by Loom", kv->key, kind, owner);
	else
		dg = load_warning(l, &kv->key_span, "unknown key '%s' in %s: "
		    "kept, but not used by Loom", kv->key, kind);
	if (best != NULL)
		diag_set_hint(dg, "did you mean '%s'?", best);
}

static void
load_keep(struct kvlist *l, const struct kv *kv)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n].key = xstrdup(kv->key);
	l->v[l->n].key_span = kv->key_span;
	l->v[l->n].value = value_hold(kv->value);
	l->n++;
}

/* Copy a mapping (inputs, outputs, args, interpreters) into a kvlist. */
static void
load_kvlist(struct load *l, const struct kv *kv, const char *what,
    struct kvlist *out)
{
	size_t i;

	if (!load_want_map(l, kv, what))
		return;
	for (i = 0; i < kv->value->map.n; i++)
		load_keep(out, &kv->value->map.v[i]);
}

static struct data_entry *
load_new_data(struct load *l, const struct kv *kv, bool from_variables)
{
	struct pipeline *p = l->p;
	struct data_entry *d;

	if ((p->ndata & (p->ndata - 1)) == 0)
		p->data = xreallocarray(p->data, p->ndata ? p->ndata * 2 : 1,
		    sizeof *p->data);
	d = &p->data[p->ndata++];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(kv->key);
	d->span = kv->key_span;
	d->from_variables = from_variables;
	return d;
}

static void
load_data_entry(struct load *l, const struct kv *kv, bool from_variables)
{
	static const char *const known[] = { "type", "path", "description" };
	const char *section = from_variables ? "variables" : "data";
	struct data_entry *d;
	const struct kv *f;
	struct diag *dg;
	size_t i;

	d = load_new_data(l, kv, from_variables);
	if (value_is_scalar(kv->value)) {
		if (kv->value->type == VALUE_NULL) {
			dg = load_error(l, &kv->key_span, "%s entry '%s' has "
			    "no path", section, kv->key);
			diag_set_hint(dg, "write %s: path/to/file", kv->key);
			return;
		}
		d->path = value_hold(kv->value);
		return;
	}
	if (kv->value->type != VALUE_MAP) {
		dg = load_error(l, &kv->value->span, "%s entry '%s' must be a "
		    "path or a mapping with path:, not %s", section, kv->key,
		    load_kind(kv->value));
		diag_set_hint(dg, "write %s: path/to/file", kv->key);
		return;
	}
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "type") == 0)
			d->type = load_text(l, f, "type");
		else if (strcmp(f->key, "description") == 0)
			d->description = load_text(l, f, "description");
		else if (strcmp(f->key, "path") == 0) {
			if (value_is_scalar(f->value) &&
			    f->value->type != VALUE_NULL)
				d->path = value_hold(f->value);
			else
				load_error(l, load_where(f), "path of '%s' "
				    "must be a file path or URL, not %s",
				    kv->key, load_kind(f->value));
		} else {
			load_unknown(l, f, "data entry", kv->key, known, 3);
			load_keep(&d->unknown, f);
		}
	}
	if (kvlist_get(&kv->value->map, "path") == NULL) {
		dg = load_error(l, &kv->key_span, "data entry '%s' has no "
		    "path", kv->key);
		diag_set_hint(dg, "add path: path/to/file under '%s'", kv->key);
	}
}

static void
load_data_section(struct load *l, const struct kv *kv, bool from_variables)
{
	size_t i;

	if (!load_want_map(l, kv, from_variables ? "variables" : "data"))
		return;
	for (i = 0; i < kv->value->map.n; i++) {
		load_data_entry(l, &kv->value->map.v[i], from_variables);
		load_release(&kv->value->map.v[i].value);
	}
}

static void
load_params(struct load *l, const struct kv *kv)
{
	struct pipeline *p = l->p;
	const struct kv *e;
	struct param *pa;
	struct diag *dg;
	size_t i;

	if (!load_want_map(l, kv, "parameters"))
		return;
	p->params = xreallocarray(NULL, kv->value->map.n,
	    sizeof *p->params);
	for (i = 0; i < kv->value->map.n; i++) {
		e = &kv->value->map.v[i];
		if (!value_is_scalar(e->value)) {
			dg = load_error(l, &e->value->span, "parameter '%s' "
			    "must be a single value (number, true/false or "
			    "text), not %s", e->key, load_kind(e->value));
			diag_set_hint(dg, "lists and mappings belong in a "
			    "step's args:");
			continue;
		}
		pa = &p->params[p->nparams++];
		pa->name = xstrdup(e->key);
		pa->span = e->key_span;
		pa->value = value_hold(e->value);
	}
}

static void
load_execution(struct load *l, const struct kv *kv)
{
	static const char *const known[] = { "parallel", "max_workers",
	    "interpreters" };
	struct execution *x = &l->p->exec;
	const struct kv *f;
	struct diag *dg;
	char *end;
	long n;
	size_t i, j;
	int b;

	x->span = kv->key_span;
	if (!load_want_map(l, kv, "execution"))
		return;
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "parallel") == 0) {
			if ((b = load_bool(l, f, "parallel")) != -1)
				x->parallel = b;
		} else if (strcmp(f->key, "max_workers") == 0) {
			if (f->value->type == VALUE_NULL)
				continue;
			errno = 0;
			n = f->value->type == VALUE_INT ?
			    strtol(f->value->text, &end, 10) : 0;
			if (f->value->type != VALUE_INT || errno != 0 ||
			    *end != '\0' || n < 1 || n > 100000) {
				dg = load_error(l, load_where(f), "max_workers "
				    "must be a whole number from 1 to 100000, "
				    "not '%s'", value_is_scalar(f->value) ?
				    f->value->text : load_kind(f->value));
				diag_set_hint(dg, "write max_workers: 4, or "
				    "leave it out to use every CPU");
			} else
				x->max_workers = n;
		} else if (strcmp(f->key, "interpreters") == 0) {
			load_kvlist(l, f, "interpreters", &x->interpreters);
			for (j = 0; j < x->interpreters.n; j++) {
				const struct value *v =
				    x->interpreters.v[j].value;
				size_t k;
				bool ok = value_is_scalar(v) &&
				    v->type != VALUE_NULL;

				if (v->type == VALUE_LIST) {
					ok = v->nitems > 0;
					for (k = 0; k < v->nitems; k++)
						if (!value_is_scalar(
						    v->items[k]))
							ok = false;
				}
				if (!ok)
					load_error(l, &v->span, "interpreter "
					    "for '%s' must be a command or a "
					    "list of words, not %s",
					    x->interpreters.v[j].key,
					    load_kind(v));
			}
		} else
			load_unknown(l, f, "execution", NULL, known, 3);
	}
}

/* interpreter: a string or a non-empty list of strings. */
static void
load_interpreter(struct load *l, const struct kv *kv, struct strv *out)
{
	const struct value *v = kv->value;
	size_t i;

	if (value_is_scalar(v) && v->type != VALUE_NULL) {
		strv_push(out, v->text);
		return;
	}
	if (v->type == VALUE_LIST && v->nitems > 0) {
		for (i = 0; i < v->nitems; i++) {
			if (!value_is_scalar(v->items[i]) ||
			    v->items[i]->type == VALUE_NULL) {
				load_error(l, &v->items[i]->span, "each word "
				    "of interpreter must be text, not %s",
				    load_kind(v->items[i]));
				strv_free(out);
				return;
			}
			strv_push(out, v->items[i]->text);
		}
		return;
	}
	load_error(l, load_where(kv), "interpreter must be a command or a "
	    "list of words, not %s", load_kind(v));
}

static void
load_loop(struct load *l, struct step *s, const struct kv *kv)
{
	static const char *const known[] = { "over", "into", "filter",
	    "parallel" };
	struct loop *lp;
	const struct kv *f;
	struct diag *dg;
	size_t i;
	int b;

	lp = xcalloc(1, sizeof *lp);
	lp->parallel = -1;
	lp->span = kv->key_span;
	s->loop = lp;
	if (kv->value->type != VALUE_MAP) {
		if (kv->value->type != VALUE_NULL) {
			dg = load_error(l, load_where(kv), "loop must be a "
			    "mapping with over: and into:, not %s",
			    load_kind(kv->value));
			diag_set_hint(dg, "write loop: {over: $folder, into: "
			    "$out_folder}");
		}
		return;
	}
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "over") == 0 ||
		    strcmp(f->key, "into") == 0) {
			if (!value_is_scalar(f->value) ||
			    f->value->type == VALUE_NULL) {
				load_error(l, load_where(f), "loop %s must be "
				    "a folder, not %s", f->key,
				    load_kind(f->value));
				continue;
			}
			if (f->key[0] == 'o')
				lp->over = value_hold(f->value);
			else
				lp->into = value_hold(f->value);
		} else if (strcmp(f->key, "filter") == 0) {
			lp->filter = load_text(l, f, "loop filter");
		} else if (strcmp(f->key, "parallel") == 0) {
			if ((b = load_bool(l, f, "loop parallel")) != -1)
				lp->parallel = b;
		} else
			load_unknown(l, f, "the loop of step", s->name, known,
			    4);
	}
}

static struct step *
load_new_step(struct load *l)
{
	struct pipeline *p = l->p;
	struct step *s;

	if ((p->nsteps & (p->nsteps - 1)) == 0)
		p->steps = xreallocarray(p->steps,
		    p->nsteps ? p->nsteps * 2 : 1, sizeof *p->steps);
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof *s);
	s->group = -1;
	return s;
}

static void
load_step(struct load *l, const struct value *v, ssize_t group)
{
	static const char *const known[] = { "name", "task", "script",
	    "inputs", "outputs", "args", "optional", "disabled",
	    "interpreter", "loop", "description" };
	const struct kv *f, *task = NULL;
	struct step *s;
	struct diag *dg;
	size_t i;
	int b;

	s = load_new_step(l);
	s->span = v->span;
	s->group = group;
	f = kvlist_get(&v->map, "name");
	if (f == NULL) {
		dg = load_error(l, &v->span, "step has no name");
		diag_set_hint(dg, "add name: followed by a name unique in "
		    "this pipeline");
		s->name = xstrdup("");
	} else {
		s->name_span = *load_where(f);
		s->name = load_text(l, f, "a step's name");
		if (s->name == NULL)
			s->name = xstrdup("");
	}
	for (i = 0; i < v->map.n; i++) {
		f = &v->map.v[i];
		if (strcmp(f->key, "name") == 0)
			continue;
		if (strcmp(f->key, "task") == 0 ||
		    strcmp(f->key, "script") == 0) {
			if (task != NULL) {
				dg = load_error(l, &f->key_span, "step '%s' "
				    "has both task: and script:", s->name);
				diag_set_hint(dg, "script: is the old name of "
				    "task:; keep one");
				continue;
			}
			task = f;
			s->task = load_text(l, f, "task");
			s->task_span = *load_where(f);
			s->task_via_script = f->key[0] == 's';
		} else if (strcmp(f->key, "inputs") == 0)
			load_kvlist(l, f, "inputs", &s->inputs);
		else if (strcmp(f->key, "outputs") == 0)
			load_kvlist(l, f, "outputs", &s->outputs);
		else if (strcmp(f->key, "args") == 0)
			load_kvlist(l, f, "args", &s->args);
		else if (strcmp(f->key, "optional") == 0) {
			if ((b = load_bool(l, f, "optional")) != -1)
				s->optional = b;
		} else if (strcmp(f->key, "disabled") == 0) {
			if ((b = load_bool(l, f, "disabled")) != -1)
				s->disabled = b;
		} else if (strcmp(f->key, "interpreter") == 0)
			load_interpreter(l, f, &s->interpreter);
		else if (strcmp(f->key, "loop") == 0)
			load_loop(l, s, f);
		else if (strcmp(f->key, "description") == 0)
			s->description = load_text(l, f, "description");
		else {
			load_unknown(l, f, "step", s->name, known, 11);
			load_keep(&s->unknown, f);
		}
	}
	if (task == NULL) {
		dg = load_error(l, &v->span, "step '%s' has no task", s->name);
		diag_set_hint(dg, "add task: followed by the script to run, "
		    "e.g. task: tasks/%s.py", s->name[0] ? s->name : "step");
	}
}

static void
load_group(struct load *l, const struct value *v)
{
	static const char *const known[] = { "group", "steps" };
	struct pipeline *p = l->p;
	struct group *g;
	const struct kv *f, *steps = NULL;
	const struct value *item;
	struct diag *dg;
	size_t i, first;
	ssize_t gi;

	if ((p->ngroups & (p->ngroups - 1)) == 0)
		p->groups = xreallocarray(p->groups,
		    p->ngroups ? p->ngroups * 2 : 1, sizeof *p->groups);
	gi = (ssize_t)p->ngroups;
	g = &p->groups[p->ngroups++];
	memset(g, 0, sizeof *g);
	f = kvlist_get(&v->map, "group");
	g->span = *load_where(f);
	g->name = load_text(l, f, "a group's name");
	if (g->name == NULL)
		g->name = xstrdup("");
	for (i = 0; i < v->map.n; i++) {
		f = &v->map.v[i];
		if (strcmp(f->key, "group") == 0)
			continue;
		if (strcmp(f->key, "steps") == 0)
			steps = f;
		else
			load_unknown(l, f, "group", g->name, known, 2);
	}
	if (steps == NULL || steps->value->type == VALUE_NULL) {
		dg = load_warning(l, &g->span, "group '%s' has no steps",
		    g->name);
		diag_set_hint(dg, "list its steps under steps:");
		return;
	}
	if (steps->value->type != VALUE_LIST) {
		load_error(l, load_where(steps), "steps of group '%s' must be "
		    "a list of steps, not %s", g->name,
		    load_kind(steps->value));
		return;
	}
	first = p->nsteps;
	for (i = 0; i < steps->value->nitems; i++) {
		item = steps->value->items[i];
		if (item->type != VALUE_MAP) {
			load_error(l, &item->span, "each entry of a group's "
			    "steps: must be a step (a mapping with name: and "
			    "task:), not %s", load_kind(item));
			continue;
		}
		if (kvlist_get(&item->map, "group") != NULL) {
			dg = load_error(l, &item->span, "groups cannot be "
			    "nested");
			diag_set_hint(dg, "move this group out to the top "
			    "level of pipeline:");
			continue;
		}
		load_step(l, item, gi);
		load_release(&steps->value->items[i]);
	}
	/* p->groups may have moved while steps were added: index again. */
	g = &p->groups[gi];
	g->nsteps = p->nsteps - first;
	g->steps = xreallocarray(NULL, g->nsteps ? g->nsteps : 1,
	    sizeof *g->steps);
	for (i = 0; i < g->nsteps; i++)
		g->steps[i] = first + i;
}

/* One entry of pipeline: a step or a group block. */
static void
load_pipeline_item(struct load *l, const struct value *item)
{
	if (item->type != VALUE_MAP) {
		load_error(l, &item->span, "each entry of pipeline: must be a "
		    "step (a mapping with name: and task:), not %s",
		    load_kind(item));
		return;
	}
	if (kvlist_get(&item->map, "group") != NULL)
		load_group(l, item);
	else
		load_step(l, item, -1);
}

static void
load_steps(struct load *l, const struct kv *kv)
{
	const struct value *v = kv->value;
	struct diag *dg;
	size_t i;

	if (v->type == VALUE_NULL)
		return;
	if (v->type != VALUE_LIST) {
		dg = load_error(l, load_where(kv), "pipeline must be a list of "
		    "steps, not %s", load_kind(v));
		diag_set_hint(dg, "start each step with '- name: ...'");
		return;
	}
	/* Usually empty: load_add has streamed the entries already. */
	for (i = 0; i < v->nitems; i++) {
		load_pipeline_item(l, v->items[i]);
		load_release(&v->items[i]);
	}
}

/* A number for layout: x and y; false (reported) when not one. */
static bool
load_number(struct load *l, const struct kv *kv, const char *owner,
    double *out)
{
	struct diag *dg;
	char *end;

	if (kv->value->type == VALUE_INT || kv->value->type == VALUE_FLOAT) {
		errno = 0;
		*out = strtod(kv->value->text, &end);
		if (*end == '\0' && errno == 0)
			return true;
	}
	dg = load_error(l, load_where(kv), "layout %s of '%s' must be a "
	    "number, not '%s'", kv->key, owner, value_is_scalar(kv->value) ?
	    kv->value->text : load_kind(kv->value));
	diag_set_hint(dg, "write %s: {x: 100, y: 200}", owner);
	return false;
}

static void
load_layout(struct load *l, const struct kv *kv)
{
	static const char *const known[] = { "x", "y" };
	struct pipeline *p = l->p;
	struct layout_entry *e;
	const struct kv *ent, *f;
	size_t i, j;
	bool hx, hy;

	if (!load_want_map(l, kv, "layout"))
		return;
	p->layout = xreallocarray(NULL, kv->value->map.n, sizeof *p->layout);
	for (i = 0; i < kv->value->map.n; i++) {
		ent = &kv->value->map.v[i];
		if (ent->value->type != VALUE_MAP) {
			load_error(l, load_where(ent), "layout of '%s' must "
			    "be {x: NUMBER, y: NUMBER}, not %s", ent->key,
			    load_kind(ent->value));
			continue;
		}
		e = &p->layout[p->nlayout];
		memset(e, 0, sizeof *e);
		hx = hy = false;
		for (j = 0; j < ent->value->map.n; j++) {
			f = &ent->value->map.v[j];
			if (strcmp(f->key, "x") == 0)
				hx = load_number(l, f, ent->key, &e->x);
			else if (strcmp(f->key, "y") == 0)
				hy = load_number(l, f, ent->key, &e->y);
			else
				load_unknown(l, f, "the layout of", ent->key,
				    known, 2);
		}
		if (!hx || !hy) {
			if (kvlist_get(&ent->value->map, "x") == NULL ||
			    kvlist_get(&ent->value->map, "y") == NULL)
				load_error(l, &ent->key_span, "layout of '%s' "
				    "needs both x and y", ent->key);
			continue;
		}
		e->name = xstrdup(ent->key);
		e->span = ent->key_span;
		p->nlayout++;
	}
}

static void
load_build(struct load *l, const struct value *root)
{
	static const char *const known[] = { "variables", "data",
	    "parameters", "execution", "pipeline", "layout" };
	const struct kv *kv;
	struct diag *dg;
	size_t i;

	if (root == NULL || root->type == VALUE_NULL)
		return;
	if (root->type != VALUE_MAP) {
		dg = load_error(l, &root->span, "the top level of a pipeline "
		    "file must be a mapping, not %s", load_kind(root));
		diag_set_hint(dg, "start with 'pipeline:' and list the steps "
		    "below it");
		return;
	}
	for (i = 0; i < root->map.n; i++) {
		kv = &root->map.v[i];
		if (strcmp(kv->key, "variables") == 0)
			load_data_section(l, kv, true);
		else if (strcmp(kv->key, "data") == 0)
			load_data_section(l, kv, false);
		else if (strcmp(kv->key, "parameters") == 0)
			load_params(l, kv);
		else if (strcmp(kv->key, "execution") == 0)
			load_execution(l, kv);
		else if (strcmp(kv->key, "pipeline") == 0)
			load_steps(l, kv);
		else if (strcmp(kv->key, "layout") == 0)
			load_layout(l, kv);
		else {
			load_unknown(l, kv, "the pipeline file", NULL, known,
			    6);
			load_keep(&l->p->unknown, kv);
		}
	}
}

/*
 * Parse p->source into p. Returns p, or NULL (p freed) when the text
 * could not become a model; every problem is in d.
 */
static struct pipeline *
load_common(struct pipeline *p, struct diags *d)
{
	struct load l;
	const unsigned char *s = (const unsigned char *)p->source;
	struct diag *dg;
	size_t i;

	memset(&l, 0, sizeof l);
	l.p = p;
	l.d = d;
	p->exec.parallel = -1;

	if (p->source_len > PIPELINE_MAX_FILE_SIZE) {
		dg = diags_add(d, DIAG_ERROR, p->path, 0, 0, "%s is too "
		    "large: %zu bytes, the limit is %u bytes", p->path,
		    p->source_len, PIPELINE_MAX_FILE_SIZE);
		diag_set_hint(dg, "a pipeline file describes steps; keep data "
		    "in data files");
		pipeline_free(p);
		return NULL;
	}
	if (p->source_len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) ||
	    (s[0] == 0xfe && s[1] == 0xff))) {
		dg = diags_add(d, DIAG_ERROR, p->path, 1, 1, "the file is "
		    "UTF-16 text; Loom reads UTF-8 only");
		diag_set_hint(dg, "re-save the file as UTF-8");
		pipeline_free(p);
		return NULL;
	}
	if (p->source_len >= 3 && s[0] == 0xef && s[1] == 0xbb &&
	    s[2] == 0xbf)
		l.base = 3;
	l.cur_byte = l.base;

	l.anchor_names = pipeline_map_create(16);
	yaml_parser_initialize(&l.parser);
	/*
	 * No yaml_parser_set_encoding: with the encoding forced, libyaml
	 * counts a UTF-8 byte order mark as a character of line 1. Left to
	 * detect, it skips the mark; UTF-16 was refused above.
	 */
	yaml_parser_set_input_string(&l.parser, s, p->source_len);
	load_events(&l);
	yaml_parser_delete(&l.parser);

	for (i = 0; i < l.nframes; i++) {
		value_free(l.frames[i].v);
		free(l.frames[i].key);
		pipeline_map_free(l.frames[i].keys);
	}
	free(l.frames);
	for (i = 0; i < l.nanchors; i++) {
		free(l.anchors[i].name);
		value_free(l.anchors[i].v);
	}
	free(l.anchors);
	pipeline_map_free(l.anchor_names);

	if (l.fatal) {
		value_free(l.root);
		pipeline_free(p);
		return NULL;
	}
	load_build(&l, l.root);
	value_free(l.root);
	pipeline_index_rebuild(p);
	return p;
}

/* Load from memory; see pipeline.h. */
struct pipeline *
pipeline_load_string(const char *name, const char *dir, const char *text,
    size_t len, struct diags *diags)
{
	struct pipeline *p = xcalloc(1, sizeof *p);

	p->path = xstrdup(name);
	p->dir = xstrdup(dir != NULL ? dir : ".");
	if (len > PIPELINE_MAX_FILE_SIZE) {
		/* Refused before copying or parsing. */
		p->source = xstrdup("");
		p->source_len = len;
		return load_common(p, diags);
	}
	p->source = xmalloc(len + 1);
	memcpy(p->source, text, len);
	p->source[len] = '\0';
	p->source_len = len;
	return load_common(p, diags);
}

/* The absolute folder holding path. Owned. */
static char *
load_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *cwd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		return real;
	}
	if (dir[0] == '/')
		return dir;
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return dir;
	real = xasprintf("%s/%s", cwd, dir);
	free(cwd);
	free(dir);
	return real;
}

/* Load a pipeline file; see pipeline.h. */
struct pipeline *
pipeline_load_file(const char *path, struct diags *diags)
{
	struct loom_error err;
	struct pipeline *p;
	struct diag *dg;
	char *text;
	size_t len;

	loom_error_clear(&err);
	text = fileio_read(path, PIPELINE_MAX_FILE_SIZE, &len, &err);
	if (text == NULL) {
		dg = diags_add(diags, DIAG_ERROR, path, 0, 0, "%s",
		    err.message);
		if (strstr(err.message, "too large") != NULL)
			diag_set_hint(dg, "the limit for a pipeline file is "
			    "%u bytes", PIPELINE_MAX_FILE_SIZE);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->path = xstrdup(path);
	p->dir = load_dir_of(path);
	p->source = text;
	p->source_len = len;
	return load_common(p, diags);
}
