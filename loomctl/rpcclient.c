/* SPDX-License-Identifier: MIT */
/*
 * Blocking JSON-RPC client. Replies are matched by id; notifications that
 * arrive while a call waits are queued in arrival order, so a command
 * that subscribes and then calls never loses an event. Reads use poll so
 * the caller can wait with a timeout and be interrupted by a signal.
 *
 * With a peer timeout set (rpcclient_set_peer), a call that hears nothing
 * at all from the daemon for that long fails with a message naming the
 * socket and the daemon's pid, and a wait for notifications that hears nothing for that long asks
 * daemon.ping: a daemon that answers is alive however long a run takes,
 * one that does not (stopped, hung) ends the wait.
 *
 * Reads use recvmsg: descriptors the daemon passes (log.open) are kept
 * in arrival order for rpcclient_take_fd. The daemon sends one with a
 * byte that comes no later than the reply it belongs to, so it is here
 * when that reply is.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/jsonrpc.h"
#include "common/util/jsonscan.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomctl/rpcclient.h"

/* Descriptors held until taken; more are closed on arrival. */
#define RPCCLIENT_MAX_FDS	16

struct rpcclient {
	int fd;
	long long next_id;
	struct jsonrpc_framer *framer;
	json_t *queue;		/* notifications not handed out yet */
	json_t *error_data;	/* data of the last error reply */
	bool closed;
	char *rbuf;		/* RPCCLIENT_READ_SIZE bytes for read(2) */
	char *peer_path;	/* the socket, for messages */
	pid_t peer_pid;		/* the daemon's pid (SO_PEERCRED) */
	int timeout_ms;		/* reply and silence limit; 0: none */
	uint64_t last_rx_ms;	/* when bytes last arrived */
	int fds[RPCCLIENT_MAX_FDS];	/* received, not taken yet */
	size_t nfds;
	bool fds_lost;		/* one did not fit (MSG_CTRUNC, full) */
	int wake_fd;		/* rpcclient_next returns on it; owned */
	bool wake_off;		/* rpcclient_watch_wake(c, false) */
	int rcvtimeo_ms;	/* SO_RCVTIMEO now; 0 unset; -1 cannot */
	void (*idle)(void *);	/* before rpcclient_next waits */
	void *idle_arg;
	bool (*skip)(const char *, size_t, void *);	/* drop unparsed */
	void *skip_arg;
	bool (*notify)(const char *, size_t, const struct jsonscan_member *,
	    size_t, void *);	/* rpcclient_set_notify */
	void *notify_arg;
};

/* The most members of a notification's params offered to c->notify. */
#define RPCCLIENT_NOTIFY_MEMBERS	24

/* rpcclient_read's results besides -1. */
#define RPCCLIENT_TIMEOUT	0
#define RPCCLIENT_BYTES		1
#define RPCCLIENT_SIGNAL	2

/* The longest single wait in recvmsg; a longer one is waited again. */
#define RPCCLIENT_MAX_BLOCK	60000

/* One read from the socket: a few whole output events at a time. */
#define RPCCLIENT_READ_SIZE	(1024 * 1024)

static int	rpcclient_send(struct rpcclient *c, const json_t *msg,
		    struct loom_error *err);
static int	rpcclient_read(struct rpcclient *c, int timeout_ms,
		    bool wake, struct loom_error *err);
static ssize_t	rpcclient_recv(struct rpcclient *c);
static bool	rpcclient_rcvtimeo(struct rpcclient *c, int wait_ms);
static int	rpcclient_wait_in_recv(struct rpcclient *c, int timeout_ms);
static int	rpcclient_poll(struct rpcclient *c, int timeout_ms, bool wake,
		    struct loom_error *err);
static int	rpcclient_take(struct rpcclient *c, json_t **msg, bool offer,
		    struct loom_error *err);
static bool	rpcclient_offer(struct rpcclient *c, const char *line,
		    size_t len);
static bool	rpcclient_is_b64(unsigned char ch);
static json_t	*rpcclient_lift_data(char *line, size_t *len,
		    size_t *at);
static uint64_t	rpcclient_now_ms(void);
static int	rpcclient_wait_ms(uint64_t deadline);
static void	rpcclient_timed_out(struct rpcclient *c,
		    struct loom_error *err);
