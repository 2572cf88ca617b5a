/* SPDX-License-Identifier: MIT */
/*
 * Edits applied to a pipeline's text as splices (pipeline-save.h). Each
 * edit finds its place in a yamldoc tree of the current text, queues
 * splices (start, end, replacement) and commits them from the end of
 * the text backwards, then parses the result again so that the next
 * edit sees fresh spans. New entries copy the indentation and style of
 * their neighbours; removed entries take their whole lines with them
 * (a comment on the entry's own line goes too, comments above it stay).
 *
 * The edit language (docs/protocol.md has the full description):
 *   set     {path, value | text}     a value, created when absent
 *   add     {path, value | text}     append to a list, or a new key
 *   remove  {path}                   an entry or list item (+ its layout)
 *   rename  {kind, from, to}         step, data, parameter or group,
 *                                    with every reference and layout key
 *   move    {node, x, y}             a node's position under layout:
 *   group   {step, group}            a step into a group (null: out)
 * A path is "a.b.c" or ["a", "b", "c"]; in pipeline: a name picks the
 * step or group block of that name (also inside groups); data.NAME looks
 * in data: and then variables:.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/model/pipeline-save.h"
#include "common/model/pipeline.h"
#include "common/util/sha256.h"
#include "common/util/xmalloc.h"
#include "common/model/yamldoc.h"

#define SAVE_MAX_PATH	16	/* segments of a path */

/*
 * Where a string is written (save_string): inside {...} or [...] (more
 * characters need quotes there), and whether it must read back as a
 * string (a value) or is text whatever it looks like (a key, a name).
 */
#define SAVE_IN_FLOW	0x1
#define SAVE_ANY_TYPE	0x2
#define SAVE_VALUE	SAVE_IN_FLOW
#define SAVE_BLOCK_VALUE 0
#define SAVE_KEY	SAVE_ANY_TYPE
#define SAVE_FLOW_KEY	(SAVE_ANY_TYPE | SAVE_IN_FLOW)

struct save_buf {
	char *p;
	size_t n;
	size_t cap;
};

struct save_splice {
	size_t start;
	size_t end;
	char *repl;
};

/* One application of a list of edits. */
struct save {
	const char *name;
	char *text;
	size_t len;
	struct yamldoc *doc;
	const char *eol;		/* "\n" or "\r\n", as the file has */
	size_t unit;			/* indentation step of the file */
	struct loom_error *err;
	size_t index;			/* the edit being applied */
	const char *op;
	bool eof_fixed;			/* see save_eof_fix */
	bool block_value;		/* save_flow: a string is not in {} */
	struct save_splice *sp;		/* queued splices */
	size_t nsp;
	size_t capsp;
};

/* A resolved path: the node, or where it would go. */
struct save_path {
	char *seg[SAVE_MAX_PATH];
	size_t n;
	struct yamldoc_node *node;	/* NULL when absent */
	struct yamldoc_node *parent;	/* the deepest node found */
	size_t found;			/* segments resolved */
};

