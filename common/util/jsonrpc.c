/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC 2.0 helpers: the line framer, parsing under Loom's limits,
 * request validation and message builders. Pure: no I/O, no clock, no
 * global state, so the fuzz target and unit tests drive it directly.
 *
 * The framer keeps one buffer with a consumed prefix and a scan mark, so
 * a line arriving one byte at a time is scanned once (not quadratically)
 * and nothing beyond the cap plus one feed is ever held.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/jsonrpc.h"
#include "common/util/jsontext.h"
#include "common/util/xmalloc.h"

struct jsonrpc_framer {
	char *buf;
	size_t start;		/* first unconsumed byte */
	size_t scan;		/* bytes before this hold no newline */
	size_t len;		/* bytes in buf */
	size_t cap;		/* allocated size of buf */
	size_t max_line;
	bool too_long;
};

static void jsonrpc_error_fmt(struct jsonrpc_error *err, int code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int jsonrpc_check_depth(const char *text, size_t len,
    struct jsonrpc_error *err);
static bool jsonrpc_is_blank(const char *line, size_t len);
static void jsonrpc_framer_overflow(struct jsonrpc_framer *f);

/* A framer for lines of at most max_line bytes. */
struct jsonrpc_framer *
jsonrpc_framer_create(size_t max_line)
{
	struct jsonrpc_framer *f = xcalloc(1, sizeof *f);

	f->max_line = max_line;
	return f;
}

/* Free a framer; NULL is fine. */
void
jsonrpc_framer_free(struct jsonrpc_framer *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	free(f);
}

/* Append bytes read from the peer. */
void
jsonrpc_framer_feed(struct jsonrpc_framer *f, const void *data, size_t len)
{
	size_t need;

	if (f->too_long || len == 0)
		return;
	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->len - f->start);
		f->len -= f->start;
		f->scan -= f->start;
		f->start = 0;
	}
	need = f->len + len + 1;
	if (need > f->cap) {
		f->cap = need < 4096 ? 4096 : need + need / 2;
		f->buf = xrealloc(f->buf, f->cap);
	}
	memcpy(f->buf + f->len, data, len);
	f->len += len;
}

/* A line went over the cap: drop everything, for good. */
static void
jsonrpc_framer_overflow(struct jsonrpc_framer *f)
{
	f->too_long = true;
	free(f->buf);
	f->buf = NULL;
	f->start = f->scan = f->len = f->cap = 0;
}

/* True for a line holding only spaces and tabs. */
static bool
jsonrpc_is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	}
	return true;
}

/* The next complete non-blank line, or NONE or TOO_LONG. */
enum jsonrpc_frame
jsonrpc_framer_next(struct jsonrpc_framer *f, const char **line, size_t *len)
{
	char *nl, *p;
	size_t n;

	for (;;) {
		if (f->too_long)
			return JSONRPC_FRAME_TOO_LONG;
		nl = NULL;
		if (f->len > f->scan)
			nl = memchr(f->buf + f->scan, '\n', f->len - f->scan);
		if (nl == NULL) {
			f->scan = f->len;
			/* Room for a '\r' that may precede the newline. */
			if (f->len - f->start > f->max_line + 1) {
				jsonrpc_framer_overflow(f);
				continue;
			}
			return JSONRPC_FRAME_NONE;
		}
		p = f->buf + f->start;
		n = (size_t)(nl - p);
		f->start += n + 1;
		f->scan = f->start;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > f->max_line) {
			jsonrpc_framer_overflow(f);
			continue;
		}
		p[n] = '\0';
		if (jsonrpc_is_blank(p, n))
			continue;
		*line = p;
		*len = n;
		return JSONRPC_FRAME_LINE;
	}
}

/* Bytes held, for limits and tests. */
size_t
jsonrpc_framer_buffered(const struct jsonrpc_framer *f)
{
	return f->len - f->start;
}

