/* SPDX-License-Identifier: MIT */
/*
 * A quick reader for the plain JSON of Loom's messages (see jsonscan.h).
 * Recursive descent over the bytes, one pass, no copy of the text but
 * the values jansson keeps. Every "return NULL" is a decline: the text
 * may still be valid JSON, and jansson is asked.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/jsonscan.h"
#include "common/util/jsontext.h"

/* A real's text longer than this declines (jansson reads any length). */
#define JSONSCAN_REAL_MAX	64

/* Integers of at most this many digits cannot overflow a long long. */
#define JSONSCAN_INT_DIGITS	18

struct jsonscan {
	const unsigned char *p;		/* next byte */
	const unsigned char *end;
};

static json_t	*jsonscan_value(struct jsonscan *s, int depth);

/* Skip what JSON counts as white space. */
static void
jsonscan_space(struct jsonscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
jsonscan_digit(const struct jsonscan *s, const unsigned char *q)
{
	return q < s->end && *q >= '0' && *q <= '9';
}

/* A byte repeated in each of a word's eight. */
#define JSONSCAN_EACH(b)	(UINT64_C(0x0101010101010101) * (b))

/*
 * True when one of the eight bytes of w is not plain (jsontext_plain):
 * below 0x20, '"', '\\', or 0x80 and above. (x - EACH(n)) & ~x has a
 * byte's top bit set only if some byte of x is below n, and a byte of
 * w ^ EACH(c) is 0 where w's is c; 0x80 and above show in w itself.
 */
static bool
jsonscan_word_stops(uint64_t w)
{
	uint64_t below = (w - JSONSCAN_EACH(0x20)) |
	    ((w ^ JSONSCAN_EACH('"')) - JSONSCAN_EACH(1)) |
	    ((w ^ JSONSCAN_EACH('\\')) - JSONSCAN_EACH(1));

	return ((below & ~w) | w) & JSONSCAN_EACH(0x80);
}

/*
 * A string at s->p (its opening quote) without escapes: *str and *n
 * give its bytes, s->p moves past the closing quote. -1 to decline: an
 * escape, a control character, invalid UTF-8, no closing quote.
 */
static int
jsonscan_string(struct jsonscan *s, const char **str, size_t *n)
{
	const unsigned char *q = s->p + 1, *start = q;
	size_t k;

	for (;;) {
		/* Eight plain bytes at a time, then byte by byte. */
		while (s->end - q >= 8) {
			uint64_t w;

			memcpy(&w, q, sizeof w);
			if (jsonscan_word_stops(w))
				break;
			q += 8;
		}
		while (q < s->end && jsontext_plain[*q])
			q++;
		if (q == s->end || *q < 0x20 || *q == '\\')
			return -1;
		if (*q == '"')
			break;
		if ((k = jsontext_utf8(q, (size_t)(s->end - q))) == 0)
			return -1;
		q += k;
	}
	*str = (const char *)start;
	*n = (size_t)(q - start);
	s->p = q + 1;
	return 0;
}

/* A real from its text, as jansson's strtod reads it; NULL to decline. */
static json_t *
jsonscan_real(const unsigned char *start, size_t n)
{
	char buf[JSONSCAN_REAL_MAX + 1], *end;
	double d;

	if (n > JSONSCAN_REAL_MAX)
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	/* A locale's other decimal point stops strtod short: decline. */
	if (end != buf + n || errno == ERANGE || !isfinite(d))
		return NULL;
	return json_real(d);
}

/*
 * Pass over the number at s->p in JSON's grammar; *digits is where its
 * digits begin (after a minus), *real whether it has a fraction or an
 * exponent, *exp how many digits its exponent has (0: none). -1 when it
 * is not one.
 */
static int
jsonscan_numtext(struct jsonscan *s, const unsigned char **digits,
    bool *real, size_t *exp)
{
	const unsigned char *q = s->p, *e;

	*real = false;
	*exp = 0;
	if (*q == '-')
		q++;
	*digits = q;
	if (!jsonscan_digit(s, q))
		return -1;
	if (*q == '0' && jsonscan_digit(s, ++q))
		return -1;	/* a leading zero */
	while (jsonscan_digit(s, q))
		q++;
	if (q < s->end && *q == '.') {
		*real = true;
		if (!jsonscan_digit(s, ++q))
			return -1;
		while (jsonscan_digit(s, q))
			q++;
	}
	if (q < s->end && (*q == 'e' || *q == 'E')) {
		*real = true;
		if (++q < s->end && (*q == '+' || *q == '-'))
			q++;
		if (!jsonscan_digit(s, q))
			return -1;
		for (e = q; jsonscan_digit(s, q); q++)
			continue;
		*exp = (size_t)(q - e);
	}
	s->p = q;
	return 0;
}

/* The integer of the digits from..to (at most JSONSCAN_INT_DIGITS). */
static long long
jsonscan_int(const unsigned char *from, const unsigned char *to, bool neg)
{
	long long v = 0;

	for (; from < to; from++)
		v = v * 10 + (*from - '0');
	return neg ? -v : v;
}

/* A number in JSON's grammar: an integer or a real; NULL to decline. */
static json_t *
jsonscan_number(struct jsonscan *s)
{
	const unsigned char *start = s->p, *digits;
	size_t exp;
	bool real;

	if (jsonscan_numtext(s, &digits, &real, &exp) == -1)
		return NULL;
	if (real)
		return jsonscan_real(start, (size_t)(s->p - start));
	if (s->p - digits > JSONSCAN_INT_DIGITS)
		return NULL;
	return json_integer(jsonscan_int(digits, s->p, *start == '-'));
}

/* true, false or null, spelled out; NULL to decline. */
static json_t *
jsonscan_word(struct jsonscan *s)
{
	size_t left = (size_t)(s->end - s->p);

	if (left >= 4 && memcmp(s->p, "true", 4) == 0) {
		s->p += 4;
		return json_true();
	}
	if (left >= 5 && memcmp(s->p, "false", 5) == 0) {
		s->p += 5;
		return json_false();
	}
	if (left >= 4 && memcmp(s->p, "null", 4) == 0) {
		s->p += 4;
		return json_null();
	}
	return NULL;
}

/* An array at s->p (its '['); NULL to decline. */
static json_t *
jsonscan_array(struct jsonscan *s, int depth)
{
	json_t *a = json_array(), *v;

	s->p++;
	jsonscan_space(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return a;
	}
	for (;;) {
		if ((v = jsonscan_value(s, depth + 1)) == NULL)
			goto fail;
		json_array_append_new(a, v);
		jsonscan_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			jsonscan_space(s);
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return a;
		}
		goto fail;
	}
fail:
	json_decref(a);
	return NULL;
}

