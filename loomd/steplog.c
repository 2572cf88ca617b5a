/* SPDX-License-Identifier: MIT */
/*
 * Step log files: verbatim output, counters for what was kept and what a
 * full disk made us drop, reads by offset for log.read, and base64 for
 * output that travels in JSON. See steplog.h.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/base64.h"
#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/steplog.h"

static void steplog_make_room(struct steplog *l);

struct steplog {
	char *path;			/* until closed */
	bool created;			/* the file was created (or tried) */
	bool append;			/* created: keep what it holds */
	int fd;				/* -1 before, once closed or failed */
	unsigned long long kept;
	unsigned long long dropped;
	int error;			/* errno of the first failure, 0 if none */
};

/*
 * A log whose file is created with the first byte of output: most steps
 * of a large pipeline print nothing, and creating a file is among the
 * dearest things a step costs the daemon.
 */
struct steplog *
steplog_new(const char *path)
{
	struct steplog *l;

	l = xcalloc(1, sizeof *l);
	l->path = xstrdup(path);
	l->fd = -1;
	return l;
}

struct steplog *
steplog_continue(const char *path)
{
	struct steplog *l = steplog_new(path);
	struct stat sb;

	l->append = true;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		l->kept = (unsigned long long)sb.st_size;
	return l;
}

/* Create the file for the first output; false (error set) when it fails. */
static bool
steplog_create(struct steplog *l)
{
	l->created = true;
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (l->append ? O_APPEND : O_TRUNC), 0644);
	if (l->fd == -1)
		l->error = errno;
	return l->fd != -1;
}

/*
 * The disk is full: give back the last STEPLOG_RESERVE bytes of the log,
 * so that the run record (which says what happened) can still be
 * written. Those bytes count as dropped.
 */
static void
steplog_make_room(struct steplog *l)
{
	unsigned long long cut;

	if (l->error != ENOSPC && l->error != EDQUOT)
		return;
	cut = l->kept < STEPLOG_RESERVE ? l->kept : STEPLOG_RESERVE;
	if (cut > 0 && ftruncate(l->fd, (off_t)(l->kept - cut)) == 0) {
		l->kept -= cut;
		l->dropped += cut;
	}
}

/* Append to the log, or count the bytes as dropped after a failure. */
void
steplog_write(struct steplog *l, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	if (!l->created && l->path != NULL && len > 0)
		(void)steplog_create(l);
	while (len > 0 && l->fd != -1) {
		n = write(l->fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			l->error = n == -1 ? errno : ENOSPC;
			steplog_make_room(l);
			close(l->fd);
			l->fd = -1;
			break;
		}
		l->kept += (unsigned long long)n;
		p += n;
		len -= (size_t)n;
	}
	l->dropped += len;
}

/*
 * True when splice(2) into a file in the folder of path tells inotify
 * (IN_MODIFY), as write(2) does: clients follow a log file by those
 * events, and some kernels send none for splice. Tried once per daemon,
 * with one byte spliced into a nameless file (O_TMPFILE) in that folder;
 * where that cannot be tried, the answer is no and output is written.
 */
static bool
steplog_splice_notifies(const char *path)
{
	static int known = -1;
	char dir[4096], proc[64], ev[sizeof(struct inotify_event) + 256];
	const char *slash;
	int fd = -1, ino = -1, p[2] = { -1, -1 };

	if (known != -1)
		return known == 1;
	known = 0;
	slash = strrchr(path, '/');
	if (slash == NULL || (size_t)(slash - path) >= sizeof dir)
		return false;
	snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd == -1 || ino == -1 || pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		goto out;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (inotify_add_watch(ino, proc, IN_MODIFY) == -1 ||
	    write(p[1], "", 1) != 1 ||
	    splice(p[0], NULL, fd, NULL, 1, SPLICE_F_NONBLOCK) != 1)
		goto out;
	if (read(ino, ev, sizeof ev) > 0)
		known = 1;
out:
	if (p[0] != -1) {
		close(p[0]);
		close(p[1]);
	}
	if (ino != -1)
		close(ino);
	if (fd != -1)
		close(fd);
	return known == 1;
}

/*
 * Move up to max bytes from the pipe fd to the log without reading them
 * (splice). Returns the bytes moved, 0 at EOF, -1 with errno (EAGAIN: the
 * pipe is empty), or STEPLOG_SPLICE_NO: the bytes must go through
 * steplog_write (splicing is not possible here, or the file failed just
 * now: steplog_write then counts them as dropped).
 */
ssize_t
steplog_splice(struct steplog *l, int fd, size_t max)
{
	ssize_t n;

	/*
	 * The first chunk is written: the file comes with the first byte,
	 * and a pipe that only holds EOF must not create one. A log
	 * continued after a restart is O_APPEND, which splice refuses.
	 */
	if (!l->created || l->fd == -1 || l->path == NULL || l->append ||
	    !steplog_splice_notifies(l->path))
		return STEPLOG_SPLICE_NO;
	do
		n = splice(fd, NULL, l->fd, NULL, max, SPLICE_F_MOVE |
		    SPLICE_F_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		l->kept += (unsigned long long)n;
	if (n != -1 || errno == EAGAIN)
		return n;
	/* The pipe cannot fail here: the file did (disk full, I/O). */
	l->error = errno;
	steplog_make_room(l);
	close(l->fd);
	l->fd = -1;
	return STEPLOG_SPLICE_NO;
}

/* Close the log file. */
void
steplog_close(struct steplog *l)
{
	free(l->path);
	l->path = NULL;
	if (l->fd != -1) {
		if (close(l->fd) == -1 && l->error == 0 && errno != EINTR)
			l->error = errno;
		l->fd = -1;
	}
}

void
steplog_free(struct steplog *l)
{
	if (l == NULL)
		return;
	steplog_close(l);
	free(l);
}

unsigned long long
steplog_kept(const struct steplog *l)
{
	return l->kept;
}

unsigned long long
steplog_dropped(const struct steplog *l)
{
	return l->dropped;
}

unsigned long long
steplog_offset(const struct steplog *l)
{
	return l->kept + l->dropped;
}

const char *
steplog_error(const struct steplog *l)
{
	return l->error != 0 ? strerror(l->error) : NULL;
}

/* Read a piece of a log file by offset. */
char *
steplog_read(const char *path, unsigned long long offset, size_t max,
    size_t *len, struct loom_error *err)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (max > STEPLOG_READ_MAX)
		max = STEPLOG_READ_MAX;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		loom_error_set(err, "", 0, 0, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		loom_error_set(err, "", 0, 0, "cannot read %s: %s", path,
		    S_ISREG(sb.st_mode) ? strerror(errno) : "not a file");
		close(fd);
		return NULL;
	}
	buf = xmalloc(max + 1);
	while (got < max) {
		n = pread(fd, buf + got, max - got, (off_t)(offset + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			loom_error_set(err, "", 0, 0, "cannot read %s: %s",
			    path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* Standard padded base64. */
char *
steplog_base64(const void *data, size_t len)
{
	return base64_encode(data, len);
}
