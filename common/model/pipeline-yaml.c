/* SPDX-License-Identifier: MIT */
/*
 * The event half of loading a pipeline file: libyaml events become a
 * tree of struct value, every node with its span (the model is built
 * from the tree by pipeline-load.c). libyaml's marks are 0-based and
 * count characters; they are turned into 1-based lines and columns and
 * byte offsets here, and only here.
 *
 * Everything read is hostile until proven otherwise (docs/pipeline-format.md, "Limits"):
 * nesting depth is counted here because libyaml has no limit; an alias
 * shares the anchored node instead of copying it and the nodes it stands
 * for are counted against PIPELINE_MAX_NODES, so alias bombs cost
 * neither memory nor time; an alias to a node that is still open
 * (a: &a [*a]) is refused; duplicate keys are errors in any mapping;
 * tags are never interpreted (the node is read as if untagged, with a
 * warning). The entries of the top-level pipeline: list are handed to
 * the model as soon as each is complete, so a big file never holds its
 * whole tree.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/util/error.h"
#include "common/model/pipeline-load.h"
#include "common/model/pipeline.h"
#include "common/model/yamlpipe.h"
#include "common/util/xmalloc.h"

/* Keys of a mapping are checked for duplicates through a hash past this. */
#define LOAD_LINEAR_KEYS	16

static size_t	load_byte(struct load *l, size_t index);
static struct loom_span load_span(struct load *l, const yaml_mark_t *start,
		    const yaml_mark_t *end);
static void	load_fatal(struct load *l, const yaml_mark_t *mark,
		    const char *hint, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
static void	load_add(struct load *l, struct value *v, size_t size,
		    size_t height);
static void	load_events(struct load *l, struct yamlpipe *yp);
static void	load_syntax_error(struct load *l);
static bool	load_is_step_list(const struct load *l);
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
static void	load_event_free(yaml_event_t *ev);
static void	load_open(struct load *l, const yaml_event_t *ev, bool map);
static void	load_close(struct load *l, const yaml_event_t *ev);
static bool	load_is_ascii(const unsigned char *s, size_t len);

/* The byte offset of a libyaml character index. */
static size_t
load_byte(struct load *l, size_t index)
{
	const unsigned char *s = (const unsigned char *)l->p->source;
	size_t len = l->p->source_len;

	if (l->ascii)
		return index < len - l->base ? l->base + index : len;
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
	if (l->ascii && end->index < l->p->source_len - l->base) {
		/* One byte a character: no walk (load_byte), no call. */
		sp.start = l->base + start->index;
		sp.end = l->base + end->index;
		return sp;
	}
	sp.start = load_byte(l, start->index);
	sp.end = load_byte(l, end->index);
	return sp;
}

struct diag *
load_error(struct load *l, const struct loom_span *sp, const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;

	va_start(ap, fmt);
	dg = pipeline_vdiag(l->p, l->d, DIAG_ERROR, sp, 0, fmt, ap);
	va_end(ap);
	return dg;
}

struct diag *
load_warning(struct load *l, const struct loom_span *sp, const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;

	va_start(ap, fmt);
	dg = pipeline_vdiag(l->p, l->d, DIAG_WARNING, sp, 0, fmt, ap);
	va_end(ap);
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
			/* Unshared, the entry's strings move to the model. */
			load_pipeline_item(l, v, v->refs == 0);
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
	/* "\0" in a double-quoted scalar: the text would end there. */
	if (strlen(text) != ev->data.scalar.length)
		diag_set_hint(load_error(l, &sp, "a NUL character (\\0) is "
		    "not allowed in a value"), "remove the \\0 escape");
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

/*
 * Release what an event still owns. yaml_event_delete does the same but
 * also clears the whole event, once for each of the ~30 events of a step;
 * libyaml allocates with malloc, so its strings go back with free. Only
 * a document start (directives) is left to libyaml.
 */
static void
load_event_free(yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		free(ev->data.scalar.anchor);
		free(ev->data.scalar.tag);
		free(ev->data.scalar.value);
		break;
	case YAML_SEQUENCE_START_EVENT:
		free(ev->data.sequence_start.anchor);
		free(ev->data.sequence_start.tag);
		break;
	case YAML_MAPPING_START_EVENT:
		free(ev->data.mapping_start.anchor);
		free(ev->data.mapping_start.tag);
		break;
	case YAML_ALIAS_EVENT:
		free(ev->data.alias.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		break;
	default:
		yaml_event_delete(ev);
		break;
	}
}

/*
 * Drive libyaml until the end of the first document or an error. The
 * events may come from a second thread (yamlpipe.c); the parser's error
 * is read only once yamlpipe_parse has said there is one.
 */
static void
load_events(struct load *l, struct yamlpipe *yp)
{
	yaml_event_t ev;
	int docs = 0;
	bool done = false;

	while (!done && !l->fatal) {
		if (!yamlpipe_parse(yp, &ev)) {
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
		load_event_free(&ev);
	}
}

/* Is every byte below 0x80? Eight at a time: a big file is mostly ASCII. */
static bool
load_is_ascii(const unsigned char *s, size_t len)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, sizeof w);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= s[i];
	return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* Parse the source into l->root; see pipeline-load.h. */
void
load_parse(struct load *l)
{
	const unsigned char *s = (const unsigned char *)l->p->source;
	size_t len = l->p->source_len, i;
	struct yamlpipe *yp;

	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		l->base = 3;
	l->cur_byte = l->base;
	l->ascii = load_is_ascii(s + l->base, len - l->base);

	l->anchor_names = pipeline_map_create(16);
	yaml_parser_initialize(&l->parser);
	/*
	 * No yaml_parser_set_encoding: with the encoding forced, libyaml
	 * counts a UTF-8 byte order mark as a character of line 1. Left to
	 * detect, it skips the mark; UTF-16 was refused before.
	 */
	yaml_parser_set_input_string(&l->parser, s, len);
	yp = yamlpipe_create(&l->parser, len);
	load_events(l, yp);
	/* Stops and joins the producer before the parser goes. */
	yamlpipe_free(yp);
	yaml_parser_delete(&l->parser);

	for (i = 0; i < l->nframes; i++) {
		value_free(l->frames[i].v);
		free(l->frames[i].key);
		pipeline_map_free(l->frames[i].keys);
	}
	free(l->frames);
	l->frames = NULL;
	l->nframes = l->capframes = 0;
	for (i = 0; i < l->nanchors; i++) {
		free(l->anchors[i].name);
		value_free(l->anchors[i].v);
	}
	free(l->anchors);
	l->anchors = NULL;
	l->nanchors = l->capanchors = 0;
	pipeline_map_free(l->anchor_names);
	l->anchor_names = NULL;
}
