/* SPDX-License-Identifier: MIT */
/*
 * Reading a step's log by offset with log.read: one loop shared by
 * `loomctl logs` and `loomctl run` (which reads the log after the daemon
 * stopped its live output, run.output_gap). A failed call is reported to
 * the caller, never taken for the end of the log.
 */
#ifndef LOOM_LOOMCTL_LOGREAD_H
#define LOOM_LOOMCTL_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>

struct loom_error;
struct rpcclient;

/* Receives each piece of the log, in order. */
typedef void (*logread_cb)(void *arg, const unsigned char *data, size_t len);

struct logread {
	const char *run;	/* borrowed */
	const char *step;	/* borrowed */
	long item;		/* a loop item, or -1 */
	long long offset;	/* of the next byte to read; advanced */
	size_t max;		/* bytes asked for per call */
};

/*
 * Read from r->offset until what the log holds so far has been passed to
 * cb. Returns 1 when the daemon says the log is complete, 0 when more
 * may come (the step still runs), -1 with err (and *code, the JSON-RPC
 * error code or 0, when code is not NULL) set when log.read failed.
 */
int logread_drain(struct rpcclient *c, struct logread *r, logread_cb cb,
    void *arg, int *code, struct loom_error *err);

#endif
