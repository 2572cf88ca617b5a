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
 * The length of the UTF-8 sequence at s (at most n bytes, n > 0), or 0
 * when it is not one as jansson sees it: a stray continuation byte, an
 * overlong form, a surrogate, or beyond U+10FFFF. ASCII is not asked.
 */
size_t jsontext_utf8(const unsigned char *s, size_t n);

/* Bytes a JSON string holds as they are: 0x20 to 0x7f (DEL too) but '"'
   and '\\'. */
extern const bool jsontext_plain[256];

#endif
