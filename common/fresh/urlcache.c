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

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/pipeline.h"
#include "common/fresh/stamp.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"

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
	CURLM		*(*multi_init)(void);
	CURLMcode	 (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	 (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_socket_action)(CURLM *, curl_socket_t, int,
			    int *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	 (*multi_cleanup)(CURLM *);
};

/* One download: its temporary file, its handle, where it goes. */
struct urlcache_xfer {
	char *url;
	char *path;		/* the cache file */
	char *dir;		/* the cache folder */
	char *tmp;		/* the hidden temporary file */
	struct urlcache_sink sink;
	CURL *curl;
	char curlerr[CURL_ERROR_SIZE];
	void *owner;		/* multi: whose download it is */
	struct urlcache_xfer *next;
};

/* Downloads on the caller's loop (see urlcache.h). */
struct urlcache_multi {
	const struct urlcache_curl *lc;
	CURLM *multi;
	struct urlcache_loop loop;
	struct urlcache_xfer *xfers;
	size_t nxfers;
};

static size_t	urlcache_write(char *data, size_t size, size_t n,
		    void *arg);
static char	*urlcache_safe_name(const char *url);
static bool	urlcache_sym(void *lib, const char *name, void *fn);
static const struct urlcache_curl *urlcache_curl_load(const char *url,
		    struct loom_error *err);
static struct urlcache_xfer *urlcache_xfer_new(const char *experiment_dir,
		    const char *url, const struct urlcache_curl *lc,
		    struct loom_error *err);
static int	urlcache_xfer_finish(struct urlcache_xfer *x, CURLcode rc,
		    const struct urlcache_curl *lc, struct loom_error *err);
static void	urlcache_xfer_free(struct urlcache_xfer *x,
		    const struct urlcache_curl *lc);

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
	const struct {
		const char *name;
		void *fn;
	} syms[] = {
		{ "curl_easy_init", &curl.easy_init },
		{ "curl_easy_setopt", &curl.easy_setopt },
		{ "curl_easy_perform", &curl.easy_perform },
		{ "curl_easy_getinfo", &curl.easy_getinfo },
		{ "curl_easy_strerror", &curl.easy_strerror },
		{ "curl_easy_cleanup", &curl.easy_cleanup },
		{ "curl_multi_init", &curl.multi_init },
		{ "curl_multi_setopt", &curl.multi_setopt },
		{ "curl_multi_add_handle", &curl.multi_add_handle },
		{ "curl_multi_remove_handle", &curl.multi_remove_handle },
		{ "curl_multi_socket_action", &curl.multi_socket_action },
		{ "curl_multi_info_read", &curl.multi_info_read },
		{ "curl_multi_cleanup", &curl.multi_cleanup },
	};
	const char *missing = NULL;
	size_t i;
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
	for (i = 0; i < sizeof syms / sizeof syms[0] && missing == NULL; i++)
		if (!urlcache_sym(lib, syms[i].name, syms[i].fn))
			missing = syms[i].name;
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

/*
 * Set up the download of url: the cache folder, a hidden temporary file
 * in it and a handle with every option. NULL with err set.
 */
static struct urlcache_xfer *
urlcache_xfer_new(const char *experiment_dir, const char *url,
    const struct urlcache_curl *lc, struct loom_error *err)
{
	struct urlcache_xfer *x = xcalloc(1, sizeof *x);
	char *slash;

	x->sink.fd = -1;
	x->url = xstrdup(url);
	x->path = urlcache_path(experiment_dir, url);
	x->dir = xasprintf("%s/%s", experiment_dir, URLCACHE_DIR);
	if (fileio_mkdirs(x->dir, 0755, err) == -1)
		goto fail;
	slash = strrchr(x->path, '/');
	x->tmp = xasprintf("%s/.%s.part-XXXXXX", x->dir, slash + 1);
	if ((x->sink.fd = mkostemp(x->tmp, O_CLOEXEC)) == -1) {
		loom_error_set(err, x->tmp, 0, 0, "cannot create %s: %s",
		    x->tmp, strerror(errno));
		free(x->tmp);
		x->tmp = NULL;
		goto fail;
	}
	fchmod(x->sink.fd, 0644);
	if ((x->curl = lc->easy_init()) == NULL) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot download %s: libcurl failed to start", url);
		goto fail;
	}
	lc->easy_setopt(x->curl, CURLOPT_URL, url);
	lc->easy_setopt(x->curl, CURLOPT_ERRORBUFFER, x->curlerr);
	lc->easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, urlcache_write);
	lc->easy_setopt(x->curl, CURLOPT_WRITEDATA, &x->sink);
	lc->easy_setopt(x->curl, CURLOPT_PRIVATE, x);
	lc->easy_setopt(x->curl, CURLOPT_FOLLOWLOCATION, 1L);
	lc->easy_setopt(x->curl, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
	/*
	 * Nothing ties the library loaded to the headers' version: one too
	 * old for these options would follow redirects to file:// and more.
	 */
	if (lc->easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK || lc->easy_setopt(x->curl, CURLOPT_REDIR_PROTOCOLS_STR,
	    "http,https") != CURLE_OK) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: the "
		    URLCACHE_LIBCURL " loaded is older than libcurl 7.85, "
		    "which is needed", url);
		goto fail;
	}
