/* SPDX-License-Identifier: MIT */
/*
 * Protocol constants shared by loomd and loomctl. The version and the
 * method and event names come from protocol/loom-protocol.json, the
 * protocol as data, through the generated protocol-names.h
 * (LOOM_METHOD_RUN_START, LOOM_EVENT_RUN_FINISHED, ...); the editor's
 * TypeScript types come from the same file. Bump "protocol" there when
 * any method or event changes shape; docs/protocol.md describes each one
 * (tests/protocol-docs.sh checks that it describes exactly those).
 */
#ifndef LOOM_COMMON_PROTOCOL_H
#define LOOM_COMMON_PROTOCOL_H

#include "protocol-names.h"

#define LOOM_PROTOCOL_VERSION	LOOM_PROTOCOL_SCHEMA_VERSION

#define JSONRPC_PARSE_ERROR	-32700
#define JSONRPC_INVALID_REQUEST	-32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS	-32602
#define JSONRPC_INTERNAL_ERROR	-32603

#define LOOM_ERR_VERSION	-32000
#define LOOM_ERR_PIPELINE	-32001
#define LOOM_ERR_NO_RUN		-32002
#define LOOM_ERR_NO_STEP	-32003
#define LOOM_ERR_USAGE		-32004
#define LOOM_ERR_FILE		-32005
#define LOOM_ERR_SHUTDOWN	-32006
#define LOOM_ERR_BUSY		-32007	/* no_wait: the pipeline is running */
#define LOOM_ERR_CONFLICT	-32008	/* pipeline.save: changed on disk */
#define LOOM_ERR_EDIT		-32009	/* pipeline.save: an edit failed */

#define LOOM_MAX_LINE		(1024 * 1024)
#define LOOM_MAX_CLIENT_OUTPUT	(8 * 1024 * 1024)
/* Queued bytes at which a client is closed (docs/protocol.md, Limits). */
#define LOOM_MAX_CLIENT_QUEUED	(2 * (size_t)LOOM_MAX_CLIENT_OUTPUT)
#define LOOM_MAX_CLIENTS	1024

#endif
