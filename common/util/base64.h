/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, section 4: the standard alphabet). Encoding always
 * pads with '='; decoding takes the padding or its absence, but nothing
 * else outside the alphabet (no whitespace, no line breaks). Used for step
 * output carried in JSON (both directions), the WebSocket handshake and
 * the editor's token.
 */
#ifndef LOOM_COMMON_BASE64_H
#define LOOM_COMMON_BASE64_H

#include <sys/types.h>

#include <stddef.h>

/* Length of the encoding of n bytes, without the terminating NUL. */
#define BASE64_ENCODED_LEN(n)	(((n) + 2) / 3 * 4)

/*
 * Encode len bytes of data into out, which has room for
 * BASE64_ENCODED_LEN(len) + 1 bytes; out ends with a NUL. Returns the
 * length of the text.
 */
size_t base64_encode_to(char *out, const void *data, size_t len);
/* The encoding of len bytes of data, as a new string (owned). */
char *base64_encode(const void *data, size_t len);
/*
 * Decode the len characters of text into out (room for cap bytes).
 * Returns the number of bytes, or -1 when text is not base64 or its
 * bytes do not fit.
 */
ssize_t base64_decode_to(unsigned char *out, size_t cap, const char *text,
    size_t len);
/*
 * Decode a NUL-terminated text into a new buffer (owned, *len bytes).
 * Returns NULL when text is not base64.
 */
unsigned char *base64_decode(const char *text, size_t *len);

#endif
