/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the JSON-RPC reader and dispatcher (J6): the input
 * is cut into writes at points chosen by its first bytes, framed with a
 * small line cap, and every line goes through loomd's real dispatcher
 * (loomd/rpc.c with the daemon.* methods) to a transport that checks each
 * reply is one line of valid JSON and counts it. The daemon around it is
 * reduced to the few functions rpc.c calls; no event loop, no sockets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"
#include "loomd/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Method groups that are not under test here. */
const struct rpc_method rpc_run_methods[] = { { NULL, NULL } };
const struct rpc_method rpc_log_methods[] = { { NULL, NULL } };
const struct rpc_method rpc_pipeline_methods[] = { { NULL, NULL } };
const struct rpc_method rpc_file_methods[] = { { NULL, NULL } };
const struct rpc_method rpc_fresh_methods[] = { { NULL, NULL } };
const struct rpc_method rpc_task_methods[] = { { NULL, NULL } };

/* The parts of server.c the dispatcher reaches. */
uint64_t
loomd_now_ms(void)
{
	return 1000;
}

void
loomd_update_idle(struct loomd *loomd)
{
	(void)loomd;
}

void
loomd_stop(struct loomd *loomd)
{
	loomd->stopping = true;
}

void
loomd_modules_status(struct loomd *loomd, json_t *result)
{
	(void)loomd;
	(void)result;
}

/* No pipeline is ever opened here, so a client has only subscriptions. */
void
loomd_client_gone(struct rpc_client *client)
{
	notify_client_gone(client);
}

struct fuzz_conn {
	size_t queued;
	size_t replies;
	bool closed;
};

static int
fuzz_send(void *ctx, const char *text, size_t len)
{
	struct fuzz_conn *conn = ctx;
	json_error_t jerr;
	json_t *v;

	if (memchr(text, '\n', len) != NULL || strlen(text) != len)
		abort();
	if ((v = json_loadb(text, len, JSON_DECODE_ANY, &jerr)) == NULL)
		abort();
	json_decref(v);
	conn->queued += len + 1;
	conn->replies++;
	return 0;
}

static size_t
fuzz_queued(void *ctx)
{
	return ((struct fuzz_conn *)ctx)->queued;
}

static void
fuzz_close(void *ctx, bool flush)
{
	(void)flush;
	((struct fuzz_conn *)ctx)->closed = true;
}

static const struct rpc_transport fuzz_transport = {
	.name = "fuzz",
	.send = fuzz_send,
	.queued = fuzz_queued,
	.close = fuzz_close,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERROR);
	json_object_seed(1);	/* objects iterated in the same order every run */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct loomd loomd;
	struct fuzz_conn conn = { 0, 0, false };
	struct jsonrpc_framer *f;
	struct rpc_client *client;
	enum jsonrpc_frame fr;
	const char *line;
	size_t len, off = 0, cut;
	unsigned int seed;

	if (size < 2)
		return 0;
	memset(&loomd, 0, sizeof loomd);
	TAILQ_INIT(&loomd.clients);
	loomd.socket_path = (char *)"/fuzz.sock";
	seed = data[0] | (unsigned int)data[1] << 8;
	data += 2;
	size -= 2;

	client = rpc_client_create(&loomd, &fuzz_transport, &conn, 0, 1,
	    "fuzz");
	f = jsonrpc_framer_create(4096);
	while (off < size && !conn.closed) {
		/* Write sizes from 1 to 64 bytes, from the seed. */
		seed = seed * 1103515245u + 12345u;
		cut = 1 + (seed >> 16) % 64;
		if (cut > size - off)
			cut = size - off;
		jsonrpc_framer_feed(f, data + off, cut);
		off += cut;
		while ((fr = jsonrpc_framer_next(f, &line, &len)) ==
		    JSONRPC_FRAME_LINE) {
			if (strlen(line) != len && memchr(line, '\0', len) ==
			    NULL)
				abort();
			rpc_dispatch_line(&loomd, client, line, len);
		}
		if (fr == JSONRPC_FRAME_TOO_LONG) {
			if (jsonrpc_framer_buffered(f) != 0)
				abort();
			break;
		}
		if (jsonrpc_framer_buffered(f) > 4096 + 1 + 64)
			abort();
	}
	jsonrpc_framer_free(f);
	rpc_client_close(client, "done", false);
	rpc_client_free(client);
	return 0;
}
