/* SPDX-License-Identifier: MIT */
/*
 * daemon.* methods: hello (protocol version check), ping, status and
 * stop. They work during a stop too, so a client can watch it happen.
 */
#include <stdlib.h>

#include <jansson.h>

#include "common/fresh/hashcache.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"

static json_t *rpc_daemon_hello(struct loomd *loomd,
    struct rpc_client *client, json_t *params, struct rpc_error *err);
static json_t *rpc_daemon_ping(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_daemon_status(struct loomd *loomd,
    struct rpc_client *client, json_t *params, struct rpc_error *err);
static json_t *rpc_daemon_stop(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);

const struct rpc_method rpc_daemon_methods[] = {
	{ LOOM_METHOD_DAEMON_HELLO, rpc_daemon_hello },
	{ LOOM_METHOD_DAEMON_PING, rpc_daemon_ping },
	{ LOOM_METHOD_DAEMON_STATUS, rpc_daemon_status },
	{ LOOM_METHOD_DAEMON_STOP, rpc_daemon_stop },
	{ NULL, NULL },
};

/* First call of every client: agree on the protocol version. */
static json_t *
rpc_daemon_hello(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	long long protocol, rate = -1;
	const char *name;

	if (rpc_param_int(params, "protocol", true, 0, 1000000, &protocol,
	    err) == -1)
		return NULL;
	name = rpc_param_string(params, "client", false, err);
	if (err->code != 0 || rpc_param_int(params, "event_rate_ms", false, 0,
	    LOOMD_EVENT_RATE_MAX, &rate, err) == -1)
		return NULL;
	if (protocol != LOOM_PROTOCOL_VERSION) {
		rpc_error_set(err, LOOM_ERR_VERSION,
		    json_pack("{s:i, s:I, s:b}", "daemon", LOOM_PROTOCOL_VERSION,
		    "client", (json_int_t)protocol, "idle",
		    loomd->nclients <= 1 && !loomd->stopping),
		    "protocol version mismatch (client %lld, daemon %d)",
		    protocol, LOOM_PROTOCOL_VERSION);
		return NULL;
	}
	client->hello = true;
	client->protocol = (int)protocol;
	if (rate != -1 && client->transport->set_event_rate != NULL)
		client->transport->set_event_rate(client->ctx, (int)rate);
	if (name != NULL) {
		free(client->client_name);
		client->client_name = xstrdup(name);
	}
	return json_pack("{s:i, s:s, s:I}", "protocol", LOOM_PROTOCOL_VERSION,
	    "version", LOOM_VERSION, "pid", (json_int_t)loomd->pid);
}

static json_t *
rpc_daemon_ping(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	return json_pack("{s:b, s:I, s:s, s:I}", "pong", 1,
	    "pid", (json_int_t)loomd->pid, "version", LOOM_VERSION,
	    "uptime_ms", (json_int_t)(loomd_now_ms() - loomd->started_ms));
}

static json_t *
rpc_daemon_status(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct hashcache_stats hs;
	json_t *result;

	result = json_pack("{s:I, s:s, s:i, s:s, s:I, s:I, s:i, s:f, s:f, "
	    "s:s, s:s?, s:b}",
	    "pid", (json_int_t)loomd->pid,
	    "version", LOOM_VERSION,
	    "protocol", LOOM_PROTOCOL_VERSION,
	    "socket", loomd->socket_path,
	    "uptime_ms", (json_int_t)(loomd_now_ms() - loomd->started_ms),
	    "clients", (json_int_t)loomd->nclients,
	    "active_runs", 0,
	    "idle_timeout", loomd->opt.idle_timeout,
	    "kill_grace", loomd->opt.kill_grace,
	    "state_dir", loomd->state_dir,
	    "log", loomd->log_path,
	    "stopping", loomd->stopping);
	json_object_set_new(result, "output", json_pack("{s:I, s:I, s:I, s:I}",
	    "log_fds", (json_int_t)loomd->log_fds,
	    "log_read_bytes", (json_int_t)loomd->log_read_bytes,
	    "event_bytes", (json_int_t)loomd->output_event_bytes,
	    "spliced_bytes", (json_int_t)loomd->output_spliced_bytes));
	hashcache_stats(&hs);
	json_object_set_new(result, "hashing", json_pack("{s:I, s:I, s:I, "
	    "s:I}", "bytes", (json_int_t)hs.bytes, "files",
	    (json_int_t)hs.files, "hits", (json_int_t)hs.hits, "cached",
	    (json_int_t)hs.entries));
	loomd_modules_status(loomd, result);
	return result;
}

/* Reply first; the stop itself begins on the next loop pass. */
static json_t *
rpc_daemon_stop(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	loomd_stop(loomd);
	return json_pack("{s:b}", "stopping", 1);
}
