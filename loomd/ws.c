/* SPDX-License-Identifier: MIT */
/*
 * WebSocket connections of the browser bridge, over wslay.
 *
 * An upgrade request arrives through evhttp (http.c has already checked
 * token, Host and Origin). libevent 2.1 has no public way to detach a
 * connection from evhttp, so this module takes over the connection's
 * bufferevent in place: it writes the 101 answer itself, replaces the
 * callbacks and timeouts, and from then on evhttp never sees the
 * connection again until ws_free hands it back to evhttp_connection_free,
 * which closes the socket. That free always happens on a later loop
 * pass (loomd_defer_free), never inside a callback of the connection.
 *
 * Frames are parsed and built by wslay (masking, fragmentation, control
 * frames, the close handshake, 1002 for protocol errors such as an
 * unmasked client frame, 1009 for a message over WS_MAX_MESSAGE). This
 * module adds: a look at each frame header before wslay sees it, so that
 * violations wslay would answer with a code-less close (an oversized or
 * fragmented control frame, a 1-byte close payload) get 1002 too,
 * 1007 for a text message that is not UTF-8, 1003 for a
 * binary message, one JSON-RPC message per text message to
 * rpc_dispatch_line, and replies and events queued as text frames. The
 * bytes waiting for a slow browser sit in the bufferevent's output, which
 * the rpc transport reports as queued, so notify.c applies the same
 * output limits as for socket clients.
 */
#include <sys/random.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <wslay/wslay.h>

#include "common/util/base64.h"
#include "common/util/log.h"
#include "common/util/sha1.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"
#include "loomd/ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct ws_conn {
	struct loomd *loomd;
	struct evhttp_connection *evcon;	/* owns bev and the socket */
	struct bufferevent *bev;
	wslay_event_context_ptr ctx;
	struct rpc_client *client;
	ws_count_fn *count;		/* told of open and close */
	bool in_recv;			/* inside wslay_event_recv */
	bool closing;			/* close once the output drained */
	bool dead;			/* no more I/O; free is scheduled */
	bool counted;			/* counted through count */
	uint64_t frame_left;		/* bytes of the current frame (header
					   and payload) not yet given to wslay */
	const char *violation;		/* a protocol error seen ahead of wslay */
};

static int	 ws_frame_check(const unsigned char *hdr, size_t n,
		    uint64_t *frame_len, const char **why);
static ssize_t	 ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf,
		    size_t len, int flags, void *arg);
static ssize_t	 ws_send_cb(wslay_event_context_ptr ctx,
		    const uint8_t *data, size_t len, int flags, void *arg);
static int	 ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf,
		    size_t len, void *arg);
static void	 ws_msg_cb(wslay_event_context_ptr ctx,
		    const struct wslay_event_on_msg_recv_arg *arg, void *data);
static void	 ws_read_cb(struct bufferevent *bev, void *arg);
static void	 ws_write_cb(struct bufferevent *bev, void *arg);
static void	 ws_event_cb(struct bufferevent *bev, short what, void *arg);
static void	 ws_flush(struct ws_conn *w);
static void	 ws_kill(struct ws_conn *w, const char *reason);
static void	 ws_free(void *arg);
static void	 ws_fail(struct ws_conn *w, uint16_t code, const char *reason);
static bool	 ws_header_has_token(const char *value, const char *token);
static int	 ws_transport_send(void *ctx, const char *text, size_t len);
static size_t	 ws_transport_queued(void *ctx);
static void	 ws_transport_close(void *ctx, bool flush);

static const struct rpc_transport ws_transport = {
	.name = "websocket",
	.send = ws_transport_send,
	.queued = ws_transport_queued,
	.close = ws_transport_close,
};

/* True when a comma-separated header value holds token (any case). */
static bool
ws_header_has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token), n;
	const char *p = value;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* Check the opening handshake's headers (see ws.h). */
