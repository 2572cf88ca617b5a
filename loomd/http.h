/* SPDX-License-Identifier: MIT */
/*
 * The editor's HTTP listener (the browser bridge): evhttp on 127.0.0.1
 * only, started once by ui.open. It serves the editor's static files,
 * raw file previews confined to an opened folder, and upgrades /ws to a
 * WebSocket (ws.c) that speaks the same JSON-RPC as the Unix socket.
 *
 * Every request passes http_check_request, the one function that decides
 * on the token, the Host header and (for the upgrade) the Origin header
 * (docs/editor.md). It is pure, so tests can feed it any header set.
 * This module does not speak WebSocket frames (ws.c) nor JSON-RPC
 * (rpc.c); it never sends CORS headers.
 */
#ifndef LOOM_LOOMD_HTTP_H
#define LOOM_LOOMD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct loomd;
struct loom_error;
struct web_state;

/* Limits of the listener (RELIABILITY W3, W12, W13). */
#define HTTP_MAX_HEADERS_SIZE	(16 * 1024)	/* request line + headers */
#define HTTP_MAX_BODY_SIZE	(64 * 1024)	/* no endpoint takes a body */
/* For a whole request to arrive ($LOOMD_HTTP_TIMEOUT overrides). */
#define HTTP_TIMEOUT_SECS	15
#define HTTP_MAX_WS_CLIENTS	64		/* open editor connections */
#define HTTP_MAX_CONNECTIONS	256		/* other HTTP connections */
#define HTTP_TOKEN_BYTES	24		/* 192 random bits, as hex */
#define HTTP_TOKEN_HEX		(2 * HTTP_TOKEN_BYTES + 1)
/* The bridge waits max(idle timeout, this) for a first editor. */
#define HTTP_FIRST_CONNECT_MIN_MS	10000
#define HTTP_MAX_PREVIEW	(64u * 1024 * 1024)	/* raw file bytes */

/* What the security check needs to know about one request. */
struct http_request_info {
	int major;			/* HTTP version */
	int minor;
	const char *host;		/* the Host header, NULL when absent */
	int nhost;			/* how many Host headers were sent */
	const char *origin;		/* the Origin header, or NULL */
	int norigin;
	const char *cookie;		/* the Cookie header, or NULL */
	const char *query_token;	/* ?token=, NULL when absent */
	bool upgrade;			/* a WebSocket upgrade */
};

/* The bridge's own identity, for the check. */
struct http_guard {
	int port;			/* the port the listener is bound to */
	const char *token;		/* the daemon's token, lower-case hex */
};

/*
 * Decide whether a request may go on. Returns 0 when it may, else the
 * HTTP status to answer with and nothing else: 400 for a malformed or
 * missing Host on HTTP/1.1 (or a duplicated Host or Origin), 403 for a
 * Host that is not exactly 127.0.0.1:PORT or localhost:PORT, for an
 * upgrade whose Origin is not http://127.0.0.1:PORT or
 * http://localhost:PORT, for a foreign Origin on any request, and for a
 * missing or wrong token (compared in constant time). The token comes
 * from the cookie named by http_cookie_name or from ?token=;
 * *token_from_query (may be NULL) says which. *why (may be NULL) gets a
 * static reason for the log.
 */
int http_check_request(const struct http_guard *g,
    const struct http_request_info *ri, bool *token_from_query,
    const char **why);

/* The cookie name for port ("loom_token_PORT") into buf. */
void http_cookie_name(int port, char *buf, size_t size);

/*
 * True when rel (a path inside the editor's folder) names one of the
 * bundle's content-hashed files, "assets/NAME-HASH.js" or ".css" with an
 * 8-character hash: its bytes never change under that name, so it is
 * served as cacheable for a year (immutable) and the browser can keep its
 * compiled code between visits. Every other response is "no-store".
 */
bool http_is_hashed_asset(const char *rel);

/*
 * Open the editor on a target (a pipeline file or a folder): start the
 * listener on first use (port 0 for an ephemeral one), remember the
 * target, its root folder (the file's folder, or the folder itself) and
 * the environment and working folder of the caller (env borrowed, may be
 * NULL), which runs started from this editor use. Returns an object
 * {"url", "port", "target", "kind", "path", "root"} (a new reference),
 * or NULL with err set. A different port than the running listener's is
 * an error naming the port in use.
 */
json_t *http_ui_open(struct loomd *loomd, const char *path, bool is_new,
    int port, json_t *env, const char *cwd, struct loom_error *err);

/*
 * The target with index id: {"kind", "path", "root"} (a new reference),
 * or NULL when there is none.
 */
json_t *http_target_json(struct loomd *loomd, long id);

/* The environment (borrowed, may be NULL) recorded for target id. */
json_t *http_target_env(struct loomd *loomd, long id);
/* The working folder (borrowed, may be NULL) recorded for target id. */
const char *http_target_cwd(struct loomd *loomd, long id);

/*
 * True while the bridge must keep the daemon alive: an editor is
 * connected, or no editor has connected yet since the last ui.open and
 * less than the idle timeout (at least HTTP_FIRST_CONNECT_MIN_MS) has
 * passed.
 */
bool http_is_busy(struct loomd *loomd);

/* Count a WebSocket connection that opened (+1) or went away (-1). */
void http_ws_count(struct loomd *loomd, int delta);

/* The listener's port, 0 when not listening. */
int http_port(struct loomd *loomd);

/* Close every editor connection (daemon shutdown). */
void http_shutdown(struct loomd *loomd);

/* Stop listening and free the bridge. NULL web state is fine. */
void http_free(struct loomd *loomd);

#endif
