/* SPDX-License-Identifier: MIT */
/*
 * Checked allocation and formatting. These never return NULL: running out
 * of memory is fatal. Nothing read from outside may reach the fatal paths
 * other than through sizes already checked against a limit.
 */
#ifndef LOOM_COMMON_XMALLOC_H
#define LOOM_COMMON_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/*
 * The n bytes at s as a string: copied into buf (size bytes) when they
 * fit, else into a new allocation. Release with xstrbuf_free(r, buf).
 * For names and lines looked at once and dropped, most of them short.
 */
char *xstrndup_buf(const char *s, size_t n, char *buf, size_t size);
void xstrbuf_free(char *s, const char *buf);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
/*
 * The strings up to a NULL, one after the other, in a new string: what
 * xasprintf("%s%s...") gives, without printf's cost (a few a step).
 */
char *xstrjoin(const char *s, ...) __attribute__((sentinel));

/*
 * For a process that builds a large model in one go and exits (loomctl):
 * call first thing in main. The heap then grows pad bytes at a time and
 * keeps that much when it shrinks, blocks up to pad / 2 come from it
 * rather than from their own mappings, and its first pad bytes are
 * backed by huge pages where the kernel offers them on request, so
 * building a 10,000-step model costs a few hundred page faults instead
 * of thousands. Best effort: without glibc's heap (a sanitizer's
 * allocator) nothing changes.
 */
void xmalloc_heap_reserve(size_t pad);

/* A growable NULL-terminated vector of owned strings (argv, lists). */
struct strv {
	char **v;	/* always NULL-terminated once anything was added */
	size_t n;	/* number of strings, not counting the NULL */
	size_t cap;
};

void strv_init(struct strv *sv);
void strv_push(struct strv *sv, const char *s);
void strv_push_owned(struct strv *sv, char *s);
void strv_free(struct strv *sv);	/* frees the strings; sv can be reused */

#endif