#endif
	lc->easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	lc->easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT,
	    (long)URLCACHE_CONNECT_TIMEOUT);
	lc->easy_setopt(x->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lc->easy_setopt(x->curl, CURLOPT_LOW_SPEED_TIME,
	    (long)URLCACHE_STALL_SECONDS);
	lc->easy_setopt(x->curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)URLCACHE_MAX_SIZE);
	lc->easy_setopt(x->curl, CURLOPT_USERAGENT, "loom/" LOOM_VERSION);
	/* Keep the status of a failed request: no FAILONERROR. */
	return x;
fail:
	urlcache_xfer_free(x, lc);
	return NULL;
}

/* Free a download; an unfinished one leaves nothing behind. */
static void
urlcache_xfer_free(struct urlcache_xfer *x, const struct urlcache_curl *lc)
{
	if (x->curl != NULL)
		lc->easy_cleanup(x->curl);
	if (x->sink.fd != -1)
		close(x->sink.fd);
	if (x->tmp != NULL) {
		unlink(x->tmp);
		rmdir(x->dir);	/* only when empty: nothing left behind */
	}
	free(x->tmp);
	free(x->dir);
	free(x->path);
	free(x->url);
	free(x);
}

/*
 * A transfer ended with rc: check what came (status, length, size),
 * then flush the file and rename it into place. 0, or -1 with err set.
 */
static int
urlcache_xfer_finish(struct urlcache_xfer *x, CURLcode rc,
    const struct urlcache_curl *lc, struct loom_error *err)
{
	const char *url = x->url;
	curl_off_t expected = -1;
	long status = 0;

	lc->easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	lc->easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &expected);
	if (rc == CURLE_OK && status >= 400) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot download %s: HTTP status %ld", url, status);
		if (status == 404)
			loom_error_hint(err, "check the URL in the pipeline "
			    "file; the server has no such file");
		return -1;
	}
	if (rc == CURLE_WRITE_ERROR && x->sink.saved_errno != 0) {
		loom_error_set(err, x->tmp, 0, 0, "cannot download %s: "
		    "writing %s: %s", url, x->tmp,
		    strerror(x->sink.saved_errno));
		return -1;
	}
	if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR &&
	    x->sink.written >= URLCACHE_MAX_SIZE / 2)) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: larger "
		    "than the limit of %lld bytes", url,
		    (long long)URLCACHE_MAX_SIZE);
		return -1;
	}
	if (rc == CURLE_PARTIAL_FILE) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: the "
		    "connection closed after %lld of %lld bytes (HTTP status "
		    "%ld)", url, x->sink.written, (long long)expected, status);
		return -1;
	}
	if (rc != CURLE_OK) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: %s",
		    url, x->curlerr[0] != '\0' ? x->curlerr :
		    lc->easy_strerror(rc));
		if (status > 0)
			loom_error_hint(err, "the server answered with HTTP "
			    "status %ld", status);
		return -1;
	}
	if (expected >= 0 && x->sink.written != (long long)expected) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: got %lld "
		    "of %lld bytes", url, x->sink.written, (long long)expected);
		return -1;
	}
	if (fsync(x->sink.fd) == -1 || close(x->sink.fd) == -1) {
		x->sink.fd = -1;
		loom_error_set(err, x->tmp, 0, 0, "cannot download %s: "
		    "writing %s: %s", url, x->tmp, strerror(errno));
		return -1;
	}
	x->sink.fd = -1;
	if (rename(x->tmp, x->path) == -1) {
		loom_error_set(err, x->path, 0, 0, "cannot download %s: "
		    "renaming into %s: %s", url, x->path, strerror(errno));
		return -1;
	}
	free(x->tmp);
	x->tmp = NULL;
	return 0;
}

/* The cached file of url, downloading it first if needed (blocking). */
char *
urlcache_fetch(const char *experiment_dir, const char *url,
    struct loom_error *err)
{
	const struct urlcache_curl *lc;
	struct urlcache_xfer *x;
	char *path;
	int rc;

	path = urlcache_path(experiment_dir, url);
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	if ((lc = urlcache_curl_load(url, err)) == NULL ||
	    (x = urlcache_xfer_new(experiment_dir, url, lc, err)) == NULL)
		return NULL;
	rc = urlcache_xfer_finish(x, lc->easy_perform(x->curl), lc, err);
	path = rc == 0 ? xstrdup(x->path) : NULL;
	urlcache_xfer_free(x, lc);
	return path;
}

/* curl asks to watch a socket (CURLMOPT_SOCKETFUNCTION). */
static int
urlcache_multi_sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct urlcache_multi *m = arg;

	(void)easy;
	(void)sockp;
	m->loop.watch((int)fd, what == CURL_POLL_IN || what == CURL_POLL_INOUT,
	    what == CURL_POLL_OUT || what == CURL_POLL_INOUT, m->loop.arg);
	return 0;
}

