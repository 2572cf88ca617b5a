/* SPDX-License-Identifier: MIT */
/*
 * Base64 decoding. Whitespace is not allowed; '=' padding is optional.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "loomctl/b64.h"

static int	b64_value(unsigned char c);

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 text. */
unsigned char *
b64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), i, o = 0;
	unsigned char *out;
	unsigned long acc = 0;
	int bits = 0, v;

	while (n > 0 && text[n - 1] == '=')
		n--;
	out = xmalloc(n * 3 / 4 + 1);
	for (i = 0; i < n; i++) {
		if ((v = b64_value((unsigned char)text[i])) < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	*len = o;
	return out;
}
