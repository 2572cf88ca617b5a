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
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

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