static void	save_buf_add(struct save_buf *b, const char *s, size_t n);
static void	save_buf_str(struct save_buf *b, const char *s);
static void	save_buf_spaces(struct save_buf *b, size_t n);
static char	*save_buf_take(struct save_buf *b);
static int	save_fail(struct save *s, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	save_queue(struct save *s, size_t start, size_t end,
		    char *repl);
static int	save_commit(struct save *s);
static void	save_detect(struct save *s);
static bool	save_has_break(const char *t);
static bool	save_plain_ok(const char *t, int key);
static void	save_quoted(struct save_buf *b, const char *t, bool single);
static void	save_string(struct save_buf *b, const char *t,
		    enum yamldoc_style prefer, int key);
static void	save_number(struct save_buf *b, double d, bool coord);
static bool	save_is_scalar_json(const json_t *v);
static bool	save_all_scalars(const json_t *v);
static void	save_flow(struct save *s, struct save_buf *b, const json_t *v,
		    enum yamldoc_style prefer);
static void	save_block(struct save *s, struct save_buf *b, const json_t *v,
		    size_t col, bool inline_first, bool flowsub);
static bool	save_flow_ports(const struct save *s);
static int	save_value(struct save *s, const json_t *edit,
		    enum yamldoc_style prefer, struct save_buf *b,
		    const json_t **value);
static int	save_parse_path(struct save *s, const json_t *jp,
		    struct save_path *sp);
static void	save_path_free(struct save_path *sp);
static struct yamldoc_node *save_find_item(struct yamldoc_node *seq,
		    const char *name, bool groups);
static struct yamldoc_node *save_child(struct save *s,
		    struct yamldoc_node *cur, const char *seg);
static void	save_resolve(struct save *s, struct save_path *sp);
static size_t	save_dash(const struct save *s,
		    const struct yamldoc_node *item);
static size_t	save_after_colon(const struct save *s,
		    const struct yamldoc_node *key);
static size_t	save_eof_fix(struct save *s, size_t pos, struct save_buf *b);
static void	save_queue_lines(struct save *s, size_t pos,
		    struct save_buf *b);
static int	save_flow_add(struct save *s, struct yamldoc_node *coll,
		    const char *key, const json_t *value, const char *raw);
static bool	save_explicit_key(const struct save *s,
		    const struct yamldoc_node *key);
static int	save_insert(struct save *s, struct yamldoc_node *map,
		    const char *key, const json_t *value, const char *raw);
static int	save_append(struct save *s, struct yamldoc_node *seq,
		    const json_t *value, const char *raw);
static int	save_emptied(struct save *s, struct yamldoc_node *coll,
		    size_t start, size_t end);
static int	save_remove_node(struct save *s, struct yamldoc_node *n);
static int	save_replace(struct save *s, struct yamldoc_node *n,
		    const json_t *value, const char *raw);
static int	save_edit_set(struct save *s, const json_t *edit, bool add);
static void	save_layout_keys(const struct save_path *sp,
		    struct strv *keys);
static int	save_edit_remove(struct save *s, const json_t *edit);
static int	save_layout_remove(struct save *s, const char *key);
static bool	save_is_ref_name(const char *name);
static void	save_refs(struct save *s, const struct yamldoc_node *n,
		    const char *from, const char *to);
static int	save_rename_key(struct save *s, struct yamldoc_node *key,
		    const char *to);
static int	save_edit_rename(struct save *s, const json_t *edit);
static int	save_edit_move(struct save *s, const json_t *edit);
static char	*save_item_text(struct save *s, struct yamldoc_node *item);
static int	save_edit_group(struct save *s, const json_t *edit);
static int	save_apply_one(struct save *s, const json_t *edit);

static void
save_buf_add(struct save_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
save_buf_str(struct save_buf *b, const char *s)
{
	save_buf_add(b, s, strlen(s));
}

static void
save_buf_spaces(struct save_buf *b, size_t n)
{
	while (n-- > 0)
		save_buf_add(b, " ", 1);
}

/* The buffer's string (owned by the caller; "" when empty). */
static char *
save_buf_take(struct save_buf *b)
{
	char *p = b->p != NULL ? b->p : xstrdup("");

	memset(b, 0, sizeof *b);
	return p;
}

/* Set err for the current edit; returns -1. */
static int
save_fail(struct save *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	loom_error_set(s->err, s->name, 0, 0, "edit %zu (%s): %s", s->index,
	    s->op != NULL ? s->op : "?", msg);
	free(msg);
	return -1;
}

/* Queue text [start, end) to become repl (owned). */
static void
save_queue(struct save *s, size_t start, size_t end, char *repl)
{
	size_t a = start;
	char *spaced;

	/*
	 * A node may follow its anchor with no blank ("&a:b" is ":b" with
	 * the anchor "a"): new text that starts with a name character would
	 * lengthen the anchor, so it gets a blank first.
	 */
	while (a > 0 && (isalnum((unsigned char)s->text[a - 1]) ||
	    s->text[a - 1] == '_' || s->text[a - 1] == '-'))
		a--;
	if (a < start && a > 0 && s->text[a - 1] == '&' && (isalnum(
	    (unsigned char)repl[0]) || repl[0] == '_' || repl[0] == '-')) {
		spaced = xasprintf(" %s", repl);
		free(repl);
		repl = spaced;
	}
	if (s->nsp == s->capsp) {
		s->capsp = s->capsp == 0 ? 8 : s->capsp * 2;
		s->sp = xreallocarray(s->sp, s->capsp, sizeof *s->sp);
	}
	s->sp[s->nsp].start = start;
	s->sp[s->nsp].end = end;
	s->sp[s->nsp].repl = repl;
	s->nsp++;
}

static int
save_splice_cmp(const void *a, const void *b)
{
	const struct save_splice *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? 1 : -1;
	return 0;
}

/* Apply the queued splices, last first, and parse the result again. */
static int
save_commit(struct save *s)
{
	struct loom_error perr;
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc *doc;
	size_t i, at;

	if (s->nsp == 0)
		return 0;
	qsort(s->sp, s->nsp, sizeof *s->sp, save_splice_cmp);
	/* Sorted last first: build the text front to back. */
	at = 0;
	for (i = s->nsp; i-- > 0;) {
		if (s->sp[i].start < at) {
			free(b.p);
			return save_fail(s, "two changes overlap");
		}
		save_buf_add(&b, s->text + at, s->sp[i].start - at);
		save_buf_str(&b, s->sp[i].repl);
		at = s->sp[i].end;
	}
	save_buf_add(&b, s->text + at, s->len - at);
	for (i = 0; i < s->nsp; i++)
		free(s->sp[i].repl);
	s->nsp = 0;
	free(s->text);
	s->len = b.n;
	s->text = save_buf_take(&b);
	loom_error_clear(&perr);
	doc = yamldoc_parse(s->name, s->text, s->len, &perr);
	if (doc == NULL)
		return save_fail(s, "the result would not be YAML (line %d, "
		    "column %d: %s)", perr.line, perr.column, perr.message);
	yamldoc_free(s->doc);
	s->doc = doc;
	return 0;
}

/* The file's line ending and indentation step. */
static void
save_detect(struct save *s)
{
	const struct yamldoc_node *root = s->doc->root, *v;
	const char *nl = memchr(s->text, '\n', s->len);
	size_t i, kc, vc;

	s->eol = nl != NULL && nl > s->text && nl[-1] == '\r' ? "\r\n" : "\n";
	s->unit = 2;
	if (root == NULL || root->kind != YAMLDOC_MAP)
		return;
	for (i = 1; i < root->nkids; i += 2) {
		v = root->kids[i];
		if (v->kind != YAMLDOC_MAP || v->flow || v->nkids == 0)
			continue;
		kc = yamldoc_column(s->doc, root->kids[i - 1]->head);
		vc = yamldoc_column(s->doc, v->head);
		if (vc > kc && vc - kc <= 8) {
			s->unit = vc - kc;
			return;
		}
	}
}

/*
 * Does t hold a character that libyaml reads as a line break (NEL, LS,
 * PS)? Those are written escaped, in double quotes.
 */
static bool
save_has_break(const char *t)
{
	return strstr(t, "\xc2\x85") != NULL ||
	    strstr(t, "\xe2\x80\xa8") != NULL ||
	    strstr(t, "\xe2\x80\xa9") != NULL;
}

/* May t be written as a plain scalar (key: SAVE_VALUE, SAVE_KEY...)? */
static bool
save_plain_ok(const char *t, int key)
{
	bool boolean;
	size_t n = strlen(t), i;

	if (n == 0 || strchr(" \t", t[0]) != NULL ||
	    strchr(" \t:", t[n - 1]) != NULL || save_has_break(t))
		return false;
	if (strchr("?:-", t[0]) != NULL && (n == 1 || t[1] == ' '))
		return false;
	if (strchr(",[]{}#&*!|>'\"%@`", t[0]) != NULL)
		return false;
	for (i = 0; i < n; i++) {
		/* Tabs too: libyaml reads them in a plain scalar, others not. */
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return false;
		if (strchr(",[]{}", t[i]) != NULL && (key & SAVE_IN_FLOW))
			return false;
		if (t[i] == ':' && (t[i + 1] == ' ' || t[i + 1] == '\t' ||
		    (key & SAVE_IN_FLOW)))
			return false;
		if (t[i] == '#' && i > 0 && (t[i - 1] == ' ' ||
		    t[i - 1] == '\t'))
			return false;
	}
	return (key & SAVE_ANY_TYPE) ||
	    value_classify(t, true, &boolean) == VALUE_STRING;
}

/* t quoted: single quotes when asked and possible, else double. */
static void
save_quoted(struct save_buf *b, const char *t, bool single)
{
	char esc[8];
	const char *c;

	for (c = t; single && *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			single = false;
	if (save_has_break(t))
		single = false;
	save_buf_str(b, single ? "'" : "\"");
	for (c = t; *c != '\0'; c++) {
		if (single)
			save_buf_add(b, *c == '\'' ? "''" : c, *c == '\'' ? 2 : 1);
		else if (*c == '"' || *c == '\\') {
			esc[0] = '\\';
			esc[1] = *c;
			save_buf_add(b, esc, 2);
		} else if (strncmp(c, "\xc2\x85", 2) == 0) {
			save_buf_str(b, "\\N");
			c++;
		} else if (strncmp(c, "\xe2\x80\xa8", 3) == 0 ||
		    strncmp(c, "\xe2\x80\xa9", 3) == 0) {
			save_buf_str(b, c[2] == '\xa8' ? "\\L" : "\\P");
			c += 2;
		} else if (*c == '\n')
			save_buf_str(b, "\\n");
		else if (*c == '\t')
			save_buf_str(b, "\\t");
		else if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)*c);
			save_buf_str(b, esc);
		} else
			save_buf_add(b, c, 1);
	}
	save_buf_str(b, single ? "'" : "\"");
}

/* A string, in the style preferred when it can carry it exactly. */
static void
save_string(struct save_buf *b, const char *t, enum yamldoc_style prefer,
    int key)
{
	if (prefer == YAMLDOC_SINGLE || prefer == YAMLDOC_DOUBLE)
		save_quoted(b, t, prefer == YAMLDOC_SINGLE);
	else if (save_plain_ok(t, key))
		save_buf_str(b, t);
	else
		save_quoted(b, t, false);
}

/*
 * The shortest spelling that reads back as d. A decimal keeps a '.' so
 * that it stays a decimal; a coordinate (coord) that is whole is written
 * as a whole number.
 */
static void
save_number(struct save_buf *b, double d, bool coord)
{
	char t[64];
	int prec;

	if (!isfinite(d)) {
		save_buf_str(b, isnan(d) ? ".nan" : d < 0 ? "-.inf" : ".inf");
		return;
	}
	if (coord && d == floor(d) && fabs(d) < 1e15) {
		snprintf(t, sizeof t, "%.0f", d);
		save_buf_str(b, t);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	if (strpbrk(t, ".eEn") == NULL)
		strcat(t, ".0");
	save_buf_str(b, t);
}

static bool
save_is_scalar_json(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* An object or array whose members are all scalars (or it is empty). */
static bool
save_all_scalars(const json_t *v)
{
	const json_t *m;
	const char *k;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, m)
			if (!save_is_scalar_json(m))
				return false;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (!save_is_scalar_json(m))
				return false;
	}
	return true;
}

/* v on one line: a scalar, {k: v, ...} or [a, ...]. */
static void
save_flow(struct save *s, struct save_buf *b, const json_t *v,
    enum yamldoc_style prefer)
{
	const json_t *m;
	const char *k;
	char t[32];
	size_t i;
	bool first = true;