/* An object at s->p (its '{'); NULL to decline, a duplicate key too. */
static json_t *
jsonscan_object(struct jsonscan *s, int depth)
{
	json_t *o = json_object(), *v;
	const char *key;
	size_t klen, n;

	s->p++;
	jsonscan_space(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return o;
	}
	for (;;) {
		if (s->p == s->end || *s->p != '"' ||
		    jsonscan_string(s, &key, &klen) == -1)
			goto fail;
		jsonscan_space(s);
		if (s->p == s->end || *s->p != ':')
			goto fail;
		s->p++;
		jsonscan_space(s);
		if ((v = jsonscan_value(s, depth + 1)) == NULL)
			goto fail;
		/* A duplicate key replaces a value: the size tells. */
		n = json_object_size(o);
		if (json_object_setn_new_nocheck(o, key, klen, v) == -1 ||
		    json_object_size(o) == n)
			goto fail;
		jsonscan_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			jsonscan_space(s);
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return o;
		}
		goto fail;
	}
fail:
	json_decref(o);
	return NULL;
}

/* Any value at s->p, depth arrays and objects in; NULL to decline. */
static json_t *
jsonscan_value(struct jsonscan *s, int depth)
{
	const char *str;
	size_t n;

	if (s->p == s->end)
		return NULL;
	switch (*s->p) {
	case '{':
		return depth < JSONSCAN_MAX_DEPTH ? jsonscan_object(s, depth) :
		    NULL;
	case '[':
		return depth < JSONSCAN_MAX_DEPTH ? jsonscan_array(s, depth) :
		    NULL;
	case '"':
		if (jsonscan_string(s, &str, &n) == -1)
			return NULL;
		return json_stringn_nocheck(str, n);
	case 't':
	case 'f':
	case 'n':
		return jsonscan_word(s);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return jsonscan_number(s);
		return NULL;
	}
}

