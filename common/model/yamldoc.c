/* SPDX-License-Identifier: MIT */
/*
 * The saver's view of a YAML text: libyaml events become a tree of nodes
 * with byte spans and styles (yamldoc.h). libyaml's marks count
 * characters; they become byte offsets here. libyaml puts the end of a
 * block collection at the next token, which may be lines further down
 * past comments, so a block collection here ends where its last child
 * ends, and a block sequence item's span starts at its content (the "- "
 * before it is found by the saver).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"
#include "common/model/yamldoc.h"

struct yamldoc_parser {
	struct yamldoc *doc;
	yaml_parser_t parser;
	size_t base;		/* bytes of a byte order mark */
	size_t cur_index;	/* character index -> byte, walked */
	size_t cur_byte;
	struct yamldoc_node *open;	/* innermost open collection */
	size_t depth;
	int documents;
};

static size_t	yamldoc_byte(struct yamldoc_parser *yp, size_t index);
static size_t	yamldoc_skip_props(const struct yamldoc_parser *yp,
		    size_t pos, size_t end);
static struct yamldoc_node *yamldoc_node_new(struct yamldoc_parser *yp,
		    enum yamldoc_kind kind, const yaml_event_t *ev);
static void	yamldoc_node_free(struct yamldoc_node *n);
static void	yamldoc_attach(struct yamldoc_parser *yp,
		    struct yamldoc_node *n);
static int	yamldoc_event(struct yamldoc_parser *yp,
		    const yaml_event_t *ev, const char *name,
		    struct loom_error *err);

/* The byte offset of a libyaml character index. */
static size_t
yamldoc_byte(struct yamldoc_parser *yp, size_t index)
{
	const unsigned char *s = (const unsigned char *)yp->doc->text;
	size_t len = yp->doc->len;

	while (yp->cur_index < index && yp->cur_byte < len) {
		yp->cur_byte++;
		while (yp->cur_byte < len && (s[yp->cur_byte] & 0xc0) == 0x80)
			yp->cur_byte++;
		yp->cur_index++;
	}
	while (yp->cur_index > index && yp->cur_byte > yp->base) {
		yp->cur_byte--;
		while (yp->cur_byte > yp->base &&
		    (s[yp->cur_byte] & 0xc0) == 0x80)
			yp->cur_byte--;
		yp->cur_index--;
	}
	return yp->cur_byte;
}

/* A character of an anchor's name, as libyaml reads one. */
static int
yamldoc_anchor_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/*
 * A node's span starts at its anchor or tag when it has them; its text
 * (what an edit replaces) starts after them and the blanks and comments
 * that follow. An anchor ends at its last name character, which need not
 * be followed by a blank ("&a:b" is the anchor "a" on the scalar ":b");
 * a tag ends at a blank.
 */
static size_t
yamldoc_skip_props(const struct yamldoc_parser *yp, size_t pos, size_t end)
{
	const char *t = yp->doc->text;
	size_t blank;

	while (pos < end && (t[pos] == '&' || t[pos] == '!')) {
		if (t[pos++] == '&') {
			while (pos < end && yamldoc_anchor_char(t[pos]))
				pos++;
		} else {
			while (pos < end && strchr(" \t\r\n", t[pos]) == NULL)
				pos++;
		}
		for (;;) {
			blank = pos;
			while (pos < end && strchr(" \t\r\n", t[pos]) != NULL)
				pos++;
			if (pos == blank || pos == end || t[pos] != '#')
				break;
			while (pos < end && t[pos] != '\n' && t[pos] != '\r')
				pos++;
		}
	}
	return pos;
}

static struct yamldoc_node *
yamldoc_node_new(struct yamldoc_parser *yp, enum yamldoc_kind kind,
    const yaml_event_t *ev)
{
	struct yamldoc_node *n;

	n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->head = n->start = yamldoc_byte(yp, ev->start_mark.index);
	n->end = yamldoc_byte(yp, ev->end_mark.index);
	if (kind != YAMLDOC_ALIAS)
		n->start = yamldoc_skip_props(yp, n->start, n->end);
	return n;
}

