/* SPDX-License-Identifier: MIT */
/*
 * The log reading loop (see logread.h). log.open answers {"fd","size",
 * "complete"} with the log file passed alongside; log.read answers up to
 * max bytes from the offset asked for, the offset after them ("next")
 * and whether the log is complete ("eof": the step has finished and
 * nothing is left past these bytes).
 */
#include <sys/inotify.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/base64.h"
#include "common/util/error.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomctl/logread.h"
#include "loomctl/rpcclient.h"

/* One read(2) of a log file, into a buffer each open file has. */
#define LOGREAD_CHUNK	(512 * 1024)
/* One copy_file_range(2) or sendfile(2) of a log file. */
#define LOGREAD_COPY_MAX	(16 * 1024 * 1024)

static int	logread_open(struct rpcclient *c, struct logread *r,
		    int *code, struct loom_error *err);
static int	logread_file(struct logread *r, logread_cb cb, void *arg,
		    struct loom_error *err);
static bool	logread_copy(struct logread *r);
static int	logread_rpc(struct rpcclient *c, struct logread *r,
		    logread_cb cb, void *arg, int *code,
		    struct loom_error *err);

void
logread_init(struct logread *r, const char *run, const char *step, long item,
    long long offset)
{
	memset(r, 0, sizeof *r);
	r->run = run;
	r->step = step;
	r->item = item;
	r->offset = offset;
	r->max = LOGREAD_MAX;
	r->file = LOGREAD_FILE_UNTRIED;
	r->fd = -1;
	r->wd = -1;
	r->ino = -1;
	r->size = -1;
	r->out_fd = -1;
	r->copy = LOGREAD_COPY_READ;
	/* For tests: behave as a client that cannot receive descriptors. */
	if (getenv("LOOMCTL_NO_LOG_FILE") != NULL)
		r->file = LOGREAD_FILE_NEVER;
}

void
logread_set_copy(struct logread *r, int out_fd)
{
	r->out_fd = out_fd;
	r->copy = LOGREAD_COPY_RANGE;
}

void
logread_close(struct logread *r)
{
	if (r->wd != -1)
		inotify_rm_watch(r->ino, r->wd);
	r->wd = -1;
	free(r->buf);
	r->buf = NULL;
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	/* Should anything be read after this, log.read serves it. */
	if (r->file == LOGREAD_FILE_OPEN)
		r->file = LOGREAD_FILE_NEVER;
}

int
logread_wake_fd(struct rpcclient *c)
{
	int fd = rpcclient_wake_fd(c);

	if (fd == -1) {
		fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		rpcclient_set_wake_fd(c, fd);
	}
	return fd;
}

void
logread_wake_clear(struct rpcclient *c)
{
	char buf[4096];
	int fd = rpcclient_wake_fd(c);

	if (fd == -1)
		return;
	while (read(fd, buf, sizeof buf) > 0)
		continue;
}

void
logread_ended(struct logread *r)
{
	r->complete = true;
}

bool
logread_is_end(const struct logread *r, json_t *msg)
{
	const char *method = json_string_value(json_object_get(msg, "method"));
	json_t *params = json_object_get(msg, "params"), *item;
	const char *run = json_string_value(json_object_get(params, "run"));
	const char *step = json_string_value(json_object_get(params, "step"));

	if (method == NULL || run == NULL || strcmp(run, r->run) != 0)
		return false;
	if (strcmp(method, LOOM_EVENT_RUN_FINISHED) == 0)
		return true;
	if (strcmp(method, LOOM_EVENT_RUN_STEP_FINISHED) != 0 ||
	    step == NULL || strcmp(step, r->step) != 0)
		return false;
	item = json_object_get(params, "item");
	return !json_is_integer(item) ||
	    json_integer_value(item) == (json_int_t)r->item;
}

/*
 * Ask for the log file. 0 whether it came or not (r->file says), -1 on
 * an error reply other than "no such method" (an older daemon).
 */
static int
logread_open(struct rpcclient *c, struct logread *r, int *code,
    struct loom_error *err)
{
	char path[64];
	json_t *req, *res;
	int rc;

	req = json_pack("{s:s, s:s}", "run", r->run, "step", r->step);
	if (r->item >= 0)
		json_object_set_new(req, "item", json_integer(r->item));
	res = rpcclient_call(c, LOOM_METHOD_LOG_OPEN, req, &rc, err);
	if (code != NULL)
		*code = rc;
	if (res == NULL && rc != JSONRPC_METHOD_NOT_FOUND)
		return -1;
	r->file = LOGREAD_FILE_NEVER;
	if (res == NULL) {
		loom_error_clear(err);
		return 0;
	}
	if (json_is_true(json_object_get(res, "fd")))
		r->fd = rpcclient_take_fd(c);
	if (r->fd != -1) {
		r->file = LOGREAD_FILE_OPEN;
		if (json_is_true(json_object_get(res, "complete"))) {
			r->complete = true;
			r->size = json_integer_value(json_object_get(res,
			    "size"));
		} else if ((r->ino = rpcclient_wake_fd(c)) != -1) {
			/* Before the first read: no growth goes unnoticed. */
			snprintf(path, sizeof path, "/proc/self/fd/%d", r->fd);
			r->wd = inotify_add_watch(r->ino, path, IN_MODIFY);
		}
	} else if (!json_is_true(json_object_get(res, "fd")) &&
	    !json_is_true(json_object_get(res, "complete")))
		r->file = LOGREAD_FILE_ABSENT;
	json_decref(res);
	return 0;
}

