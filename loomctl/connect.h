/* SPDX-License-Identifier: MIT */
/*
 * Reaching loomd: find the socket (common/util/paths.h), connect, and when
 * nothing answers take <socket>.lock, retry once, remove a stale socket
 * and start loomd (beside this executable, else on PATH) detached, then
 * wait for "ready" or "error: ..." on a pipe. Before anything is sent the
 * listener is checked: folder, socket file and the peer's uid must be the
 * user's own. The first call on every connection is daemon.hello, which
 * checks the protocol version.
 */
#ifndef LOOM_LOOMCTL_CONNECT_H
#define LOOM_LOOMCTL_CONNECT_H

#include <stdbool.h>

struct loom_error;
struct rpcclient;

enum connect_mode {
	CONNECT_START,		/* start a daemon when none runs */
	CONNECT_EXISTING,	/* only a running daemon */
};

/*
 * Connect to the daemon and say hello. Returns a client, or NULL with
 * err set. With CONNECT_EXISTING and no daemon running, returns NULL,
 * sets *not_running (when not NULL) and leaves err with "no daemon
 * running".
 */
struct rpcclient *connect_daemon(enum connect_mode mode, bool *not_running,
    struct loom_error *err);

/*
 * Seconds loomctl waits for a reply to a request, and for any sign of
 * life from a daemon it streams from (--timeout; docs/daemon.md).
 */
#define CONNECT_DEFAULT_TIMEOUT	30.0
void connect_set_timeout(double seconds);

/*
 * True once the daemon serving socket is gone: the socket refuses or is
 * missing, and the pid file's lock is released.
 */
bool connect_daemon_gone(const char *socket);

/* The socket path in use (owned by the caller), or NULL with err set. */
char *connect_socket_path(struct loom_error *err);

#endif
