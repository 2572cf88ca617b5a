/* SPDX-License-Identifier: MIT */
/*
 * Step log files: `.loom/runs/<id>/<step>.log` (loop items
 * `<step>.<n>.log`) receive a step's output byte for byte, written by the
 * daemon as it reads the step's pipe. The log file is the only sink on
 * the step's path: live viewers are fed separately (notify.c) and catch
 * up from the file by offset, so no viewer can slow a step down.
 *
 * When the log cannot be written (disk full, quota, I/O error) the step
 * goes on: further output is read and dropped, and the log remembers how
 * many bytes it kept, how many it dropped and why (RELIABILITY P11).
 * On a full disk it also gives back the last STEPLOG_RESERVE bytes it
 * wrote, so that the run record saying all this can still be written.
 */
#ifndef LOOM_LOOMD_STEPLOG_H
#define LOOM_LOOMD_STEPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct loom_error;
struct steplog;

/* Bytes a full disk takes back from the log for the run record. */
#define STEPLOG_RESERVE		(1024 * 1024)

/* Largest chunk log.read returns in one call. */
#define STEPLOG_READ_MAX	(4 * 1024 * 1024)

/*
 * A log for the file at path, mode 0644. The file is created (or
 * truncated) with the first byte of output, so a step that prints nothing
 * has no log file; log.read answers such a step with no data. A file
 * that cannot be created counts like a failed write.
 */
struct steplog *steplog_new(const char *path);

/*
 * A log that goes on where the file at path stops (a unit taken over
 * after a daemon restart): what follows is appended, and the file's
 * present bytes count as kept (the next live output offset is its size).
 */
struct steplog *steplog_continue(const char *path);

/*
 * Append data to the log. Never fails from the caller's point of view:
 * after the first write error the log stops writing and counts dropped
 * bytes instead (see steplog_error).
 */
void steplog_write(struct steplog *l, const void *data, size_t len);

/*
 * Move up to max bytes of output from the pipe fd straight into the log
 * file (splice(2)): one copy in the kernel instead of a read and a write.
 * Returns the bytes moved, 0 at EOF, -1 with errno set (EAGAIN: the pipe
 * is empty), or STEPLOG_SPLICE_NO when the bytes must be read and passed
 * to steplog_write instead: the file does not exist yet (it is created
 * with the first byte written, never for a pipe that only holds EOF), the
 * log has failed (they count as dropped), or splicing into a file does
 * not wake inotify watchers on this kernel (clients follow log files by
 * those events).
 */
#define STEPLOG_SPLICE_NO	(-2)
ssize_t steplog_splice(struct steplog *l, int fd, size_t max);

/* Close the file; counters stay readable until steplog_free. */
void steplog_close(struct steplog *l);
void steplog_free(struct steplog *l);

/* Bytes written to the file / bytes received but not written. */
unsigned long long steplog_kept(const struct steplog *l);
unsigned long long steplog_dropped(const struct steplog *l);
/* Bytes received in all (the next live output offset). */
unsigned long long steplog_offset(const struct steplog *l);
/* strerror of the write error that stopped the log, or NULL. */
const char *steplog_error(const struct steplog *l);

/*
 * Read up to max bytes of the log file at path from offset. Returns an
 * owned buffer (*len bytes; may be 0 at the end) or NULL with err set.
 */
char *steplog_read(const char *path, unsigned long long offset, size_t max,
    size_t *len, struct loom_error *err);

/* Base64 of data (standard alphabet, padded), owned. */
char *steplog_base64(const void *data, size_t len);

#endif
