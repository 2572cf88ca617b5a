/* SPDX-License-Identifier: MIT */
/*
 * Request parameters and error data that several method groups share:
 * the pipeline file a request names, the "set" and "var" overrides it
 * carries and the diagnostics it answers with (docs/protocol.md, DIAG).
 * The plain type checks of single members are rpc.h's rpc_param_*; what
 * is here knows about pipelines.
 */
#ifndef LOOM_LOOMD_RPC_PARAMS_H
#define LOOM_LOOMD_RPC_PARAMS_H

#include <jansson.h>

#include "common/util/error.h"
#include "common/plan/plan.h"
#include "common/model/select.h"

struct diags;
struct rpc_error;

/*
 * The real path of file, which must be a regular file. Returns it (the
 * caller frees it), or NULL with err set to -32005 naming file.
 */
char *rpc_params_regular_file(const char *file, struct rpc_error *err);

/*
 * Like rpc_params_regular_file, but a file that does not exist yet in an
 * existing folder (a pipeline opened with `loomctl ui --new`, created on
 * its first save) is accepted too: *exists is then false and the path
 * returned is the folder's real path joined with the file's name.
 */
char *rpc_params_pipeline_file(const char *file, bool *exists,
    struct rpc_error *err);

/*
 * Copy the list of strings params[name] into sv (absent: nothing).
 * Returns 0, or -1 with err set (-32602) when it is not such a list.
 */
int rpc_params_list(json_t *params, const char *name, struct strv *sv,
    struct rpc_error *err);

/* A plan request (common/plan/plan.h) and the lists it points into. */
struct rpc_plan_args {
	struct plan_request rq;
	struct strv set;
	struct strv var;
	struct select_opts so;
};

/*
 * The plan request of params for file: "set" and "var", and when select
 * the selection ("steps", "from", "until", "groups", "include"). Returns
 * 0, or -1 with err set (-32602); free a with rpc_params_plan_args_free
 * either way.
 */
int rpc_params_plan_args(json_t *params, const char *file, bool select,
    struct rpc_plan_args *a, struct rpc_error *err);
void rpc_params_plan_args_free(struct rpc_plan_args *a);

/*
 * The error of a plan that ended with st (not PLAN_OK), for every method
 * alike: -32001 {"diagnostics"} for an invalid file (the message names
 * the first error as file:line:col), -32004 {"file", "line", "column",
 * "hint"} for a bad override or selection.
 */
void rpc_params_plan_error(const struct plan *pl, enum plan_status st,
    const char *file, struct rpc_error *err);

/* Diagnostics as an array of DIAG objects (a new reference). */
json_t *rpc_params_diags(const struct diags *d);

#endif
