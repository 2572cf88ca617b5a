/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC methods of the log group: log.read, the way clients read a
 * step's log by offset (to show it, to follow it, and to catch up after
 * a run.output_gap), the bytes base64-encoded, so every byte arrives as
 * the step wrote it; and log.open, which passes the log file itself to a
 * client on the Unix socket (SCM_RIGHTS), for reading at disk speed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/util/protocol.h"
#include "loomd/loomd.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/steplog.h"

#define RPC_LOGS_DEFAULT_MAX	65536

static json_t *rpc_log_read(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_log_open(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static int rpc_log_stream(json_t *params, const char **id,
    const char **step, long long *item, struct rpc_error *err);

const struct rpc_method rpc_log_methods[] = {
	{ LOOM_METHOD_LOG_READ, rpc_log_read },
	{ LOOM_METHOD_LOG_OPEN, rpc_log_open },
	{ NULL, NULL },
};

/* The "run", "step" and "item"? of a log's params: 0, or -1 (err set). */
static int
rpc_log_stream(json_t *params, const char **id, const char **step,
    long long *item, struct rpc_error *err)
{
	*item = -1;
	*id = rpc_param_string(params, "run", true, err);
	*step = rpc_param_string(params, "step", true, err);
	if (*id == NULL || *step == NULL)
		return -1;
	if (json_object_get(params, "item") != NULL &&
	    !json_is_null(json_object_get(params, "item")) &&
	    rpc_param_int(params, "item", false, 0, INT32_MAX, item,
	    err) == -1)
		return -1;
	if (!record_id_is_valid(*id)) {
		rpc_error_set(err, LOOM_ERR_NO_RUN, json_pack("{s:s}", "run",
		    *id), "no such run: %s", *id);
		return -1;
	}
	return 0;
}

/* log.read {"run","step","item"?,"offset","max"}. */
static json_t *
rpc_log_read(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	const char *id, *step;
	long long item, offset = 0, max = RPC_LOGS_DEFAULT_MAX;

	(void)client;

	if (rpc_log_stream(params, &id, &step, &item, err) == -1)
		return NULL;
	if (rpc_param_int(params, "offset", false, 0, INT64_MAX, &offset,
	    err) == -1 || rpc_param_int(params, "max", false, 1,
	    STEPLOG_READ_MAX, &max, err) == -1)
		return NULL;
	if (json_object_get(params, "offset") == NULL)
		offset = 0;
	if (json_object_get(params, "max") == NULL)
		max = RPC_LOGS_DEFAULT_MAX;
	return run_log_read(loomd, id, step, (long)item, (uint64_t)offset,
	    (size_t)max, err);
}

/* log.open {"run","step","item"?}: the log file rides with the reply. */
static json_t *
rpc_log_open(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	const char *id, *step;
	long long item;

	if (rpc_log_stream(params, &id, &step, &item, err) == -1)
		return NULL;
	return run_log_open(loomd, client, id, step, (long)item, err);
}
