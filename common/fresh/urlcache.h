/* SPDX-License-Identifier: MIT */
/*
 * Remote data: a data entry whose path is an http(s) URL is downloaded
 * once, with libcurl (loaded on the first download), into
 * .loom-url-cache/ beside the experiment, and the cached file stands in
 * for the URL from then on (steps receive its path). A download goes to
 * a hidden temporary file in the cache folder and is renamed into place
 * only when complete, so a failed or cut download leaves nothing that
 * could be mistaken for the data.
 *
 * Limits: a file is refused past URLCACHE_MAX_SIZE; a connection must
 * open within URLCACHE_CONNECT_TIMEOUT seconds and the transfer is
 * abandoned when it moves less than one byte per second for
 * URLCACHE_STALL_SECONDS; there is no limit on the total time, since
 * research data can be large. At most 10 redirects are followed, and only
 * to http or https.
 *
 * urlcache_fetch blocks its caller; urlcache_multi runs downloads on the
 * caller's event loop instead (curl's multi interface), so a daemon keeps
 * answering and can abort a download at once. This module does not
 * refresh a cached file when the remote one changes (remove it, or run
 * `loomctl clean`).
 */
#ifndef LOOM_COMMON_URLCACHE_H
#define LOOM_COMMON_URLCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

struct loom_error;
struct pipeline;
struct urlcache_multi;

/* What the caller's event loop does for downloads in progress. */
struct urlcache_loop {
	/* Watch fd for reading (in) and/or writing (out); neither: stop. */
	void	(*watch)(int fd, bool in, bool out, void *arg);
	/* Call urlcache_multi_timeout in ms milliseconds; -1: no timer. */
	void	(*timer)(long ms, void *arg);
	/*
	 * The download of url for owner ended: path is the cached file, or
	 * NULL with err saying why (nothing is left in the cache then).
	 */
	void	(*done)(void *owner, const char *url, const char *path,
		    const struct loom_error *err, void *arg);
	void	*arg;
};

#define URLCACHE_DIR			".loom-url-cache"
#define URLCACHE_MAX_SIZE		(64LL * 1024 * 1024 * 1024)
#define URLCACHE_CONNECT_TIMEOUT	30
#define URLCACHE_STALL_SECONDS		60

/* True when s starts with http:// or https:// (any letter case). */
bool urlcache_is_url(const char *s);

/*
 * The cache file for url: .loom-url-cache/<12 hex digits of the URL's
 * SHA-256>-<last path segment, query dropped, made safe>, so the file
 * keeps its extension and two URLs never share a file. Owned.
 */
char *urlcache_path(const char *experiment_dir, const char *url);

/* True when url is already in the cache. */
bool urlcache_is_cached(const char *experiment_dir, const char *url);

/*
 * The cached file of url, downloading it first when needed. Errors name
 * the URL and the HTTP status, or what went wrong with the connection.
 * Returns an owned path, or NULL with err set (leaving no file behind).
 */
char *urlcache_fetch(const char *experiment_dir, const char *url,
    struct loom_error *err);

/*
 * Make a pipeline use cached files: every data entry whose path is a URL
 * is fetched (when needed and download is true) and its path replaced by
 * the cached file's, as --var would do. Without download, URLs not in the
 * cache stay as they are (for status checks that must not download).
 * Returns 0, or -1 with err set at the first failure.
 */
int urlcache_resolve_pipeline(struct pipeline *p, bool download,
    struct loom_error *err);

/* The URLs of p's data entries that are not in the cache. */
void urlcache_missing(const struct pipeline *p, struct strv *urls);

/* Downloads driven by loop; libcurl is loaded with the first one. */
struct urlcache_multi *urlcache_multi_new(const struct urlcache_loop *loop);

/*
 * Start downloading url into experiment_dir's cache for owner; the loop's
 * done says how it ended. Returns 0, or -1 with err set (libcurl missing,
 * the cache folder cannot be written) and nothing started.
 */
int urlcache_multi_add(struct urlcache_multi *m, const char *experiment_dir,
    const char *url, void *owner, struct loom_error *err);

/* fd is ready (in: readable, out: writable): let the transfers move. */
void urlcache_multi_socket(struct urlcache_multi *m, int fd, bool in,
    bool out);

/* The loop's timer fired. */
void urlcache_multi_timeout(struct urlcache_multi *m);

/*
 * Abort every download of owner at once: connections closed, temporary
 * files removed, done not called.
 */
void urlcache_multi_abort(struct urlcache_multi *m, void *owner);

/* Downloads in progress for owner (NULL: for anyone). */
size_t urlcache_multi_count(const struct urlcache_multi *m,
    const void *owner);

/* Abort everything and free m; NULL is fine. */
void urlcache_multi_free(struct urlcache_multi *m);

/* Remove the cache folder and everything in it. Missing is fine. */
int urlcache_clear(const char *experiment_dir, struct loom_error *err);

#endif