static int	rpcclient_ping(struct rpcclient *c, struct loom_error *err);

static uint64_t
rpcclient_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (UINT64_MAX: none) for poll(2). */
static int
rpcclient_wait_ms(uint64_t deadline)
{
	uint64_t now = rpcclient_now_ms();

	if (deadline == UINT64_MAX)
		return -1;
	if (deadline <= now)
		return 0;
	if (deadline - now > INT32_MAX)
		return INT32_MAX;
	return (int)(deadline - now);
}

static void
rpcclient_timed_out(struct rpcclient *c, struct loom_error *err)
{
	loom_error_set(err, NULL, 0, 0, "loomd at %s did not answer within "
	    "%g s (stopped or hung? pid %ld)", c->peer_path != NULL ?
	    c->peer_path : "?", c->timeout_ms / 1000.0, (long)c->peer_pid);
	loom_error_hint(err, "'kill -CONT %ld' resumes a stopped daemon; "
	    "--timeout SECONDS waits longer", (long)c->peer_pid);
}

/* Ask a silent daemon whether it is alive: 0, or -1 with err set. */
static int
rpcclient_ping(struct rpcclient *c, struct loom_error *err)
{
	json_t *res;
	int code;

	res = rpcclient_call(c, LOOM_METHOD_DAEMON_PING, NULL, &code, err);
	if (res == NULL && code == 0)
		return -1;
	json_decref(res);
	return 0;
}

/* Wrap a connected socket. */
struct rpcclient *
rpcclient_new(int fd)
{
	struct rpcclient *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->next_id = 1;
	c->framer = jsonrpc_framer_create(LOOM_MAX_LINE);
	c->queue = json_array();
	c->rbuf = xmalloc(RPCCLIENT_READ_SIZE);
	c->last_rx_ms = rpcclient_now_ms();
	c->wake_fd = -1;
	return c;
}

void
rpcclient_set_peer(struct rpcclient *c, const char *path, pid_t pid,
    double timeout)
{
	free(c->peer_path);
	c->peer_path = xstrdup(path);
	c->peer_pid = pid;
	if (timeout <= 0)
		c->timeout_ms = 0;
	else if (timeout >= INT32_MAX / 1000)
		c->timeout_ms = INT32_MAX;
	else
		c->timeout_ms = (int)(timeout * 1000.0 + 0.5) > 0 ?
		    (int)(timeout * 1000.0 + 0.5) : 1;
}

void
rpcclient_free(struct rpcclient *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	while (c->nfds > 0)
		close(c->fds[--c->nfds]);
	if (c->wake_fd != -1)
		close(c->wake_fd);
	jsonrpc_framer_free(c->framer);
	json_decref(c->queue);
	json_decref(c->error_data);
	free(c->rbuf);
	free(c->peer_path);
	free(c);
}

int
rpcclient_fd(const struct rpcclient *c)
{
	return c->fd;
}

json_t *
rpcclient_error_data(const struct rpcclient *c)
{
	return c->error_data;
}

/* Write one message and its newline; returns 0 or -1 with err set. */
static int
rpcclient_send(struct rpcclient *c, const json_t *msg, struct loom_error *err)
{
	char *text;
	size_t len, off;
	ssize_t n;

	if ((text = jsonrpc_encode(msg, &len)) == NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot encode a request");
		return -1;
	}
	text = xrealloc(text, len + 1);
	text[len++] = '\n';
	for (off = 0; off < len; off += (size_t)n) {
		n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    c->timeout_ms > 0)
			rpcclient_timed_out(c, err);	/* SO_SNDTIMEO */
		else if (n == -1)
			loom_error_set(err, NULL, 0, 0, "lost the daemon: %s",
			    strerror(errno));
		if (n == -1) {
			free(text);
			return -1;
		}
	}
	free(text);
	return 0;
}

/*
 * Read what the socket holds into c->rbuf, keeping passed descriptors.
 * A descriptor beyond RPCCLIENT_MAX_FDS is closed and counts as lost.
 */
