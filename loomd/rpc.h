/* SPDX-License-Identifier: MIT */
/*
 * The JSON-RPC layer of loomd, independent of the transport. A transport
 * (conn.c for the Unix socket, ws.c for the browser bridge) creates one
 * struct rpc_client per connection with a small vtable, hands every
 * complete message to rpc_dispatch_line and frees the client when its
 * connection is gone. rpc.c parses, validates (batches included), finds
 * the method in the group tables below, calls it and sends the reply.
 *
 * Method groups live in loomd/rpc-<group>.c; each defines one const
 * table ending with an entry whose name is NULL:
 *   rpc_daemon_methods    rpc-daemon.c    daemon.*
 *   rpc_run_methods       rpc-run.c       run.*
 *   rpc_log_methods       rpc-logs.c      log.*
 *   rpc_pipeline_methods  rpc-pipeline.c  pipeline.*
 *   rpc_file_methods      rpc-files.c     file.*
 *   rpc_fresh_methods     rpc-fresh.c     fresh.*
 *   rpc_task_methods      rpc-tasks.c     task.*
 * They are searched in that order; the first match wins.
 */
#ifndef LOOM_LOOMD_RPC_H
#define LOOM_LOOMD_RPC_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jsontext_writer;
struct loomd;
struct rpc_call;
struct rpc_client;
struct rpc_deferred;
struct notify_sub;

/*
 * What a transport offers. ctx is the transport's connection object.
 * None of these may free anything synchronously: a transport marks its
 * connection dead and frees it on a later loop pass (loomd_defer_free).
 */
struct rpc_transport {
	const char *name;	/* "unix", "websocket": for logs */
	/*
	 * Queue one complete JSON text (no newline; the transport adds its
	 * own framing). Returns 0, or -1 when the connection is closing.
	 */
	int (*send)(void *ctx, const char *text, size_t len);
	/*
	 * Queue an event (a notification) the same way; it may be held a
	 * little (until the client's event rate, set_event_rate, has
	 * passed since the last write to it) to leave with others, but
	 * never after anything queued later. NULL: send.
	 */
	int (*send_event)(void *ctx, const char *text, size_t len);
	/*
	 * Write held events at the end of this loop pass, with whatever is
	 * queued until then. NULL when send_event holds nothing.
	 */
	void (*flush)(void *ctx);
	/*
	 * Hold events so that this client is written to at most once per
	 * ms (daemon.hello's event_rate_ms; 0: never held). NULL when
	 * send_event holds nothing.
	 */
	void (*set_event_rate)(void *ctx, int ms);
	/* Bytes accepted by send and not yet written to the peer. */
	size_t (*queued)(void *ctx);
	/*
	 * Close the connection: after writing what is queued when flush is
	 * true (close after reply), at once otherwise.
	 */
	void (*close)(void *ctx, bool flush);
	/*
	 * Pass an open file descriptor to the peer (SCM_RIGHTS), taking it
	 * over: it travels with a byte queued no later than the next text
	 * sent, so it arrives before or with the reply that follows. NULL
	 * for a transport that cannot carry descriptors (WebSocket).
	 * Returns 0, or -1 (fd closed) when it cannot be passed.
	 */
	int (*send_fd)(void *ctx, int fd);
};

/*
 * One client of the daemon, whatever its transport. Owned by the
 * transport's connection; listed in loomd->clients while it exists. The
 * fields are read-only outside rpc.c and notify.c except where a comment
 * names another owner.
 */
struct rpc_client {
	uint64_t id;			/* unique in this daemon, for logs */
	struct loomd *loomd;
	const struct rpc_transport *transport;
	void *ctx;			/* the transport's connection */
	uid_t uid;			/* peer credentials from the kernel */
	pid_t pid;			/* -1 when unknown (TCP) */
	char *peer;			/* "pid 123" or "127.0.0.1:5000" */
	bool dead;			/* closed or closing: send nothing */
	bool hello;			/* daemon.hello succeeded */
	int protocol;			/* client's version, 0 before hello */
	char *client_name;		/* from daemon.hello, or NULL */
	bool editor;			/* an editor session (set by web) */
	/*
	 * The environment and working folder of the ui.open behind an
	 * editor connection (set by its transport when the connection is
	 * made; NULL for other clients). run.start applies them to a
	 * request that carries no "env" (and no "cwd"), for single
	 * requests and batches alike. Owned.
	 */
	json_t *env;
	char *cwd;
	void *data;			/* free for the transport's own use */

