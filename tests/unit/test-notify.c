/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for loomd/notify.c and the dispatcher in loomd/rpc.c, with a
 * fake transport (no event loop, no sockets). Covers: subscriptions to
 * one run and to all runs, unsubscribe; events reach exactly the
 * subscribers, encoded once per event; run.output carries base64 of the
 * exact bytes (NUL, 0xff) with run, step, item and offset; a client over
 * LOOM_MAX_CLIENT_OUTPUT gets one run.output_gap for that stream and no
 * more output of it, other streams and other clients unaffected, and
 * notify_output_end clears the mark; a client over NOTIFY_HARD_LIMIT is
 * closed; dead clients receive nothing; dispatch of a request, a
 * notification and a batch through rpc_dispatch_line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/rpc.h"

struct fake {
	struct strv sent;	/* every text sent */
	size_t queued;		/* pretend nothing is ever written */
	bool closed;
	bool flushed;
};

static int
fake_send(void *ctx, const char *text, size_t len)
{
	struct fake *f = ctx;

	if (f->closed)
		return -1;
	strv_push(&f->sent, text);
	f->queued += len + 1;
	return 0;
}

static size_t
fake_queued(void *ctx)
{
	return ((struct fake *)ctx)->queued;
}

static void
fake_close(void *ctx, bool flush)
{
	struct fake *f = ctx;

	f->closed = true;
	f->flushed = flush;
}

static const struct rpc_transport fake_transport = {
	.name = "fake",
	.send = fake_send,
	.queued = fake_queued,
	.close = fake_close,
};

struct world {
	struct loomd loomd;
	struct fake fa, fb;
	struct rpc_client *a, *b;
};

static int
world_setup(void **state)
{
	struct world *w = xcalloc(1, sizeof *w);

	TAILQ_INIT(&w->loomd.clients);
	w->loomd.socket_path = xstrdup("/t.sock");
	strv_init(&w->fa.sent);
	strv_init(&w->fb.sent);
	w->a = rpc_client_create(&w->loomd, &fake_transport, &w->fa, 0, 1,
	    "a");
	w->b = rpc_client_create(&w->loomd, &fake_transport, &w->fb, 0, 2,
	    "b");
	*state = w;
	return 0;
}

static int
world_teardown(void **state)
{
	struct world *w = *state;

	rpc_client_free(w->a);
	rpc_client_free(w->b);
	strv_free(&w->fa.sent);
	strv_free(&w->fb.sent);
	free(w->loomd.socket_path);
	free(w);
	return 0;
}

/* The i-th message sent to f, parsed. */
static json_t *
sent(struct fake *f, size_t i)
{
	json_t *v;

	assert_true(i < f->sent.n);
	v = json_loads(f->sent.v[i], 0, NULL);
	assert_non_null(v);
	return v;
}

static const char *
method_of(json_t *msg)
{
	return json_string_value(json_object_get(msg, "method"));
}

static void
test_notify_subscriptions(void **state)
{
	struct world *w = *state;
	json_t *m;

	/* Nobody follows any run yet: events need not be built. */
	assert_false(notify_wanted(&w->loomd, "r1"));
	notify_subscribe(w->a, "r1");
	assert_true(notify_wanted(&w->loomd, "r1"));
	assert_false(notify_wanted(&w->loomd, "r2"));
	notify_subscribe(w->a, "r1");
	notify_subscribe(w->b, NULL);
	assert_true(notify_wanted(&w->loomd, "r2"));
	assert_true(notify_is_subscribed(w->a, "r1"));
	assert_false(notify_is_subscribed(w->a, "r2"));
	assert_true(notify_is_subscribed(w->b, "anything"));

	notify_event(&w->loomd, "r1", "run.started", json_pack("{s:s}",
	    "run", "r1"));
	notify_event(&w->loomd, "r2", "run.started", json_pack("{s:s}",
	    "run", "r2"));
	assert_int_equal(w->fa.sent.n, 1);
	assert_int_equal(w->fb.sent.n, 2);
	m = sent(&w->fa, 0);
	assert_string_equal(method_of(m), "run.started");
	assert_null(json_object_get(m, "id"));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(m, "params"), "run")), "r1");
	json_decref(m);

	notify_broadcast(&w->loomd, "file.changed", json_pack("{s:s}",
	    "file", "/x"));
	assert_int_equal(w->fa.sent.n, 2);
	assert_int_equal(w->fb.sent.n, 3);

	notify_unsubscribe(w->a, "r1");
	notify_unsubscribe(w->b, NULL);
	assert_false(notify_wanted(&w->loomd, "r1"));
	notify_event(&w->loomd, "r1", "run.finished", NULL);
	assert_int_equal(w->fa.sent.n, 2);
	assert_int_equal(w->fb.sent.n, 3);
}