static ssize_t
rpcclient_recv(struct rpcclient *c)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * RPCCLIENT_MAX_FDS)];
	} cm;
	struct msghdr mh;
	struct cmsghdr *h;
	struct iovec iov = { c->rbuf, RPCCLIENT_READ_SIZE };
	size_t i, n;
	ssize_t got;
	int fd;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	got = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	if (got == -1 && errno == ENOTSOCK)
		return read(c->fd, c->rbuf, RPCCLIENT_READ_SIZE);
	if (got > 0 && (mh.msg_flags & MSG_CTRUNC))
		c->fds_lost = true;
	for (h = got > 0 ? CMSG_FIRSTHDR(&mh) : NULL; h != NULL;
	    h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
			if (c->nfds < RPCCLIENT_MAX_FDS)
				c->fds[c->nfds++] = fd;
			else {
				close(fd);
				c->fds_lost = true;
			}
		}
	}
	return got;
}

/* The oldest descriptor the daemon passed, or -1; the caller owns it. */
int
rpcclient_take_fd(struct rpcclient *c)
{
	int fd;

	if (c->nfds == 0)
		return -1;
	fd = c->fds[0];
	memmove(c->fds, c->fds + 1, --c->nfds * sizeof c->fds[0]);
	return fd;
}

void
rpcclient_set_wake_fd(struct rpcclient *c, int fd)
{
	if (c->wake_fd != -1)
		close(c->wake_fd);
	c->wake_fd = fd;
}

int
rpcclient_wake_fd(const struct rpcclient *c)
{
	return c->wake_fd;
}

void
rpcclient_watch_wake(struct rpcclient *c, bool on)
{
	c->wake_off = !on;
}

/*
 * Let recvmsg block for at most wait_ms (-1: no limit) and not much
 * less: SO_RCVTIMEO is set again only when the wait shrinks by a
 * quarter, so a stream of events costs no setsockopt. Kept within
 * RPCCLIENT_MAX_BLOCK so that it is always set: a socket wait with a
 * timeout returns EINTR on a signal whatever SA_RESTART says. false
 * when recvmsg cannot wait (no wait asked for, not a socket).
 */
static bool
rpcclient_rcvtimeo(struct rpcclient *c, int wait_ms)
{
	struct timeval tv;
	int want;

	if (c->rcvtimeo_ms == -1 || wait_ms == 0)
		return false;
	if (wait_ms < 0 || wait_ms > RPCCLIENT_MAX_BLOCK)
		wait_ms = RPCCLIENT_MAX_BLOCK;
	if (c->rcvtimeo_ms > 0 && c->rcvtimeo_ms <= wait_ms &&
	    c->rcvtimeo_ms >= wait_ms - wait_ms / 4)
		return true;
	want = wait_ms - wait_ms / 8;
	tv.tv_sec = want / 1000;
	tv.tv_usec = (suseconds_t)(want % 1000) * 1000;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ==
	    -1) {
		c->rcvtimeo_ms = -1;
		return false;
	}
	c->rcvtimeo_ms = want;
	return true;
}

/*
 * Wait for bytes in recvmsg itself, not in poll first: one system call
 * per batch of events instead of two. Returns what rpcclient_recv
 * returns, with errno EAGAIN once timeout_ms passed without a byte, or
 * -2 when recvmsg cannot wait here (rpcclient_rcvtimeo).
 */
static int
rpcclient_wait_in_recv(struct rpcclient *c, int timeout_ms)
{
	uint64_t deadline = UINT64_MAX;
	ssize_t n;

	if (timeout_ms >= 0)
		deadline = rpcclient_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (!rpcclient_rcvtimeo(c, rpcclient_wait_ms(deadline)))
			return -2;
		n = rpcclient_recv(c);
		if (n != -1 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return (int)(n > INT32_MAX ? INT32_MAX : n);
		/* Woken early (a shorter SO_RCVTIMEO): wait the rest. */
		if (deadline != UINT64_MAX && rpcclient_now_ms() >= deadline)
			return -1;
	}
}

/*
 * Wait in poll for up to timeout_ms for the socket and, with wake, the
 * wake fd: RPCCLIENT_BYTES when the socket is readable, else
 * RPCCLIENT_TIMEOUT, RPCCLIENT_SIGNAL, or -1 with err set.
 */
static int
rpcclient_poll(struct rpcclient *c, int timeout_ms, bool wake,
    struct loom_error *err)
{
	struct pollfd pfd[2];
	int rc;

