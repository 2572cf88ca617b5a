/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher: one framed message in, replies out through the client's
 * transport. Parsing and structural checks come from common/util/jsonrpc.c;
 * this file adds the method tables, Loom's rule that params are objects,
 * batches, the shutdown gate and the client objects' life cycle. It
 * never touches a socket itself, which is why the WebSocket bridge can
 * reuse it unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"

/* Most elements in one batch; bigger batches get one -32600. */
#define RPC_MAX_BATCH	1024

static const struct rpc_method *const rpc_tables[] = {
	rpc_daemon_methods,
	rpc_run_methods,
	rpc_log_methods,
	rpc_pipeline_methods,
	rpc_file_methods,
	rpc_fresh_methods,
	rpc_task_methods,
};

static json_t *rpc_handle_one(struct loomd *loomd, struct rpc_client *client,
    json_t *msg);
static char *rpc_id_text(const json_t *id);
static void rpc_client_kill(struct rpc_client *c, const char *reason);
static json_t *rpc_param_get(json_t *params, const char *name, bool required,
    struct rpc_error *err);

/* Fill a method's error unless one is set; data is stolen. */
void
rpc_error_set(struct rpc_error *err, int code, json_t *data, const char *fmt,
    ...)
{
	va_list ap;

	if (err->code != 0) {
		json_decref(data);
		return;
	}
	err->code = code;
	err->data = data;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

/* Search the group tables in order. */
const struct rpc_method *
rpc_find_method(const char *name)
{
	const struct rpc_method *m;
	size_t i;

	for (i = 0; i < sizeof rpc_tables / sizeof rpc_tables[0]; i++) {
		for (m = rpc_tables[i]; m->name != NULL; m++) {
			if (strcmp(m->name, name) == 0)
				return m;
		}
	}
	return NULL;
}

/* A new client for a transport's connection. */
struct rpc_client *
rpc_client_create(struct loomd *loomd, const struct rpc_transport *transport,
    void *ctx, uid_t uid, pid_t pid, const char *peer)
{
	struct rpc_client *c = xcalloc(1, sizeof *c);

	c->id = ++loomd->next_client_id;
	c->loomd = loomd;
	c->transport = transport;
	c->ctx = ctx;
	c->uid = uid;
	c->pid = pid;
	c->peer = xstrdup(peer != NULL ? peer : "?");
	TAILQ_INSERT_TAIL(&loomd->clients, c, entry);
	loomd->nclients++;
	log_info("client %llu connected (%s, %s)", (unsigned long long)c->id,
	    transport->name, c->peer);
	loomd_update_idle(loomd);
	return c;
}

/* Mark dead and drop subscriptions; shared by close and free. */
static void
rpc_client_kill(struct rpc_client *c, const char *reason)
{
	c->dead = true;
	c->loomd->nclients--;
	loomd_client_gone(c);
	log_info("client %llu closed: %s", (unsigned long long)c->id, reason);
}

/* Mark a client dead and ask its transport to close. */
void
rpc_client_close(struct rpc_client *client, const char *reason, bool flush)
{
	if (client == NULL || client->dead)
		return;
	rpc_client_kill(client, reason);
	client->transport->close(client->ctx, flush);
	loomd_update_idle(client->loomd);
}

/* Free a client whose connection is gone. */
void
rpc_client_free(struct rpc_client *client)
{
	struct loomd *loomd;

	if (client == NULL)
		return;
	loomd = client->loomd;
	if (!client->dead)
		rpc_client_kill(client, "connection gone");
	TAILQ_REMOVE(&loomd->clients, client, entry);
	free(client->peer);
	free(client->client_name);
	json_decref(client->env);
	free(client->cwd);
	free(client);
	loomd_update_idle(loomd);
}

/* Bytes the transport still holds for the client. */
size_t
rpc_client_queued(const struct rpc_client *client)
{
	if (client->dead)
		return 0;
	return client->transport->queued(client->ctx);
}

/* Queue an encoded message; close the client past the hard limit. */
int
rpc_client_send_text(struct rpc_client *client, const char *text, size_t len)
{
	size_t queued;
	char reason[96];

	if (client->dead)
		return -1;
	if (client->transport->send(client->ctx, text, len) == -1)
		return -1;
	queued = client->transport->queued(client->ctx);
	if (queued > LOOM_MAX_CLIENT_QUEUED) {
		snprintf(reason, sizeof reason,
		    "output buffer over limit (%zu bytes queued)", queued);
		log_warn("client %llu: %s", (unsigned long long)client->id,
		    reason);
		rpc_client_close(client, reason, false);
		return -1;
	}
	return 0;
}

/* Encode and queue one message. */
int
rpc_client_send(struct rpc_client *client, const json_t *msg)
{
	char *text;
	size_t len;
	int rc;

	if (client->dead)
		return -1;
	if ((text = jsonrpc_encode(msg, &len)) == NULL) {
		log_error("client %llu: cannot encode a message",
		    (unsigned long long)client->id);
		return -1;
	}
	rc = rpc_client_send_text(client, text, len);
	free(text);
	return rc;
}

/* Pass a descriptor to the peer, before the reply that follows. */
int
rpc_client_send_fd(struct rpc_client *client, int fd)
{
	if (client->dead || client->transport->send_fd == NULL) {
		close(fd);
		return -1;
	}
	return client->transport->send_fd(client->ctx, fd);
}

/* An id as text for the log ("7", "\"abc\"", "null"); owned. */
static char *
rpc_id_text(const json_t *id)
{
	char *text;

	if (id == NULL)
		return xstrdup("-");
	text = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
	return text != NULL ? text : xstrdup("?");
}

/*
 * Handle one request object (a whole message or a batch element).
 * Returns the reply (new reference) or NULL when none is due.
 */
static json_t *
rpc_handle_one(struct loomd *loomd, struct rpc_client *client, json_t *msg)
{
	struct jsonrpc_request req;
	struct jsonrpc_error jerr;
	struct rpc_error err;
	const struct rpc_method *m;
	json_t *reply_id, *result, *reply = NULL;
	char *idtext;

	if (jsonrpc_request_check(msg, &req, &reply_id, &jerr) == -1) {
		log_info("client %llu: %s", (unsigned long long)client->id,
		    jerr.message);
		return jsonrpc_error(reply_id, jerr.code, jerr.message, NULL);
	}
	idtext = rpc_id_text(req.id);
	log_debug("client %llu: %s id %s", (unsigned long long)client->id,
	    req.method, idtext);
	free(idtext);

	memset(&err, 0, sizeof err);
	if ((m = rpc_find_method(req.method)) == NULL) {
		rpc_error_set(&err, JSONRPC_METHOD_NOT_FOUND, NULL,
		    "method not found: %s", req.method);
		goto out;
	}
	if (!json_is_object(req.params)) {
		rpc_error_set(&err, JSONRPC_INVALID_PARAMS, NULL,
		    "params must be an object");
		goto out;
	}
	if (loomd->stopping && strncmp(req.method, "daemon.", 7) != 0) {
		rpc_error_set(&err, LOOM_ERR_SHUTDOWN, NULL,
		    "daemon shutting down");
		goto out;
	}
	result = m->handler(loomd, client, req.params, &err);
	if (result != NULL) {
		json_decref(err.data);
		if (req.id != NULL)
			reply = jsonrpc_result(req.id, result);
		else
			json_decref(result);
		jsonrpc_request_clear(&req);
		return reply;
	}
	if (err.code == 0)
		rpc_error_set(&err, JSONRPC_INTERNAL_ERROR, NULL,
		    "internal error in %s", req.method);
out:
	if (req.id != NULL)
		reply = jsonrpc_error(req.id, err.code, err.message, err.data);
	else
		json_decref(err.data);
	jsonrpc_request_clear(&req);
	return reply;
}

/* Parse, validate, call and reply for one framed message. */
void
rpc_dispatch_line(struct loomd *loomd, struct rpc_client *client,
    const char *text, size_t len)
{
	struct jsonrpc_error jerr;
	json_t *msg, *replies, *reply, *elem;
	size_t i;
	char *sample;

	if (client->dead)
		return;
	if ((msg = jsonrpc_parse(text, len, &jerr)) == NULL) {
		sample = log_escape(text, len, 80);
		log_info("client %llu: %s: %s", (unsigned long long)client->id,
		    jerr.message, sample);
		free(sample);
		reply = jsonrpc_error(NULL, jerr.code, jerr.message, NULL);
		rpc_client_send(client, reply);
		json_decref(reply);
		return;
	}
	if (!json_is_array(msg)) {
		reply = rpc_handle_one(loomd, client, msg);
		if (reply != NULL)
			rpc_client_send(client, reply);
		json_decref(reply);
		json_decref(msg);
		return;
	}
	if (json_array_size(msg) == 0 || json_array_size(msg) > RPC_MAX_BATCH) {
		reply = jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST,
		    json_array_size(msg) == 0 ? "invalid request: empty batch" :
		    "invalid request: batch too large", NULL);
		rpc_client_send(client, reply);
		json_decref(reply);
		json_decref(msg);
		return;
	}
	replies = json_array();
	json_array_foreach(msg, i, elem) {
		if ((reply = rpc_handle_one(loomd, client, elem)) != NULL)
			json_array_append_new(replies, reply);
	}
	if (json_array_size(replies) > 0)
		rpc_client_send(client, replies);
	json_decref(replies);
	json_decref(msg);
}

