/* SPDX-License-Identifier: MIT */
/*
 * Logging for loomd and loomctl: one process-wide log (a file, or stderr),
 * one event per line with a timestamp, the program name, pid and level.
 * Warnings and errors are always written; -v adds info, -vv debug.
 * Control characters and non-UTF-8 bytes in messages are escaped before
 * they reach the log, so user data and child output cannot forge lines.
 * Never pass web tokens or environment values to these functions.
 *
 * This module knows nothing of libevent: loomd routes libevent's own log
 * into log_msg itself (server.c).
 */
#ifndef LOOM_COMMON_LOG_H
#define LOOM_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct loom_error;

/* Levels, from most to least important. */
enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/*
 * Open the log. path NULL logs to stderr; otherwise the file is opened
 * for appending (created 0600, its folder must exist) and line-buffered.
 * level is the most verbose level written (LOG_LVL_WARN by default; -v
 * means LOG_LVL_DEBUG in loomd). Before log_open (or after a failed
 * one) messages go to stderr at LOG_LVL_WARN. Returns 0, or -1 with err
 * set (the previous log stays in use).
 */
int log_open(const char *progname, const char *path, enum log_level level,
    struct loom_error *err);
/* Close the log file; later messages go to stderr. */
void log_close(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* True when a message at level would be written (skip costly formatting). */
bool log_enabled(enum log_level level);

/* Write one line (escaped) at level. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
/* Debug lines start with the calling function's name. */
#define log_debug(fmt, ...) \
	log_msg(LOG_LVL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

/*
 * Escape bytes for a log line or a message: printable ASCII and valid
 * UTF-8 stay, '\\' becomes "\\\\", \n \r \t become "\\n" "\\r" "\\t", other
 * bytes "\\xHH". At most max input bytes are escaped ("..." is appended
 * when cut). Returns an owned string.
 */
char *log_escape(const void *data, size_t len, size_t max);

/* Log and abort: fatal appends strerror(errno), fatalx does not. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* A broken invariant: log the expression, file and line, then abort. */
#define LOOM_ASSERT(expr) do {						\
	if (!(expr))							\
		fatalx("assertion failed: %s (%s:%d)", #expr,		\
		    __FILE__, __LINE__);				\
} while (0)

#endif
