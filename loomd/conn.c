/* SPDX-License-Identifier: MIT */
/*
 * A client connection on the Unix socket. Bytes go from the bufferevent
 * into a line framer (at most LOOM_MAX_LINE per line, so the daemon holds
 * no more than that plus one read per client) and each complete line to
 * rpc_dispatch_line. Replies are queued on the bufferevent's output; its
 * size is what notify.c checks against the output limits.
 *
 * Life cycle: live -> closing (after an oversized line: reply queued,
 * reading stopped, closed once written or after CONN_FLUSH_TIMEOUT) ->
 * dead (bufferevent disabled, freed by loomd_defer_free after the current
 * loop pass). Nothing here frees a connection from its own callback.
 *
 * Descriptors (log.open) travel with SCM_RIGHTS. While one waits, the
 * bufferevent stops writing and conn_fds_cb sends the first queued bytes
 * itself with the descriptors attached, so they reach the peer with a
 * byte that comes no later than the reply queued after them; then the
 * bufferevent writes the rest as usual.
 *
 * Messages queued while nothing waits in the bufferevent go to a pending
 * buffer first, written at the end of the loop pass (conn_pend_cb, an
 * event made active, so it runs after the callbacks already due): every
 * message of one pass (a step's end and the next one's start) leaves in
 * one write, and a socket that takes it all never has its write
 * interest turned on and off in epoll. What the socket does not take
 * goes to the bufferevent, which writes it when it can.
 *
 * Events (conn_send_event) may wait longer: a client is written to at
 * most once per rate_ms: loomd->opt.event_delay_ms (LOOMD_EVENT_DELAY_MS)
 * unless the client asked for another in daemon.hello. An event that
 * comes when the last write is older than that leaves at the end of the
 * pass, as a reply does; one that comes sooner waits until
 * that much time has passed since the last write. So a client following
 * a chain of quick steps is woken once for many of them rather than once
 * per step, and a step longer than the delay costs no extra wake-up of
 * the daemon (a timer) to send its events. They wait in pend, in order,
 * and leave at the end of the pass when anything else is queued behind
 * them (a reply: order never changes), when they reach CONN_EVENT_BATCH
 * bytes, when a descriptor is passed or the connection closes, and when
 * rpc.c asks for it (conn_flush: an event a client acts on at once).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/conn.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"

/* Seconds a closing connection may take to accept its last reply. */
#define CONN_FLUSH_TIMEOUT	5

/* Descriptors waiting to be passed at once; more are refused. */
#define CONN_MAX_FDS		8

/* Bytes sent with the descriptors; the bufferevent sends the rest. */
#define CONN_FDS_CHUNK		(64 * 1024)

/*
 * Held events this large leave at the end of the pass: a flood of
 * run.output is neither slowed nor held in memory beyond this.
 */
#define CONN_EVENT_BATCH	(64 * 1024)

struct conn {
	struct loomd *loomd;
	struct bufferevent *bev;
	struct rpc_client *client;
	struct jsonrpc_framer *framer;
	struct event *ev_flush;		/* CONN_FLUSH_TIMEOUT while closing */
	struct event *ev_fds;		/* socket writable: pass fds */
	struct evbuffer *pend;		/* to write at the end of the pass */
	struct event *ev_pend;		/* made active: conn_pend_cb */
	struct event *ev_hold;		/* held events' delay: conn_pend_cb */
	uint64_t sent_us;		/* loomd_now_us() of the last write */
	int rate_ms;			/* events written at most once per */
	bool pass;			/* ev_pend made active */
	int fds[CONN_MAX_FDS];		/* waiting for conn_fds_cb */
	size_t nfds;
	bool closing;
	bool dead;
};

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_flush_timeout_cb(evutil_socket_t fd, short what, void *arg);
static int conn_send(void *ctx, const char *text, size_t len);
static int conn_send_event(void *ctx, const char *text, size_t len);
static int conn_queue(struct conn *conn, const char *text, size_t len,
    bool hold);