/* The value of a whole text (jsonscan.h). */
json_t *
jsonscan_parse(const char *text, size_t len)
{
	struct jsonscan s;
	json_t *v;

	s.p = (const unsigned char *)text;
	s.end = s.p + len;
	jsonscan_space(&s);
	if ((v = jsonscan_value(&s, 0)) == NULL)
		return NULL;
	jsonscan_space(&s);
	if (s.p != s.end) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * A scalar at s->p, or an array of them (depth arrays in), into m's
 * kind and value; -1 to decline. A real is taken at most
 * JSONSCAN_REAL_MAX long with an exponent of at most two digits, so
 * that it cannot overflow (which jansson rejects) and need not be
 * converted (an underflow jansson takes as 0 or a denormal).
 */
static int
jsonscan_member_value(struct jsonscan *s, struct jsonscan_member *m,
    int depth)
{
	const unsigned char *start = s->p, *digits;
	struct jsonscan_member el;
	size_t exp;
	bool real;

	if (s->p == s->end)
		return -1;
	switch (*s->p) {
	case '"':
		m->kind = JSONSCAN_STRING;
		return jsonscan_string(s, &m->str, &m->len);
	case 't':
	case 'f':
	case 'n':
		m->kind = *s->p == 'n' ? JSONSCAN_NULL : JSONSCAN_OTHER;
		/* jansson's constants: nothing to release. */
		return jsonscan_word(s) == NULL ? -1 : 0;
	case '[':
		if (depth >= JSONSCAN_MAX_DEPTH)
			return -1;
		m->kind = JSONSCAN_OTHER;
		s->p++;
		jsonscan_space(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return 0;
		}
		for (;;) {
			if (jsonscan_member_value(s, &el, depth + 1) == -1)
				return -1;
			jsonscan_space(s);
			if (s->p < s->end && *s->p == ',') {
				s->p++;
				jsonscan_space(s);
				continue;
			}
			if (s->p < s->end && *s->p == ']') {
				s->p++;
				return 0;
			}
			return -1;
		}
	default:
		if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
			return -1;
		if (jsonscan_numtext(s, &digits, &real, &exp) == -1)
			return -1;
		if (real) {
			m->kind = JSONSCAN_OTHER;
			return exp > 2 || s->p - start > JSONSCAN_REAL_MAX ?
			    -1 : 0;
		}
		if (s->p - digits > JSONSCAN_INT_DIGITS)
			return -1;
		m->kind = JSONSCAN_INTEGER;
		m->integer = jsonscan_int(digits, s->p, *start == '-');
		return 0;
	}
}

/* True when one of m[0..n) has the key k[0..klen). */
static bool
jsonscan_has_key(const struct jsonscan_member *m, size_t n, const char *k,
    size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i].klen == klen && memcmp(m[i].key, k, klen) == 0)
			return true;
	}
	return false;
}

/* The members of a flat object (jsonscan.h). */
size_t
jsonscan_flat(const char *text, size_t len, struct jsonscan_member *m,
    size_t max, size_t *n)
{
	struct jsonscan s;
	struct jsonscan_member *cur;

	*n = 0;
	s.p = (const unsigned char *)text;
	s.end = s.p + len;
	if (s.p == s.end || *s.p != '{')
		return 0;
	s.p++;
	jsonscan_space(&s);
	if (s.p < s.end && *s.p == '}')
		return (size_t)(s.p + 1 - (const unsigned char *)text);
	for (;;) {
		if (*n == max || s.p == s.end || *s.p != '"')
			return 0;
		cur = &m[*n];
		if (jsonscan_string(&s, &cur->key, &cur->klen) == -1 ||
		    jsonscan_has_key(m, *n, cur->key, cur->klen))
			return 0;	/* jansson rejects a duplicate */
		jsonscan_space(&s);
		if (s.p == s.end || *s.p != ':')
			return 0;
		s.p++;
		jsonscan_space(&s);
		if (jsonscan_member_value(&s, cur, 1) == -1)
			return 0;
		(*n)++;
		jsonscan_space(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			jsonscan_space(&s);
			continue;
		}
		if (s.p < s.end && *s.p == '}')
			return (size_t)(s.p + 1 - (const unsigned char *)text);
		return 0;
	}
}
