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

struct diags;
struct pipeline;
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
 * Apply the "set" and "var" overrides ("key=value" strings) to p, in
 * that order. set and var are arrays of strings as rpc_param_strings
 * returns them (borrowed), or NULL when absent. Returns 0, or -1 with err
 * set to -32004 and the override's hint at the first bad one.
 */
int rpc_params_overrides(struct pipeline *p, json_t *set, json_t *var,
    struct rpc_error *err);

/* Diagnostics as an array of DIAG objects (a new reference). */
json_t *rpc_params_diags(const struct diags *d);

#endif