static void conn_flush(void *ctx);
static void conn_set_event_rate(void *ctx, int ms);
static void conn_pass(struct conn *conn);
static int conn_send_fd(void *ctx, int fd);
static void conn_fds_cb(evutil_socket_t fd, short what, void *arg);
static void conn_pend_cb(evutil_socket_t fd, short what, void *arg);
static void conn_pend_move(struct conn *conn);
static void conn_fds_close(struct conn *conn);
static size_t conn_queued(void *ctx);
static void conn_close(void *ctx, bool flush);
static void conn_finish(struct conn *conn);
static void conn_free(void *arg);

static const struct rpc_transport conn_transport = {
	.name = "unix",
	.send = conn_send,
	.send_event = conn_send_event,
	.flush = conn_flush,
	.set_event_rate = conn_set_event_rate,
	.queued = conn_queued,
	.close = conn_close,
	.send_fd = conn_send_fd,
};

/* Take over an accepted, credential-checked socket. */
int
conn_create(struct loomd *loomd, int fd, uid_t uid, pid_t pid)
{
	struct conn *conn;
	char peer[64];

	conn = xcalloc(1, sizeof *conn);
	conn->loomd = loomd;
	conn->bev = bufferevent_socket_new(loomd->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		log_error("cannot create a buffer for a new connection");
		close(fd);
		free(conn);
		return -1;
	}
	conn->framer = jsonrpc_framer_create(LOOM_MAX_LINE);
	conn->ev_flush = evtimer_new(loomd->base, conn_flush_timeout_cb, conn);
	conn->ev_fds = event_new(loomd->base, fd, EV_WRITE, conn_fds_cb, conn);
	conn->pend = evbuffer_new();
	conn->ev_pend = event_new(loomd->base, -1, 0, conn_pend_cb, conn);
	conn->ev_hold = evtimer_new(loomd->base, conn_pend_cb, conn);
	conn->rate_ms = loomd->opt.event_delay_ms;
	snprintf(peer, sizeof peer, "pid %ld", (long)pid);
	conn->client = rpc_client_create(loomd, &conn_transport, conn, uid, pid,
	    peer);
	bufferevent_setcb(conn->bev, conn_read_cb, conn_write_cb,
	    conn_event_cb, conn);
	/*
	 * libevent writes at most 16 KiB per loop pass by default: a large
	 * reply (run.start of thousands of steps) or a burst of output
	 * events would trickle out while steps keep the loop busy.
	 */
	bufferevent_set_max_single_write(conn->bev, 1024 * 1024);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	return 0;
}

/* Frame what arrived and dispatch each complete line. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *conn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec vec[4];
	enum jsonrpc_frame fr;
	const char *line;
	size_t len;
	int n, i;
	json_t *reply;
	char message[96];

	while (!conn->dead && !conn->closing && evbuffer_get_length(in) > 0) {
		n = evbuffer_peek(in, -1, NULL, vec, 4);
		if (n > 4)
			n = 4;
		len = 0;
		for (i = 0; i < n; i++) {
			jsonrpc_framer_feed(conn->framer, vec[i].iov_base,
			    vec[i].iov_len);
			len += vec[i].iov_len;
		}
		evbuffer_drain(in, len);
		for (;;) {
			if (conn->dead || conn->closing)
				return;
			fr = jsonrpc_framer_next(conn->framer, &line, &len);
			switch (fr) {
			case JSONRPC_FRAME_NONE:
				goto more;
			case JSONRPC_FRAME_LINE:
				rpc_dispatch_line(conn->loomd, conn->client,
				    line, len);
				continue;
			case JSONRPC_FRAME_TOO_LONG:
				snprintf(message, sizeof message,
				    "message too large (limit %d bytes)",
				    LOOM_MAX_LINE);
				reply = jsonrpc_error(NULL,
				    JSONRPC_INVALID_REQUEST, message, NULL);
				rpc_client_send(conn->client, reply);
				json_decref(reply);
				log_warn("client %llu: %s",
				    (unsigned long long)conn->client->id,
				    message);
				rpc_client_close(conn->client, message, true);
				return;
			}
		}
more:
		;
	}
}

/* Output drained: a closing connection is done. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *conn = arg;

	if (conn->closing && !conn->dead &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_finish(conn);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *conn = arg;
	char reason[128];

	if (what & BEV_EVENT_EOF)
		snprintf(reason, sizeof reason, "end of file");
	else if (what & BEV_EVENT_ERROR)
		snprintf(reason, sizeof reason, "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		return;
	if (!conn->client->dead)
		rpc_client_close(conn->client, reason, false);
	conn_finish(conn);
}

static void
conn_flush_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	log_info("client %llu: last reply not taken in %d s, dropped",
	    (unsigned long long)conn->client->id, CONN_FLUSH_TIMEOUT);
	conn_finish(conn);
}

static int
conn_send(void *ctx, const char *text, size_t len)
{
	return conn_queue(ctx, text, len, false);
}

/* An event: it may wait for others (see the top of the file). */
static int
conn_send_event(void *ctx, const char *text, size_t len)
{
	struct conn *conn = ctx;

	return conn_queue(conn, text, len, conn->rate_ms > 0);
}