static void
yamldoc_node_free(struct yamldoc_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		yamldoc_node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

/* Hang n under the open collection (or make it the root). */
static void
yamldoc_attach(struct yamldoc_parser *yp, struct yamldoc_node *n)
{
	struct yamldoc_node *p = yp->open;

	n->parent = p;
	if (p == NULL) {
		yp->doc->root = n;
		return;
	}
	if (p->nkids == p->capkids) {
		p->capkids = p->capkids == 0 ? 4 : p->capkids * 2;
		p->kids = xreallocarray(p->kids, p->capkids, sizeof *p->kids);
	}
	p->kids[p->nkids++] = n;
}

/* One parser event into the tree. Returns 0, or -1 with err set. */
static int
yamldoc_event(struct yamldoc_parser *yp, const yaml_event_t *ev,
    const char *name, struct loom_error *err)
{
	struct yamldoc_node *n;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++yp->documents > 1) {
			loom_error_set(err, name, (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1, "a pipeline file "
			    "holds one YAML document, this is a second one");
			return -1;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		n = yamldoc_node_new(yp, YAMLDOC_SCALAR, ev);
		n->text = xstrndup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		switch (ev->data.scalar.style) {
		case YAML_SINGLE_QUOTED_SCALAR_STYLE:
			n->style = YAMLDOC_SINGLE;
			break;
		case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
			n->style = YAMLDOC_DOUBLE;
			break;
		case YAML_LITERAL_SCALAR_STYLE:
		case YAML_FOLDED_SCALAR_STYLE:
			n->style = YAMLDOC_LITERAL;
			break;
		default:
			n->style = YAMLDOC_PLAIN;
			break;
		}
		yamldoc_attach(yp, n);
		return 0;
	case YAML_ALIAS_EVENT:
		n = yamldoc_node_new(yp, YAMLDOC_ALIAS, ev);
		n->text = xstrdup((const char *)ev->data.alias.anchor);
		yamldoc_attach(yp, n);
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (++yp->depth > PIPELINE_MAX_DEPTH) {
			loom_error_set(err, name, (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1, "nesting deeper "
			    "than %d levels", PIPELINE_MAX_DEPTH);
			return -1;
		}
		n = yamldoc_node_new(yp, ev->type == YAML_MAPPING_START_EVENT ?
		    YAMLDOC_MAP : YAMLDOC_SEQ, ev);
		n->flow = ev->type == YAML_MAPPING_START_EVENT ?
		    ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE :
		    ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
		yamldoc_attach(yp, n);
		yp->open = n;
		return 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		n = yp->open;
		if (n->flow)
			n->end = yamldoc_byte(yp, ev->end_mark.index);
		else if (n->nkids > 0) {
			n->head = n->start = n->kids[0]->head;
			n->end = n->kids[n->nkids - 1]->end;
		}
		yp->open = n->parent;
		yp->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Parse text into a tree; NULL with err set on a syntax error. */
struct yamldoc *
yamldoc_parse(const char *name, const char *text, size_t len,
    struct loom_error *err)
{
	struct yamldoc_parser yp;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	memset(&yp, 0, sizeof yp);
	yp.doc = xcalloc(1, sizeof *yp.doc);
	yp.doc->text = text;
	yp.doc->len = len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		yp.base = yp.cur_byte = 3;
	if (!yaml_parser_initialize(&yp.parser)) {
		loom_error_set(err, name, 0, 0, "out of memory");
		free(yp.doc);
		return NULL;
	}
	yaml_parser_set_input_string(&yp.parser, (const unsigned char *)text,
	    len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&yp.parser, &ev)) {
			loom_error_set(err, name,
			    (int)yp.parser.problem_mark.line + 1,
			    (int)yp.parser.problem_mark.column + 1, "%s",
			    yp.parser.problem != NULL ? yp.parser.problem :
			    "YAML syntax error");
			rc = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = yamldoc_event(&yp, &ev, name, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp.parser);
	if (rc != 0) {
		yamldoc_free(yp.doc);
		return NULL;
	}
	return yp.doc;
}

void
yamldoc_free(struct yamldoc *doc)
{
	if (doc == NULL)
		return;
	yamldoc_node_free(doc->root);
	free(doc);
}

/* The value of a scalar key in map, or NULL. */
struct yamldoc_node *
yamldoc_get(const struct yamldoc_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YAMLDOC_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->kind == YAMLDOC_SCALAR &&
		    strcmp(map->kids[i]->text, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

/* The key of a map value, or NULL. */
struct yamldoc_node *
yamldoc_key_of(const struct yamldoc_node *n)
{
	const struct yamldoc_node *p = n->parent;
	size_t i;

	if (p == NULL || p->kind != YAMLDOC_MAP)
		return NULL;
	for (i = 1; i < p->nkids; i += 2)
		if (p->kids[i] == n)
			return p->kids[i - 1];
	return NULL;
}

size_t
yamldoc_line_start(const struct yamldoc *doc, size_t pos)
{
	size_t orig = pos;

	while (pos > 0 && doc->text[pos - 1] != '\n')
		pos--;
	/* The first line starts after a byte order mark. */
	if (pos == 0 && orig >= 3 && doc->len >= 3 &&
	    memcmp(doc->text, "\xef\xbb\xbf", 3) == 0)
		return 3;
	return pos;
}

size_t
yamldoc_line_end(const struct yamldoc *doc, size_t pos)
{
	if (pos > 0 && doc->text[pos - 1] == '\n')
		return pos;
	while (pos < doc->len && doc->text[pos] != '\n')
		pos++;
	return pos < doc->len ? pos + 1 : pos;
}

/*
 * The column of pos as the YAML parser counts it: characters, not bytes,
 * since the last line break, NEL, LS and PS included, so that a byte
 * order mark or other multi-byte character before a key does not make
 * new lines copy a deeper indentation than the key's.
 */
size_t
yamldoc_column(const struct yamldoc *doc, size_t pos)
{
	const unsigned char *t = (const unsigned char *)doc->text;
	size_t i, col = 0;

	for (i = yamldoc_line_start(doc, pos); i < pos; i++) {
		/* NEL, LS and PS end a line for the parser too. */
		if ((t[i] == 0xc2 && i + 1 < pos && t[i + 1] == 0x85) ||
		    (t[i] == 0xe2 && i + 2 < pos && t[i + 1] == 0x80 &&
		    (t[i + 2] == 0xa8 || t[i + 2] == 0xa9))) {
			col = 0;
			i += t[i] == 0xc2 ? 1 : 2;
		} else if ((t[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

bool
yamldoc_starts_line(const struct yamldoc *doc, size_t pos)
{
	size_t i;

	for (i = yamldoc_line_start(doc, pos); i < pos; i++)
		if (doc->text[i] != ' ')
			return false;
	return true;
}
