/* SPDX-License-Identifier: MIT */
/*
 * WebSocket connections of the browser bridge. The framing is wslay's
 * (RFC 6455, masking, fragmentation, control frames, close handshake);
 * this module adds the opening handshake checks (RELIABILITY F2), the
 * limits (a message over WS_MAX_MESSAGE closes with 1009, invalid UTF-8
 * in a text message with 1007, a binary message with 1003, a control
 * frame over 125 bytes or fragmented and a 1-byte close payload with
 * 1002, checked on each frame header before wslay sees it) and the glue
 * that hands each text message to rpc_dispatch_line and queues replies
 * and events as text frames. Who may upgrade is http.c's decision.
 */
#ifndef LOOM_LOOMD_WS_H
#define LOOM_LOOMD_WS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/util/protocol.h"

struct evhttp_request;
struct evkeyvalq;
struct loomd;

/* Largest message accepted from a browser: the JSON line limit. */
#define WS_MAX_MESSAGE		LOOM_MAX_LINE
/* Length of a Sec-WebSocket-Accept value plus its NUL. */
#define WS_ACCEPT_LEN		29

/*
 * Check the handshake headers of an upgrade request (method already GET):
 * Upgrade: websocket, Connection containing "upgrade",
 * Sec-WebSocket-Version 13 and a Sec-WebSocket-Key that is base64 of 16
 * bytes. Returns 0 and sets *key (borrowed from headers), else the HTTP
 * status for the refusal: 426 for another version (the caller adds
 * "Sec-WebSocket-Version: 13"), 400 for anything else.
 */
int ws_check_handshake(const struct evkeyvalq *headers, const char **key);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + RFC 6455 GUID)). */
void ws_accept_key(const char *key, char out[WS_ACCEPT_LEN]);

/* True when data is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool ws_utf8_valid(const unsigned char *data, size_t len);

/* Told when a WebSocket connection opens (+1) and goes away (-1). */
typedef void ws_count_fn(struct loomd *loomd, int delta);

/*
 * Take over the connection of a checked upgrade request: answer 101,
 * create the rpc client and start speaking frames. env and cwd (borrowed,
 * may be NULL) are the environment and working folder of the ui.open the
 * page was opened from: the client carries them (struct rpc_client) so
 * that runs started from this connection run as they would from that
 * terminal. count (may be NULL) hears of the connection's opening and
 * end. Returns 0, or -1 when the connection could not be taken (the
 * caller answers 500).
 */
int ws_accept(struct loomd *loomd, struct evhttp_request *req,
    const char *key, json_t *env, const char *cwd, ws_count_fn *count);

/* Close every WebSocket connection with 1001 (going away). */
void ws_close_all(struct loomd *loomd);

#endif
