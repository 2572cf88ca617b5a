/* SPDX-License-Identifier: MIT */
/*
 * Downloads of URL data into .loom-url-cache/ with libcurl (see
 * urlcache.h for the rules and limits).
 *
 * libcurl is loaded with dlopen on the first download, not linked: with
 * its thirty-odd dependencies it would cost every loomctl and loomd start
 * several milliseconds, and most commands never download anything. The
 * headers still give the types and constants, which are libcurl's stable
 * ABI (soname libcurl.so.4). When the library is missing, only URL data
 * fails, with an error that says what to install.
 *
 * A cut connection must never look like a complete file: libcurl reports
 * a body shorter than its Content-Length (CURLE_PARTIAL_FILE) and a broken
 * chunked body as errors, and both are checked here. A server that sends
 * neither a length nor chunks marks the end by closing, so a cut there
 * cannot be told from the end; that is HTTP/1.0's own limit.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
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
#include "common/urlcache.h"
#include "common/xmalloc.h"

/* Longest file-name part kept from a URL. */
#define URLCACHE_NAME_MAX	120
/* The library loaded for downloads, and where it comes from. */
#define URLCACHE_LIBCURL	"libcurl.so.4"
#define URLCACHE_LIBCURL_DEB	"libcurl4"

struct urlcache_sink {
	int fd;
	long long written;
	int saved_errno;
};

/* The libcurl functions used here, resolved from the loaded library. */
struct urlcache_curl {
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char	*(*easy_strerror)(CURLcode);
	void		 (*easy_cleanup)(CURL *);
};

static size_t	urlcache_write(char *data, size_t size, size_t n,
		    void *arg);
static char	*urlcache_safe_name(const char *url);
static bool	urlcache_sym(void *lib, const char *name, void *fn);
static const struct urlcache_curl *urlcache_curl_load(const char *url,
		    struct loom_error *err);

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

/* Resolve name into the function pointer at fn; false when missing. */
static bool
urlcache_sym(void *lib, const char *name, void *fn)
{
	void *sym = dlsym(lib, name);

	if (sym == NULL)
		return false;
	/* POSIX lets a data pointer from dlsym hold a function's address. */
	memcpy(fn, &sym, sizeof sym);
	return true;
}

/*
 * libcurl's functions, loading the library on first use. The library
 * stays loaded for the life of the process, so the table is kept in one
 * static: like the dynamic linker's own state, it is a fact about the
 * process. A failure is not remembered, so installing the library helps
 * a daemon that is already running.
 */
static const struct urlcache_curl *
urlcache_curl_load(const char *url, struct loom_error *err)
{
	static struct urlcache_curl curl;
	static bool loaded;
	const char *missing = NULL;
	void *lib;

	if (loaded)
		return &curl;
	if ((lib = dlopen(URLCACHE_LIBCURL, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: URL data "
		    "needs libcurl (" URLCACHE_LIBCURL ", Debian package "
		    URLCACHE_LIBCURL_DEB "), which cannot be loaded: %s", url,
		    dlerror());
		loom_error_hint(err, "install it (apt-get install "
		    URLCACHE_LIBCURL_DEB "), or download the file yourself "
		    "and give its path instead of the URL");
		return NULL;
	}
	if (!urlcache_sym(lib, "curl_easy_init", &curl.easy_init))
		missing = "curl_easy_init";
	else if (!urlcache_sym(lib, "curl_easy_setopt", &curl.easy_setopt))
		missing = "curl_easy_setopt";
	else if (!urlcache_sym(lib, "curl_easy_perform", &curl.easy_perform))
		missing = "curl_easy_perform";
	else if (!urlcache_sym(lib, "curl_easy_getinfo", &curl.easy_getinfo))
		missing = "curl_easy_getinfo";
	else if (!urlcache_sym(lib, "curl_easy_strerror",
	    &curl.easy_strerror))
		missing = "curl_easy_strerror";
	else if (!urlcache_sym(lib, "curl_easy_cleanup", &curl.easy_cleanup))
		missing = "curl_easy_cleanup";
	if (missing != NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: URL data "
		    "needs libcurl (" URLCACHE_LIBCURL ", Debian package "
		    URLCACHE_LIBCURL_DEB "), and the " URLCACHE_LIBCURL
		    " found has no %s", url, missing);
		dlclose(lib);
		return NULL;
	}
	loaded = true;
	return &curl;
}

/* The cached file of url, downloading it first if needed. */
char *
urlcache_fetch(const char *experiment_dir, const char *url,
    struct loom_error *err)
{
	struct urlcache_sink sink = { -1, 0, 0 };
	char curlerr[CURL_ERROR_SIZE], *path, *dir, *tmp = NULL, *slash;
	const struct urlcache_curl *lc = NULL;
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
	if ((lc = urlcache_curl_load(url, err)) == NULL)
		goto out;
	if ((curl = lc->easy_init()) == NULL) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot download %s: libcurl failed to start", url);
		goto out;
	}
	curlerr[0] = '\0';
	lc->easy_setopt(curl, CURLOPT_URL, url);
	lc->easy_setopt(curl, CURLOPT_ERRORBUFFER, curlerr);
	lc->easy_setopt(curl, CURLOPT_WRITEFUNCTION, urlcache_write);
	lc->easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	lc->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	lc->easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
	/*
	 * Nothing ties the library loaded to the headers' version: one too
	 * old for these options would follow redirects to file:// and more.
	 */
	if (lc->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK || lc->easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
	    "http,https") != CURLE_OK) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: the "
		    URLCACHE_LIBCURL " loaded is older than libcurl 7.85, "
		    "which is needed", url);
		goto out;
	}
#endif
	lc->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	lc->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
	    (long)URLCACHE_CONNECT_TIMEOUT);
	lc->easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lc->easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
	    (long)URLCACHE_STALL_SECONDS);
	lc->easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)URLCACHE_MAX_SIZE);
	lc->easy_setopt(curl, CURLOPT_USERAGENT, "loom/" LOOM_VERSION);
	/* Keep the status of a failed request: no FAILONERROR. */
	rc = lc->easy_perform(curl);
	lc->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	lc->easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
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
		    url, curlerr[0] != '\0' ? curlerr : lc->easy_strerror(rc));
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
		lc->easy_cleanup(curl);
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

	rc = fileio_remove_tree(dir, err);
	free(dir);
	return rc;
}
