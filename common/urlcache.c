/* SPDX-License-Identifier: MIT */
/*
 * Downloads of URL data into .loom-url-cache/ with libcurl (see
 * urlcache.h for the rules and limits).
 *
 * A cut connection must never look like a complete file: libcurl reports
 * a body shorter than its Content-Length (CURLE_PARTIAL_FILE) and a broken
 * chunked body as errors, and both are checked here. A server that sends
 * neither a length nor chunks marks the end by closing, so a cut there
 * cannot be told from the end; that is HTTP/1.0's own limit.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/pipeline.h"
#include "common/stamp.h"
#include "common/trash.h"
#include "common/urlcache.h"
#include "common/xmalloc.h"

/* Longest file-name part kept from a URL. */
#define URLCACHE_NAME_MAX	120

struct urlcache_sink {
	int fd;
	long long written;
	int saved_errno;
};

static size_t	urlcache_write(char *data, size_t size, size_t n,
		    void *arg);
static char	*urlcache_safe_name(const char *url);

/* True for http:// and https:// (any case). */
bool
urlcache_is_url(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}

/* The last path segment of url, without query or fragment, made safe. */
static char *
urlcache_safe_name(const char *url)
{
	const char *start, *end, *slash, *s;
	char *name, *o;
	size_t n;

	start = strstr(url, "://");
	start = start != NULL ? start + 3 : url;
	end = start + strcspn(start, "?#");
	/* Skip the host: no '/' after it means no path. */
	slash = memchr(start, '/', (size_t)(end - start));
	if (slash == NULL)
		return xstrdup("download");
	while (end > slash + 1 && end[-1] == '/')
		end--;
	for (s = end; s > slash + 1 && s[-1] != '/'; s--)
		;
	n = (size_t)(end - s);
	if (n == 0)
		return xstrdup("download");
	if (n > URLCACHE_NAME_MAX)
		s = end - (n = URLCACHE_NAME_MAX);
	name = xmalloc(n + 1);
	for (o = name; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		*o++ = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' ? (char)c : '_';
	}
	*o = '\0';
	if (name[0] == '.')
		name[0] = '_';
	return name;
}

/* The cache file of a URL. Owned. */
char *
urlcache_path(const char *experiment_dir, const char *url)
{
	char hash[STAMP_HASH_HEX], *name, *path;

	stamp_hash_buffer(url, strlen(url), hash);
	name = urlcache_safe_name(url);
	path = xasprintf("%s/%s/%.12s-%s", experiment_dir, URLCACHE_DIR, hash,
	    name);
	free(name);
	return path;
}

/* True when the URL's file is in the cache. */
bool
urlcache_is_cached(const char *experiment_dir, const char *url)
{
	struct stat st;
	char *path = urlcache_path(experiment_dir, url);
	bool ok;

	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

static size_t
urlcache_write(char *data, size_t size, size_t n, void *arg)
{
	struct urlcache_sink *sink = arg;
	size_t len = size * n, done = 0;
	ssize_t w;

	if (sink->written + (long long)len > URLCACHE_MAX_SIZE)
		return 0;
	while (done < len) {
		w = write(sink->fd, data + done, len - done);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			sink->saved_errno = errno;
			return 0;
		}
		done += (size_t)w;
	}
	sink->written += (long long)len;
	return len;
}

/* The cached file of url, downloading it first if needed. */
char *
urlcache_fetch(const char *experiment_dir, const char *url,
    struct loom_error *err)
{
	struct urlcache_sink sink = { -1, 0, 0 };
	char curlerr[CURL_ERROR_SIZE], *path, *dir, *tmp = NULL, *slash;
	CURL *curl = NULL;
	CURLcode rc;
	long status = 0;
	curl_off_t expected = -1;
	int ok = 0;

