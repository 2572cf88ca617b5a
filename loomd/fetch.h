/* SPDX-License-Identifier: MIT */
/*
 * URL downloads on the daemon's event loop: common/fresh/urlcache.c's multi
 * interface (libcurl's) with its sockets and timer as libevent events,
 * so a download never stops the daemon from answering clients, and a
 * download can be aborted at once (a cancelled run). One per daemon,
 * made on the first download; each download belongs to an owner (a run).
 */
#ifndef LOOM_LOOMD_FETCH_H
#define LOOM_LOOMD_FETCH_H

#include <stddef.h>

struct event_base;
struct fetch;
struct loom_error;

/* How a download of owner ended: path (the cached file) or err. */
typedef void fetch_done_cb(void *owner, const char *url, const char *path,
    const struct loom_error *err, void *arg);

struct fetch *fetch_new(struct event_base *base, fetch_done_cb *done,
    void *arg);

/*
 * Start downloading url into experiment_dir's URL cache for owner.
 * Returns 0, or -1 with err set and nothing started.
 */
int fetch_add(struct fetch *f, const char *experiment_dir, const char *url,
    void *owner, struct loom_error *err);

/* Abort every download of owner now; its done is never called. */
void fetch_abort(struct fetch *f, void *owner);

/* Downloads in progress for owner. */
size_t fetch_count(const struct fetch *f, const void *owner);

/* Abort everything and free f; NULL is fine. */
void fetch_free(struct fetch *f);

#endif
