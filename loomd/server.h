/* SPDX-License-Identifier: MIT */
/*
 * The daemon's server side, driven by main.c: signals, the listening
 * socket (mode 0600 from the start, watched so a removed socket is
 * re-created), accepting with a peer uid check and EMFILE back-off, the
 * module hooks, the idle decision and the loop itself.
 */
#ifndef LOOM_LOOMD_SERVER_H
#define LOOM_LOOMD_SERVER_H

struct loomd;
struct loom_error;

/* Create the event base and the daemon's own events. Returns 0 or -1. */
int server_init(struct loomd *loomd, struct loom_error *err);

/*
 * Bind and listen on loomd->socket_path: a stale socket file is removed,
 * anything else in the way is an error naming it. Returns 0, or -1 with
 * err set.
 */
int server_listen(struct loomd *loomd, struct loom_error *err);

/*
 * Create the executor steps run through (the local one, unless one is
 * set already) and call every module's init hook; -1 with err set when
 * one fails.
 */
int server_init_modules(struct loomd *loomd, struct loom_error *err);

/* Run the loop until the daemon exits (idle, stop, or signal). */
void server_loop(struct loomd *loomd);

/*
 * Release everything: close the listener, remove the socket if it is
 * still ours, free clients, module state and the event base.
 */
void server_free(struct loomd *loomd);

#endif
