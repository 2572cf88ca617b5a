/* SPDX-License-Identifier: MIT */
/*
 * Compact JSON text of a jansson value (see jsontext.h). The text grows
 * in one buffer, doubled when full; the caller gets that buffer.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/jsontext.h"
#include "common/util/numtext.h"
#include "common/util/xmalloc.h"

static int	jsontext_value(struct jsontext_buf *, const json_t *, int);

/* Room for n more bytes (and a NUL). */
static void
jsontext_room(struct jsontext_buf *b, size_t n)
{
	if (b->cap - b->len > n)
		return;
	while (b->cap - b->len <= n)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

static void
jsontext_put(struct jsontext_buf *b, const void *s, size_t n)
{
	jsontext_room(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
jsontext_putc(struct jsontext_buf *b, char c)
{
	jsontext_room(b, 1);
	b->p[b->len++] = c;
}

/* The length of a UTF-8 sequence (jsontext.h). */
size_t
jsontext_utf8(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* Whether JSON can carry str (jsontext.h). */
bool
jsontext_is_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k;

	while (i < n) {
		if (s[i] < 0x80)
			i++;
		else if ((k = jsontext_utf8(s + i, n - i)) == 0)
			return false;
		else
			i += k;
	}
	return true;
}

/* Bytes copied as they are (jsontext.h). */
const bool jsontext_plain[256] = {
	[0x20] =
	/* 0x20 */ 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	/* 0x60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* A string, quoted; -1 when it is not UTF-8. */
static int
jsontext_string(struct jsontext_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, k;
	char esc[8];

	jsontext_room(b, n + 2);
	b->p[b->len++] = '"';
	while (i < n) {
		for (run = i; run < n && jsontext_plain[s[run]]; run++)
			continue;
		jsontext_put(b, s + i, run - i);
		if ((i = run) == n)
			break;
		if (s[i] >= 0x80) {
			if ((k = jsontext_utf8(s + i, n - i)) == 0)
				return -1;
			jsontext_put(b, s + i, k);
			i += k;
			continue;
		}
		switch (s[i]) {
		case '"': jsontext_put(b, "\\\"", 2); break;
		case '\\': jsontext_put(b, "\\\\", 2); break;
		case '\b': jsontext_put(b, "\\b", 2); break;
		case '\f': jsontext_put(b, "\\f", 2); break;
		case '\n': jsontext_put(b, "\\n", 2); break;
		case '\r': jsontext_put(b, "\\r", 2); break;
		case '\t': jsontext_put(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", s[i]);
			jsontext_put(b, esc, 6);
		}
		i++;
	}
	jsontext_putc(b, '"');
	return 0;
}

/* An integer, without printf. */
static void
jsontext_integer(struct jsontext_buf *b, json_int_t v)
{
	char tmp[NUMTEXT_MAX];

	jsontext_put(b, tmp, numtext_int(tmp, (long long)v));
}

/*
 * "%.17g" of v without printf, for 1e-4 <= |v| < 1e16 (times since the
 * epoch, durations, sizes), where it is fixed-point: 17 significant
 * digits, X + 1 of them before the point (X the decimal exponent, "0."
 * and -X - 1 zeros first when X < 0), trailing zeros dropped: the
 * digits are v * 10^(16-X) rounded as glibc's printf rounds
 * (numtext_scaled).
 * Returns the length written into out (room for 28), or 0 to leave v to
 * snprintf (outside that range, or rounded up to the next power of ten).
 */
static int
jsontext_real_fixed(double v, char *out)
{
	unsigned __int128 n;
	unsigned long long ip;
	char digits[17];
	int x, i, len = 0, last;

	if (v < 0) {
		out[len++] = '-';
		v = -v;
	}
	if (v >= 1.0 && v < 1e16) {
		for (ip = (unsigned long long)v, x = -1; ip != 0; ip /= 10)
			x++;
	} else if (v >= 1e-4 && v < 1.0)
		x = v >= 0.1 ? -1 : v >= 0.01 ? -2 : v >= 0.001 ? -3 : -4;
	else
		return 0;
	if (numtext_scaled(v, 16 - x, &n) == -1 ||
	    n < 10000000000000000ULL || n >= 100000000000000000ULL)
		return 0;
	for (ip = (unsigned long long)n, i = 16; i >= 0; i--) {
		digits[i] = (char)('0' + (int)(ip % 10));
		ip /= 10;
	}
	for (last = 16; last > x && digits[last] == '0'; last--)
		continue;
	if (x < 0) {
		memcpy(out + len, "0.0000", (size_t)(1 - x));
		len += 1 - x;
		memcpy(out + len, digits, (size_t)last + 1);
		return len + last + 1;
	}
	memcpy(out + len, digits, (size_t)x + 1);
	len += x + 1;
	if (last > x) {
		out[len++] = '.';
		memcpy(out + len, digits + x + 1, (size_t)(last - x));
		len += last - x;
	}
	return len;
}

/*
 * A real as jansson writes it: "%.17g", ".0" added when that shows
 * neither '.' nor 'e', and the exponent without '+' or leading zeros.
 */
static int
jsontext_real(struct jsontext_buf *b, double v)
{
	char tmp[48], *e, *digits, *end;
	int n;

	if (!isfinite(v))
		return -1;
	if (v == 0) {		/* a step's duration, often: "%.17g" is "0" */
		if (signbit(v))
			jsontext_put(b, "-0.0", 4);
		else
			jsontext_put(b, "0.0", 3);
		return 0;
	}
	if ((n = jsontext_real_fixed(v, tmp)) > 0) {
		if (memchr(tmp, '.', (size_t)n) == NULL) {
			memcpy(tmp + n, ".0", 2);
			n += 2;
		}
		jsontext_put(b, tmp, (size_t)n);
		return 0;
	}
	n = snprintf(tmp, sizeof tmp - 3, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof tmp - 3)
		return -1;
	if ((e = strchr(tmp, 'e')) == NULL) {
		if (strchr(tmp, '.') == NULL) {
			memcpy(tmp + n, ".0", 3);
			n += 2;
		}
	} else {
		digits = e + 1;
		if (*digits == '-')
			digits++;
		for (end = e + 2; *end == '0'; end++)
			continue;
		if (end != digits) {
			memmove(digits, end, strlen(end) + 1);
			n = (int)strlen(tmp);
		}
	}
	jsontext_put(b, tmp, (size_t)n);
	return 0;
}

static int
jsontext_object(struct jsontext_buf *b, const json_t *v, int depth)
{
	const char *key;
	void *it;
	bool first = true;

	jsontext_putc(b, '{');
	for (it = json_object_iter((json_t *)v); it != NULL;
	    it = json_object_iter_next((json_t *)v, it)) {
		if (!first)
			jsontext_putc(b, ',');
		first = false;
		key = json_object_iter_key(it);
		if (jsontext_string(b, key, json_object_iter_key_len(it)) == -1)
			return -1;
		jsontext_putc(b, ':');
		if (jsontext_value(b, json_object_iter_value(it), depth + 1) ==
		    -1)
			return -1;
	}
	jsontext_putc(b, '}');
	return 0;
}

static int
jsontext_value(struct jsontext_buf *b, const json_t *v, int depth)
{
	size_t i, n;

	if (depth > JSONTEXT_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return jsontext_object(b, v, depth);
	case JSON_ARRAY:
		jsontext_putc(b, '[');
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				jsontext_putc(b, ',');
			if (jsontext_value(b, json_array_get(v, i),
			    depth + 1) == -1)
				return -1;
		}
		jsontext_putc(b, ']');
		return 0;
	case JSON_STRING:
		return jsontext_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		jsontext_integer(b, json_integer_value(v));
		return 0;
	case JSON_REAL:
		return jsontext_real(b, json_real_value(v));
	case JSON_TRUE:
		jsontext_put(b, "true", 4);
		return 0;
	case JSON_FALSE:
		jsontext_put(b, "false", 5);
		return 0;
	case JSON_NULL:
		jsontext_put(b, "null", 4);
		return 0;
	}
	return -1;
}

char *
jsontext_dump(const json_t *v, size_t *len)
{
	struct jsontext_buf b = { .cap = 512 };

	if (v == NULL)
		return NULL;
	b.p = xmalloc(b.cap);
	if (jsontext_value(&b, v, 0) == -1) {
		free(b.p);
		return NULL;
	}
	b.p[b.len] = '\0';
	if (len != NULL)
		*len = b.len;
	return b.p;
}

/* Writing members one by one (jsontext.h). */
void
jsontext_begin(struct jsontext_writer *w, const char *text)
{
	size_t n = text != NULL ? strlen(text) : 0;

	w->b.cap = 256;
	while (w->b.cap <= n + 1)
		w->b.cap *= 2;
	w->b.p = xmalloc(w->b.cap);
	memcpy(w->b.p, text != NULL ? text : "", n);
	w->b.p[n] = '{';
	w->b.len = n + 1;
	w->first = true;
	w->bad = false;
}

/* The comma and the key before a member (or element: key NULL). */
static void
jsontext_member(struct jsontext_writer *w, const char *key)
{
	if (!w->first)
		jsontext_putc(&w->b, ',');
	w->first = false;
	if (key == NULL)
		return;
	if (jsontext_string(&w->b, key, strlen(key)) == -1)
		w->bad = true;
	jsontext_putc(&w->b, ':');
}

void
jsontext_open(struct jsontext_writer *w, const char *key, char c)
{
	jsontext_member(w, key);
	jsontext_putc(&w->b, c);
	w->first = true;
}

void
jsontext_close(struct jsontext_writer *w, char c)
{
	jsontext_putc(&w->b, c);
	w->first = false;
}

void
jsontext_add_string(struct jsontext_writer *w, const char *key,
    const char *s)
{
	jsontext_member(w, key);
	if (jsontext_string(&w->b, s, strlen(s)) == -1)
		w->bad = true;
}

void
jsontext_add_int(struct jsontext_writer *w, const char *key, long long v)
{
	jsontext_member(w, key);
	jsontext_integer(&w->b, (json_int_t)v);
}

void
jsontext_add_real(struct jsontext_writer *w, const char *key, double v)
{
	jsontext_member(w, key);
	if (jsontext_real(&w->b, v) == -1)
		w->bad = true;
}

void
jsontext_add_null(struct jsontext_writer *w, const char *key)
{
	jsontext_member(w, key);
	jsontext_put(&w->b, "null", 4);
}

void
jsontext_add_bool(struct jsontext_writer *w, const char *key, bool v)
{
	jsontext_member(w, key);
	if (v)
		jsontext_put(&w->b, "true", 4);
	else
		jsontext_put(&w->b, "false", 5);
}

void
jsontext_add_value(struct jsontext_writer *w, const char *key,
    const json_t *v)
{
	if (v == NULL)
		return;
	jsontext_member(w, key);
	if (jsontext_value(&w->b, v, 1) == -1)
		w->bad = true;
}

bool
jsontext_try_string(struct jsontext_writer *w, const char *key,
    const char *s)
{
	size_t len = w->b.len;
	bool first = w->first;

	if (s == NULL)
		return false;
	jsontext_member(w, key);
	if (jsontext_string(&w->b, s, strlen(s)) == 0)
		return true;
	w->b.len = len;
	w->first = first;
	return false;
}

char *
jsontext_end(struct jsontext_writer *w, size_t *len)
{
	jsontext_putc(&w->b, '}');
	if (w->bad) {
		free(w->b.p);
		w->b.p = NULL;
		return NULL;
	}
	w->b.p[w->b.len] = '\0';
	if (len != NULL)
		*len = w->b.len;
	return w->b.p;
}
