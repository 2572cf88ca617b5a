/* SPDX-License-Identifier: MIT */
/*
 * A YAML document as the saver sees it: every node with the byte span of
 * its text, its style (flow or block, plain or quoted) and its parent, so
 * that an edit can be spliced into the original text and everything
 * around it stays byte-identical. Aliases are leaves (never expanded), so
 * the tree is no bigger than the text. This is not the loader: it builds
 * no model, types nothing and reports only syntax errors; the loader
 * (pipeline-load.c) stays the judge of what a file means.
 */
#ifndef LOOM_COMMON_YAMLDOC_H
#define LOOM_COMMON_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>

struct loom_error;

enum yamldoc_kind {
	YAMLDOC_SCALAR,
	YAMLDOC_MAP,
	YAMLDOC_SEQ,
	YAMLDOC_ALIAS,
};

enum yamldoc_style {
	YAMLDOC_PLAIN,
	YAMLDOC_SINGLE,
	YAMLDOC_DOUBLE,
	YAMLDOC_LITERAL,	/* | and > block scalars */
};

struct yamldoc_node {
	enum yamldoc_kind kind;
	bool flow;			/* collections: [..] or {..} */
	enum yamldoc_style style;	/* scalars */
	size_t head;			/* where it starts: its anchor or tag */
	size_t start;			/* bytes [start, end) of its text */
	size_t end;
	char *text;			/* scalar value; alias: its name */
	struct yamldoc_node **kids;	/* map: key, value, key, ...; seq */
	size_t nkids;
	size_t capkids;
	struct yamldoc_node *parent;	/* NULL for the root */
};

struct yamldoc {
	const char *text;		/* borrowed */
	size_t len;
	struct yamldoc_node *root;	/* NULL for an empty document */
};

/*
 * Parse text (borrowed: it must outlive the tree). Nesting deeper than
 * PIPELINE_MAX_DEPTH and more than one document are errors. Returns the
 * tree, or NULL with err set naming line and column.
 */
struct yamldoc	*yamldoc_parse(const char *name, const char *text, size_t len,
		    struct loom_error *err);
void		 yamldoc_free(struct yamldoc *doc);

/* The value of key in map (a scalar key), or NULL. */
struct yamldoc_node *yamldoc_get(const struct yamldoc_node *map,
		    const char *key);
/* The key node of a map value, or NULL when n is not a map value. */
struct yamldoc_node *yamldoc_key_of(const struct yamldoc_node *n);

/* The offset where the line holding pos starts (after a byte order mark). */
size_t		 yamldoc_line_start(const struct yamldoc *doc, size_t pos);
/*
 * The offset just past the line break of the line holding the last byte
 * before pos (pos itself when it already starts a line), or len.
 */
size_t		 yamldoc_line_end(const struct yamldoc *doc, size_t pos);
/* The column (bytes from the line's start) of pos. */
size_t		 yamldoc_column(const struct yamldoc *doc, size_t pos);
/* True when only spaces precede pos on its line. */
bool		 yamldoc_starts_line(const struct yamldoc *doc, size_t pos);

#endif
