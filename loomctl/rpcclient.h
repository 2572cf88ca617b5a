/* SPDX-License-Identifier: MIT */
/*
 * A blocking JSON-RPC 2.0 client over one connected stream socket, one
 * JSON text per line (docs/protocol.md). Calls carry increasing ids and
 * wait for the reply with their id; notifications that arrive meanwhile
 * are queued and handed out by rpcclient_next. It does not find, start
 * or connect to the daemon: connect.c does that and hands over the fd.
 */
#ifndef LOOM_LOOMCTL_RPCCLIENT_H
#define LOOM_LOOMCTL_RPCCLIENT_H

#include <sys/types.h>

#include <jansson.h>

struct jsonscan_member;
struct loom_error;
struct rpcclient;

/* Take ownership of a connected socket. Never returns NULL. */
struct rpcclient *rpcclient_new(int fd);
void rpcclient_free(struct rpcclient *c);
int rpcclient_fd(const struct rpcclient *c);

/*
 * Name the daemon behind c (its socket path and pid, for messages) and
 * set the timeout in seconds (0: none): a call fails when the daemon
 * sends nothing for that long before the reply, and rpcclient_next pings
 * a daemon that has been silent that long.
 */
void rpcclient_set_peer(struct rpcclient *c, const char *path, pid_t pid,
    double timeout);

/*
 * Call method with params (the reference is stolen; NULL means {}), and
 * wait for its reply. Returns the result (a new reference), or NULL with
 * err set: for an error reply, err carries the daemon's message, *code
 * (when not NULL) its JSON-RPC code and rpcclient_error_data() its data;
 * for a transport failure (daemon gone, bad reply, no reply within the
 * peer timeout) *code is 0.
 */
json_t *rpcclient_call(struct rpcclient *c, const char *method, json_t *params,
    int *code, struct loom_error *err);

/* error.data of the last error reply (borrowed; NULL when none). */
json_t *rpcclient_error_data(const struct rpcclient *c);

/*
 * The next notification (a new reference to the whole message, with
 * "method" and "params"), waiting at most timeout_ms (-1: no limit).
 * Returns 1 with *msg set, 2 when the notify hook (rpcclient_set_notify)
 * dealt with one (*msg untouched), 0 on timeout or when a signal
 * interrupted the wait, -1 with err set when the connection closed or
 * broke, or the daemon did not answer a ping within the peer timeout.
 */
int rpcclient_next(struct rpcclient *c, int timeout_ms, json_t **msg,
    struct loom_error *err);

/*
 * Called by rpcclient_next before it waits on the socket, that is once
 * every message already received has been handed out (NULL: nothing).
 * A client that prints events buffers its output and writes it here:
 * one write per batch of events, and nothing held while it waits.
 */
void rpcclient_set_idle(struct rpcclient *c, void (*fn)(void *), void *arg);

/*
 * Called with each line received (len bytes, NUL-terminated) before it
 * is parsed: returning true drops it unparsed (NULL: keep all). For a
 * client that can tell from a line's first bytes that it needs nothing
 * in it: a large event costs a scan instead of a parse.
 */
void rpcclient_set_skip(struct rpcclient *c,
    bool (*fn)(const char *, size_t, void *), void *arg);

/*
 * Offered each notification rpcclient_next is about to hand out whose
 * line reads {"jsonrpc":"2.0","method":"M","params":{...}}, in that
 * order, with params flat (jsonscan_flat): fn(M, its length, the
 * members of params, their count, arg) returns true when it has dealt
 * with the event, false to have it parsed and handed out as usual
 * (NULL: none offered). Only from rpcclient_next with nothing queued,
 * never during a call: events keep their order, and fn never runs
 * inside the caller's own handling of another event. For a client that
 * reads a few fields of frequent events: no jansson values built.
 */
void rpcclient_set_notify(struct rpcclient *c,
    bool (*fn)(const char *, size_t, const struct jsonscan_member *, size_t,
    void *), void *arg);

/*
 * A descriptor rpcclient_next also waits on (readable: it returns 0, as
 * on a timeout); -1 for none. c takes it over (closes it when replaced
 * or freed). rpcclient_wake_fd: the one set, or -1.
 */
void rpcclient_set_wake_fd(struct rpcclient *c, int fd);
int rpcclient_wake_fd(const struct rpcclient *c);

/*
 * Whether rpcclient_next watches the wake fd (on at first). Off, it
 * waits in recvmsg alone, one system call per batch of events instead
 * of poll and recvmsg: for the times nothing can make the fd readable
 * (no log file followed).
 */
void rpcclient_watch_wake(struct rpcclient *c, bool on);

/*
 * The oldest descriptor the daemon passed with SCM_RIGHTS (log.open), or
 * -1 when none arrived. The caller owns it.
 */
int rpcclient_take_fd(struct rpcclient *c);

#endif