	pfd[0].fd = c->fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = wake ? c->wake_fd : -1;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	rc = poll(pfd, pfd[1].fd != -1 ? 2 : 1, timeout_ms);
	if (rc == -1 && errno == EINTR)
		return RPCCLIENT_SIGNAL;
	if (rc == -1) {
		loom_error_set(err, NULL, 0, 0, "poll: %s", strerror(errno));
		return -1;
	}
	if (rc == 0)
		return RPCCLIENT_TIMEOUT;
	if (pfd[0].revents == 0)
		return RPCCLIENT_SIGNAL;	/* the wake fd */
	return RPCCLIENT_BYTES;
}

/*
 * Wait up to timeout_ms for bytes and feed them to the framer; with
 * wake, also for the wake fd (RPCCLIENT_SIGNAL when it is readable).
 * Returns RPCCLIENT_BYTES, RPCCLIENT_TIMEOUT, RPCCLIENT_SIGNAL, or -1
 * with err set on EOF or failure.
 */
static int
rpcclient_read(struct rpcclient *c, int timeout_ms, bool wake,
    struct loom_error *err)
{
	ssize_t n;
	int rc;

	if (c->closed) {
		loom_error_set(err, NULL, 0, 0, "the daemon closed the "
		    "connection");
		return -1;
	}
	wake = wake && c->wake_fd != -1 && !c->wake_off;
	if (wake || (n = rpcclient_wait_in_recv(c, timeout_ms)) == -2) {
		rc = rpcclient_poll(c, timeout_ms, wake, err);
		if (rc != RPCCLIENT_BYTES)
			return rc;
		n = rpcclient_recv(c);
	} else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return RPCCLIENT_TIMEOUT;
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return RPCCLIENT_SIGNAL;
	if (n <= 0) {
		c->closed = true;
		loom_error_set(err, NULL, 0, 0, "the daemon closed the "
		    "connection%s%s", n == -1 ? ": " : "",
		    n == -1 ? strerror(errno) : "");
		return -1;
	}
	jsonrpc_framer_feed(c->framer, c->rbuf, (size_t)n);
	c->last_rx_ms = rpcclient_now_ms();
	return RPCCLIENT_BYTES;
}

static bool
rpcclient_is_b64(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
}

/*
 * Step output travels as a long base64 "data" string (run.output,
 * log.read). Parsing it character by character costs far more than the
 * rest of the message, so it is lifted out of the line before parsing
 * (the line keeps "data":"") and handed back as a string of its own,
 * copied once. Returns NULL (line untouched) when there is none.
 */
static json_t *
rpcclient_lift_data(char *line, size_t *len, size_t *at)
{
	static const char key[] = "\"data\":\"";
	char *q, *r, *end = line + *len;
	json_t *str;
	size_t n;

	if (*len < 4096 || (q = memmem(line, *len, key,
	    sizeof key - 1)) == NULL)
		return NULL;
	q += sizeof key - 1;
	for (r = q; r < end && rpcclient_is_b64((unsigned char)*r); r++)
		continue;
	n = (size_t)(r - q);
	if (r == end || *r != '"' || n < 1024)
		return NULL;
	str = json_stringn_nocheck(q, n);
	memmove(q, r, (size_t)(end - r) + 1);
	*len -= n;
	*at = (size_t)(q - line);
	return str;
}

/*
 * Offer a notification's line to c->notify, read without jansson when
 * it has the daemon's usual shape: true when the hook dealt with it.
 */
static bool
rpcclient_offer(struct rpcclient *c, const char *line, size_t len)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":\"";
	static const char mid[] = "\",\"params\":";
	struct jsonscan_member m[RPCCLIENT_NOTIFY_MEMBERS];
	const char *method, *q, *end = line + len;
	size_t n, used;

	if (len < sizeof head - 1 || memcmp(line, head, sizeof head - 1) != 0)
		return false;
	method = q = line + sizeof head - 1;
	while (q < end && ((*q >= 'a' && *q <= 'z') || *q == '.' || *q == '_'))
		q++;
	if ((size_t)(end - q) < sizeof mid - 1 ||
	    memcmp(q, mid, sizeof mid - 1) != 0)
		return false;
	line = q + sizeof mid - 1;
	used = jsonscan_flat(line, (size_t)(end - line), m,
	    RPCCLIENT_NOTIFY_MEMBERS, &n);
	if (used == 0 || (size_t)(end - line) != used + 1 || line[used] != '}')
		return false;
	return c->notify(method, (size_t)(q - method), m, n, c->notify_arg);
}