static void
jsonrpc_error_fmt(struct jsonrpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

/*
 * Refuse nesting deeper than JSONRPC_MAX_DEPTH before jansson sees the
 * text: its own limit (2048) is far above anything Loom needs, and a
 * shallow limit keeps every later walk of a message cheap.
 */
static int
jsonrpc_check_depth(const char *text, size_t len, struct jsonrpc_error *err)
{
	size_t i, depth = 0;
	bool in_string = false;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{') {
			if (++depth > JSONRPC_MAX_DEPTH) {
				jsonrpc_error_fmt(err, -32700,
				    "parse error: nesting deeper than %d at "
				    "byte %zu", JSONRPC_MAX_DEPTH, i + 1);
				return -1;
			}
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/* Parse one message under Loom's limits (new reference). */
json_t *
jsonrpc_parse(const char *text, size_t len, struct jsonrpc_error *err)
{
	json_error_t jerr;
	json_t *msg;

	if (jsonrpc_check_depth(text, len, err) == -1)
		return NULL;
	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (msg == NULL) {
		jsonrpc_error_fmt(err, -32700, "parse error: %s at byte %d",
		    jerr.text, jerr.position);
		return NULL;
	}
	return msg;
}

/* Check one request object: 0, or -1 with the error to send. */
int
jsonrpc_request_check(json_t *msg, struct jsonrpc_request *req,
    json_t **reply_id, struct jsonrpc_error *err)
{
	json_t *version, *method, *params, *id;

	memset(req, 0, sizeof *req);
	*reply_id = NULL;
	if (!json_is_object(msg)) {
		jsonrpc_error_fmt(err, -32600,
		    "invalid request: not an object");
		return -1;
	}
	id = json_object_get(msg, "id");
	if (id != NULL && !json_is_string(id) && !json_is_number(id) &&
	    !json_is_null(id)) {
		jsonrpc_error_fmt(err, -32600,
		    "invalid request: id must be a string, a number or null");
		return -1;
	}
	*reply_id = id;
	version = json_object_get(msg, "jsonrpc");
	if (!json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0) {
		jsonrpc_error_fmt(err, -32600,
		    "invalid request: \"jsonrpc\" must be \"2.0\"");
		return -1;
	}
	method = json_object_get(msg, "method");
	if (!json_is_string(method)) {
		jsonrpc_error_fmt(err, -32600,
		    "invalid request: \"method\" must be a string");
		return -1;
	}
	params = json_object_get(msg, "params");
	if (params != NULL && !json_is_object(params) &&
	    !json_is_array(params)) {
		jsonrpc_error_fmt(err, -32600,
		    "invalid request: \"params\" must be an object");
		return -1;
	}
	req->method = json_string_value(method);
	req->id = id;
	if (params == NULL)
		params = req->owned = json_object();
	req->params = params;
	return 0;
}

/* Release what the check allocated. */
void
jsonrpc_request_clear(struct jsonrpc_request *req)
{
	json_decref(req->owned);
	memset(req, 0, sizeof *req);
}

/* A result reply (new reference). */
json_t *
jsonrpc_result(json_t *id, json_t *result)
{
	json_t *msg = json_object();

	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_object_set_new(msg, "id", id != NULL ? json_incref(id) :
	    json_null());
	json_object_set_new(msg, "result", result != NULL ? result :
	    json_null());
	return msg;
}

/* An error reply (new reference). */
json_t *
jsonrpc_error(json_t *id, int code, const char *message, json_t *data)
{
	json_t *msg = json_object(), *e = json_object(), *text;

	/* A message built from user input may hold invalid UTF-8. */
	text = json_string(message);
	if (text == NULL)
		text = json_string("(message not valid UTF-8)");
	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", text);
	if (data != NULL)
		json_object_set_new(e, "data", data);
	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_object_set_new(msg, "id", id != NULL ? json_incref(id) :
	    json_null());
	json_object_set_new(msg, "error", e);
	return msg;
}

/* A notification (new reference). */
json_t *
jsonrpc_notification(const char *method, json_t *params)
{
	json_t *msg = json_object();

	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_object_set_new(msg, "method", json_string(method));
	json_object_set_new(msg, "params", params != NULL ? params :
	    json_object());
	return msg;
}

/* A request with an integer id (new reference). */
json_t *
jsonrpc_request(long long id, const char *method, json_t *params)
{
	json_t *msg = json_object();

	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_object_set_new(msg, "id", json_integer(id));
	json_object_set_new(msg, "method", json_string(method));
	json_object_set_new(msg, "params", params != NULL ? params :
	    json_object());
	return msg;
}

/* Compact one-line text of msg (owned), or NULL. */
char *
jsonrpc_encode(const json_t *msg, size_t *len)
{
	return jsontext_dump(msg, len);
}