/* The member name of params, NULL when absent or JSON null. */
static json_t *
rpc_param_get(json_t *params, const char *name, bool required,
    struct rpc_error *err)
{
	json_t *v = json_object_get(params, name);

	if (v == NULL || json_is_null(v)) {
		if (required)
			rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
			    "missing parameter \"%s\"", name);
		return NULL;
	}
	return v;
}

/* A string parameter (borrowed), or NULL. */
const char *
rpc_param_string(json_t *params, const char *name, bool required,
    struct rpc_error *err)
{
	json_t *v = rpc_param_get(params, name, required, err);

	if (v == NULL)
		return NULL;
	if (!json_is_string(v)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be a string", name);
		return NULL;
	}
	return json_string_value(v);
}

/* An integer parameter within [min, max]. */
int
rpc_param_int(json_t *params, const char *name, bool required, long long min,
    long long max, long long *out, struct rpc_error *err)
{
	json_t *v = rpc_param_get(params, name, required, err);
	long long n;

	if (v == NULL)
		return required ? -1 : 0;
	if (!json_is_integer(v)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be an integer", name);
		return -1;
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be between %lld and %lld", name,
		    min, max);
		return -1;
	}
	*out = n;
	return 0;
}

/* A boolean parameter. */
int
rpc_param_bool(json_t *params, const char *name, bool required, bool *out,
    struct rpc_error *err)
{
	json_t *v = rpc_param_get(params, name, required, err);

	if (v == NULL)
		return required ? -1 : 0;
	if (!json_is_boolean(v)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be true or false", name);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* A list-of-strings parameter (borrowed), or NULL. */
json_t *
rpc_param_strings(json_t *params, const char *name, bool required,
    struct rpc_error *err)
{
	json_t *v = rpc_param_get(params, name, required, err), *item;
	size_t i;

	if (v == NULL)
		return NULL;
	if (!json_is_array(v)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be a list of strings", name);
		return NULL;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_string(item)) {
			rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
			    "parameter \"%s\" must be a list of strings", name);
			return NULL;
		}
	}
	return v;
}

/* An object parameter (borrowed), or NULL. */
json_t *
rpc_param_object(json_t *params, const char *name, bool required,
    struct rpc_error *err)
{
	json_t *v = rpc_param_get(params, name, required, err);

	if (v == NULL)
		return NULL;
	if (!json_is_object(v)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "parameter \"%s\" must be an object", name);
		return NULL;
	}
	return v;
}