/*
 * Copy the open log file from r->offset to its current end to r->out_fd
 * in the kernel. False when it cannot (r->copy is then LOGREAD_COPY_READ,
 * and reading takes over where the copy stopped): the kernel refuses both
 * ways for this pair of files, or out_fd failed (as with stdio, the rest
 * is written and fails the same way).
 */
static bool
logread_copy(struct logread *r)
{
	loff_t off;
	ssize_t n;

	while (r->copy != LOGREAD_COPY_READ) {
		off = (loff_t)r->offset;
		if (r->copy == LOGREAD_COPY_RANGE)
			n = copy_file_range(r->fd, &off, r->out_fd, NULL,
			    LOGREAD_COPY_MAX, 0);
		else
			n = sendfile(r->out_fd, r->fd, &off, LOGREAD_COPY_MAX);
		if (n > 0)
			r->offset += n;
		else if (n == 0)
			return true;
		else if (errno != EINTR)	/* EXDEV, EINVAL, ENOSYS... */
			r->copy = r->copy == LOGREAD_COPY_RANGE ?
			    LOGREAD_COPY_SEND : LOGREAD_COPY_READ;
	}
	return false;
}

/* Read the open log file from r->offset to its current end. */
static int
logread_file(struct logread *r, logread_cb cb, void *arg,
    struct loom_error *err)
{
	struct stat sb;
	ssize_t n;

	if (r->out_fd != -1 && logread_copy(r))
		goto end;
	if (r->buf == NULL)
		r->buf = xmalloc(LOGREAD_CHUNK);
	for (;;) {
		n = pread(r->fd, r->buf, LOGREAD_CHUNK, (off_t)r->offset);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			loom_error_set(err, NULL, 0, 0, "cannot read the log "
			    "of %s: %s", r->step, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		cb(arg, r->buf, (size_t)n);
		r->offset += n;
	}
end:
	if (!r->complete)
		return 0;
	/* At the end of a whole log: was it cut under us? */
	if ((r->size >= 0 && r->offset < r->size) ||
	    (fstat(r->fd, &sb) == 0 && sb.st_size < r->offset)) {
		loom_error_set(err, NULL, 0, 0, "the log of %s was truncated "
		    "while it was read", r->step);
		return -1;
	}
	return 1;
}

/* The log.read loop. */
static int
logread_rpc(struct rpcclient *c, struct logread *r, logread_cb cb,
    void *arg, int *code, struct loom_error *err)
{
	json_t *req, *res, *next;
	unsigned char *data;
	const char *b64;
	size_t len;
	bool eof;

	for (;;) {
		req = json_pack("{s:s, s:s, s:I, s:I}", "run", r->run, "step",
		    r->step, "offset", (json_int_t)r->offset, "max",
		    (json_int_t)r->max);
		if (r->item >= 0)
			json_object_set_new(req, "item", json_integer(r->item));
		res = rpcclient_call(c, LOOM_METHOD_LOG_READ, req, code, err);
		if (res == NULL)
			return -1;
		eof = json_is_true(json_object_get(res, "eof"));
		b64 = json_string_value(json_object_get(res, "data"));
		len = 0;
		data = b64 != NULL ? base64_decode(b64, &len) : NULL;
		if (b64 != NULL && b64[0] != '\0' && data == NULL) {
			json_decref(res);
			loom_error_set(err, NULL, 0, 0, "the daemon sent "
			    "log data that is not base64");
			return -1;
		}
		if (len > 0)
			cb(arg, data, len);
		free(data);
		next = json_object_get(res, "next");
		if (json_is_integer(next) && json_integer_value(next) >=
		    r->offset + (long long)len)
			r->offset = json_integer_value(next);
		else
			r->offset += (long long)len;
		json_decref(res);
		if (eof)
			return 1;
		if (len == 0)
			return 0;
		/* The file exists now: take it for the rest. */
		if (r->file == LOGREAD_FILE_ABSENT)
			return 2;
	}
}

/* Read what the log holds from r->offset; see logread.h. */
int
logread_drain(struct rpcclient *c, struct logread *r, logread_cb cb,
    void *arg, int *code, struct loom_error *err)
{
	int rc;

	for (;;) {
		if ((r->file == LOGREAD_FILE_UNTRIED ||
		    r->file == LOGREAD_FILE_ABSENT) &&
		    logread_open(c, r, code, err) == -1)
			return -1;
		if (r->file == LOGREAD_FILE_OPEN)
			return logread_file(r, cb, arg, err);
		rc = logread_rpc(c, r, cb, arg, code, err);
		if (rc != 2)
			return rc;
	}
}