/* curl asks for a timer (CURLMOPT_TIMERFUNCTION). */
static int
urlcache_multi_timer_cb(CURLM *multi, long ms, void *arg)
{
	struct urlcache_multi *m = arg;

	(void)multi;
	m->loop.timer(ms, m->loop.arg);
	return 0;
}

/* Take x out of m: out of curl's hands and of the list. */
static void
urlcache_multi_unlink(struct urlcache_multi *m, struct urlcache_xfer *x)
{
	struct urlcache_xfer **pp;

	m->lc->multi_remove_handle(m->multi, x->curl);
	for (pp = &m->xfers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			m->nxfers--;
			break;
		}
	}
}

/* Finish the transfers curl says are done, one at a time. */
static void
urlcache_multi_check(struct urlcache_multi *m)
{
	struct urlcache_xfer *x;
	struct loom_error err;
	CURLMsg *msg;
	char *xp;
	int left;

	while ((msg = m->lc->multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		m->lc->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &xp);
		x = (struct urlcache_xfer *)(void *)xp;
		/* Read before the handle goes: msg belongs to it. */
		loom_error_clear(&err);
		if (urlcache_xfer_finish(x, msg->data.result, m->lc,
		    &err) == 0)
			loom_error_clear(&err);
		urlcache_multi_unlink(m, x);
		/* done may abort other transfers: x is out of the list. */
		m->loop.done(x->owner, x->url, err.set ? NULL : x->path,
		    &err, m->loop.arg);
		urlcache_xfer_free(x, m->lc);
	}
}

/* Downloads on the caller's loop (see urlcache.h). */
struct urlcache_multi *
urlcache_multi_new(const struct urlcache_loop *loop)
{
	struct urlcache_multi *m = xcalloc(1, sizeof *m);

	m->loop = *loop;
	return m;
}

int
urlcache_multi_add(struct urlcache_multi *m, const char *experiment_dir,
    const char *url, void *owner, struct loom_error *err)
{
	struct urlcache_xfer *x;

	if (m->lc == NULL && (m->lc = urlcache_curl_load(url, err)) == NULL)
		return -1;
	if (m->multi == NULL) {
		if ((m->multi = m->lc->multi_init()) == NULL) {
			loom_error_set(err, NULL, 0, 0, "cannot download %s: "
			    "libcurl failed to start", url);
			return -1;
		}
		m->lc->multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION,
		    urlcache_multi_sock_cb);
		m->lc->multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
		m->lc->multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION,
		    urlcache_multi_timer_cb);
		m->lc->multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	}
	if ((x = urlcache_xfer_new(experiment_dir, url, m->lc, err)) == NULL)
		return -1;
	x->owner = owner;
	if (m->lc->multi_add_handle(m->multi, x->curl) != CURLM_OK) {
		loom_error_set(err, NULL, 0, 0, "cannot download %s: libcurl "
		    "refused the transfer", url);
		urlcache_xfer_free(x, m->lc);
		return -1;
	}
	x->next = m->xfers;
	m->xfers = x;
	m->nxfers++;
	return 0;
}

void
urlcache_multi_socket(struct urlcache_multi *m, int fd, bool in, bool out)
{
	int running;

	if (m->multi == NULL)
		return;
	m->lc->multi_socket_action(m->multi, (curl_socket_t)fd,
	    (in ? CURL_CSELECT_IN : 0) | (out ? CURL_CSELECT_OUT : 0),
	    &running);
	urlcache_multi_check(m);
}

void
urlcache_multi_timeout(struct urlcache_multi *m)
{
	int running;

	if (m->multi == NULL)
		return;
	m->lc->multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	urlcache_multi_check(m);
}

/* Abort the downloads of owner: nothing is left of them, done unsaid. */
void
urlcache_multi_abort(struct urlcache_multi *m, void *owner)
{
	struct urlcache_xfer *x, *next;

	for (x = m->xfers; x != NULL; x = next) {
		next = x->next;
		if (x->owner != owner)
			continue;
		urlcache_multi_unlink(m, x);
		urlcache_xfer_free(x, m->lc);
	}
}

size_t
urlcache_multi_count(const struct urlcache_multi *m, const void *owner)
{
	const struct urlcache_xfer *x;
	size_t n = 0;

	for (x = m->xfers; x != NULL; x = x->next)
		if (owner == NULL || x->owner == owner)
			n++;
	return n;
}

void
urlcache_multi_free(struct urlcache_multi *m)
{
	if (m == NULL)
		return;
	while (m->xfers != NULL)
		urlcache_multi_abort(m, m->xfers->owner);
	if (m->multi != NULL)
		m->lc->multi_cleanup(m->multi);
	free(m);
}

/* The URLs of p's data that are not in the cache yet. */
void
urlcache_missing(const struct pipeline *p, struct strv *urls)
{
	struct loom_error ignored;
	char *url;
	size_t i;

	for (i = 0; i < p->ndata; i++) {
		loom_error_clear(&ignored);
		if (p->data[i].path == NULL || (url = pipeline_data_path(p,
		    &p->data[i], &ignored)) == NULL)
			continue;
		if (urlcache_is_url(url) && !urlcache_is_cached(p->dir, url))
			strv_push(urls, url);
		free(url);
	}
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
