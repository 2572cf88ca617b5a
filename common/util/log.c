/* SPDX-License-Identifier: MIT */
/*
 * The process-wide log (the one piece of global state besides signals and
 * const tables): a FILE opened for appending, line-buffered, each line
 * "2026-01-02T03:04:05.678Z loomd[123] warn: message". Messages are
 * escaped as a whole, so nothing in them can start a new line. Logging
 * failures are ignored: the daemon keeps serving.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/xmalloc.h"

/* Longest message written; longer ones are cut (with "..."). */
#define LOG_MAX_MESSAGE	4096

static FILE *log_fp;			/* NULL: stderr */
static enum log_level log_level = LOG_LVL_WARN;
static char log_name[64] = "loom";

static const char *const log_level_names[] = {
	"error", "warn", "info", "debug",
};

static void log_vwrite(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static size_t log_utf8_len(const unsigned char *p, size_t left);

/* Open the log file (or stderr for a NULL path) at a level. */
int
log_open(const char *progname, const char *path, enum log_level level,
    struct loom_error *err)
{
	FILE *fp;
	int fd;

	if (progname != NULL)
		snprintf(log_name, sizeof log_name, "%s", progname);
	log_level = level;
	if (path == NULL) {
		log_close();
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot open log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "a")) == NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot open log %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	log_close();
	log_fp = fp;
	return 0;
}

/* Close the log file; later lines go to stderr. */
void
log_close(void)
{
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
}

/* Change the most verbose level written. */
void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* The most verbose level written. */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* True when lines at level are written. */
bool
log_enabled(enum log_level level)
{
	return level <= log_level;
}

/* Length of the valid UTF-8 sequence at p (2-4), or 0 when invalid. */
static size_t
log_utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) are escaped like C0 ones. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

/* Escape control bytes and invalid UTF-8; the result is owned. */
char *
log_escape(const void *data, size_t len, size_t max)
{
	const unsigned char *p = data;
	size_t n = len < max ? len : max, i, u, o = 0;
	char *out;

	out = xmalloc(n * 4 + 4);
	for (i = 0; i < n; i++) {
		if (p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (p[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (p[i] == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (p[i] == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else if (p[i] >= 0x80 &&
		    (u = log_utf8_len(p + i, n - i)) > 0) {
			memcpy(out + o, p + i, u);
			o += u;
			i += u - 1;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", p[i]);
		}
	}
	if (n < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MAX_MESSAGE], stamp[32], *esc;
	struct timeval tv;
	struct tm tm;
	FILE *fp = log_fp != NULL ? log_fp : stderr;
	int n;

	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		return;
	esc = log_escape(msg, strlen(msg), sizeof msg);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(fp, "%s.%03ldZ %s[%ld] %s: %s%s\n", stamp,
	    (long)(tv.tv_usec / 1000), log_name, (long)getpid(),
	    log_level_names[level], esc,
	    (size_t)n >= sizeof msg ? "..." : "");
	fflush(fp);
	free(esc);
}

/* Write one escaped line at level. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

/* Log with strerror(errno) and abort. */
void
fatal(const char *fmt, ...)
{
	char msg[LOG_MAX_MESSAGE];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_ERROR, "fatal: %s: %s", msg, strerror(saved));
	abort();
}

/* Log and abort. */
void
fatalx(const char *fmt, ...)
{
	char msg[LOG_MAX_MESSAGE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_ERROR, "fatal: %s", msg);
	abort();
}
