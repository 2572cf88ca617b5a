/* SPDX-License-Identifier: MIT */
/*
 * Task front matter (docs/pipeline-format.md): the interface a task script may
 * declare in a YAML block between two "---" lines inside its leading
 * docstring (Python """ or ''') or its leading comment block (lines
 * starting with #, as in Python, R, Julia and bash, #' as in R's
 * roxygen, or //, as in JavaScript). A "#!" first line is skipped, and in
 * Python a comment block may come before the docstring.
 *
 *   """Extract features from video.
 *   ---
 *   inputs:
 *     video: {type: video, description: Input video file}
 *   outputs:
 *     -o: {type: csv, description: Output features}
 *   args:
 *     --sample-rate: {type: int, default: 30, description: Frames per second}
 *     --mode: {type: str, default: fast, choices: [fast, exact]}
 *   ---
 *   """
 *
 * An entry is a mapping of type, default, description, choices (a list
 * or one scalar) and required (a boolean); an entry written as a plain
 * scalar is its type ("video: video"), null means nothing is declared
 * but the name. Inputs and outputs are required unless they say
 * "required: false"; args only when they say "required: true". Other
 * keys are ignored; a top-level "description" is kept.
 *
 * A task without a block has an empty interface: not an error. A block
 * that is not valid YAML, or of the wrong shape, is an error located at
 * the line and column of the task file. Only the head of a file is read
 * (FRONTMATTER_MAX_READ bytes), so a huge data-like script costs nothing.
 */
#ifndef LOOM_COMMON_FRONTMATTER_H
#define LOOM_COMMON_FRONTMATTER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

struct loom_error;

/* Bytes of a task file read when looking for front matter. */
#define FRONTMATTER_MAX_READ	(64u * 1024)

/* One declared input, output or argument. */
struct frontmatter_item {
	char *name;		/* "video", "-o", "--mode" */
	char *type;		/* NULL when not given */
	char *default_text;	/* original spelling; NULL when no default */
	char *description;	/* NULL when not given */
	struct strv choices;	/* empty when not given */
	bool required;
	int line;		/* 1-based line of the name in the task file */
	int column;		/* 1-based column */
};

struct frontmatter_list {
	struct frontmatter_item *v;
	size_t n;
};

struct frontmatter {
	bool found;			/* a block was present */
	int line;			/* 1-based line of its opening "---" */
	char *description;		/* top-level description, or NULL */
	char *summary;			/* docstring/comment text before the
					   block, trimmed; NULL when none */
	struct frontmatter_list inputs;
	struct frontmatter_list outputs;
	struct frontmatter_list args;
};

/*
 * Parse the front matter of text (len bytes, need not be NUL-terminated;
 * NUL bytes end the search). name is the task file for error messages
 * (NULL for none). Returns an owned interface (empty, found false, when
 * there is no block), or NULL with err set when the block is malformed.
 */
struct frontmatter *frontmatter_parse(const char *name, const char *text,
    size_t len, struct loom_error *err);

/*
 * Read the head of the file at path and parse it. A file that cannot be
 * opened or read is an error naming it. Returns as frontmatter_parse.
 */
struct frontmatter *frontmatter_parse_file(const char *path,
    struct loom_error *err);

/* Free an interface; NULL is fine. */
void frontmatter_free(struct frontmatter *fm);

/* The entry called name in list, or NULL. */
const struct frontmatter_item *frontmatter_find(
    const struct frontmatter_list *list, const char *name);

#endif
