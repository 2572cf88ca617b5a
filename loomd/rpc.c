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
#include "common/util/jsontext.h"
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

/* A batch whose reply waits for its deferred elements (rpc_defer). */
struct rpc_batch {
	json_t *replies;
	size_t pending;			/* deferred elements not answered */
	bool open;			/* still being dispatched */
};

/* The request a handler is called for (client->call). */
struct rpc_call {
	json_t *id;			/* borrowed; NULL: a notification */
	const char *method;
	struct rpc_batch *batch;	/* NULL: not in a batch */
	bool deferred;			/* the handler called rpc_defer */
};

struct rpc_deferred {
	struct rpc_client *client;	/* NULL once it is freed */
	json_t *id;			/* NULL: a notification */
	char *method;
	struct rpc_batch *batch;
	LIST_ENTRY(rpc_deferred) entry;	/* client->deferred */
};

static json_t *rpc_handle_one(struct loomd *loomd, struct rpc_client *client,
    json_t *msg, struct rpc_batch *batch);
static void rpc_batch_finish(struct rpc_batch *batch,
    struct rpc_client *client);
static char *rpc_id_text(const json_t *id);
static void rpc_deferred_free(struct rpc_deferred *d);
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
	LIST_INIT(&c->deferred);
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
	struct rpc_deferred *d;
	struct loomd *loomd;

	if (client == NULL)
		return;
	loomd = client->loomd;
	if (!client->dead)
		rpc_client_kill(client, "connection gone");
	/* Work still under way for it answers no one. */
	while ((d = LIST_FIRST(&client->deferred)) != NULL) {
		LIST_REMOVE(d, entry);
		d->client = NULL;
	}
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
static int
rpc_client_queue(struct rpc_client *client, const char *text, size_t len,
    bool event)
{
	const struct rpc_transport *t = client->transport;
	size_t queued;
	char reason[96];

	if (client->dead)
		return -1;
	if ((event && t->send_event != NULL ? t->send_event : t->send)(
	    client->ctx, text, len) == -1)
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

int
rpc_client_send_text(struct rpc_client *client, const char *text, size_t len)
{
	return rpc_client_queue(client, text, len, false);
}

int
rpc_client_send_event_text(struct rpc_client *client, const char *text,
    size_t len)
{
	return rpc_client_queue(client, text, len, true);
}

void
rpc_client_flush(struct rpc_client *client)
{
	if (!client->dead && client->transport->flush != NULL)
		client->transport->flush(client->ctx);
}

/* Encode and queue one message, an event when event is true. */
static int
rpc_client_encode(struct rpc_client *client, const json_t *msg, bool event)
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
	rc = rpc_client_queue(client, text, len, event);
	free(text);
	return rc;
}

int
rpc_client_send(struct rpc_client *client, const json_t *msg)
{
	return rpc_client_encode(client, msg, false);
}