/*
 * Take the next complete message from the framer. Returns 1 with *msg,
 * 2 when the skip hook dropped a line unparsed, 3 when (with offer) the
 * notify hook dealt with it, 0 when none is complete, -1 with err set on
 * a bad message.
 */
static int
rpcclient_take(struct rpcclient *c, json_t **msg, bool offer,
    struct loom_error *err)
{
	struct jsonrpc_error jerr;
	const char *line;
	json_t *data, *holder;
	size_t len, at = 0;

	switch (jsonrpc_framer_next(c->framer, &line, &len)) {
	case JSONRPC_FRAME_NONE:
		return 0;
	case JSONRPC_FRAME_TOO_LONG:
		loom_error_set(err, NULL, 0, 0, "the daemon sent a message "
		    "over %d bytes", LOOM_MAX_LINE);
		return -1;
	case JSONRPC_FRAME_LINE:
		break;
	}
	if (c->skip != NULL && c->skip(line, len, c->skip_arg))
		return 2;
	if (offer && c->notify != NULL && rpcclient_offer(c, line, len))
		return 3;
	/* The daemon's plain JSON is read quickly; jansson has the rest. */
	if ((*msg = jsonscan_parse(line, len)) != NULL &&
	    json_is_object(*msg))
		return 1;
	json_decref(*msg);
	/* The framer's line is ours to change until the next call. */
	data = rpcclient_lift_data((char *)(uintptr_t)line, &len, &at);
	*msg = jsonrpc_parse(line, len, &jerr);
	if (data != NULL && *msg != NULL) {
		holder = json_object_get(*msg, "params");
		if (holder == NULL)
			holder = json_object_get(*msg, "result");
		if (json_is_string(json_object_get(holder, "data")) &&
		    json_string_length(json_object_get(holder, "data")) == 0)
			json_object_set(holder, "data", data);
		else {
			/* Not where it was expected: parse it all again. */
			char *whole = xmalloc(len + json_string_length(data) +
			    1);

			memcpy(whole, line, at);
			memcpy(whole + at, json_string_value(data),
			    json_string_length(data));
			memcpy(whole + at + json_string_length(data),
			    line + at, len - at + 1);
			json_decref(*msg);
			*msg = jsonrpc_parse(whole, len +
			    json_string_length(data), &jerr);
			free(whole);
		}
	}
	json_decref(data);
	if (*msg == NULL || !json_is_object(*msg)) {
		json_decref(*msg);
		loom_error_set(err, NULL, 0, 0, "the daemon sent a bad "
		    "message: %s", jerr.message);
		return -1;
	}
	return 1;
}

