/* SPDX-License-Identifier: MIT */
/*
 * Base64 decoding. Whitespace is not allowed; '=' padding is optional.
 * A lookup table maps each character to its six bits (or 0x80 for a
 * character outside the alphabet), and whole groups of four characters
 * are decoded at a time, so the step output the daemon sends decodes at
 * memory speed.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "loomctl/b64.h"

static unsigned char b64_table[256];
static int b64_ready;

static void	b64_init(void);

static void
b64_init(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int i;

	memset(b64_table, 0x80, sizeof b64_table);
	for (i = 0; i < 64; i++)
		b64_table[(unsigned char)alphabet[i]] = (unsigned char)i;
	b64_ready = 1;
}

/* Decode base64 text. */
unsigned char *
b64_decode(const char *text, size_t *len)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t n = strlen(text), i, o = 0, rest;
	unsigned char *out;
	unsigned a, b, c, d;

	if (!b64_ready)
		b64_init();
	while (n > 0 && text[n - 1] == '=')
		n--;
	out = xmalloc(n / 4 * 3 + 3);
	for (i = 0; i + 4 <= n; i += 4) {
		a = b64_table[t[i]];
		b = b64_table[t[i + 1]];
		c = b64_table[t[i + 2]];
		d = b64_table[t[i + 3]];
		if ((a | b | c | d) & 0x80) {
			free(out);
			return NULL;
		}
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		out[o++] = (unsigned char)(b << 4 | c >> 2);
		out[o++] = (unsigned char)(c << 6 | d);
	}
	rest = n - i;
	if (rest >= 2) {
		a = b64_table[t[i]];
		b = b64_table[t[i + 1]];
		c = rest == 3 ? b64_table[t[i + 2]] : 0;
		if ((a | b | c) & 0x80) {
			free(out);
			return NULL;
		}
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (rest == 3)
			out[o++] = (unsigned char)(b << 4 | c >> 2);
	}
	*len = o;
	return out;
}