int
rpc_client_send_event(struct rpc_client *client, const json_t *msg)
{
	return rpc_client_encode(client, msg, true);
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
rpc_handle_one(struct loomd *loomd, struct rpc_client *client, json_t *msg,
    struct rpc_batch *batch)
{
	struct jsonrpc_request req;
	struct jsonrpc_error jerr;
	struct rpc_error err;
	struct rpc_call call;
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
	call.id = req.id;
	call.method = req.method;
	call.batch = batch;
	call.deferred = false;
	client->call = &call;
	result = m->handler(loomd, client, req.params, &err);
	client->call = NULL;
	if (call.deferred) {
		/* Answered by rpc_deferred_reply, now or later. */
		LOOM_ASSERT(result == NULL && err.code == 0);
		jsonrpc_request_clear(&req);
		return NULL;
	}
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
	struct rpc_batch *batch;
	json_t *msg, *reply, *elem;
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
		reply = rpc_handle_one(loomd, client, msg, NULL);
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
	batch = xcalloc(1, sizeof *batch);
	batch->replies = json_array();
	batch->open = true;
	json_array_foreach(msg, i, elem) {
		if ((reply = rpc_handle_one(loomd, client, elem, batch)) != NULL)
			json_array_append_new(batch->replies, reply);
	}
	batch->open = false;
	if (batch->pending == 0)
		rpc_batch_finish(batch, client);
	json_decref(msg);
}

/* Send a batch's replies (when client is still there) and free it. */
static void
rpc_batch_finish(struct rpc_batch *batch, struct rpc_client *client)
{
	if (client != NULL && json_array_size(batch->replies) > 0)
		rpc_client_send(client, batch->replies);
	json_decref(batch->replies);
	free(batch);
}

struct rpc_deferred *
rpc_defer(struct rpc_client *client)
{
	struct rpc_call *call = client->call;
	struct rpc_deferred *d;

	LOOM_ASSERT(call != NULL && !call->deferred);
	call->deferred = true;
	d = xcalloc(1, sizeof *d);
	d->client = client;
	d->id = call->id != NULL ? json_incref(call->id) : NULL;
	d->method = xstrdup(call->method);
	if ((d->batch = call->batch) != NULL)
		d->batch->pending++;
	LIST_INSERT_HEAD(&client->deferred, d, entry);
	return d;
}

struct rpc_client *
rpc_deferred_client(const struct rpc_deferred *d)
{
	return d->client != NULL && !d->client->dead ? d->client : NULL;
}

void
rpc_deferred_reply(struct rpc_deferred *d, json_t *result,
    struct rpc_error *err)
{
	struct rpc_client *client = rpc_deferred_client(d);
	json_t *reply = NULL;

	if (result == NULL && err->code == 0)
		rpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL,
		    "internal error in %s", d->method);
	if (d->id == NULL) {
		json_decref(result);
		if (result == NULL)
			json_decref(err->data);
	} else if (result != NULL)
		reply = jsonrpc_result(d->id, result);
	else
		reply = jsonrpc_error(d->id, err->code, err->message,
		    err->data);
	if (result == NULL)
		err->data = NULL;
	if (d->batch != NULL) {
		if (reply != NULL)
			json_array_append_new(d->batch->replies, reply);
		reply = NULL;
		if (--d->batch->pending == 0 && !d->batch->open)
			rpc_batch_finish(d->batch, client);
	} else if (reply != NULL && client != NULL)
		rpc_client_send(client, reply);
	json_decref(reply);
	rpc_deferred_free(d);
}

/* d is answered: say so, and free it. */
static void
rpc_deferred_free(struct rpc_deferred *d)
{
	log_debug("client %llu: %s answered%s", d->client != NULL ?
	    (unsigned long long)d->client->id : 0ULL, d->method,
	    rpc_deferred_client(d) == NULL ? " (the client has gone)" : "");
	if (d->client != NULL)
		LIST_REMOVE(d, entry);
	json_decref(d->id);
	free(d->method);
	free(d);
}

void
rpc_deferred_text_begin(const struct rpc_deferred *d,
    struct jsontext_writer *w)
{
	jsontext_begin(w, NULL);
	jsontext_add_string(w, "jsonrpc", "2.0");
	if (d->id != NULL)
		jsontext_add_value(w, "id", d->id);
	else
		jsontext_add_null(w, "id");
	jsontext_open(w, "result", '{');
}

void
rpc_deferred_reply_text(struct rpc_deferred *d, struct jsontext_writer *w)
{
	struct rpc_client *client = rpc_deferred_client(d);
	struct rpc_error err;
	json_t *msg;
	char *text;
	size_t len;

	jsontext_close(w, '}');
	memset(&err, 0, sizeof err);
	if ((text = jsontext_end(w, &len)) == NULL) {
		rpc_deferred_reply(d, NULL, &err);
		return;
	}
	/* A batch gathers its replies as values (rarely: the editor). */
	if (d->batch != NULL) {
		msg = json_loadb(text, len, 0, NULL);
		free(text);
		rpc_deferred_reply(d, msg != NULL ? json_incref(json_object_get(
		    msg, "result")) : NULL, &err);
		json_decref(msg);
		return;
	}
	if (d->id != NULL && client != NULL)
		rpc_client_send_text(client, text, len);
	free(text);
	rpc_deferred_free(d);
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