	bool block_value = s->block_value;

	s->block_value = false;		/* inside {...} or [...] from here */
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		save_buf_str(b, "{");
		json_object_foreach((json_t *)v, k, m) {
			save_buf_str(b, first ? "" : ", ");
			first = false;
			save_string(b, k, YAMLDOC_PLAIN, SAVE_FLOW_KEY);
			save_buf_str(b, ": ");
			save_flow(s, b, m, YAMLDOC_PLAIN);
		}
		save_buf_str(b, "}");
		break;
	case JSON_ARRAY:
		save_buf_str(b, "[");
		json_array_foreach(v, i, m) {
			save_buf_str(b, i == 0 ? "" : ", ");
			save_flow(s, b, m, YAMLDOC_PLAIN);
		}
		save_buf_str(b, "]");
		break;
	case JSON_STRING:
		save_string(b, json_string_value(v), prefer, block_value ?
		    SAVE_BLOCK_VALUE : SAVE_VALUE);
		break;
	case JSON_INTEGER:
		snprintf(t, sizeof t, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		save_buf_str(b, t);
		break;
	case JSON_REAL:
		save_number(b, json_real_value(v), false);
		break;
	case JSON_TRUE:
		save_buf_str(b, "true");
		break;
	case JSON_FALSE:
		save_buf_str(b, "false");
		break;
	default:
		save_buf_str(b, "null");
		break;
	}
}

/*
 * v as block lines at column col, each ending with the file's line end.
 * inline_first: the first line goes right after text already written (a
 * list item's "- "). flowsub: a mapping of scalars inside is written
 * {a: b} (as inputs: usually are in the file) rather than as lines.
 */
static void
save_block(struct save *s, struct save_buf *b, const json_t *v, size_t col,
    bool inline_first, bool flowsub)
{
	const json_t *m;
	const char *k;
	size_t i;
	bool first = true;

	if (json_is_object(v) && json_object_size(v) > 0) {
		json_object_foreach((json_t *)v, k, m) {
			if (!(first && inline_first))
				save_buf_spaces(b, col);
			first = false;
			save_string(b, k, YAMLDOC_PLAIN, SAVE_KEY);
			save_buf_str(b, ":");
			if (save_is_scalar_json(m) || json_object_size(m) +
			    json_array_size(m) == 0 || (flowsub &&
			    save_all_scalars(m))) {
				save_buf_str(b, " ");
				s->block_value = true;
				save_flow(s, b, m, YAMLDOC_PLAIN);
				save_buf_str(b, s->eol);
			} else {
				save_buf_str(b, s->eol);
				save_block(s, b, m, col + s->unit, false,
				    flowsub);
			}
		}
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		json_array_foreach(v, i, m) {
			if (!(i == 0 && inline_first))
				save_buf_spaces(b, col);
			save_buf_str(b, "- ");
			if (save_is_scalar_json(m) || json_is_array(m) ||
			    json_object_size(m) == 0) {
				save_flow(s, b, m, YAMLDOC_PLAIN);
				save_buf_str(b, s->eol);
			} else
				save_block(s, b, m, col + 2, true, flowsub);
		}
	} else {
		if (!inline_first)
			save_buf_spaces(b, col);
		save_flow(s, b, v, YAMLDOC_PLAIN);
		save_buf_str(b, s->eol);
	}
}

/* Are the steps' inputs, outputs and args written {a: b} in this file? */
static bool
save_flow_ports(const struct save *s)
{
	static const char *const ports[] = { "inputs", "outputs", "args" };
	const struct yamldoc_node *seq, *item, *v, *steps;
	size_t i, j, k;

	seq = yamldoc_get(s->doc->root, "pipeline");
	if (seq == NULL || seq->kind != YAMLDOC_SEQ)
		return true;
	for (i = 0; i < seq->nkids; i++) {
		item = seq->kids[i];
		steps = yamldoc_get(item, "steps");
		for (j = 0; j < (steps != NULL ? steps->nkids : 1); j++) {
			if (steps != NULL)
				item = steps->kids[j];
			for (k = 0; k < 3; k++) {
				v = yamldoc_get(item, ports[k]);
				if (v != NULL && v->kind == YAMLDOC_MAP &&
				    v->nkids > 0)
					return v->flow;
			}
		}
	}
	return true;
}

/* Is text one YAML node, exactly, when written between pre and post? */
static bool
save_probe(const struct save *s, const char *pre, const char *text,
    const char *post)
{
	struct loom_error perr;
	struct yamldoc *doc;
	const struct yamldoc_node *v;
	char *probe;
	bool ok;

	probe = xasprintf("%s%s%s", pre, text, post);
	loom_error_clear(&perr);
	doc = yamldoc_parse(s->name, probe, strlen(probe), &perr);
	ok = doc != NULL && doc->root != NULL &&
	    doc->root->kind == YAMLDOC_MAP && doc->root->nkids == 2;
	if (ok) {
		v = doc->root->kids[1];
		ok = v->start == strlen(pre) &&
		    v->end == strlen(probe) - strlen(post);
	}
	yamldoc_free(doc);
	free(probe);
	return ok;
}

/*
 * The new value of an edit, on one line: "text" as written (checked to
 * be one YAML node, as a block or a flow value: "-" is a value only in a
 * flow mapping; the whole file is parsed again after the edit), else
 * "value" rendered (*value receives it, for callers that may write it as
 * block lines instead). Returns 0 or -1.
 */
static int
save_value(struct save *s, const json_t *edit, enum yamldoc_style prefer,
    struct save_buf *b, const json_t **value)
{
	const json_t *text = json_object_get(edit, "text");
	const char *t;

	*value = json_object_get(edit, "value");
	if (text == NULL) {
		if (*value == NULL)
			return save_fail(s, "give \"value\" (JSON) or \"text\" "
			    "(the YAML spelling)");
		save_flow(s, b, *value, prefer);
		return 0;
	}
	*value = NULL;
	if (!json_is_string(text) || json_string_length(text) == 0 ||
	    strpbrk(json_string_value(text), "\r\n") != NULL)
		return save_fail(s, "\"text\" must be one line of YAML");
	t = json_string_value(text);
	if (!save_probe(s, "k: ", t, "\n") && !save_probe(s, "{k: ", t, "}"))
		return save_fail(s, "\"text\" %s is not one YAML value", t);
	save_buf_str(b, t);
	return 0;
}

/* Split "a.b.c" or take ["a", "b", "c"]. Returns 0 or -1. */
static int
save_parse_path(struct save *s, const json_t *jp, struct save_path *sp)
{
	const json_t *m;
	const char *str = "", *dot;
	size_t i;

	memset(sp, 0, sizeof *sp);
	if (json_is_string(jp)) {
		str = json_string_value(jp);
		while (sp->n < SAVE_MAX_PATH) {
			dot = strchr(str, '.');
			sp->seg[sp->n++] = dot == NULL ? xstrdup(str) :
			    xstrndup(str, (size_t)(dot - str));
			if (dot == NULL)
				break;
			str = dot + 1;
		}
	} else if (json_is_array(jp)) {
		json_array_foreach(jp, i, m) {
			if (!json_is_string(m) || sp->n == SAVE_MAX_PATH)
				break;
			sp->seg[sp->n++] = xstrdup(json_string_value(m));
		}
		if (sp->n != json_array_size(jp)) {
			save_path_free(sp);
			return save_fail(s, "\"path\" must hold at most %d "
			    "strings", SAVE_MAX_PATH);
		}
	}
	for (i = 0; i < sp->n; i++)
		if (sp->seg[i][0] == '\0')
			break;
	if (sp->n == 0 || i < sp->n || (json_is_string(jp) &&
	    sp->n == SAVE_MAX_PATH && strchr(str, '.') != NULL)) {
		save_path_free(sp);
		return save_fail(s, "\"path\" must be \"a.b.c\" or [\"a\", "
		    "\"b\", \"c\"] with no empty part");
	}
	return 0;
}

