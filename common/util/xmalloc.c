/* SPDX-License-Identifier: MIT */
/*
 * Checked allocation. Out of memory aborts with a message; overflow in
 * array sizes is checked before it can wrap.
 */
#include <sys/mman.h>

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/xmalloc.h"

static void xmalloc_die(const char *what, size_t size) __attribute__((noreturn));

static void
xmalloc_die(const char *what, size_t size)
{
	fprintf(stderr, "fatal: %s: out of memory (%zu bytes)\n", what, size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_die("xmalloc", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (SIZE_MAX / nmemb < size)
		xmalloc_die("xcalloc overflow", SIZE_MAX);
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_die("xcalloc", nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	return xreallocarray(ptr, 1, size);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (SIZE_MAX / nmemb < size)
		xmalloc_die("xreallocarray overflow", SIZE_MAX);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		xmalloc_die("xreallocarray", nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A copy on the stack when short, else xstrndup; see xmalloc.h. */
char *
xstrndup_buf(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size)
		return xstrndup(s, n);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Free what xstrndup_buf allocated (nothing when it used buf). */
void
xstrbuf_free(char *s, const char *buf)
{
	if (s != buf)
		free(s);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) == -1)
		xmalloc_die("xvasprintf", 0);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *
xstrjoin(const char *s, ...)
{
	const char *p;
	va_list ap;
	size_t len = 0, n;
	char *out;

	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *))
		len += strlen(p);
	va_end(ap);
	out = xmalloc(len + 1);
	len = 0;
	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		n = strlen(p);
		memcpy(out + len, p, n);
		len += n;
	}
	va_end(ap);
	out[len] = '\0';
	return out;
}

void
strv_init(struct strv *sv)
{
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void
strv_push_owned(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
strv_push(struct strv *sv, const char *s)
{
	strv_push_owned(sv, xstrdup(s));
}

void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	strv_init(sv);
}

/*
 * Grow the heap pad bytes at a time, allocations up to half of that
 * included, and ask for huge pages for its first stretch (xmalloc.h).
 */
void
xmalloc_heap_reserve(size_t pad)
{
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t lo, hi;
	void *probe;

	if (pad > INT32_MAX || mallopt(M_TOP_PAD, (int)pad) == 0 ||
	    mallopt(M_MMAP_THRESHOLD, (int)(pad / 2)) == 0)
		return;
	if ((probe = malloc(1)) == NULL)
		return;
	/* The whole huge pages between the first block and the heap's end. */
	lo = ((uintptr_t)probe + huge - 1) & ~(huge - 1);
	hi = (uintptr_t)sbrk(0) & ~(huge - 1);
	if (hi > lo && hi - lo <= pad + huge)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	free(probe);
}
