/* SPDX-License-Identifier: MIT */
/*
 * One client on the Unix socket: a bufferevent, line framing with the
 * JSONRPC size cap (an oversized line gets an error reply, then the
 * connection is closed), the rpc_transport for rpc.c, a dead flag and a
 * deferred free, so no connection is freed inside its own callback.
 * Accepting and the peer uid check are server.c's.
 */
#ifndef LOOM_LOOMD_CONN_H
#define LOOM_LOOMD_CONN_H

#include <sys/types.h>

struct loomd;

/*
 * Take over an accepted socket fd of a peer with the given credentials.
 * Returns 0, or -1 (fd closed) when the connection could not be set up.
 */
int conn_create(struct loomd *loomd, int fd, uid_t uid, pid_t pid);

#endif