static void
test_notify_output_bytes(void **state)
{
	struct world *w = *state;
	const unsigned char bytes[] = { 'a', 0, 0xff, '\n', 0x1b };
	json_t *m, *p;

	notify_subscribe(w->a, "r1");
	notify_output(&w->loomd, "r1", "train", -1, 10, bytes, sizeof bytes);
	notify_output(&w->loomd, "r1", "loop", 3, 0, "x", 1);
	assert_int_equal(w->fa.sent.n, 2);
	assert_int_equal(w->fb.sent.n, 0);
	m = sent(&w->fa, 0);
	p = json_object_get(m, "params");
	assert_string_equal(method_of(m), "run.output");
	assert_string_equal(json_string_value(json_object_get(p, "step")),
	    "train");
	assert_null(json_object_get(p, "item"));
	assert_int_equal(json_integer_value(json_object_get(p, "offset")), 10);
	assert_string_equal(json_string_value(json_object_get(p, "data")),
	    "YQD/Chs=");
	json_decref(m);
	m = sent(&w->fa, 1);
	p = json_object_get(m, "params");
	assert_int_equal(json_integer_value(json_object_get(p, "item")), 3);
	assert_string_equal(json_string_value(json_object_get(p, "data")),
	    "eA==");
	json_decref(m);
}

/* A client that took a stream's log file gets no more of its output. */
static void
test_notify_output_off(void **state)
{
	struct world *w = *state;
	json_t *m;

	notify_subscribe(w->a, "r1");
	notify_subscribe(w->b, "r1");
	notify_output_off(w->a, "r1", "train", -1);
	notify_output_off(w->a, "r1", "train", -1);	/* harmless */
	notify_output(&w->loomd, "r1", "train", -1, 0, "abc", 3);
	notify_output(&w->loomd, "r1", "other", -1, 0, "x", 1);
	assert_int_equal(w->fa.sent.n, 1);	/* "other" only, no gap */
	m = sent(&w->fa, 0);
	assert_string_equal(method_of(m), "run.output");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(m, "params"), "step")), "other");
	json_decref(m);
	assert_int_equal(w->fb.sent.n, 2);
	assert_int_equal(w->loomd.output_event_bytes, 3 + 1 + 1);
	/* Another stream of the same name starts live again. */
	notify_output_end(&w->loomd, "r1", "train", -1);
	notify_output(&w->loomd, "r1", "train", -1, 0, "d", 1);
	assert_int_equal(w->fa.sent.n, 2);
}