/*
 * Queue text and its newline. Nothing in the bufferevent: pending, in
 * order behind what is pending already, written at the end of the pass,
 * or after the delay when hold is true and nothing else waits.
 */
static int
conn_queue(struct conn *conn, const char *text, size_t len, bool hold)
{
	struct evbuffer *out;
	struct timeval tv;
	uint64_t since, wait;

	if (conn->dead || conn->closing)
		return -1;
	out = bufferevent_get_output(conn->bev);
	if (evbuffer_get_length(conn->pend) > 0 ||
	    (conn->nfds == 0 && evbuffer_get_length(out) == 0))
		out = conn->pend;
	if (evbuffer_add(out, text, len) == -1 ||
	    evbuffer_add(out, "\n", 1) == -1)
		return -1;
	if (out != conn->pend || conn->pass)
		return 0;
	if (!hold || evbuffer_get_length(conn->pend) >= CONN_EVENT_BATCH)
		conn_pass(conn);
	else if (!evtimer_pending(conn->ev_hold, NULL)) {
		wait = (uint64_t)conn->rate_ms * 1000;
		since = loomd_now_us() - conn->sent_us;
		if (since >= wait) {
			conn_pass(conn);
			return 0;
		}
		wait -= since;
		tv.tv_sec = (time_t)(wait / 1000000);
		tv.tv_usec = (suseconds_t)(wait % 1000000);
		evtimer_add(conn->ev_hold, &tv);
	}
	return 0;
}

/* Write what is pending at the end of this pass, and what joins it. */
static void
conn_pass(struct conn *conn)
{
	conn->pass = true;
	event_active(conn->ev_pend, EV_WRITE, 0);
}

/* The transport's flush: held events go now (see rpc.h). */
static void
conn_flush(void *ctx)
{
	struct conn *conn = ctx;

	if (!conn->dead && !conn->closing && !conn->pass)
		conn_pass(conn);
}

/* The client's own rate (daemon.hello): from the next event on. */
static void
conn_set_event_rate(void *ctx, int ms)
{
	struct conn *conn = ctx;

	conn->rate_ms = ms;
}

/* Hand what is pending to the bufferevent, behind what it holds. */
static void
conn_pend_move(struct conn *conn)
{
	evtimer_del(conn->ev_hold);
	if (evbuffer_get_length(conn->pend) > 0)
		evbuffer_add_buffer(bufferevent_get_output(conn->bev),
		    conn->pend);
}

/*
 * The end of the loop pass, or the held events' delay is over: write what
 * is pending at once; the rest (the socket is full, or an error the
 * bufferevent will then report) goes to the bufferevent.
 */
static void
conn_pend_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	conn->pass = false;
	if (conn->dead || evbuffer_get_length(conn->pend) == 0)
		return;
	conn->sent_us = loomd_now_us();
	if (conn->nfds == 0 && evbuffer_get_length(bufferevent_get_output(
	    conn->bev)) == 0)
		(void)evbuffer_write(conn->pend, bufferevent_getfd(conn->bev));
	conn_pend_move(conn);
}