/* Call a method and wait for its reply. */
json_t *
rpcclient_call(struct rpcclient *c, const char *method, json_t *params,
    int *code, struct loom_error *err)
{
	json_t *req, *msg, *id, *result, *error;
	long long my_id = c->next_id++;
	uint64_t deadline = UINT64_MAX, sent, quiet, heard = 0;
	bool pinged = false;
	int rc;

	if (code != NULL)
		*code = 0;
	json_decref(c->error_data);
	c->error_data = NULL;
	req = jsonrpc_request(my_id, method, params);
	rc = rpcclient_send(c, req, err);
	json_decref(req);
	if (rc == -1)
		return NULL;
	sent = rpcclient_now_ms();
	for (;;) {
		msg = NULL;
		rc = rpcclient_take(c, &msg, false, err);
		if (rc == -1)
			return NULL;
		if (rc == 2)
			continue;	/* skipped unparsed */
		if (rc == 0) {
			/*
			 * Silence, not a busy stream before the reply, counts.
			 * Half way, a daemon.ping: a daemon still working on
			 * the request (a long freshness check) answers it.
			 */
			if (c->timeout_ms > 0) {
				quiet = c->last_rx_ms > sent ? c->last_rx_ms :
				    sent;
				if (quiet != heard)
					pinged = false;
				heard = quiet;
				deadline = quiet + (uint64_t)(pinged ?
				    c->timeout_ms : c->timeout_ms / 2);
			}
			rc = rpcclient_read(c, rpcclient_wait_ms(deadline),
			    false, err);
			if (rc == -1)
				return NULL;
			if (rc == RPCCLIENT_TIMEOUT && !pinged) {
				pinged = true;
				req = jsonrpc_request(c->next_id++,
				    LOOM_METHOD_DAEMON_PING, NULL);
				rc = rpcclient_send(c, req, err);
				json_decref(req);
				if (rc == -1)
					return NULL;
				continue;
			}
			if (rc == RPCCLIENT_TIMEOUT) {
				rpcclient_timed_out(c, err);
				return NULL;
			}
			continue;
		}
		id = json_object_get(msg, "id");
		if (id == NULL) {
			json_array_append_new(c->queue, msg);
			continue;
		}
		/*
		 * An error with a null id answers a request the daemon could
		 * not read at all: ours, since we wait for one reply at a time.
		 */
		if (json_is_null(id) && json_object_get(msg, "error") != NULL)
			break;
		if (!json_is_integer(id) || json_integer_value(id) != my_id) {
			json_decref(msg);
			continue;
		}
		break;
	}
	if ((error = json_object_get(msg, "error")) != NULL) {
		const char *m = json_string_value(json_object_get(error,
		    "message"));

		if (code != NULL)
			*code = (int)json_integer_value(json_object_get(error,
			    "code"));
		c->error_data = json_object_get(error, "data");
		json_incref(c->error_data);
		loom_error_set(err, NULL, 0, 0, "%s", m != NULL ? m :
		    "the daemon reported an error");
		json_decref(msg);
		return NULL;
	}
	result = json_object_get(msg, "result");
	if (result == NULL) {
		loom_error_set(err, NULL, 0, 0, "the daemon sent a reply "
		    "without a result");
		json_decref(msg);
		return NULL;
	}
	json_incref(result);
	json_decref(msg);
	return result;
}

/* What to do before rpcclient_next waits (rpcclient.h). */
void
rpcclient_set_idle(struct rpcclient *c, void (*fn)(void *), void *arg)
{
	c->idle = fn;
	c->idle_arg = arg;
}

/* Which lines to drop unparsed (rpcclient.h). */
void
rpcclient_set_skip(struct rpcclient *c,
    bool (*fn)(const char *, size_t, void *), void *arg)
{
	c->skip = fn;
	c->skip_arg = arg;
}

/* Which notifications to offer unparsed (rpcclient.h). */
void
rpcclient_set_notify(struct rpcclient *c,
    bool (*fn)(const char *, size_t, const struct jsonscan_member *, size_t,
    void *), void *arg)
{
	c->notify = fn;
	c->notify_arg = arg;
}

/*
 * Hand out the next notification. A wait is cut into pieces of at most
 * the peer timeout; after that long without a byte the daemon is pinged.
 */
int
rpcclient_next(struct rpcclient *c, int timeout_ms, json_t **msg,
    struct loom_error *err)
{
	uint64_t deadline = UINT64_MAX, alive;
	int rc;

	if (timeout_ms >= 0)
		deadline = rpcclient_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (json_array_size(c->queue) > 0) {
			*msg = json_array_get(c->queue, 0);
			json_incref(*msg);
			json_array_remove(c->queue, 0);
			return 1;
		}
		rc = rpcclient_take(c, msg, true, err);
		if (rc == -1)
			return -1;
		if (rc == 3)
			return 2;	/* dealt with by c->notify */
		if (rc == 2)
			continue;	/* skipped unparsed */
		if (rc == 1) {
			if (json_object_get(*msg, "id") == NULL)
				return 1;
			json_decref(*msg);	/* a stray reply */
			continue;
		}
		alive = UINT64_MAX;
		if (c->timeout_ms > 0) {
			alive = c->last_rx_ms + (uint64_t)c->timeout_ms;
			if (alive <= rpcclient_now_ms()) {
				if (rpcclient_ping(c, err) == -1)
					return -1;
				continue;
			}
		}
		if (c->idle != NULL)
			c->idle(c->idle_arg);
		rc = rpcclient_read(c, rpcclient_wait_ms(alive < deadline ?
		    alive : deadline), true, err);
		if (rc == -1)
			return -1;
		if (rc == RPCCLIENT_SIGNAL || (rc == RPCCLIENT_TIMEOUT &&
		    rpcclient_now_ms() >= deadline))
			return 0;
	}
}
