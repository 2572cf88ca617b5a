/* SPDX-License-Identifier: MIT */
/*
 * Compact JSON text of a jansson value, byte for byte what
 * json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) gives (keys in
 * insertion order, "/" and non-ASCII characters as they are, reals as
 * "%.17g" with ".0" added where needed), in a fraction of its time: the
 * daemon writes every event and every run record this way. Strings are
 * copied in runs of bytes that need no escape; jansson looks at every
 * character through its UTF-8 decoder.
 */
#ifndef LOOM_COMMON_JSONTEXT_H
#define LOOM_COMMON_JSONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * The text of v as a new string (owned, free it), its length in *len
 * when len is not NULL. NULL where json_dumps fails: a string that is
 * not UTF-8, a real that is not finite, or nesting deeper than
 * JSONTEXT_MAX_DEPTH.
 */
char *jsontext_dump(const json_t *v, size_t *len);

#define JSONTEXT_MAX_DEPTH	2048

/*
 * An object written member by member, without a jansson tree: the text
 * is byte for byte what jsontext_dump gives of the same members set in
 * the same order. key is NULL for an element of an open array. Nested
 * objects and arrays are opened with jsontext_open ('{' or '[') and
 * closed with jsontext_close; the caller keeps them balanced.
 */
struct jsontext_buf {
	char *p;
	size_t len;
	size_t cap;
};

struct jsontext_writer {
	struct jsontext_buf b;
	bool first;		/* nothing yet in the innermost open value */
	bool bad;		/* a string was not UTF-8 */
};

/* A writer holding text, when not NULL, and "{" (an object opened). */
void	 jsontext_begin(struct jsontext_writer *w, const char *text);
void	 jsontext_open(struct jsontext_writer *w, const char *key, char c);
void	 jsontext_close(struct jsontext_writer *w, char c);
void	 jsontext_add_string(struct jsontext_writer *w, const char *key,
	     const char *s);
void	 jsontext_add_int(struct jsontext_writer *w, const char *key,
	     long long v);
void	 jsontext_add_real(struct jsontext_writer *w, const char *key,
	     double v);
void	 jsontext_add_null(struct jsontext_writer *w, const char *key);
void	 jsontext_add_bool(struct jsontext_writer *w, const char *key,
	     bool v);
/* v's text (jsontext_dump); nothing when v is NULL. */
void	 jsontext_add_value(struct jsontext_writer *w, const char *key,
	     const json_t *v);
/*
 * key and s as json_object_set_new(o, key, json_string(s)) sets them
 * (or json_array_append_new, key NULL): nothing at all, and false, when
 * s is NULL or not UTF-8, where jsontext_add_string would spoil the
 * whole text.
 */
bool	 jsontext_try_string(struct jsontext_writer *w, const char *key,
	     const char *s);
/*
 * Close the object opened by jsontext_begin and give its text (owned),
 * its length in *len; NULL where jsontext_dump would fail (a string not
 * UTF-8, a real not finite): the text is freed.
 */
char	*jsontext_end(struct jsontext_writer *w, size_t *len);

/*
 * The length of the UTF-8 sequence at s (at most n bytes, n > 0), or 0
 * when it is not one as jansson sees it: a stray continuation byte, an
 * overlong form, a surrogate, or beyond U+10FFFF. ASCII is not asked.
 */
size_t jsontext_utf8(const unsigned char *s, size_t n);

/* True when JSON can carry s: it is UTF-8 as jansson sees it. */
bool	 jsontext_is_utf8(const char *s);

/* Bytes a JSON string holds as they are: 0x20 to 0x7f (DEL too) but '"'
   and '\\'. */
extern const bool jsontext_plain[256];

#endif