/* Hold fd until conn_fds_cb sends it with the next queued bytes. */
static int
conn_send_fd(void *ctx, int fd)
{
	struct conn *conn = ctx;

	if (conn->dead || conn->closing || conn->nfds == CONN_MAX_FDS) {
		close(fd);
		return -1;
	}
	conn_pend_move(conn);		/* the descriptor comes after them */
	conn->fds[conn->nfds++] = fd;
	if (conn->nfds == 1) {
		bufferevent_disable(conn->bev, EV_WRITE);
		event_add(conn->ev_fds, NULL);
	}
	return 0;
}

/* Close the descriptors not passed (or passed: the peer has copies). */
static void
conn_fds_close(struct conn *conn)
{
	size_t i;

	for (i = 0; i < conn->nfds; i++)
		close(conn->fds[i]);
	conn->nfds = 0;
}

/*
 * The socket takes bytes: send the first queued ones (a blank line,
 * which readers skip, when none is queued) with the descriptors.
 */
static void
conn_fds_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;
	struct evbuffer *out = bufferevent_get_output(conn->bev);
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * CONN_MAX_FDS)];
	} cm;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	size_t len = evbuffer_get_length(out);
	ssize_t n;

	(void)what;
	if (conn->dead || conn->nfds == 0)
		return;
	if (len == 0)
		evbuffer_add(out, "\n", 1);
	len = len == 0 ? 1 : len < CONN_FDS_CHUNK ? len : CONN_FDS_CHUNK;
	iov.iov_base = evbuffer_pullup(out, (ssize_t)len);
	iov.iov_len = len;
	memset(&mh, 0, sizeof mh);
	memset(&cm, 0, sizeof cm);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * conn->nfds);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * conn->nfds);
	memcpy(CMSG_DATA(c), conn->fds, sizeof(int) * conn->nfds);
	n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		event_add(conn->ev_fds, NULL);
		return;
	}
	conn_fds_close(conn);
	if (n == -1) {
		rpc_client_close(conn->client, strerror(errno), false);
		conn_finish(conn);
		return;
	}
	/* The bufferevent keeps its output's front frozen but to itself. */
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, (size_t)n);
	evbuffer_freeze(out, 1);
	bufferevent_enable(conn->bev, EV_WRITE);
}

static size_t
conn_queued(void *ctx)
{
	struct conn *conn = ctx;

	if (conn->dead)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(conn->bev)) +
	    evbuffer_get_length(conn->pend);
}

/* The transport's close: see the life cycle at the top of the file. */
static void
conn_close(void *ctx, bool flush)
{
	struct conn *conn = ctx;
	struct timeval tv = { CONN_FLUSH_TIMEOUT, 0 };

	if (conn->dead || conn->closing)
		return;
	conn_pend_move(conn);
	if (flush &&
	    evbuffer_get_length(bufferevent_get_output(conn->bev)) > 0) {
		conn->closing = true;
		bufferevent_disable(conn->bev, EV_READ);
		evtimer_add(conn->ev_flush, &tv);
		return;
	}
	conn_finish(conn);
}

/* Stop all I/O and schedule the free. */
static void
conn_finish(struct conn *conn)
{
	if (conn->dead)
		return;
	conn->dead = true;
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(conn->bev, NULL, NULL, NULL, NULL);
	evtimer_del(conn->ev_flush);
	event_del(conn->ev_fds);
	event_del(conn->ev_pend);
	evtimer_del(conn->ev_hold);
	conn_fds_close(conn);
	if (!conn->client->dead)
		rpc_client_close(conn->client, "closed", false);
	loomd_defer_free(conn->loomd, conn_free, conn);
}

static void
conn_free(void *arg)
{
	struct conn *conn = arg;

	rpc_client_free(conn->client);
	bufferevent_free(conn->bev);
	event_free(conn->ev_flush);
	event_free(conn->ev_fds);
	event_free(conn->ev_pend);
	event_free(conn->ev_hold);
	evbuffer_free(conn->pend);
	jsonrpc_framer_free(conn->framer);
	free(conn);
}