static void
save_path_free(struct save_path *sp)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		free(sp->seg[i]);
	sp->n = 0;
}

/* The item of a list named name ("name:" or "group:"), also in groups. */
static struct yamldoc_node *
save_find_item(struct yamldoc_node *seq, const char *name, bool groups)
{
	struct yamldoc_node *item, *v, *found;
	size_t i;

	if (seq == NULL || seq->kind != YAMLDOC_SEQ)
		return NULL;
	for (i = 0; i < seq->nkids; i++) {
		item = seq->kids[i];
		if ((v = yamldoc_get(item, "name")) != NULL &&
		    v->kind == YAMLDOC_SCALAR && strcmp(v->text, name) == 0)
			return item;
		if ((v = yamldoc_get(item, "group")) != NULL &&
		    v->kind == YAMLDOC_SCALAR && strcmp(v->text, name) == 0)
			return item;
	}
	/* Only a group's steps: a step's own "steps:" is an unknown key. */
	for (i = 0; groups && i < seq->nkids; i++)
		if (yamldoc_get(seq->kids[i], "group") != NULL &&
		    (found = save_find_item(yamldoc_get(seq->kids[i],
		    "steps"), name, false)) != NULL)
			return found;
	return NULL;
}

/* One step down a path. */
static struct yamldoc_node *
save_child(struct save *s, struct yamldoc_node *cur, const char *seg)
{
	char *end;
	unsigned long i;

	(void)s;
	if (cur == NULL)
		return NULL;
	if (cur->kind == YAMLDOC_MAP)
		return yamldoc_get(cur, seg);
	if (cur->kind != YAMLDOC_SEQ)
		return NULL;
	if (isdigit((unsigned char)seg[0])) {
		i = strtoul(seg, &end, 10);
		return *end == '\0' && i < cur->nkids ? cur->kids[i] : NULL;
	}
	return save_find_item(cur, seg, true);
}

/* Walk sp's segments from the root: node, or the deepest parent. */
static void
save_resolve(struct save *s, struct save_path *sp)
{
	struct yamldoc_node *root = s->doc->root, *cur, *next, *d, *var;
	size_t i = 0;

	cur = root;
	if (sp->n >= 2 && strcmp(sp->seg[0], "data") == 0) {
		d = yamldoc_get(root, "data");
		var = yamldoc_get(root, "variables");
		if (yamldoc_get(var, sp->seg[1]) != NULL ||
		    (d == NULL && var != NULL && var->kind == YAMLDOC_MAP))
			cur = var;
		else
			cur = d;
		i = 1;
		if (cur == NULL) {
			cur = root;
			i = 0;
		}
	}
	for (; i < sp->n; i++) {
		next = save_child(s, cur, sp->seg[i]);
		/* A variables: entry is its path. */
		if (next == NULL && cur != NULL &&
		    cur->kind == YAMLDOC_SCALAR && i == 2 &&
		    strcmp(sp->seg[0], "data") == 0 &&
		    strcmp(sp->seg[2], "path") == 0 &&
		    cur->parent == yamldoc_get(root, "variables"))
			next = cur;
		if (next == NULL)
			break;
		cur = next;
	}
	sp->found = i;
	sp->parent = cur;
	sp->node = i == sp->n ? cur : NULL;
}

/* The offset of the "-" of a block list item, or SIZE_MAX. */
static size_t
save_dash(const struct save *s, const struct yamldoc_node *item)
{
	size_t pos = item->head;

	while (pos > 0 && strchr(" \t\r\n", s->text[pos - 1]) != NULL)
		pos--;
	return pos > 0 && s->text[pos - 1] == '-' ? pos - 1 : SIZE_MAX;
}

/* The offset just after the ':' that follows a key. */
static size_t
save_after_colon(const struct save *s, const struct yamldoc_node *key)
{
	size_t pos = key->end;

	while (pos < s->len && (s->text[pos] == ' ' || s->text[pos] == '\t'))
		pos++;
	return pos < s->len && s->text[pos] == ':' ? pos + 1 : key->end;
}

/*
 * New lines go at pos; when pos is the end of a text that does not end
 * with a line break, one is written first (into b) and save_queue_lines
 * drops the last one, so the file still ends without one (and removing
 * the lines again gives back the same bytes).
 */
static size_t
save_eof_fix(struct save *s, size_t pos, struct save_buf *b)
{
	s->eof_fixed = pos == s->len && s->len > 0 &&
	    s->text[s->len - 1] != '\n';
	if (s->eof_fixed)
		save_buf_str(b, s->eol);
	return pos;
}

/* Queue the insertion of the lines in b at pos (see save_eof_fix). */
static void
save_queue_lines(struct save *s, size_t pos, struct save_buf *b)
{
	size_t el = strlen(s->eol);

	if (s->eof_fixed && b->n >= el &&
	    memcmp(b->p + b->n - el, s->eol, el) == 0)
		b->p[b->n -= el] = '\0';
	s->eof_fixed = false;
	save_queue(s, pos, pos, save_buf_take(b));
}

/*
 * A new last entry of a {...} (key: value) or [...] (key NULL): after
 * the last one with ", ", or just inside the bracket.
 */
static int
save_flow_add(struct save *s, struct yamldoc_node *coll, const char *key,
    const json_t *value, const char *raw)
{
	struct save_buf b = { NULL, 0, 0 };
	size_t pos;

	pos = coll->nkids > 0 ? coll->kids[coll->nkids - 1]->end :
	    coll->start + 1;
	save_buf_str(&b, coll->nkids > 0 ? ", " : "");
	if (key != NULL) {
		save_string(&b, key, YAMLDOC_PLAIN, SAVE_FLOW_KEY);
		save_buf_str(&b, ": ");
	}
	if (raw != NULL)
		save_buf_str(&b, raw);
	else
		save_flow(s, &b, value, YAMLDOC_PLAIN);
	save_queue(s, pos, pos, save_buf_take(&b));
	return save_commit(s);
}

/* Is key written after "? " (an explicit key)? */
static bool
save_explicit_key(const struct save *s, const struct yamldoc_node *key)
{
	size_t pos = key->head;

	while (pos > 0 && (s->text[pos - 1] == ' ' || s->text[pos - 1] == '\t'))
		pos--;
	return pos > 0 && s->text[pos - 1] == '?';
}

