/* SPDX-License-Identifier: MIT */
/*
 * Errors and diagnostics: formatting and collection. No I/O but the
 * print functions.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"

/*
 * Empty strings and no place: only the first byte of each text is set,
 * since a plan clears an error for every value it checks (about 70,000
 * times for 10,000 steps) and the struct is 1.5 KiB.
 */
void
loom_error_clear(struct loom_error *err)
{
	err->set = false;
	err->file[0] = err->message[0] = err->hint[0] = '\0';
	err->line = err->column = 0;
}

void
loom_error_set(struct loom_error *err, const char *file, int line, int column,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->set)
		return;
	loom_error_clear(err);
	err->set = true;
	if (file != NULL)
		snprintf(err->file, sizeof err->file, "%s", file);
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

void
loom_error_hint(struct loom_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
}

static void
error_print_location(FILE *fp, const char *file, int line, int column)
{
	if (file != NULL && *file != '\0') {
		fputs(file, fp);
		if (line > 0)
			fprintf(fp, ":%d", line);
		if (line > 0 && column > 0)
			fprintf(fp, ":%d", column);
		fputs(": ", fp);
	}
}

void
loom_error_print(const struct loom_error *err, FILE *fp)
{
	error_print_location(fp, err->file, err->line, err->column);
	fprintf(fp, "error: %s\n", err->message);
	if (err->hint[0] != '\0')
		fprintf(fp, "  hint: %s\n", err->hint);
}

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof *d);
}

void
diags_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
		free(d->v[i].hint);
	}
	free(d->v);
	diags_init(d);
}

struct diag *
diags_add(struct diags *d, enum diag_severity sev, const char *file, int line,
    int column, const char *fmt, ...)
{
	struct diag *dg;
	va_list ap;

	va_start(ap, fmt);
	dg = diags_vadd(d, sev, file, line, column, fmt, ap);
	va_end(ap);
	return dg;
}

struct diag *
diags_vadd(struct diags *d, enum diag_severity sev, const char *file,
    int line, int column, const char *fmt, va_list ap)
{
	struct diag *dg;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	dg = &d->v[d->n++];
	dg->severity = sev;
	dg->file = xstrdup(file != NULL ? file : "");
	dg->line = line;
	dg->column = column;
	dg->message = xvasprintf(fmt, ap);
	dg->hint = NULL;
	if (sev == DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	return dg;
}

void
diag_set_hint(struct diag *dg, const char *fmt, ...)
{
	va_list ap;

	free(dg->hint);
	va_start(ap, fmt);
	dg->hint = xvasprintf(fmt, ap);
	va_end(ap);
}

void
diags_add_error(struct diags *d, const struct loom_error *err)
{
	struct diag *dg;

	dg = diags_add(d, DIAG_ERROR, err->file, err->line, err->column, "%s",
	    err->message);
	if (err->hint[0] != '\0')
		diag_set_hint(dg, "%s", err->hint);
}

static int
diag_cmp(const struct diag *a, const struct diag *b)
{
	int c;

	if ((c = strcmp(a->file, b->file)) != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return 0;
}

void
diags_sort(struct diags *d)
{
	size_t i, j;
	struct diag tmp;

	/* Insertion sort: stable, and diagnostic lists are short. */
	for (i = 1; i < d->n; i++) {
		tmp = d->v[i];
		for (j = i; j > 0 && diag_cmp(&d->v[j - 1], &tmp) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = tmp;
	}
}

void
diags_print(const struct diags *d, FILE *fp)
{
	size_t i;
	const struct diag *dg;

	for (i = 0; i < d->n; i++) {
		dg = &d->v[i];
		error_print_location(fp, dg->file, dg->line, dg->column);
		fprintf(fp, "%s: %s\n",
		    dg->severity == DIAG_ERROR ? "error" : "warning",
		    dg->message);
		if (dg->hint != NULL)
			fprintf(fp, "  hint: %s\n", dg->hint);
	}
}