int
ws_check_handshake(const struct evkeyvalq *headers, const char **key)
{
	struct evkeyvalq *h = (struct evkeyvalq *)(uintptr_t)headers;
	const char *upgrade, *connection, *version, *k;
	unsigned char raw[32];
	size_t i;
	int n;

	upgrade = evhttp_find_header(h, "Upgrade");
	connection = evhttp_find_header(h, "Connection");
	version = evhttp_find_header(h, "Sec-WebSocket-Version");
	k = evhttp_find_header(h, "Sec-WebSocket-Key");
	if (upgrade == NULL || !ws_header_has_token(upgrade, "websocket") ||
	    connection == NULL || !ws_header_has_token(connection, "upgrade"))
		return 400;
	if (version == NULL || strcmp(version, "13") != 0)
		return 426;
	if (k == NULL || strlen(k) != 24 || strcmp(k + 22, "==") != 0)
		return 400;
	for (i = 0; i < 22; i++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/", k[i]) == NULL ||
		    k[i] == '\0')
			return 400;
	}
	n = (int)base64_decode_to(raw, sizeof raw, k, 24);
	if (n != 16)
		return 400;
	*key = k;
	return 0;
}

/* Sec-WebSocket-Accept for key. */
void
ws_accept_key(const char *key, char out[WS_ACCEPT_LEN])
{
	unsigned char md[SHA1_DIGEST_LEN];
	char *cat;

	cat = xasprintf("%s%s", key, WS_GUID);
	sha1_buffer(cat, strlen(cat), md);
	free(cat);
	base64_encode_to(out, md, sizeof md);
}

/* Strict UTF-8 check (RFC 3629). */
bool
ws_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			c = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			c = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			c = s[i] & 0x07;
		} else
			return false;
		if (n >= len - i)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Take over an upgrade request's connection (see ws.h). */
int
ws_accept(struct loomd *loomd, struct evhttp_request *req, const char *key,
    json_t *env, const char *cwd, ws_count_fn *count)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct wslay_event_callbacks cbs = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.genmask_callback = ws_genmask_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};
	struct ws_conn *w;
	struct bufferevent *bev;
	char accept[WS_ACCEPT_LEN], *host, peer[80];
	ev_uint16_t port = 0;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return -1;
	w = xcalloc(1, sizeof *w);
	w->loomd = loomd;
	w->evcon = evcon;
	w->bev = bev;
	w->count = count;
	if (wslay_event_context_server_init(&w->ctx, &cbs, w) != 0) {
		free(w);
		return -1;
	}
	wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MAX_MESSAGE);

	ws_accept_key(key, accept);
	/*
	 * From here on the connection is ours: evhttp waits for a reply it
	 * will never get, and only sees the connection again when ws_free
	 * frees it.
	 */
	bufferevent_setcb(bev, ws_read_cb, ws_write_cb, ws_event_cb, w);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "\r\n", accept);
	bufferevent_enable(bev, EV_READ | EV_WRITE);

	evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(peer, sizeof peer, "%s:%u", host != NULL ? host : "?",
	    (unsigned)port);
	w->client = rpc_client_create(loomd, &ws_transport, w, loomd->uid,
	    -1, peer);
	w->client->editor = true;
	w->client->env = env != NULL ? json_incref(env) : json_object();
	w->client->cwd = cwd != NULL ? xstrdup(cwd) : NULL;
	w->counted = true;
	if (count != NULL)
		count(loomd, 1);
	log_info("editor connected from %s (client %llu)", peer,
	    (unsigned long long)w->client->id);

	/* Frames sent right behind the handshake are already buffered. */
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		ws_read_cb(bev, w);
	return 0;
}

/*
 * Look at the first n bytes of a frame (its header, when complete).
 * Returns 1 and sets *frame_len (header plus payload) when the header is
 * complete and sound, 0 when more bytes are needed, -1 with *why set for
 * the violations that wslay would answer with a close frame carrying no
 * code: a control frame that is fragmented or longer than 125 bytes
 * (which includes a close reason over 123 bytes), a close frame with a
 * 1-byte payload, and a length not in its shortest form or with its top
 * bit set. RSV bits,
 * opcodes, masking and the message cap are left to wslay, which closes
 * with the right code for those.
 */