/* A new key in map (NULL: the empty document). Returns 0 or -1. */
static int
save_insert(struct save *s, struct yamldoc_node *map, const char *key,
    const json_t *value, const char *raw)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *k = NULL;
	size_t pos, col, i;
	bool block = false, flowsub = save_flow_ports(s);

	for (i = 0; map != NULL && map->kind == YAMLDOC_MAP &&
	    i < map->nkids; i += 2)
		if (map->kids[i]->kind != YAMLDOC_SCALAR ||
		    map->kids[i]->start == map->kids[i]->end ||
		    map->kids[i]->style == YAMLDOC_LITERAL ||
		    save_explicit_key(s, map->kids[i]))
			return save_fail(s, "cannot add '%s' beside an empty "
			    "or complex ('? ...') key", key);
	if (map != NULL && map->kind == YAMLDOC_MAP && map->flow) {
		if (s->text[map->start] != '{')
			return save_fail(s, "cannot add '%s' to a single "
			    "'key: value' pair inside [...]", key);
		return save_flow_add(s, map, key, value, raw);
	}
	if (map == NULL || (map->kind == YAMLDOC_MAP && map->nkids > 0)) {
		col = map == NULL ? 0 : yamldoc_column(s->doc,
		    map->kids[0]->head);
		pos = map == NULL ? s->len : yamldoc_line_end(s->doc,
		    map->kids[map->nkids - 1]->end);
		/* Neighbours written as lines: so is a new mapping. */
		for (i = 1; map != NULL && i < map->nkids; i += 2)
			if (map->kids[i]->kind == YAMLDOC_MAP &&
			    !map->kids[i]->flow)
				block = true;
		if (map == NULL)
			block = true;
	} else if (map->kind == YAMLDOC_SCALAR && (map->text[0] == '\0' ||
	    strcmp(map->text, "~") == 0 || strcmp(map->text, "null") == 0) &&
	    map->style == YAMLDOC_PLAIN && (k = yamldoc_key_of(map)) != NULL) {
		/* "key:" with nothing after it: lines below the key. */
		col = yamldoc_column(s->doc, k->head) + s->unit;
		if (map->end > map->start)
			save_queue(s, map->start, map->end, xstrdup(""));
		pos = yamldoc_line_end(s->doc, k->end);
	} else
		return save_fail(s, "cannot add '%s': the place is not a "
		    "mapping", key);
	pos = save_eof_fix(s, pos, &b);
	save_buf_spaces(&b, col);
	save_string(&b, key, YAMLDOC_PLAIN, SAVE_KEY);
	save_buf_str(&b, ":");
	/*
	 * A mapping of scalars goes on one line ({a: b}) unless its
	 * neighbours are written as lines; a new section of the file is
	 * written as lines, like the others.
	 */
	if (raw != NULL || save_is_scalar_json(value) ||
	    (save_all_scalars(value) && map != NULL &&
	    map != s->doc->root && (!block || json_is_array(value))) ||
	    (json_object_size(value) + json_array_size(value) == 0)) {
		save_buf_str(&b, " ");
		if (raw != NULL)
			save_buf_str(&b, raw);
		else {
			s->block_value = true;
			save_flow(s, &b, value, YAMLDOC_PLAIN);
		}
		save_buf_str(&b, s->eol);
	} else {
		save_buf_str(&b, s->eol);
		save_block(s, &b, value, col + s->unit, false, flowsub);
	}
	save_queue_lines(s, pos, &b);
	return save_commit(s);
}

/* A new last item of seq. Returns 0 or -1. */
static int
save_append(struct save *s, struct yamldoc_node *seq, const json_t *value,
    const char *raw)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *k;
	size_t pos, col, off = 2, dash;

	if (seq->kind == YAMLDOC_SEQ && seq->flow)
		return save_flow_add(s, seq, NULL, value, raw);
	if (seq->kind == YAMLDOC_SEQ && seq->nkids > 0) {
		if ((dash = save_dash(s, seq->kids[0])) == SIZE_MAX)
			return save_fail(s, "cannot find the '-' of a list "
			    "item");
		col = yamldoc_column(s->doc, dash);
		if (yamldoc_line_start(s->doc, dash) ==
		    yamldoc_line_start(s->doc, seq->kids[0]->head))
			off = seq->kids[0]->head - dash;
		pos = yamldoc_line_end(s->doc, seq->kids[seq->nkids - 1]->end);
	} else if (seq->kind == YAMLDOC_SCALAR && seq->text[0] == '\0' &&
	    (k = yamldoc_key_of(seq)) != NULL) {
		col = yamldoc_column(s->doc, k->head) + s->unit;
		pos = yamldoc_line_end(s->doc, k->end);
	} else
		return save_fail(s, "cannot add an item: the place is not a "
		    "list");
	pos = save_eof_fix(s, pos, &b);
	save_buf_spaces(&b, col);
	save_buf_str(&b, "-");
	save_buf_spaces(&b, off - 1);
	if (raw != NULL || save_is_scalar_json(value) ||
	    json_is_array(value) || json_object_size(value) == 0) {
		if (raw != NULL)
			save_buf_str(&b, raw);
		else {
			s->block_value = true;
			save_flow(s, &b, value, YAMLDOC_PLAIN);
		}
		save_buf_str(&b, s->eol);
	} else
		save_block(s, &b, value, col + off, true, save_flow_ports(s));
	save_queue_lines(s, pos, &b);
	return save_commit(s);
}

/*
 * The last entry of a block collection goes: its lines [start, end)
 * are dropped and the collection is written {} or [] after its key.
 */
static int
save_emptied(struct save *s, struct yamldoc_node *coll, size_t start,
    size_t end)
{
	struct yamldoc_node *k = yamldoc_key_of(coll);
	const char *empty = coll->kind == YAMLDOC_MAP ? " {}" : " []";
	size_t colon;

	if (k == NULL)
		return save_fail(s, "cannot remove the only entry of a "
		    "collection that has no key");
	colon = save_after_colon(s, k);
	if (colon <= start) {
		save_queue(s, start, end, xstrdup(""));
		save_queue(s, colon, colon, xstrdup(empty));
	} else	/* on the key's line, as in "key: - a" (never block) */
		save_queue(s, coll->start, coll->end, xstrdup(empty + 1));
	return save_commit(s);
}

/* Remove a map value (with its key) or a list item. Returns 0 or -1. */
static int
save_remove_node(struct save *s, struct yamldoc_node *n)
{
	struct yamldoc_node *p = n->parent, *first;
	size_t i, start, end, step = p != NULL && p->kind == YAMLDOC_MAP ? 2 :
	    1;

	if (p == NULL)
		return save_fail(s, "cannot remove the whole document");
	for (i = 0; i < p->nkids && p->kids[i] != n; i++)
		;
	first = step == 2 ? p->kids[i - 1] : n;	/* the key, or the item */
	if (p->flow) {
		if (p->nkids == step)
			save_queue(s, first->head, n->end, xstrdup(""));
		else if (i + 1 == step)
			save_queue(s, first->head, p->kids[i + 1]->head,
			    xstrdup(""));
		else
			save_queue(s, p->kids[i - step]->end, n->end,
			    xstrdup(""));
		return save_commit(s);
	}
	start = step == 2 ? first->head : save_dash(s, n);
	if (start == SIZE_MAX)
		return save_fail(s, "cannot find the '-' of a list item");
	end = yamldoc_line_end(s->doc, n->end);
	if (!yamldoc_starts_line(s->doc, start)) {
		/* The first key of a list item, on the "- " line. */
		if (step == 2 && p->nkids == 2)
			save_queue(s, p->start, p->end, xstrdup("{}"));
		else if (step == 1 || i + 1 >= p->nkids)
			return save_fail(s, "cannot remove an entry written "
			    "on one line with others");
		else
			save_queue(s, start, p->kids[i + 1]->head,
			    xstrdup(""));
		return save_commit(s);
	}
	start = yamldoc_line_start(s->doc, start);
	if (end == s->len && s->text[end - 1] != '\n' && start > 0)
		start -= s->text[start - 2] == '\r' ? 2 : 1;
	if (p->nkids == step)
		return save_emptied(s, p, start, end);
	save_queue(s, start, end, xstrdup(""));
	return save_commit(s);
}

/* Replace n's text with a new value. Returns 0 or -1. */
static int
save_replace(struct save *s, struct yamldoc_node *n, const json_t *value,
    const char *raw)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *k;
	size_t at, end;

	s->block_value = n->parent != NULL && !n->parent->flow;
	if (raw != NULL)
		save_buf_str(&b, raw);
	else
		save_flow(s, &b, value, n->kind == YAMLDOC_SCALAR ? n->style :
		    YAMLDOC_PLAIN);
	s->block_value = false;
	if (n->start == n->end && (k = yamldoc_key_of(n)) != NULL) {
		/* "key:" with nothing: the value goes after the colon. */
		at = save_after_colon(s, k);
		save_queue(s, at, at, xasprintf(" %s", b.p));
		free(b.p);
	} else if (n->kind != YAMLDOC_SCALAR && !n->flow &&
	    (k = yamldoc_key_of(n)) != NULL) {
		/* A block collection becomes a value on the key's line. */
		at = save_after_colon(s, k);
		end = n->end;
		while (end < s->len && s->text[end] != '\n' &&
		    s->text[end] != '\r')
			end++;
		save_queue(s, at, end, xasprintf(" %s", b.p));
		free(b.p);
	} else
		save_queue(s, n->start, n->end, save_buf_take(&b));
	return save_commit(s);
}

