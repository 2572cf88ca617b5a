/* SPDX-License-Identifier: MIT */
/*
 * How loomctl writes to people and to scripts: colour only on a terminal
 * and never with NO_COLOR (https://no-color.org), diagnostics as
 * "file:line:col: error: message" plus a hint, and one-line JSON for
 * --json. It knows nothing about pipelines or the daemon.
 */
#ifndef LOOM_LOOMCTL_OUTPUT_H
#define LOOM_LOOMCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct diag;
struct diags;
struct loom_error;

enum output_style {
	OUTPUT_RESET,
	OUTPUT_BOLD,
	OUTPUT_DIM,
	OUTPUT_RED,
	OUTPUT_GREEN,
	OUTPUT_YELLOW,
	OUTPUT_BLUE,
	OUTPUT_MAGENTA,
	OUTPUT_CYAN,
};

/* True when fp is a terminal and NO_COLOR is unset or empty. */
bool output_colour(FILE *fp);

/* True when fp is a terminal (for progress lines and redraws). */
bool output_is_tty(FILE *fp);

/* The terminal's width in columns, 0 when fp is not a terminal. */
unsigned output_width(FILE *fp);

/* The escape sequence for style on fp, or "" when fp gets no colour. */
const char *output_sgr(FILE *fp, enum output_style style);

/* Print diagnostics, sorted by location, errors and warnings coloured. */
void output_diags(const struct diags *d, FILE *fp);

/*
 * Add the daemon's JSON diagnostic w (protocol: severity, line, column,
 * message, hint?) to d, naming file; NULL, adding nothing, without a
 * message. An unknown severity counts as a warning.
 */
struct diag *output_diag_json(struct diags *d, const json_t *w,
    const char *file);

/* Print one error as a diagnostic ("file:line:col: error: ..."). */
void output_error(const struct loom_error *err, FILE *fp);

/* Print "loomctl: error: message" with printf formatting. */
void output_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a JSON value as one line followed by a newline. */
void output_json(const json_t *j, FILE *fp);

/* "1.2s", "3m04s", "2h05m" for a duration in seconds. */
void output_duration(double seconds, char *buf, size_t len);

#endif