	/* Replies promised by rpc_defer and not sent yet (rpc.c). */
	LIST_HEAD(, rpc_deferred) deferred;
	struct rpc_call *call;		/* the request being handled, or NULL */

	/* Subscriptions (notify.c). */
	bool sub_all;			/* events of every run */
	bool no_output;			/* no run.output (subscribed with
					   "output": false) */
	struct notify_sub *subs;	/* per-run subscriptions and gaps */
	bool fold_fresh;		/* one run.steps_fresh for the steps
					   up to date ("fold_fresh") */
	unsigned long long live_max;	/* live output per stream, in bytes
					   of its log (0: no limit), then a
					   run.output_gap ("live_max") */

	TAILQ_ENTRY(rpc_client) entry;	/* loomd->clients */
};

/* A method's failure: code, message and optional data for error.data. */
struct rpc_error {
	int code;
	char message[256];
	json_t *data;			/* owned; NULL when none */
};

/*
 * Set err (first set wins; later calls only free their data). data is
 * stolen and may be NULL.
 */
void rpc_error_set(struct rpc_error *err, int code, json_t *data,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A method handler. params is always an object (borrowed). Returns the
 * result (a new reference, e.g. json_pack(...)), or NULL with err set.
 * A handler may send notifications to client before its reply but must
 * not free it; client->dead may be true when the peer already left.
 */
typedef json_t *rpc_handler_fn(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);

struct rpc_method {
	const char *name;		/* "group.verb"; NULL ends a table */
	rpc_handler_fn *handler;
};

extern const struct rpc_method rpc_daemon_methods[];
extern const struct rpc_method rpc_run_methods[];
extern const struct rpc_method rpc_log_methods[];
extern const struct rpc_method rpc_pipeline_methods[];
extern const struct rpc_method rpc_file_methods[];
extern const struct rpc_method rpc_fresh_methods[];
extern const struct rpc_method rpc_task_methods[];

/*
 * A task script's front matter as JSON (docs/protocol.md, pipeline.open),
 * or JSON null when it has none or cannot be read (rpc-pipeline.c).
 */
json_t *rpc_pipeline_frontmatter(const char *path);

/*
 * A reply that comes later. A handler whose work goes elsewhere (the
 * hashing worker: a freshness check) calls rpc_defer and returns NULL
 * with err unset; the request is answered by rpc_deferred_reply, on the
 * loop, whenever the work is done. Meanwhile the client may send other
 * requests and be answered; a batch's reply goes out once every element
 * of it is answered. When the client is gone by then, the reply is
 * dropped (rpc_deferred_client says so beforehand).
 */
struct rpc_deferred *rpc_defer(struct rpc_client *client);
/* The client waiting for d, or NULL when it has gone (or is closing). */
struct rpc_client *rpc_deferred_client(const struct rpc_deferred *d);
/*
 * Answer d with result (stolen), or with err when result is NULL (its
 * data stolen), and free d.
 */
void rpc_deferred_reply(struct rpc_deferred *d, json_t *result,
    struct rpc_error *err);
/*
 * A large result written as text, without a jansson tree (as events are,
 * notify.h): rpc_deferred_text_begin starts d's reply in w with its
 * result object opened; the caller adds the result's members, then
 * rpc_deferred_reply_text closes it and answers d (an internal error
 * when the text could not be made: a string not UTF-8), and frees d.
 */
void rpc_deferred_text_begin(const struct rpc_deferred *d,
    struct jsontext_writer *w);
void rpc_deferred_reply_text(struct rpc_deferred *d,
    struct jsontext_writer *w);

/* The method called name, or NULL. */
const struct rpc_method *rpc_find_method(const char *name);

/*
 * Create a client for a new connection and add it to loomd->clients.
 * peer is copied. Never returns NULL.
 */
struct rpc_client *rpc_client_create(struct loomd *loomd,
    const struct rpc_transport *transport, void *ctx, uid_t uid, pid_t pid,
    const char *peer);

/*
 * Close a client: marks it dead, drops its subscriptions, logs reason
 * and asks the transport to close (flushing queued replies when flush is
 * true). Safe to call more than once and from any callback; the client
 * stays allocated until its transport calls rpc_client_free.
 */
void rpc_client_close(struct rpc_client *client, const char *reason,
    bool flush);

/*
 * Free a client once its connection is gone (the transport calls this
 * from a deferred free, never from a callback of this client). Removes
 * it from loomd->clients and re-checks the idle state. NULL is fine.
 */
void rpc_client_free(struct rpc_client *client);

/*
 * Send one message to client (msg borrowed). Returns 0, or -1 when the
 * client is dead or could not take it. A client whose queued output goes
 * over LOOM_MAX_CLIENT_QUEUED (common/util/protocol.h) is closed.
 */
int rpc_client_send(struct rpc_client *client, const json_t *msg);
/* rpc_client_send for an event: the transport may hold it a little. */
int rpc_client_send_event(struct rpc_client *client, const json_t *msg);

/*
 * Pass fd to client ahead of the reply its handler is about to return
 * (log.open). Takes fd over. Returns 0, or -1 (fd closed) when the
 * client is dead or its transport cannot carry descriptors.
 */
int rpc_client_send_fd(struct rpc_client *client, int fd);
/* Send an already encoded JSON text (no newline). Same rules. */
int rpc_client_send_text(struct rpc_client *client, const char *text,
    size_t len);
/*
 * Send an encoded event (notify.c): it may wait for later events to leave
 * in one write (the transport's send_event), but never overtakes them or
 * a reply. Same rules, and what it holds counts as queued.
 */
int rpc_client_send_event_text(struct rpc_client *client, const char *text,
    size_t len);
/*
 * The events held for client leave at the end of this loop pass, and so
 * do those sent until then: the client acts on them at once.
 */
void rpc_client_flush(struct rpc_client *client);
/* Bytes the transport holds for this client (0 when dead). */
size_t rpc_client_queued(const struct rpc_client *client);

/*
 * Handle one framed message from client: parse and validate it per
 * JSON-RPC 2.0 (batches included), call each method and send the reply
 * (nothing for notifications). Errors in the message are answered, the
 * connection stays open. This is the only entry point for requests; the
 * Unix socket and the WebSocket bridge both use it.
 */
void rpc_dispatch_line(struct loomd *loomd, struct rpc_client *client,
    const char *text, size_t len);

/*
 * Parameter helpers for handlers. A wrong type or a missing required
 * member sets err to -32602 naming the member. The pointer forms return
 * the member (borrowed), NULL when absent (err untouched) or wrong (err
 * set: test err->code). The int and bool forms return 0 and store into
 * *out (left unchanged when the member is absent), or -1 with err set.
 * A JSON null counts as absent.
 */
const char *rpc_param_string(json_t *params, const char *name, bool required,
    struct rpc_error *err);
int rpc_param_int(json_t *params, const char *name, bool required,
    long long min, long long max, long long *out, struct rpc_error *err);
int rpc_param_bool(json_t *params, const char *name, bool required,
    bool *out, struct rpc_error *err);
/* An array (borrowed) whose items are all strings; NULL when absent. */
json_t *rpc_param_strings(json_t *params, const char *name, bool required,
    struct rpc_error *err);
/* An object (borrowed); NULL when absent. */
json_t *rpc_param_object(json_t *params, const char *name, bool required,
    struct rpc_error *err);

#endif