static int
ws_frame_check(const unsigned char *hdr, size_t n, uint64_t *frame_len,
    const char **why)
{
	uint64_t plen;
	size_t hlen, i;
	unsigned int opcode, len7;
	bool fin, masked;

	if (n < 2)
		return 0;
	fin = (hdr[0] & 0x80) != 0;
	opcode = hdr[0] & 0x0f;
	masked = (hdr[1] & 0x80) != 0;
	len7 = hdr[1] & 0x7f;
	if (opcode >= 8) {
		if (!fin) {
			*why = "fragmented control frame";
			return -1;
		}
		if (len7 > 125) {
			*why = "control frame over 125 bytes";
			return -1;
		}
		if (opcode == 8 && len7 == 1) {
			*why = "close frame with a 1-byte payload";
			return -1;
		}
	}
	hlen = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
	if (n < hlen)
		return 0;
	plen = len7;
	if (len7 >= 126) {
		plen = 0;
		for (i = 2; i < (len7 == 126 ? 4u : 10u); i++)
			plen = (plen << 8) | hdr[i];
		if ((len7 == 126 && plen < 126) ||
		    (len7 == 127 && plen < 65536)) {
			*why = "payload length not in its shortest form";
			return -1;
		}
		if ((plen >> 63) != 0) {
			*why = "payload length with its top bit set";
			return -1;
		}
	}
	*frame_len = hlen + plen;
	return 1;
}

/*
 * wslay reads from the bufferevent's input, one frame header at a time
 * checked by ws_frame_check first: bytes of a bad frame never reach
 * wslay, so ws_read_cb can close with 1002 after the frames before it.
 */
static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws_conn *w = arg;
	struct evbuffer *in = bufferevent_get_input(w->bev);
	unsigned char hdr[14];
	uint64_t flen;
	size_t total = 0, want;
	ev_ssize_t got;

	while (total < len && w->violation == NULL) {
		if (w->frame_left == 0) {
			got = evbuffer_copyout(in, hdr, sizeof hdr);
			if (got <= 0 || ws_frame_check(hdr, (size_t)got, &flen,
			    &w->violation) <= 0)
				break;
			w->frame_left = flen;
		}
		want = len - total;
		if ((uint64_t)want > w->frame_left)
			want = (size_t)w->frame_left;
		got = evbuffer_remove(in, buf + total, want);
		if (got <= 0)
			break;
		total += (size_t)got;
		w->frame_left -= (uint64_t)got;
	}
	if (total == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return (ssize_t)total;
}

