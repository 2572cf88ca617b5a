/* SPDX-License-Identifier: MIT */
/*
 * Where Loom keeps things, and whether a folder is safe to use.
 *
 *   socket   $LOOM_SOCKET, else $XDG_RUNTIME_DIR/loom/loomd.sock,
 *            else /tmp/loom-$UID/loomd.sock
 *   lock     <socket>.lock   (flocked by the client that starts loomd)
 *   pid      <socket>.pid    (written by loomd: "PID\n")
 *   state    $XDG_STATE_HOME/loom, else ~/.local/state/loom
 *   log      <state>/loomd.log
 *
 * The folder holding the socket must be private: a real folder (not a
 * symbolic link) owned by the user with no group or other permission bits
 * (RELIABILITY S1, S2). paths_confine keeps previews and saves inside an
 * experiment's folder. Nothing here opens sockets or writes files other
 * than creating folders.
 */
#ifndef LOOM_COMMON_PATHS_H
#define LOOM_COMMON_PATHS_H

#include <stdbool.h>

struct loom_error;

/* Longest socket path a sockaddr_un holds (without the NUL). */
#define PATHS_SOCKET_MAX	107

/*
 * The socket path (owned), or NULL with err set (no usable location, or
 * a path too long for a Unix socket). Creates nothing.
 */
char *paths_socket(struct loom_error *err);
/* "<socket>.lock" (owned). */
char *paths_lock(const char *socket);
/* "<socket>.pid" (owned). */
char *paths_pid(const char *socket);
/* The folder part of socket (owned). */
char *paths_socket_dir(const char *socket);
/* The state folder (owned), or NULL with err set. Creates nothing. */
char *paths_state_dir(struct loom_error *err);
/* "<state>/loomd.log" (owned), or NULL with err set. */
char *paths_log_file(struct loom_error *err);

/*
 * Make sure dir is a private folder: when create is true and it does not
 * exist, it is created with mode 0700 (its parent must exist). Then it is
 * checked with lstat: refused when it is a symbolic link or not a folder,
 * owned by another uid, or has any group or other permission bit. The
 * message names the folder and the fault, e.g. "/tmp/loom-1000: unsafe
 * permissions 0755 (must be 0700 and owned by uid 1000)". Nothing inside
 * dir is touched. Returns 0, or -1 with err set.
 */
int paths_check_private_dir(const char *dir, bool create,
    struct loom_error *err);

/*
 * mkdir -p with mode for every folder created (e.g. the state folder).
 * Returns 0, or -1 with err set.
 */
int paths_mkdirs(const char *dir, int mode, struct loom_error *err);

/*
 * Resolve relpath inside root for a preview or a save. Refused (errno
 * EACCES) when relpath is empty, absolute, has a ".." component, or
 * resolves (following symbolic links) outside realpath(root). When
 * may_be_missing is true the last component may not exist yet (a save):
 * its folder is resolved and must lie inside root. Returns the resolved
 * absolute path (owned), or NULL with err set naming relpath and errno
 * set to the reason (EACCES for an escape, else the failing call's).
 */
char *paths_confine(const char *root, const char *relpath,
    bool may_be_missing, struct loom_error *err);

#endif
