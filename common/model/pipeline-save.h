/* SPDX-License-Identifier: MIT */
/*
 * Saving a pipeline faithfully: a list of edits (JSON, documented in
 * docs/protocol.md under pipeline.save) is applied to the original text
 * as splices at the byte spans of yamldoc.h, so that only the lines that
 * express a change differ and comments, blank lines, key order, quoting,
 * flow or block style, number spelling, indentation and line endings
 * stay as they were everywhere else. Edits apply in order, each to the
 * text the previous one produced. This module neither reads nor writes
 * files and does not validate the result: the caller loads it.
 */
#ifndef LOOM_COMMON_PIPELINE_SAVE_H
#define LOOM_COMMON_PIPELINE_SAVE_H

#include <stddef.h>

#include <jansson.h>

struct loom_error;

/* A version token: "sha256:" and 64 hex digits, NUL-terminated. */
#define PIPELINE_VERSION_LEN	(7 + 64 + 1)

/* Most edits in one call (each re-parses the text). */
#define PIPELINE_SAVE_MAX_EDITS	10000

/*
 * Apply edits (a JSON array of edit objects, borrowed) to text. name is
 * used in messages. Returns the new text (owned, NUL-terminated, length
 * in *outlen), or NULL with err set naming the edit (its index and op)
 * and what is wrong.
 */
char	*pipeline_save_apply(const char *name, const char *text, size_t len,
	    const json_t *edits, size_t *outlen, struct loom_error *err);

/* The version token of a file's bytes. */
void	 pipeline_save_version(const void *data, size_t len,
	    char out[PIPELINE_VERSION_LEN]);

#endif