/* wslay writes into the bufferevent's output (bounded by notify.c). */
static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws_conn *w = arg;

	if (w->dead || evbuffer_add(bufferevent_get_output(w->bev), data,
	    len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

/* Masks are only used by clients; a server never needs one. */
static int
ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Start a close with code (and stop reading). */
static void
ws_fail(struct ws_conn *w, uint16_t code, const char *reason)
{
	log_info("editor client %llu: closing with %u: %s",
	    (unsigned long long)w->client->id, code, reason);
	wslay_event_queue_close(w->ctx, code, (const uint8_t *)reason,
	    strlen(reason));
	wslay_event_shutdown_read(w->ctx);
}

/* One complete message from the browser. */
static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *data)
{
	struct ws_conn *w = data;

	if (w->dead || w->client->dead)
		return;
	switch (arg->opcode) {
	case WSLAY_TEXT_FRAME:
		if (!ws_utf8_valid(arg->msg, arg->msg_length)) {
			ws_fail(w, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
			    "invalid UTF-8");
			return;
		}
		rpc_dispatch_line(w->loomd, w->client,
		    (const char *)arg->msg, arg->msg_length);
		break;
	case WSLAY_BINARY_FRAME:
		ws_fail(w, WSLAY_CODE_UNSUPPORTED_DATA,
		    "binary messages are not accepted");
		break;
	default:
		/* ping, pong and close are answered by wslay itself */
		break;
	}
}

/* Move queued frames to the socket, and close when both sides are done. */
static void
ws_flush(struct ws_conn *w)
{
	if (w->dead || w->in_recv)
		return;
	if (wslay_event_send(w->ctx) != 0) {
		ws_kill(w, "send failed");
		return;
	}
	if (!wslay_event_want_read(w->ctx) && !wslay_event_want_write(w->ctx))
		w->closing = true;
	if (w->closing &&
	    evbuffer_get_length(bufferevent_get_output(w->bev)) == 0)
		ws_kill(w, "closed");
}

/* Bytes arrived. */
static void
ws_read_cb(struct bufferevent *bev, void *arg)
{
	struct ws_conn *w = arg;
	int r;

	if (w->dead)
		return;
	w->in_recv = true;
	r = wslay_event_recv(w->ctx);
	w->in_recv = false;
	if (w->dead)
		return;
	if (r == 0 && w->violation != NULL && wslay_event_want_read(w->ctx)) {
		/* The frames before the bad one were handled: now 1002. */
		ws_fail(w, WSLAY_CODE_PROTOCOL_ERROR, w->violation);
	} else if (r != 0 && wslay_event_get_write_enabled(w->ctx)) {
		/*
		 * wslay already queued a close without a code for any
		 * violation ws_frame_check missed; this 1002 only goes out
		 * when nothing was queued yet (a close already queued wins).
		 */
		ws_fail(w, WSLAY_CODE_PROTOCOL_ERROR, "protocol error");
		w->closing = true;
	} else if (r != 0) {
		ws_kill(w, "receive failed");
		return;
	}
	if (!wslay_event_want_read(w->ctx))
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
	ws_flush(w);
}

/* The output buffer drained (below the write watermark). */
static void
ws_write_cb(struct bufferevent *bev, void *arg)
{
	struct ws_conn *w = arg;

	if (!w->dead && w->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ws_kill(w, "closed");
}

/* EOF, error or timeout on the socket. */
static void
ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ws_conn *w = arg;

	if (what & BEV_EVENT_EOF)
		ws_kill(w, "connection closed by the browser");
	else if (what & BEV_EVENT_ERROR)
		ws_kill(w, "connection error");
	else if ((what & BEV_EVENT_TIMEOUT) && !w->dead) {
		/*
		 * evhttp's idle timeout, which still fires on the socket
		 * after ws_accept cleared it (once a first message has gone
		 * both ways), and libevent then stops that direction. An
		 * editor may stay silent for hours: clear it, resume.
		 */
		bufferevent_set_timeouts(bev, NULL, NULL);
		bufferevent_enable(bev, (what & BEV_EVENT_READING ? EV_READ :
		    0) | (what & BEV_EVENT_WRITING ? EV_WRITE : 0));
	}
}

/* Stop all I/O now and schedule the free. */
static void
ws_kill(struct ws_conn *w, const char *reason)
{
	if (w->dead)
		return;
	w->dead = true;
	bufferevent_disable(w->bev, EV_READ | EV_WRITE);
	rpc_client_close(w->client, reason, false);
	if (w->counted) {
		w->counted = false;
		if (w->count != NULL)
			w->count(w->loomd, -1);
	}
	loomd_defer_free(w->loomd, ws_free, w);
}

/* Free a connection on a later loop pass. */
static void
ws_free(void *arg)
{
	struct ws_conn *w = arg;

	rpc_client_free(w->client);
	wslay_event_context_free(w->ctx);
	evhttp_connection_free(w->evcon);
	free(w);
}

/* rpc transport: queue one JSON text as a text frame. */
static int
ws_transport_send(void *ctx, const char *text, size_t len)
{
	struct ws_conn *w = ctx;
	struct wslay_event_msg m;

	if (w->dead || w->closing)
		return -1;
	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = (const uint8_t *)text;
	m.msg_length = len;
	if (wslay_event_queue_msg(w->ctx, &m) != 0)
		return -1;
	ws_flush(w);
	return 0;
}

/* rpc transport: bytes not yet written to the browser. */
static size_t
ws_transport_queued(void *ctx)
{
	struct ws_conn *w = ctx;

	if (w->dead)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(w->bev)) +
	    wslay_event_get_queued_msg_length(w->ctx);
}

/* rpc transport: close, after the queued replies when flush is true. */
static void
ws_transport_close(void *ctx, bool flush)
{
	struct ws_conn *w = ctx;

	if (w->dead)
		return;
	if (!flush) {
		ws_kill(w, "closed by the daemon");
		return;
	}
	if (!w->closing) {
		wslay_event_queue_close(w->ctx, WSLAY_CODE_GOING_AWAY, NULL, 0);
		w->closing = true;
	}
	ws_flush(w);
}

/* Close every WebSocket connection (going away). */
void
ws_close_all(struct loomd *loomd)
{
	struct rpc_client *c;

	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (c->transport == &ws_transport && !c->dead)
			rpc_client_close(c, "daemon stopping", true);
	}
}
