/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC 2.0 without I/O: a line framer with a size cap, parsing with
 * Loom's limits, request validation, and builders for requests, results,
 * errors and notifications. loomd's dispatcher (loomd/rpc.c), loomctl and
 * the fuzz target all use it. Framing is one JSON text per line; "\r\n"
 * ends a line too and blank lines are skipped (docs/protocol.md).
 *
 * jansson reference rules apply: functions documented as "stealing" take
 * the caller's reference; everything returned as json_t * is a new
 * reference unless said otherwise.
 */
#ifndef LOOM_COMMON_JSONRPC_H
#define LOOM_COMMON_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Deepest nesting of arrays and objects accepted in a message. */
#define JSONRPC_MAX_DEPTH	64

/* Longest error message carried in a struct jsonrpc_error. */
#define JSONRPC_ERROR_TEXT	256

/* --- line framing --- */

struct jsonrpc_framer;

enum jsonrpc_frame {
	JSONRPC_FRAME_NONE,	/* no complete line buffered yet */
	JSONRPC_FRAME_LINE,	/* *line and *len hold one line */
	JSONRPC_FRAME_TOO_LONG,	/* a line exceeds the cap: stop reading */
};

/*
 * A framer that keeps at most max_line bytes of an unfinished line (the
 * newline and a preceding '\r' do not count). Never returns NULL.
 */
struct jsonrpc_framer *jsonrpc_framer_create(size_t max_line);
void jsonrpc_framer_free(struct jsonrpc_framer *f);

/*
 * Append len bytes read from the peer. After TOO_LONG has been reported
 * further input is ignored. The framer never holds more than max_line
 * plus one call's len bytes.
 */
void jsonrpc_framer_feed(struct jsonrpc_framer *f, const void *data,
    size_t len);

/*
 * The next complete, non-blank line without its "\n" or "\r\n". *line
 * is borrowed: valid until the next feed, next or free. Once TOO_LONG is
 * returned it is returned for good (the rest of the stream cannot be
 * framed reliably: reply with an error and close).
 */
enum jsonrpc_frame jsonrpc_framer_next(struct jsonrpc_framer *f,
    const char **line, size_t *len);

/* Bytes currently held (for limits and tests). */
size_t jsonrpc_framer_buffered(const struct jsonrpc_framer *f);

/* --- parsing and validation --- */

/* An error to report: code (JSON-RPC or Loom's -320xx) and message. */
struct jsonrpc_error {
	int code;
	char message[JSONRPC_ERROR_TEXT];
};

/*
 * Parse one message: UTF-8 checked, duplicate keys rejected, nesting
 * limited to JSONRPC_MAX_DEPTH, numbers that do not fit (1e400, 2^64)
 * rejected, "\u0000" rejected. Any JSON value is returned (validation
 * decides whether it is a request). Returns a new reference, or NULL with
 * err set to -32700 and a message naming the position.
 */
json_t *jsonrpc_parse(const char *text, size_t len, struct jsonrpc_error *err);

/* A validated request or notification; members borrowed from the message. */
struct jsonrpc_request {
	const char *method;
	json_t *params;		/* object or array; {} when absent */
	json_t *id;		/* string, number or null; NULL: notification */
	json_t *owned;		/* the empty object made for absent params */
};

/*
 * Check that msg (one element, not a batch) is a JSON-RPC 2.0 request
 * object: "jsonrpc" exactly "2.0", a string "method", "params" (when
 * present) an object or array, "id" (when present) a string, number or
 * null. Structure only: Loom's rule that params be an object is the
 * dispatcher's (-32602, and notifications get no reply). On success
 * fills req and returns 0; release it with jsonrpc_request_clear. On
 * failure returns -1 with err set to -32600 and *reply_id set to the
 * borrowed id to answer with, or NULL for id null. Invalid messages are
 * answered even without an "id", as the specification asks.
 */
int jsonrpc_request_check(json_t *msg, struct jsonrpc_request *req,
    json_t **reply_id, struct jsonrpc_error *err);
/* Release what jsonrpc_request_check allocated in req. */
void jsonrpc_request_clear(struct jsonrpc_request *req);

/* --- builders --- */

/*
 * {"jsonrpc":"2.0","id":id,"result":result}; id borrowed (NULL: null),
 * result stolen.
 */
json_t *jsonrpc_result(json_t *id, json_t *result);
/*
 * {"jsonrpc":"2.0","id":id,"error":{"code","message","data"?}}; id
 * borrowed (NULL: null), data stolen (may be NULL).
 */
json_t *jsonrpc_error(json_t *id, int code, const char *message, json_t *data);
/* {"jsonrpc":"2.0","method":method,"params":params}; params stolen. */
json_t *jsonrpc_notification(const char *method, json_t *params);
/* A request with an integer id, for clients; params stolen (NULL: {}). */
json_t *jsonrpc_request(long long id, const char *method, json_t *params);

/*
 * Encode msg compactly as one line without the newline (JSON escapes
 * every control character, so the text never holds one). Returns an
 * owned string and its length in *len, or NULL when msg cannot be encoded
 * (e.g. invalid UTF-8 put into a string by the caller).
 */
char *jsonrpc_encode(const json_t *msg, size_t *len);

#endif
