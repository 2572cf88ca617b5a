/* SPDX-License-Identifier: MIT */
/*
 * Base64 decoding (RFC 4648, standard alphabet, padding optional) for
 * the step output the daemon sends, so every byte arrives verbatim.
 */
#ifndef LOOM_LOOMCTL_B64_H
#define LOOM_LOOMCTL_B64_H

#include <stddef.h>

/*
 * Decode text into a new buffer (owned, *len bytes). Returns NULL when
 * text is not base64.
 */
unsigned char *b64_decode(const char *text, size_t *len);

#endif