/* set (add: only when absent, or an item at the end of a list). */
static int
save_edit_set(struct save *s, const json_t *edit, bool add)
{
	struct save_buf b = { NULL, 0, 0 };
	struct save_path sp;
	const json_t *value;
	json_t *wrap, *inner, *list = NULL;
	char *raw;
	size_t i;
	int rc;

	if (save_parse_path(s, json_object_get(edit, "path"), &sp) != 0)
		return -1;
	save_resolve(s, &sp);
	if (sp.parent != NULL && sp.parent->kind == YAMLDOC_ALIAS) {
		save_path_free(&sp);
		return save_fail(s, "the path goes through the alias *%s; "
		    "edit the anchored node instead", sp.parent->text);
	}
	rc = save_value(s, edit, sp.node != NULL && sp.node->kind ==
	    YAMLDOC_SCALAR ? sp.node->style : YAMLDOC_PLAIN, &b, &value);
	if (rc != 0) {
		save_path_free(&sp);
		return -1;
	}
	raw = value == NULL ? save_buf_take(&b) : (free(b.p), NULL);
	/* Adding to a missing list of steps creates the list. */
	if (add && sp.node == NULL && value != NULL &&
	    (strcmp(sp.seg[sp.n - 1], "pipeline") == 0 ||
	    strcmp(sp.seg[sp.n - 1], "steps") == 0))
		value = list = json_pack("[O]", value);
	if (sp.node != NULL && add && sp.node->kind == YAMLDOC_SEQ)
		rc = save_append(s, sp.node, value, raw);
	else if (sp.node != NULL && add)
		rc = save_fail(s, "%s already exists; use \"set\" to change it",
		    sp.seg[sp.n - 1]);
	else if (sp.node != NULL)
		rc = save_replace(s, sp.node, value, raw);
	else if (sp.found + 1 == sp.n)
		rc = save_insert(s, sp.found == 0 ? s->doc->root : sp.parent,
		    sp.seg[sp.n - 1], value, raw);
	else {
		/* Missing mappings on the way are created around the value. */
		wrap = raw != NULL ? json_string(raw) : json_deep_copy(value);
		for (i = sp.n - 1; i > sp.found; i--) {
			inner = json_object();
			json_object_set_new(inner, sp.seg[i], wrap);
			wrap = inner;
		}
		if (raw != NULL)
			rc = save_fail(s, "\"text\" needs an existing parent; "
			    "%s is missing", sp.seg[sp.found]);
		else
			rc = save_insert(s, sp.found == 0 ? s->doc->root :
			    sp.parent, sp.seg[sp.found], wrap, NULL);
		json_decref(wrap);
	}
	free(raw);
	json_decref(list);
	save_path_free(&sp);
	return rc;
}

/* Drop layout.KEY if it is there. */
static int
save_layout_remove(struct save *s, const char *key)
{
	struct yamldoc_node *n;

	n = yamldoc_get(yamldoc_get(s->doc->root, "layout"), key);
	return n != NULL ? save_remove_node(s, n) : 0;
}

/*
 * The layout keys of what sp names: a step (its name), a group block
 * (group:NAME and its steps), a data entry (data:NAME) or a parameter
 * (param:NAME); none for anything else.
 */
static void
save_layout_keys(const struct save_path *sp, struct strv *keys)
{
	const struct yamldoc_node *n = sp->node, *v, *steps;
	size_t i;

	if (sp->n != 2)
		return;
	if (strcmp(sp->seg[0], "data") == 0)
		strv_push_owned(keys, xasprintf("data:%s", sp->seg[1]));
	else if (strcmp(sp->seg[0], "parameters") == 0)
		strv_push_owned(keys, xasprintf("param:%s", sp->seg[1]));
	if (strcmp(sp->seg[0], "pipeline") != 0)
		return;
	if ((v = yamldoc_get(n, "name")) != NULL && v->kind == YAMLDOC_SCALAR)
		strv_push(keys, v->text);
	if ((v = yamldoc_get(n, "group")) != NULL &&
	    v->kind == YAMLDOC_SCALAR) {
		strv_push_owned(keys, xasprintf("group:%s", v->text));
		steps = yamldoc_get(n, "steps");
		for (i = 0; steps != NULL && steps->kind == YAMLDOC_SEQ &&
		    i < steps->nkids; i++)
			if ((v = yamldoc_get(steps->kids[i], "name")) != NULL &&
			    v->kind == YAMLDOC_SCALAR)
				strv_push(keys, v->text);
	}
}

/* remove {path}: the entry, and the layout of a removed node. */
static int
save_edit_remove(struct save *s, const json_t *edit)
{
	struct save_path sp;
	struct strv keys;
	size_t i;
	int rc;

	if (save_parse_path(s, json_object_get(edit, "path"), &sp) != 0)
		return -1;
	save_resolve(s, &sp);
	if (sp.node == NULL) {
		rc = save_fail(s, "nothing at %s (%s is missing)",
		    json_string_value(json_object_get(edit, "path")) != NULL ?
		    json_string_value(json_object_get(edit, "path")) : "path",
		    sp.seg[sp.found]);
		save_path_free(&sp);
		return rc;
	}
	strv_init(&keys);
	save_layout_keys(&sp, &keys);
	rc = save_remove_node(s, sp.node);
	for (i = 0; rc == 0 && i < keys.n; i++)
		rc = save_layout_remove(s, keys.v[i]);
	strv_free(&keys);
	save_path_free(&sp);
	return rc;
}

