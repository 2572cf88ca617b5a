/* SPDX-License-Identifier: MIT */
/*
 * Errors and diagnostics. A struct loom_error is fixed-size, lives on the
 * caller's stack and keeps the first error set (like jansson's
 * json_error_t). Validation collects many diagnostics in a struct diags.
 */
#ifndef LOOM_COMMON_ERROR_H
#define LOOM_COMMON_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LOOM_ERROR_TEXT 512

struct loom_error {
	bool set;
	char file[LOOM_ERROR_TEXT];	/* source file, "" when none */
	int line;			/* 1-based, 0 when none */
	int column;			/* 1-based, 0 when none */
	char message[LOOM_ERROR_TEXT];
	char hint[LOOM_ERROR_TEXT];	/* "" when none */
};

void loom_error_clear(struct loom_error *err);
/* Set the error unless one is already set; err may be NULL. */
void loom_error_set(struct loom_error *err, const char *file, int line,
    int column, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void loom_error_hint(struct loom_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print as "file:line:col: error: message" plus "  hint: ..." lines. */
void loom_error_print(const struct loom_error *err, FILE *fp);

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_severity severity;
	char *file;
	int line;	/* 1-based, 0 when none */
	int column;	/* 1-based, 0 when none */
	char *message;
	char *hint;	/* NULL when none */
};

struct diags {
	struct diag *v;
	size_t n;
	size_t cap;
	size_t nerrors;
	size_t nwarnings;
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);
struct diag *diags_add(struct diags *d, enum diag_severity sev,
    const char *file, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* diags_add with a va_list, for callers that wrap it. */
struct diag *diags_vadd(struct diags *d, enum diag_severity sev,
    const char *file, int line, int column, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
void diag_set_hint(struct diag *dg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a loom_error as an error diagnostic. */
void diags_add_error(struct diags *d, const struct loom_error *err);
/* Sort by file, line, column (stable), so reports read top to bottom. */
void diags_sort(struct diags *d);
/* "file:line:col: error: message\n  hint: ...\n" for each, in order. */
void diags_print(const struct diags *d, FILE *fp);

#endif
