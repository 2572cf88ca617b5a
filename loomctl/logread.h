/* SPDX-License-Identifier: MIT */
/*
 * Reading a step's log by offset: one loop shared by `loomctl logs` and
 * `loomctl run` (which reads the log instead of the daemon's live output
 * once a stream is large, or after a run.output_gap). A failed read is
 * reported to the caller, never taken for the end of the log.
 *
 * The log file itself comes first: log.open passes it with SCM_RIGHTS
 * and it is read with large reads, followed while the step runs (an
 * inotify watch on the open file wakes the caller when it grows). When
 * the daemon cannot pass it (an older daemon, no file yet because the
 * step has printed nothing), log.read serves the same bytes in base64.
 */
#ifndef LOOM_LOOMCTL_LOGREAD_H
#define LOOM_LOOMCTL_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct loom_error;
struct rpcclient;

/* Receives each piece of the log, in order. */
typedef void (*logread_cb)(void *arg, const unsigned char *data, size_t len);

/* Whether the log file was asked for, and what came of it. */
enum logread_file {
	LOGREAD_FILE_UNTRIED,	/* log.open not called yet */
	LOGREAD_FILE_OPEN,	/* fd holds the log file */
	LOGREAD_FILE_ABSENT,	/* no file yet: ask again once data shows */
	LOGREAD_FILE_NEVER,	/* not passed (or done with): log.read */
};

/* How the log file goes to out_fd (logread_set_copy), best first. */
enum logread_copy {
	LOGREAD_COPY_RANGE,	/* copy_file_range(2): file to file */
	LOGREAD_COPY_SEND,	/* sendfile(2): to a pipe, a socket */
	LOGREAD_COPY_READ,	/* pread(2) and the callback */
};

struct logread {
	const char *run;	/* borrowed */
	const char *step;	/* borrowed */
	long item;		/* a loop item, or -1 */
	long long offset;	/* of the next byte to read; advanced */
	size_t max;		/* bytes asked for per log.read */
	enum logread_file file;
	int fd;			/* the log file (FILE_OPEN), or -1 */
	int wd;			/* its inotify watch (in ino), or -1 */
	int ino;		/* the inotify descriptor (the client's) */
	unsigned char *buf;	/* for reads of the file; owned */
	bool complete;		/* the step has ended: the log is whole */
	long long size;		/* its final size when known, else -1 */
	int out_fd;		/* the log file copied here, or -1 */
	enum logread_copy copy;	/* how, while out_fd is set */
};

/* Bytes asked for per log.read. */
#define LOGREAD_MAX		(512 * 1024)

/* A reader of step (item, or -1) of run from offset. */
void logread_init(struct logread *r, const char *run, const char *step,
    long item, long long offset);
/*
 * Have the log file copied to out_fd by the kernel (copy_file_range,
 * else sendfile, else read and passed to the callback, for what refuses
 * both: a terminal, a file opened to append): the log as it is, with no
 * copy through loomctl's memory. Write out what is buffered for out_fd
 * first. Bytes that log.read serves still go to the callback.
 */
void logread_set_copy(struct logread *r, int out_fd);
/* Close the log file, its watch and buffer (safe to repeat). */
void logread_close(struct logread *r);

/*
 * Read from r->offset until what the log holds so far has been passed to
 * cb. Returns 1 when the log is complete and read to its end, 0 when more
 * may come (the step still runs), -1 with err (and *code, the JSON-RPC
 * error code or 0, when code is not NULL) set when reading failed.
 */
int logread_drain(struct rpcclient *c, struct logread *r, logread_cb cb,
    void *arg, int *code, struct loom_error *err);

/*
 * The caller learned that the step has ended (run.step_finished): once
 * the file is read to its end, the log is complete.
 */
void logread_ended(struct logread *r);

/*
 * The wake-up descriptor of followed log files (inotify), made c's wake
 * fd (c owns it) on the first call; -1 when inotify is not available
 * (callers then poll).
 */
int logread_wake_fd(struct rpcclient *c);
/* Empty c's wake-up descriptor after rpcclient_next returned. */
void logread_wake_clear(struct rpcclient *c);

/*
 * True when msg (a notification) says that r's step has ended:
 * run.step_finished of its step (and item), or run.finished.
 */
bool logread_is_end(const struct logread *r, json_t *msg);

#endif