/* A name that $name and ${name} can refer to. */
static bool
save_is_ref_name(const char *name)
{
	size_t i;

	if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (i = 1; name[i] != '\0'; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return false;
	return true;
}

/* Queue the rewrite of $from / ${from} in every scalar value under n. */
static void
save_refs(struct save *s, const struct yamldoc_node *n, const char *from,
    const char *to)
{
	struct save_buf b = { NULL, 0, 0 };
	char *whole = xasprintf("$%s", from), *emb = xasprintf("${%s}", from);
	const char *src, *end, *hit;
	size_t i, wl = strlen(whole), el = strlen(emb);
	bool changed = false, is_whole;

	if (n->kind != YAMLDOC_SCALAR) {
		for (i = 0; i < n->nkids; i++)
			if (n->kind != YAMLDOC_MAP || i % 2 == 1)
				save_refs(s, n->kids[i], from, to);
		goto out;
	}
	is_whole = strcmp(n->text, whole) == 0;
	if (!is_whole && strstr(n->text, emb) == NULL)
		goto out;
	src = s->text + n->start;
	end = s->text + n->end;
	while (src < end) {
		hit = NULL;
		if (end - src >= (ptrdiff_t)el && memcmp(src, emb, el) == 0)
			hit = emb;
		else if (is_whole && end - src >= (ptrdiff_t)wl &&
		    memcmp(src, whole, wl) == 0 && (src + wl == end ||
		    !(isalnum((unsigned char)src[wl]) || src[wl] == '_')))
			hit = whole;
		if (hit == NULL) {
			save_buf_add(&b, src++, 1);
			continue;
		}
		save_buf_str(&b, hit == emb ? "${" : "$");
		save_buf_str(&b, to);
		save_buf_str(&b, hit == emb ? "}" : "");
		src += hit == emb ? el : wl;
		changed = true;
	}
	if (changed)
		save_queue(s, n->start, n->end, save_buf_take(&b));
	free(b.p);
out:
	free(whole);
	free(emb);
}

/* Queue a mapping key's new spelling (its quoting kept when it can be). */
static int
save_rename_key(struct save *s, struct yamldoc_node *key, const char *to)
{
	struct save_buf b = { NULL, 0, 0 };

	if (key->kind != YAMLDOC_SCALAR || key->style == YAMLDOC_LITERAL)
		return save_fail(s, "the key of '%s' is not a plain or quoted "
		    "name", to);
	save_string(&b, to, key->style, key->parent->flow ? SAVE_FLOW_KEY :
	    SAVE_KEY);
	save_queue(s, key->start, key->end, save_buf_take(&b));
	return 0;
}

/* rename {kind, from, to}: the name, references and layout key. */
static int
save_edit_rename(struct save *s, const json_t *edit)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *root = s->doc->root, *n = NULL, *seq, *lay, *lk;
	const char *kind, *from, *to;
	char *lfrom, *lto;
	bool step;
	int rc = 0;

	kind = json_string_value(json_object_get(edit, "kind"));
	from = json_string_value(json_object_get(edit, "from"));
	to = json_string_value(json_object_get(edit, "to"));
	if (kind == NULL || from == NULL || to == NULL || to[0] == '\0')
		return save_fail(s, "give \"kind\", \"from\" and \"to\"");
	if (strcmp(from, to) == 0)
		return 0;
	seq = yamldoc_get(root, "pipeline");
	if (strcmp(kind, "step") == 0 || strcmp(kind, "group") == 0) {
		step = kind[0] == 's';
		if (save_find_item(seq, to, true) != NULL)
			return save_fail(s, "a step or group named '%s' "
			    "already exists", to);
		n = save_find_item(seq, from, true);
		n = yamldoc_get(n, step ? "name" : "group");
		if (n == NULL || n->kind != YAMLDOC_SCALAR)
			return save_fail(s, "no %s named '%s'", kind, from);
		save_string(&b, to, n->style, n->parent->flow ?
		    SAVE_FLOW_KEY : SAVE_KEY);	/* a name is text */
		save_queue(s, n->start, n->end, save_buf_take(&b));
		lfrom = step ? xstrdup(from) : xasprintf("group:%s", from);
		lto = step ? xstrdup(to) : xasprintf("group:%s", to);
	} else if (strcmp(kind, "data") == 0 ||
	    strcmp(kind, "parameter") == 0) {
		if (!save_is_ref_name(to))
			return save_fail(s, "'%s' cannot be referred to as "
			    "$name: use letters, digits and '_'", to);
		if (yamldoc_get(yamldoc_get(root, "data"), to) != NULL ||
		    yamldoc_get(yamldoc_get(root, "variables"), to) != NULL ||
		    yamldoc_get(yamldoc_get(root, "parameters"), to) != NULL)
			return save_fail(s, "the name '%s' is already taken",
			    to);
		if (kind[0] == 'd' && (n = yamldoc_get(yamldoc_get(root,
		    "data"), from)) == NULL)
			n = yamldoc_get(yamldoc_get(root, "variables"), from);
		if (kind[0] == 'p')
			n = yamldoc_get(yamldoc_get(root, "parameters"), from);
		if (n == NULL)
			return save_fail(s, "no %s named '%s'", kind, from);
		if (save_rename_key(s, yamldoc_key_of(n), to) != 0)
			return -1;
		/* $from means a data entry of that name when there is one. */
		if (kind[0] == 'd' || (yamldoc_get(yamldoc_get(root, "data"),
		    from) == NULL && yamldoc_get(yamldoc_get(root,
		    "variables"), from) == NULL))
			save_refs(s, root, from, to);
		lfrom = xasprintf("%s:%s", kind[0] == 'd' ? "data" : "param",
		    from);
		lto = xasprintf("%s:%s", kind[0] == 'd' ? "data" : "param", to);
	} else
		return save_fail(s, "\"kind\" must be step, data, parameter "
		    "or group, not '%s'", kind);
	lay = yamldoc_get(root, "layout");
	if ((n = yamldoc_get(lay, lfrom)) != NULL && yamldoc_get(lay,
	    lto) == NULL && (lk = yamldoc_key_of(n)) != NULL)
		rc = save_rename_key(s, lk, lto);
	free(lfrom);
	free(lto);
	return rc == 0 ? save_commit(s) : -1;
}

/* move {node, x, y}: layout.NODE = {x, y}, each number in place. */
static int
save_edit_move(struct save *s, const json_t *edit)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *ent, *nx, *ny, *lay;
	const char *node = json_string_value(json_object_get(edit, "node"));
	const json_t *jx = json_object_get(edit, "x");
	const json_t *jy = json_object_get(edit, "y");
	json_t *xy;
	int rc;

	if (node == NULL || node[0] == '\0' || !json_is_number(jx) ||
	    !json_is_number(jy))
		return save_fail(s, "give \"node\" (a layout key) and numbers "
		    "\"x\" and \"y\"");
	lay = yamldoc_get(s->doc->root, "layout");
	ent = yamldoc_get(lay, node);
	nx = yamldoc_get(ent, "x");
	ny = yamldoc_get(ent, "y");
	if (nx != NULL && ny != NULL && nx->kind == YAMLDOC_SCALAR &&
	    ny->kind == YAMLDOC_SCALAR) {
		save_number(&b, json_number_value(jx), true);
		save_queue(s, nx->start, nx->end, save_buf_take(&b));
		save_number(&b, json_number_value(jy), true);
		save_queue(s, ny->start, ny->end, save_buf_take(&b));
		return save_commit(s);
	}
	save_buf_str(&b, "{x: ");
	save_number(&b, json_number_value(jx), true);
	save_buf_str(&b, ", y: ");
	save_number(&b, json_number_value(jy), true);
	save_buf_str(&b, "}");
	if (ent != NULL) {
		save_queue(s, ent->start, ent->end, save_buf_take(&b));
		return save_commit(s);
	}
	if (lay != NULL) {
		rc = save_insert(s, lay, node, NULL, b.p);
		free(b.p);
		return rc;
	}
	free(b.p);
	xy = json_pack("{s:{s:o, s:o}}", node, "x", json_deep_copy(jx), "y",
	    json_deep_copy(jy));
	rc = save_insert(s, s->doc->root, "layout", xy, NULL);
	json_decref(xy);
	return rc;
}

/*
 * The lines of a block list item, its "-" moved to column 0 (owned), or
 * NULL with err set.
 */
static char *
save_item_text(struct save *s, struct yamldoc_node *item)
{
	struct save_buf b = { NULL, 0, 0 };
	size_t dash = save_dash(s, item), col, start, end, pos, le, i;
	const char *nl;

	if (item->parent->flow || dash == SIZE_MAX ||
	    !yamldoc_starts_line(s->doc, dash)) {
		save_fail(s, "the step is not a block list item ('- name: "
		    "...' on its own lines)");
		return NULL;
	}
	col = yamldoc_column(s->doc, dash);
	start = yamldoc_line_start(s->doc, dash);
	end = yamldoc_line_end(s->doc, item->end);
	for (pos = start; pos < end; pos = le) {
		nl = memchr(s->text + pos, '\n', end - pos);
		le = nl != NULL ? (size_t)(nl - s->text) + 1 : end;
		for (i = 0; i < col && pos + i < le && s->text[pos + i] == ' ';
		    i++)
			;
		save_buf_add(&b, s->text + pos + i, le - pos - i);
	}
	if (b.n > 0 && b.p[b.n - 1] != '\n')
		save_buf_str(&b, s->eol);
	return save_buf_take(&b);
}

