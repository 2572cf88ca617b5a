/* SPDX-License-Identifier: MIT */
/*
 * Output rules shared by every command: colours on terminals only and
 * never with NO_COLOR, diagnostics in the compiler format editors
 * understand, JSON on one line.
 */
#include <sys/ioctl.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "loomctl/output.h"

static const char *const output_codes[] = {
	[OUTPUT_RESET] = "\033[0m",
	[OUTPUT_BOLD] = "\033[1m",
	[OUTPUT_DIM] = "\033[2m",
	[OUTPUT_RED] = "\033[31m",
	[OUTPUT_GREEN] = "\033[32m",
	[OUTPUT_YELLOW] = "\033[33m",
	[OUTPUT_BLUE] = "\033[34m",
	[OUTPUT_MAGENTA] = "\033[35m",
	[OUTPUT_CYAN] = "\033[36m",
};

static void	output_diag(FILE *fp, enum diag_severity sev, const char *file,
		    int line, int column, const char *message,
		    const char *hint);

/*
 * True when fp is a terminal. Asked once per standard stream (loomctl
 * never replaces them): a run prints a line per step, each with colour
 * codes, and asking the kernel every time is most of what a line costs.
 */
bool
output_is_tty(FILE *fp)
{
	static signed char known[3] = { -1, -1, -1 };
	int fd = fileno(fp);

	if (fd < 0 || fd > 2)
		return isatty(fd) == 1;
	if (known[fd] == -1)
		known[fd] = isatty(fd) == 1;
	return known[fd] == 1;
}

/* The width of fp's terminal, 0 when it is none. */
unsigned
output_width(FILE *fp)
{
	struct winsize ws;

	if (!output_is_tty(fp) || ioctl(fileno(fp), TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/*
 * True when fp should get colours. loomctl never changes its own
 * environment, so NO_COLOR and TERM are looked up once (an attached run
 * asks for every line it prints).
 */
bool
output_colour(FILE *fp)
{
	static signed char plain = -1;
	const char *no_colour, *term;

	if (plain == -1) {
		no_colour = getenv("NO_COLOR");
		term = getenv("TERM");
		plain = (no_colour != NULL && *no_colour != '\0') ||
		    (term != NULL && strcmp(term, "dumb") == 0);
	}
	return !plain && output_is_tty(fp);
}

/* The escape sequence for a style, or "" without colours. */
const char *
output_sgr(FILE *fp, enum output_style style)
{
	if (!output_colour(fp))
		return "";
	return output_codes[style];
}

static void
output_diag(FILE *fp, enum diag_severity sev, const char *file, int line,
    int column, const char *message, const char *hint)
{
	bool err = sev == DIAG_ERROR;

	/* On stderr every message starts the same: "loomctl: ". */
	if (fp == stderr)
		fputs("loomctl: ", fp);
	if (file != NULL && *file != '\0') {
		fprintf(fp, "%s%s", output_sgr(fp, OUTPUT_BOLD), file);
		if (line > 0)
			fprintf(fp, ":%d", line);
		if (line > 0 && column > 0)
			fprintf(fp, ":%d", column);
		fprintf(fp, ":%s ", output_sgr(fp, OUTPUT_RESET));
	}
	fprintf(fp, "%s%s%s:%s %s\n",
	    output_sgr(fp, OUTPUT_BOLD),
	    output_sgr(fp, err ? OUTPUT_RED : OUTPUT_MAGENTA),
	    err ? "error" : "warning", output_sgr(fp, OUTPUT_RESET), message);
	if (hint != NULL && *hint != '\0')
		fprintf(fp, "  %shint:%s %s\n", output_sgr(fp, OUTPUT_CYAN),
		    output_sgr(fp, OUTPUT_RESET), hint);
}

/* Print every diagnostic in location order. */
void
output_diags(const struct diags *d, FILE *fp)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag *dg = &d->v[i];

		output_diag(fp, dg->severity, dg->file, dg->line, dg->column,
		    dg->message, dg->hint);
	}
}

/* One JSON diagnostic of the daemon's into d (output.h). */
struct diag *
output_diag_json(struct diags *d, const json_t *w, const char *file)
{
	const char *msg, *sev, *hint;
	struct diag *dg;

	if ((msg = json_string_value(json_object_get(w, "message"))) == NULL)
		return NULL;
	sev = json_string_value(json_object_get(w, "severity"));
	dg = diags_add(d, sev != NULL && strcmp(sev, "error") == 0 ?
	    DIAG_ERROR : DIAG_WARNING, file, (int)json_integer_value(
	    json_object_get(w, "line")), (int)json_integer_value(
	    json_object_get(w, "column")), "%s", msg);
	if ((hint = json_string_value(json_object_get(w, "hint"))) != NULL)
		diag_set_hint(dg, "%s", hint);
	return dg;
}

/* Print one error in the diagnostic format. */
void
output_error(const struct loom_error *err, FILE *fp)
{
	output_diag(fp, DIAG_ERROR, err->file, err->line, err->column,
	    err->message, err->hint);
}

/* Print "loomctl: error: ..." on stderr. */
void
output_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loomctl: %s%serror:%s ",
	    output_sgr(stderr, OUTPUT_BOLD), output_sgr(stderr, OUTPUT_RED),
	    output_sgr(stderr, OUTPUT_RESET));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Write JSON as one line. */
void
output_json(const json_t *j, FILE *fp)
{
	json_dumpf(j, fp, JSON_COMPACT | JSON_ENCODE_ANY);
	fputc('\n', fp);
}

/* Human duration. */
void
output_duration(double seconds, char *buf, size_t len)
{
	long s;

	if (seconds < 0)
		seconds = 0;
	if (seconds < 60) {
		snprintf(buf, len, "%.1fs", seconds);
		return;
	}
	s = (long)seconds;
	if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}
