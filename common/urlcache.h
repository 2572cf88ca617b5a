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
 * Downloads block the caller; this module does not refresh a cached file
 * when the remote one changes (remove it, or run `loomctl clean`).
 */
#ifndef LOOM_COMMON_URLCACHE_H
#define LOOM_COMMON_URLCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct loom_error;
struct pipeline;

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

/* Remove the cache folder and everything in it. Missing is fine. */
int urlcache_clear(const char *experiment_dir, struct loom_error *err);

#endif