static void
test_notify_output_gap(void **state)
{
	struct world *w = *state;
	json_t *m, *p;
	size_t n;

	notify_subscribe(w->a, "r1");
	notify_subscribe(w->b, "r1");
	w->fa.queued = LOOM_MAX_CLIENT_OUTPUT;	/* a stopped reading */
	notify_output(&w->loomd, "r1", "s", -1, 100, "abc", 3);
	notify_output(&w->loomd, "r1", "s", -1, 103, "def", 3);
	assert_int_equal(w->fa.sent.n, 1);
	assert_int_equal(w->fb.sent.n, 2);
	m = sent(&w->fa, 0);
	p = json_object_get(m, "params");
	assert_string_equal(method_of(m), "run.output_gap");
	assert_int_equal(json_integer_value(json_object_get(p, "offset")), 100);
	assert_null(json_object_get(p, "data"));
	json_decref(m);

	/* Caught up: still no live output of that stream... */
	w->fa.queued = 0;
	notify_output(&w->loomd, "r1", "s", -1, 106, "g", 1);
	assert_int_equal(w->fa.sent.n, 1);
	/* ...but other streams and events flow. */
	notify_output(&w->loomd, "r1", "t", -1, 0, "h", 1);
	notify_event(&w->loomd, "r1", "run.step_finished", NULL);
	assert_int_equal(w->fa.sent.n, 3);
	/* A new stream of the same name starts clean. */
	notify_output_end(&w->loomd, "r1", "s", -1);
	notify_output(&w->loomd, "r1", "s", -1, 0, "i", 1);
	assert_int_equal(w->fa.sent.n, 4);

	/* Past the hard limit the client is closed, the other kept. */
	w->fa.queued = NOTIFY_HARD_LIMIT;
	n = w->fb.sent.n;
	notify_event(&w->loomd, "r1", "run.finished", NULL);
	assert_true(w->fa.closed);
	assert_false(w->fa.flushed);
	assert_true(w->a->dead);
	assert_int_equal(w->loomd.nclients, 1);
	assert_int_equal(w->fb.sent.n, n + 1);
	n = w->fa.sent.n;
	notify_event(&w->loomd, "r1", "run.finished", NULL);
	assert_int_equal(w->fa.sent.n, n);
}

static void
test_rpc_dispatch(void **state)
{
	struct world *w = *state;
	const char *req;
	json_t *m;

	req = "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"daemon.ping\"}";
	rpc_dispatch_line(&w->loomd, w->a, req, strlen(req));
	assert_int_equal(w->fa.sent.n, 1);
	m = sent(&w->fa, 0);
	assert_string_equal(json_string_value(json_object_get(m, "id")), "x");
	assert_true(json_is_true(json_object_get(json_object_get(m, "result"),
	    "pong")));
	json_decref(m);

	req = "{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\"}";
	rpc_dispatch_line(&w->loomd, w->a, req, strlen(req));
	assert_int_equal(w->fa.sent.n, 1);

	req = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.hello\","
	    "\"params\":{\"protocol\":1,\"client\":\"t\"}},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"daemon.nope\"}]";
	rpc_dispatch_line(&w->loomd, w->a, req, strlen(req));
	assert_int_equal(w->fa.sent.n, 2);
	m = sent(&w->fa, 1);
	assert_true(json_is_array(m));
	assert_int_equal(json_array_size(m), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_array_get(m, 1), "error"), "code")), -32601);
	json_decref(m);
	assert_true(w->a->hello);
	assert_string_equal(w->a->client_name, "t");

	/* During a stop only daemon.* methods are served. */
	w->loomd.stopping = true;
	req = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"run.list\"}";
	rpc_dispatch_line(&w->loomd, w->a, req, strlen(req));
	m = sent(&w->fa, 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    m, "error"), "code")), LOOM_ERR_SHUTDOWN);
	json_decref(m);
	w->loomd.stopping = false;

	/* A closed client gets nothing. */
	rpc_client_close(w->b, "test", true);
	assert_true(w->fb.closed && w->fb.flushed);
	req = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"daemon.ping\"}";
	rpc_dispatch_line(&w->loomd, w->b, req, strlen(req));
	assert_int_equal(w->fb.sent.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_subscriptions,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_notify_output_bytes,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_notify_output_off,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_notify_output_gap,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_rpc_dispatch,
		    world_setup, world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
