/* SPDX-License-Identifier: MIT */
/*
 * A quick reader for the JSON text of Loom's own messages: the value
 * jansson's parser would give for it (jsonrpc_parse: duplicate keys
 * rejected, any value at the top), built directly, without jansson's
 * lexer, which looks at every character through a stream and a string
 * buffer (about 150 instructions a byte; this reader takes a few).
 *
 * It reads only the plain subset the daemon writes for events: strings
 * without escapes (valid UTF-8), integers of at most 18 digits, finite
 * reals, true, false, null, arrays and objects nested at most
 * JSONSCAN_MAX_DEPTH deep. For anything else it declines (NULL) and the
 * caller hands the text to jsonrpc_parse, which decides: an escape, a
 * long or out-of-range number, a duplicate key, deeper nesting, and
 * every text jansson rejects. A value it does return is equal, key
 * order included, to what json_loadb returns for the same text.
 */
#ifndef LOOM_COMMON_JSONSCAN_H
#define LOOM_COMMON_JSONSCAN_H

#include <stddef.h>

#include <jansson.h>

/* Deepest nesting of arrays and objects read; deeper declines. */
#define JSONSCAN_MAX_DEPTH	8

/* The value of text[0..len) (new reference), or NULL: not read here. */
json_t *jsonscan_parse(const char *text, size_t len);

/* What a member read by jsonscan_flat holds. */
enum jsonscan_kind {
	JSONSCAN_STRING,	/* str and len: its bytes, no quotes */
	JSONSCAN_INTEGER,	/* integer */
	JSONSCAN_NULL,
	JSONSCAN_OTHER		/* true, false, a real or an array */
};

/* One member of an object read by jsonscan_flat; pointers into its text. */
struct jsonscan_member {
	const char *key;	/* not NUL-terminated */
	size_t klen;
	enum jsonscan_kind kind;
	const char *str;	/* JSONSCAN_STRING only, not NUL-terminated */
	size_t len;
	long long integer;	/* JSONSCAN_INTEGER only */
};

/*
 * Read the members of the object that text[0..len) begins with, without
 * building values: at most max of them into m (*n set), each a scalar or
 * an array of scalars, which is passed over. Returns the bytes the
 * object takes (its closing brace included), or 0 to decline: whatever
 * jsonscan_parse declines, a nested object, a real with an exponent of
 * three digits or more, more than max members. What it reads, jansson
 * reads the same way.
 */
size_t	jsonscan_flat(const char *text, size_t len,
	    struct jsonscan_member *m, size_t max, size_t *n);

#endif