	path = urlcache_path(experiment_dir, url);
	if (access(path, F_OK) == 0)
		return path;
	dir = xasprintf("%s/%s", experiment_dir, URLCACHE_DIR);
	if (fileio_mkdirs(dir, 0755, err) == -1)
		goto out;
	slash = strrchr(path, '/');
	tmp = xasprintf("%s/.%s.part-XXXXXX", dir, slash + 1);
	if ((sink.fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		loom_error_set(err, tmp, 0, 0, "cannot create %s: %s", tmp,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	fchmod(sink.fd, 0644);
	if ((curl = curl_easy_init()) == NULL) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot download %s: libcurl failed to start", url);
		goto out;
	}
	curlerr[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, urlcache_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
	    (long)URLCACHE_CONNECT_TIMEOUT);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
	    (long)URLCACHE_STALL_SECONDS);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)URLCACHE_MAX_SIZE);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "loom/" LOOM_VERSION);
	/* Keep the status of a failed request: no FAILONERROR. */
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
	if (rc == CURLE_OK && status >= 400) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot download %s: HTTP status %ld", url, status);
		if (status == 404)
			loom_error_hint(err, "check the URL in the pipeline "
			    "file; the server has no such file");
		goto out;
	}
	if (rc == CURLE_WRITE_ERROR && sink.saved_errno != 0) {
		loom_error_set(err, tmp, 0, 0, "cannot download %s: writing "
		    "%s: %s", url, tmp, strerror(sink.saved_errno));
		goto out;
	}
	if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR &&
	    sink.written >= URLCACHE_MAX_SIZE / 2)) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: larger "
		    "than the limit of %lld bytes", url,
		    (long long)URLCACHE_MAX_SIZE);
		goto out;
	}
	if (rc == CURLE_PARTIAL_FILE) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: the "
		    "connection closed after %lld of %lld bytes (HTTP status "
		    "%ld)", url, sink.written, (long long)expected, status);
		goto out;
	}
	if (rc != CURLE_OK) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: %s",
		    url, curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc));
		if (status > 0)
			loom_error_hint(err, "the server answered with HTTP "
			    "status %ld", status);
		goto out;
	}
	if (expected >= 0 && sink.written != (long long)expected) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: got %lld "
		    "of %lld bytes", url, sink.written, (long long)expected);
		goto out;
	}
	if (fsync(sink.fd) == -1 || close(sink.fd) == -1) {
		sink.fd = -1;
		loom_error_set(err, tmp, 0, 0, "cannot download %s: writing "
		    "%s: %s", url, tmp, strerror(errno));
		goto out;
	}
	sink.fd = -1;
	if (rename(tmp, path) == -1) {
		loom_error_set(err, path, 0, 0, "cannot download %s: renaming "
		    "into %s: %s", url, path, strerror(errno));
		goto out;
	}
	ok = 1;
out:
	if (curl != NULL)
		curl_easy_cleanup(curl);
	if (sink.fd != -1)
		close(sink.fd);
	if (!ok && tmp != NULL)
		unlink(tmp);
	if (!ok)
		rmdir(dir);	/* only when empty: nothing left behind */
	free(tmp);
	free(dir);
	if (!ok) {
		free(path);
		return NULL;
	}
	return path;
}

/* Point URL data entries at their cached files. */
int
urlcache_resolve_pipeline(struct pipeline *p, bool download,
    struct loom_error *err)
{
	struct loom_error ignored;
	char *url, *cached;
	size_t i;
	int rc;

	for (i = 0; i < p->ndata; i++) {
		/* A path that does not resolve is validation's to report. */
		loom_error_clear(&ignored);
		if (p->data[i].path == NULL || (url = pipeline_data_path(p,
		    &p->data[i], &ignored)) == NULL)
			continue;
		if (!urlcache_is_url(url) || (!download &&
		    !urlcache_is_cached(p->dir, url))) {
			free(url);
			continue;
		}
		cached = urlcache_fetch(p->dir, url, err);
		free(url);
		if (cached == NULL)
			return -1;
		rc = pipeline_set_var(p, p->data[i].name, cached, err);
		free(cached);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Remove the whole cache folder. */
int
urlcache_clear(const char *experiment_dir, struct loom_error *err)
{
	char *dir = xasprintf("%s/%s", experiment_dir, URLCACHE_DIR);
	int rc;

	rc = trash_delete(dir, err);
	free(dir);
	return rc;
}
