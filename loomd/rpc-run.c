/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC methods of the run group: run.start, run.list, run.status,
 * run.cancel, run.subscribe and run.unsubscribe (docs/protocol.md), and
 * the run module's hooks in the daemon's life (loomd.h). Handlers check
 * their parameters and leave the work to run.c.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/protocol.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"

static json_t *rpc_run_start(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_run_list(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_run_status(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_run_cancel(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err);
static json_t *rpc_run_subscribe(struct loomd *loomd,
    struct rpc_client *client, json_t *params, struct rpc_error *err);
static json_t *rpc_run_unsubscribe(struct loomd *loomd,
    struct rpc_client *client, json_t *params, struct rpc_error *err);
static const char *rpc_run_id(json_t *params, bool required,
    struct rpc_error *err);

const struct rpc_method rpc_run_methods[] = {
	{ LOOM_METHOD_RUN_START, rpc_run_start },
	{ LOOM_METHOD_RUN_LIST, rpc_run_list },
	{ LOOM_METHOD_RUN_STATUS, rpc_run_status },
	{ LOOM_METHOD_RUN_CANCEL, rpc_run_cancel },
	{ LOOM_METHOD_RUN_SUBSCRIBE, rpc_run_subscribe },
	{ LOOM_METHOD_RUN_UNSUBSCRIBE, rpc_run_unsubscribe },
	{ NULL, NULL },
};

const struct loomd_module loomd_run_module = {
	.name = "run",
	.init = run_module_init,
	.busy = run_module_busy,
	.shutdown = run_module_shutdown,
	.status = run_module_status,
	.free = run_module_free,
};

/* The "run" member: a run id, or an error naming it. */
static const char *
rpc_run_id(json_t *params, bool required, struct rpc_error *err)
{
	const char *id;

	id = rpc_param_string(params, "run", required, err);
	if (id == NULL)
		return NULL;
	if (!record_id_is_valid(id)) {
		rpc_error_set(err, LOOM_ERR_NO_RUN, json_pack("{s:s}", "run",
		    id), "no such run: %s", id);
		return NULL;
	}
	return id;
}

/*
 * "live_max" of a subscription: how much of each stream's log is sent
 * live before a run.output_gap says to read the rest from the log (0 or
 * absent: no limit). The latest subscription of a connection decides.
 */
static int
rpc_run_live_max(struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	long long max = 0;

	if (rpc_param_int(params, "live_max", false, 0, RUN_LIVE_MAX_MAX, &max,
	    err) == -1)
		return -1;
	client->live_max = (unsigned long long)max;
	return 0;
}

/*
 * run.start: load, check and start a pipeline run. A request without
 * "env" from a connection that carries an environment (an editor's: the
 * one of its ui.open) runs with that environment, and in its working
 * folder unless the request names one.
 */
static json_t *
rpc_run_start(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	json_t *own, *result;

	if (json_is_true(json_object_get(params, "subscribe"))) {
		if (rpc_run_live_max(client, params, err) == -1)
			return NULL;
		client->fold_fresh = json_is_true(json_object_get(params,
		    "fold_fresh"));
	}
	if (client->env == NULL || json_object_get(params, "env") != NULL)
		return run_start(loomd, client, params, err);
	own = json_copy(params);
	json_object_set(own, "env", client->env);
	if (client->cwd != NULL && json_object_get(own, "cwd") == NULL)
		json_object_set_new(own, "cwd", json_string(client->cwd));
	result = run_start(loomd, client, own, err);
	json_decref(own);
	return result;
}

/* run.list: recent runs, newest first. */
static json_t *
rpc_run_list(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	long long limit = RUN_LIST_DEFAULT;
	const char *file;

	(void)client;
	if (rpc_param_int(params, "limit", false, 1, RUN_LIST_MAX, &limit,
	    err) == -1)
		return NULL;
	if (json_object_get(params, "limit") == NULL)
		limit = RUN_LIST_DEFAULT;
	file = rpc_param_string(params, "file", false, err);
	if (err->code != 0)
		return NULL;
	if (file != NULL && file[0] != '/') {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "file: an absolute path is needed");
		return NULL;
	}
	return run_list(loomd, (size_t)limit, file);
}

/* run.status: the record of one run. */
static json_t *
rpc_run_status(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	const char *id;

	(void)client;
	if ((id = rpc_run_id(params, true, err)) == NULL)
		return NULL;
	return run_status(loomd, id, err);
}

/* run.cancel: TERM, then KILL after the grace period. */
static json_t *
rpc_run_cancel(struct loomd *loomd, struct rpc_client *client, json_t *params,
    struct rpc_error *err)
{
	const char *id;

	(void)client;
	if ((id = rpc_run_id(params, true, err)) == NULL)
		return NULL;
	if (run_cancel(loomd, id, err) == -1)
		return NULL;
	return json_pack("{s:b}", "cancelling", 1);
}

/* run.subscribe: events of one run, or of every run. */
static json_t *
rpc_run_subscribe(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	const char *id = NULL;
	json_t *rec;

	if (json_object_get(params, "run") != NULL) {
		if ((id = rpc_run_id(params, true, err)) == NULL)
			return NULL;
		if (!run_is_active(loomd, id)) {
			/* A finished run has no events, but must exist. */
			rec = run_status(loomd, id, err);
			if (rec == NULL)
				return NULL;
			json_decref(rec);
		}
	}
	if (rpc_run_live_max(client, params, err) == -1)
		return NULL;
	notify_subscribe(client, id);
	/* Waiting for states only: step output need not be read for it. */
	client->no_output = json_is_false(json_object_get(params, "output"));
	client->fold_fresh = json_is_true(json_object_get(params,
	    "fold_fresh"));
	return json_pack("{s:b}", "subscribed", 1);
}

/* run.unsubscribe: undo run.subscribe. */
static json_t *
rpc_run_unsubscribe(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	const char *id = NULL;

	(void)loomd;
	if (json_object_get(params, "run") != NULL &&
	    (id = rpc_run_id(params, true, err)) == NULL)
		return NULL;
	notify_unsubscribe(client, id);
	return json_pack("{s:b}", "subscribed", 0);
}