/* group {step, group}: move a step's lines into a group, or out (null). */
static int
save_edit_group(struct save *s, const json_t *edit)
{
	struct save_buf b = { NULL, 0, 0 };
	struct yamldoc_node *seq, *item, *target, *steps, *k;
	const char *step = json_string_value(json_object_get(edit, "step"));
	const json_t *jg = json_object_get(edit, "group");
	const char *group = json_string_value(jg), *line;
	char *lines;
	size_t col, pos, dash, next;
	int rc;

	if (step == NULL || (jg != NULL && !json_is_null(jg) && group == NULL))
		return save_fail(s, "give \"step\" and \"group\" (a name, or "
		    "null to take the step out of its group)");
	seq = yamldoc_get(s->doc->root, "pipeline");
	item = save_find_item(seq, step, true);
	if (item == NULL || yamldoc_get(item, "name") == NULL)
		return save_fail(s, "no step named '%s'", step);
	target = group != NULL ? save_find_item(seq, group, false) : NULL;
	if (group != NULL && target != NULL &&
	    yamldoc_get(target, "group") == NULL)
		return save_fail(s, "'%s' is a step, not a group", group);
	if (item->parent == (group != NULL ?
	    yamldoc_get(target, "steps") : seq))
		return 0;
	if ((lines = save_item_text(s, item)) == NULL)
		return -1;
	if ((rc = save_remove_node(s, item)) != 0)
		goto out;
	seq = yamldoc_get(s->doc->root, "pipeline");
	target = group != NULL ? save_find_item(seq, group, false) : NULL;
	if (group == NULL || target != NULL) {
		steps = group == NULL ? seq : yamldoc_get(target, "steps");
		if (steps == NULL || steps->kind != YAMLDOC_SEQ ||
		    (steps->flow && steps->nkids > 0)) {
			rc = save_fail(s, "the group's steps: is not a list "
			    "written as lines");
			goto out;
		}
		if (steps->nkids > 0) {
			dash = save_dash(s, steps->kids[0]);
			col = yamldoc_column(s->doc, dash);
			pos = yamldoc_line_end(s->doc,
			    steps->kids[steps->nkids - 1]->end);
		} else {
			k = yamldoc_key_of(steps);
			col = yamldoc_column(s->doc, k->head) + s->unit;
			pos = save_after_colon(s, k);
			save_queue(s, pos, steps->end, xstrdup(""));
			pos = yamldoc_line_end(s->doc, steps->end);
		}
	} else {
		/* A new group block at the end of pipeline:. */
		dash = save_dash(s, seq->kids[seq->nkids - 1]);
		col = yamldoc_column(s->doc, dash);
		pos = yamldoc_line_end(s->doc, seq->kids[seq->nkids - 1]->end);
		save_buf_spaces(&b, col);
		save_buf_str(&b, "- group: ");
		save_string(&b, group, YAMLDOC_PLAIN, SAVE_KEY);
		save_buf_str(&b, s->eol);
		save_buf_spaces(&b, col + 2);
		save_buf_str(&b, "steps:");
		save_buf_str(&b, s->eol);
		col += 2 + s->unit;
	}
	pos = save_eof_fix(s, pos, &b);
	for (line = lines; *line != '\0'; line += next) {
		next = strcspn(line, "\n") + (strchr(line, '\n') != NULL);
		if (next > strlen(s->eol))
			save_buf_spaces(&b, col);
		save_buf_add(&b, line, next);
	}
	save_queue_lines(s, pos, &b);
	rc = save_commit(s);
out:
	free(lines);
	return rc;
}

/* One edit object. Returns 0 or -1. */
static int
save_apply_one(struct save *s, const json_t *edit)
{
	s->op = json_string_value(json_object_get(edit, "op"));
	if (!json_is_object(edit) || s->op == NULL)
		return save_fail(s, "an edit is an object with \"op\"");
	if (s->doc->root != NULL && s->doc->root->kind != YAMLDOC_MAP)
		return save_fail(s, "the file is not a mapping of sections");
	if (strcmp(s->op, "set") == 0)
		return save_edit_set(s, edit, false);
	if (strcmp(s->op, "add") == 0)
		return save_edit_set(s, edit, true);
	if (strcmp(s->op, "remove") == 0)
		return save_edit_remove(s, edit);
	if (strcmp(s->op, "rename") == 0)
		return save_edit_rename(s, edit);
	if (strcmp(s->op, "move") == 0)
		return save_edit_move(s, edit);
	if (strcmp(s->op, "group") == 0)
		return save_edit_group(s, edit);
	return save_fail(s, "unknown op; use set, add, remove, rename, move "
	    "or group");
}

/* Apply a list of edits to text; the new text, or NULL with err set. */
/*
 * The saver knows LF and CRLF line breaks. A lone CR, or NEL, LS or PS
 * (U+0085, U+2028, U+2029), which libyaml also reads as line breaks
 * (even inside a comment), would make its idea of lines wrong: refuse.
 */
static int
save_check_breaks(const char *name, const char *text, size_t len,
    struct loom_error *err)
{
	const unsigned char *t = (const unsigned char *)text;
	const char *what = NULL;
	int line = 1, col = 1;
	size_t i;

	for (i = 0; i < len && what == NULL; i++) {
		if (t[i] == '\r' && (i + 1 == len || t[i + 1] != '\n'))
			what = "a lone CR";
		else if (t[i] == 0xc2 && i + 1 < len && t[i + 1] == 0x85)
			what = "a NEL (U+0085)";
		else if (t[i] == 0xe2 && i + 2 < len && t[i + 1] == 0x80 &&
		    (t[i + 2] == 0xa8 || t[i + 2] == 0xa9))
			what = t[i + 2] == 0xa8 ? "a line separator (U+2028)" :
			    "a paragraph separator (U+2029)";
		else if (t[i] == '\n') {
			line++;
			col = 1;
		} else if ((t[i] & 0xc0) != 0x80)
			col++;
	}
	if (what == NULL)
		return 0;
	loom_error_set(err, name, line, col, "the file has a line break "
	    "written as %s, which the editor cannot keep; replace it with "
	    "a normal line break (LF or CRLF) or remove it first", what);
	loom_error_hint(err, "the editor keeps line endings as they are "
	    "and knows only LF and CRLF");
	return -1;
}

char *
pipeline_save_apply(const char *name, const char *text, size_t len,
    const json_t *edits, size_t *outlen, struct loom_error *err)
{
	struct save s;
	const json_t *edit;
	char *out = NULL;
	size_t i;

	memset(&s, 0, sizeof s);
	s.name = name;
	s.err = err;
	s.op = "parse";
	if (!json_is_array(edits) ||
	    json_array_size(edits) > PIPELINE_SAVE_MAX_EDITS) {
		loom_error_set(err, name, 0, 0, "\"edits\" must be a list of "
		    "at most %d edits", PIPELINE_SAVE_MAX_EDITS);
		return NULL;
	}
	if (save_check_breaks(name, text, len, err) != 0)
		return NULL;
	s.text = xmalloc(len + 1);
	memcpy(s.text, text, len);
	s.text[len] = '\0';
	s.len = len;
	if ((s.doc = yamldoc_parse(name, s.text, s.len, err)) == NULL)
		goto out;
	save_detect(&s);
	json_array_foreach(edits, i, edit) {
		s.index = i;
		if (save_apply_one(&s, edit) != 0)
			goto out;
	}
	out = s.text;
	s.text = NULL;
	*outlen = s.len;
out:
	for (i = 0; i < s.nsp; i++)
		free(s.sp[i].repl);
	free(s.sp);
	yamldoc_free(s.doc);
	free(s.text);
	return out;
}

/* "sha256:" and the hex digest of the bytes. */
void
pipeline_save_version(const void *data, size_t len,
    char out[PIPELINE_VERSION_LEN])
{
	unsigned char md[SHA256_DIGEST_LEN];
	size_t i;

	sha256_buffer(data, len, md);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < SHA256_DIGEST_LEN; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}
