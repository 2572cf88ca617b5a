/* SPDX-License-Identifier: MIT */
/*
 * The editor's HTTP listener: evhttp bound to 127.0.0.1 only, started by
 * the first ui.open and kept until the daemon exits. Routes:
 *
 *   GET /ws                 WebSocket upgrade (ws.c)
 *   GET /file?target=K&path=REL
 *                           raw bytes of a file inside target K's folder,
 *                           for image previews (sandboxed, nosniff)
 *   GET /, /assets/...      the editor's static files
 *
 * Every request first passes http_check_request (token, Host, Origin),
 * the single place where that is decided. The token arrives once as
 * ?token= and is answered with an HttpOnly SameSite=Strict cookie named
 * after the port and a redirect that drops it from the address bar.
 * Nothing here ever sends a CORS header, and every response carries
 * Referrer-Policy: no-referrer, so the token cannot leak through a
 * preview's links. Limits on headers, bodies and time are set
 * explicitly (evhttp's defaults are unlimited).
 *
 * evhttp's own timeout restarts with every byte read, so a client that
 * trickles a request one byte at a time would hold its connection for
 * ever. Each connection therefore gets a struct http_conn (through
 * evhttp's bufferevent hook) with a deadline: a request must arrive
 * whole within the request timeout (HTTP_TIMEOUT_SECS, or
 * $LOOMD_HTTP_TIMEOUT seconds), else the connection gets 408 and is
 * closed. The same records cap the open HTTP connections (503 beyond
 * HTTP_MAX_CONNECTIONS); editors (WebSockets) have their own cap.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "common/util/consttime.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/paths.h"
#include "common/util/xmalloc.h"
#include "loomd/http.h"
#include "loomd/loomd.h"
#include "loomd/ws.h"

/* One thing an editor was opened on. */
struct web_target {
	bool is_dir;
	bool is_new;		/* loomctl ui --new: created on first save */
	char *path;		/* absolute: the file or the folder */
	char *root;		/* the folder previews are confined to */
	json_t *env;		/* the caller's environment, or NULL */
	char *cwd;		/* the caller's working folder, or NULL */
};

/*
 * One connection accepted by evhttp. It holds a reference on the
 * bufferevent, so bev stays valid (but inert) after evhttp freed it;
 * evhttp's callbacks on it are then all NULL, which is how a record
 * whose close callback never came is recognised and dropped.
 */
struct http_conn {
	TAILQ_ENTRY(http_conn) entry;
	struct web_state *st;
	struct bufferevent *bev;	/* referenced */
	struct evhttp_connection *evcon; /* NULL until adopted */
	struct event *timer;		/* adoption, then the deadline */
	struct evbuffer_cb_entry *incb;	/* notes bytes arriving */
	bool reading;			/* waiting for a whole request */
	bool got;			/* bytes arrived since the last answer */
	bool upgraded;			/* now a WebSocket (ws.c) */
};
TAILQ_HEAD(http_conns, http_conn);

struct web_state {
	struct evhttp *http;
	int fd;				/* listening socket */
	int port;
	char token[HTTP_TOKEN_HEX];
	char cookie[32];		/* the cookie's name */
	char *web_dir;			/* editor files, NULL when not built */

	struct web_target *targets;
	size_t ntargets;

	struct http_conns conns;	/* every accepted connection */
	struct timeval timeout;		/* for a request to arrive whole */
	size_t nws;			/* open WebSocket connections */
	bool awaiting;			/* no editor since the last ui.open */
	uint64_t opened_ms;		/* time of the last ui.open */
};

static struct web_state *http_start(struct loomd *loomd, int port,
		    struct loom_error *err);
static void	 http_request_cb(struct evhttp_request *req, void *arg);
static void	 http_upgrade(struct loomd *loomd, struct evhttp_request *req,
		    const char *query, struct http_conn *conn);
static struct bufferevent *http_bev_cb(struct event_base *base, void *arg);
static struct evhttp_connection *http_conn_owner(struct http_conn *c);
static void	 http_conn_adopt(struct http_conn *c,
		    struct evhttp_connection *evcon);
static void	 http_conn_timer_cb(evutil_socket_t fd, short what, void *arg);
static void	 http_conn_closed_cb(struct evhttp_connection *evcon,
		    void *arg);
static void	 http_conn_done_cb(struct evhttp_request *req, void *arg);
static void	 http_conn_refuse(struct http_conn *c, const char *status,
		    const char *text);
static void	 http_conn_forget(struct http_conn *c);
static void	 http_conn_input_cb(struct evbuffer *buf,
		    const struct evbuffer_cb_info *info, void *arg);
static struct http_conn *http_conn_find(struct web_state *st,
		    struct evhttp_request *req);
static void	 http_read_timeout(struct timeval *tv);
static void	 http_add_common_headers(struct evhttp_request *req);
static void	 http_send_status(struct evhttp_request *req, int code,
		    const char *reason);
static void	 http_send_text(struct evhttp_request *req, int code,
		    const char *reason, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
static char	*http_query_param(const char *query, const char *name,
		    bool *bad);
static void	 http_serve_static(struct web_state *st,
		    struct evhttp_request *req, const char *path);
static void	 http_serve_file(struct web_state *st,
		    struct evhttp_request *req, const char *query);
static int	 http_open_confined(const char *root, const char *rel,
		    int *status, off_t *size);
static const char *http_content_type(const char *path, bool preview);
static char	*http_find_web_dir(void);
static bool	 http_host_matches(const char *value, int port,
		    const char *prefix);
static bool	 http_cookie_token(const char *cookie, const char *name,
		    const char **value, size_t *len);
static bool	 http_token_equal(const char *expected, const char *got,
		    size_t len);

/* The cookie name for port. */
void
http_cookie_name(int port, char *buf, size_t size)
{
	snprintf(buf, size, "loom_token_%d", port);
}

/*
 * True when value is exactly prefix + "HOST:PORT" for HOST 127.0.0.1 or
 * localhost (case-insensitive). Names that could reach DNS (localhost6,
 * *.localhost, 127.0.0.1.nip.io) never match.
 */
static bool
http_host_matches(const char *value, int port, const char *prefix)
{
	static const char *const hosts[] = { "127.0.0.1", "localhost" };
	char want[64];
	size_t i;

	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		snprintf(want, sizeof want, "%s%s:%d", prefix, hosts[i], port);
		if (strcasecmp(value, want) == 0)
			return true;
	}
	return false;
}

/* Find name=VALUE in a Cookie header; *value is not NUL-terminated. */
static bool
http_cookie_token(const char *cookie, const char *name, const char **value,
    size_t *len)
{
	size_t nlen = strlen(name);
	const char *p = cookie;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			*value = p + nlen + 1;
			*len = strcspn(*value, ";");
			while (*len > 0 && (*value)[*len - 1] == ' ')
				(*len)--;
			return true;
		}
		p += strcspn(p, ";");
	}
	return false;
}

/* Compare a token in constant time (for equal lengths). */
static bool
http_token_equal(const char *expected, const char *got, size_t len)
{
	if (len != strlen(expected))
		return false;
	return consttime_equal(expected, got, len);
}

/* The security decision for one request (see http.h). */
int
http_check_request(const struct http_guard *g,
    const struct http_request_info *ri, bool *token_from_query,
    const char **why)
{
	char name[32];
	const char *value, *dummy;
	size_t len;
	bool ok = false;

	if (token_from_query != NULL)
		*token_from_query = false;
	if (why == NULL)
		why = &dummy;

	/* Host: required on HTTP/1.1, exactly one, and exactly ours. */
	if (ri->nhost > 1) {
		*why = "duplicated Host header";
		return 400;
	}
	if (ri->host == NULL) {
		*why = "no Host header";
		if (ri->major == 1 && ri->minor >= 1)
			return 400;
		return 403;
	}
	if (!http_host_matches(ri->host, g->port, "")) {
		*why = "Host is not this bridge (DNS rebinding?)";
		return 403;
	}

	/*
	 * Origin: an upgrade must come from the editor's own origin, and
	 * any request that names a foreign origin is refused, so a page on
	 * another port of 127.0.0.1 (same site for cookies) gets nothing.
	 */
	if (ri->norigin > 1) {
		*why = "duplicated Origin header";
		return 400;
	}
	if (ri->origin != NULL && !http_host_matches(ri->origin, g->port,
	    "http://")) {
		*why = "foreign Origin";
		return 403;
	}
	if (ri->upgrade && ri->origin == NULL) {
		*why = "WebSocket upgrade without Origin";
		return 403;
	}

	/* The token: the port's cookie, or ?token= on the URL. */
	http_cookie_name(g->port, name, sizeof name);
	if (ri->cookie != NULL &&
	    http_cookie_token(ri->cookie, name, &value, &len))
		ok = http_token_equal(g->token, value, len);
	if (!ok && ri->query_token != NULL) {
		ok = http_token_equal(g->token, ri->query_token,
		    strlen(ri->query_token));
		if (ok && token_from_query != NULL)
			*token_from_query = true;
	}
	if (!ok) {
		*why = "missing or wrong token";
		return 403;
	}
	return 0;
}

/*
 * Look for the editor's built files: $LOOM_WEB_DIR, the build tree, the
 * install folder beside this program (bin/../share/loom/web, so a tree
 * installed with --prefix or moved as a whole finds its files), the
 * prefix given at configure time.
 */
static char *
http_find_web_dir(void)
{
	const char *cands[4];
	char path[PATH_MAX], exe[PATH_MAX], *slash;
	ssize_t len;
	size_t i, dl;
	int n;

	cands[0] = getenv("LOOM_WEB_DIR");
	cands[1] = LOOM_WEB_DIR_BUILD;
	cands[2] = NULL;
	cands[3] = LOOM_WEB_DIR_INSTALL;
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0 && LOOM_WEB_DIR_RELATIVE[0] != '/') {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			dl = (size_t)(slash - exe);
			n = snprintf(slash, sizeof exe - dl, "/../%s",
			    LOOM_WEB_DIR_RELATIVE);
			if (n > 0 && (size_t)n < sizeof exe - dl)
				cands[2] = exe;
		}
	}
	for (i = 0; i < 4; i++) {
		if (cands[i] == NULL || cands[i][0] == '\0')
			continue;
		snprintf(path, sizeof path, "%s/index.html", cands[i]);
		if (access(path, R_OK) == 0)
			return xstrdup(cands[i]);
	}
	return NULL;
}

/* Bind 127.0.0.1:port and set up evhttp with explicit limits. */
static struct web_state *
http_start(struct loomd *loomd, int port, struct loom_error *err)
{
	struct web_state *st;
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	unsigned char raw[HTTP_TOKEN_BYTES];
	int fd, one = 1, saved;
	size_t i;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		loom_error_set(err, "", 0, 0, "cannot get random bytes for "
		    "the editor token: %s", strerror(errno));
		return NULL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		loom_error_set(err, "", 0, 0, "socket: %s", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		saved = errno;
		close(fd);
		loom_error_set(err, "", 0, 0, "cannot listen on 127.0.0.1:%d: "
		    "%s", port, strerror(saved));
		if (saved == EADDRINUSE)
			loom_error_hint(err, "choose another port with --port, "
			    "or --port 0 for any free one");
		return NULL;
	}

	st = xcalloc(1, sizeof *st);
	st->fd = fd;
	st->port = ntohs(sin.sin_port);
	for (i = 0; i < sizeof raw; i++)
		snprintf(st->token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
	http_cookie_name(st->port, st->cookie, sizeof st->cookie);
	st->web_dir = http_find_web_dir();

	st->http = evhttp_new(loomd->base);
	if (st->http == NULL) {
		close(fd);
		free(st->web_dir);
		free(st);
		loom_error_set(err, "", 0, 0, "cannot create the HTTP server");
		return NULL;
	}
	TAILQ_INIT(&st->conns);
	http_read_timeout(&st->timeout);
	evhttp_set_max_headers_size(st->http, HTTP_MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(st->http, HTTP_MAX_BODY_SIZE);
	evhttp_set_timeout_tv(st->http, &st->timeout);
	evhttp_set_bevcb(st->http, http_bev_cb, st);
	evhttp_set_allowed_methods(st->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_OPTIONS |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(st->http, "text/plain; charset=utf-8");
	evhttp_set_gencb(st->http, http_request_cb, loomd);
	if (evhttp_accept_socket(st->http, fd) != 0) {
		evhttp_free(st->http);
		close(fd);
		free(st->web_dir);
		free(st);
		loom_error_set(err, "", 0, 0, "cannot accept on the editor "
		    "port");
		return NULL;
	}
	log_info("editor bridge listening on 127.0.0.1:%d (files: %s, "
	    "request timeout %.3g s)", st->port, st->web_dir != NULL ?
	    st->web_dir : "not built", (double)st->timeout.tv_sec +
	    st->timeout.tv_usec / 1e6);
	return st;
}

/*
 * The absolute path of a pipeline to create (ui.open with "new"): the
 * name must not exist yet, in a folder that does. Returns it (the folder
 * by its real path), or NULL with err set.
 */
static char *
http_new_path(const char *path, struct loom_error *err)
{
	struct stat sb;
	const char *slash = strrchr(path, '/');
	char *dir, *real, *full;

	if (path[0] != '/' || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0) {
		loom_error_set(err, path, 0, 0, "%s is not the absolute path "
		    "of a file to create", path);
		return NULL;
	}
	if (lstat(path, &sb) == 0) {
		loom_error_set(err, path, 0, 0, "%s exists already", path);
		loom_error_hint(err, "open it without --new, or choose another "
		    "name");
		return NULL;
	}
	dir = slash == path ? xstrdup("/") : xstrndup(path,
	    (size_t)(slash - path));
	if ((real = realpath(dir, NULL)) == NULL || stat(real, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)) {
		loom_error_set(err, path, 0, 0, "cannot create %s: %s is not "
		    "a folder", path, dir);
		loom_error_hint(err, "create the folder first (mkdir -p %s)",
		    dir);
		free(real);
		free(dir);
		return NULL;
	}
	full = xasprintf("%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/",
	    slash + 1);
	free(real);
	free(dir);
	return full;
}

/* Open the editor on a target (see http.h). */
json_t *
http_ui_open(struct loomd *loomd, const char *path, bool is_new, int port,
    json_t *env, const char *cwd, struct loom_error *err)
{
	struct web_state *st = loomd->web;
	struct web_target *t;
	struct stat sb;
	char *real, *root;
	size_t id;

	if (is_new) {
		if ((real = http_new_path(path, err)) == NULL)
			return NULL;
		sb.st_mode = S_IFREG;
	} else if ((real = realpath(path, NULL)) == NULL) {
		loom_error_set(err, path, 0, 0, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (!is_new && (stat(real, &sb) == -1 || (!S_ISDIR(sb.st_mode) &&
	    !S_ISREG(sb.st_mode)))) {
		loom_error_set(err, path, 0, 0, "%s is neither a pipeline file "
		    "nor a folder", path);
		free(real);
		return NULL;
	}
	if (st != NULL && port != 0 && port != st->port) {
		loom_error_set(err, "", 0, 0, "the editor already listens on "
		    "port %d", st->port);
		loom_error_hint(err, "open http://127.0.0.1:%d/ or leave out "
		    "--port", st->port);
		free(real);
		return NULL;
	}
	if (st == NULL) {
		if ((st = http_start(loomd, port, err)) == NULL) {
			free(real);
			return NULL;
		}
		loomd->web = st;
	}

	if (S_ISDIR(sb.st_mode))
		root = xstrdup(real);
	else {
		char *slash = strrchr(real, '/');
		root = slash == real ? xstrdup("/") :
		    xstrndup(real, (size_t)(slash - real));
	}
	/* The same target opened again reuses its slot (new environment). */
	for (id = 0; id < st->ntargets; id++) {
		if (strcmp(st->targets[id].path, real) == 0)
			break;
	}
	if (id == st->ntargets) {
		st->targets = xreallocarray(st->targets, st->ntargets + 1,
		    sizeof *st->targets);
		t = &st->targets[st->ntargets++];
		memset(t, 0, sizeof *t);
		t->path = real;
		t->root = root;
		t->is_dir = S_ISDIR(sb.st_mode);
		t->is_new = is_new;
	} else {
		t = &st->targets[id];
		free(real);
		free(root);
		json_decref(t->env);
		free(t->cwd);
		t->env = NULL;
		t->cwd = NULL;
	}
	t->env = env != NULL ? json_deep_copy(env) : NULL;
	t->cwd = cwd != NULL ? xstrdup(cwd) : NULL;
	st->awaiting = true;
	st->opened_ms = loomd_now_ms();
	log_info("editor opened on %s (target %zu)", t->path, id);

	return json_pack("{s:o, s:i, s:I, s:s, s:s, s:s, s:b, s:b}",
	    "url", json_sprintf("http://127.0.0.1:%d/?token=%s&target=%zu",
	    st->port, st->token, id),
	    "port", st->port, "target", (json_int_t)id,
	    "kind", t->is_dir ? "dir" : "file", "path", t->path,
	    "root", t->root, "editor", st->web_dir != NULL, "new", t->is_new);
}

/* The target with index id, as JSON. */
json_t *
http_target_json(struct loomd *loomd, long id)
{
	struct web_state *st = loomd->web;
	struct web_target *t;

	if (st == NULL || id < 0 || (size_t)id >= st->ntargets)
		return NULL;
	t = &st->targets[id];
	return json_pack("{s:I, s:s, s:s, s:s, s:b}", "target", (json_int_t)id,
	    "kind", t->is_dir ? "dir" : "file", "path", t->path,
	    "root", t->root, "new", t->is_new);
}

/* The environment recorded for target id (borrowed). */
json_t *
http_target_env(struct loomd *loomd, long id)
{
	struct web_state *st = loomd->web;

	if (st == NULL || st->ntargets == 0)
		return NULL;
	if (id < 0 || (size_t)id >= st->ntargets)
		id = (long)st->ntargets - 1;
	return st->targets[id].env;
}

/* The working folder recorded for target id (borrowed). */
const char *
http_target_cwd(struct loomd *loomd, long id)
{
	struct web_state *st = loomd->web;

	if (st == NULL || st->ntargets == 0)
		return NULL;
	if (id < 0 || (size_t)id >= st->ntargets)
		id = (long)st->ntargets - 1;
	return st->targets[id].cwd;
}

/* Whether the bridge keeps the daemon alive (see http.h). */
bool
http_is_busy(struct loomd *loomd)
{
	struct web_state *st = loomd->web;
	uint64_t wait_ms;

	if (st == NULL)
		return false;
	if (st->nws > 0)
		return true;
	if (!st->awaiting)
		return false;
	/* A browser may take a while to start: never less than a minimum. */
	wait_ms = (uint64_t)(loomd->opt.idle_timeout * 1000.0);
	if (wait_ms < HTTP_FIRST_CONNECT_MIN_MS)
		wait_ms = HTTP_FIRST_CONNECT_MIN_MS;
	if (loomd_now_ms() - st->opened_ms < wait_ms)
		return true;
	st->awaiting = false;
	return false;
}

/* Count WebSocket connections. */
void
http_ws_count(struct loomd *loomd, int delta)
{
	struct web_state *st = loomd->web;

	if (st == NULL)
		return;
	if (delta > 0) {
		st->nws++;
		st->awaiting = false;
	} else if (st->nws > 0)
		st->nws--;
	loomd_update_idle(loomd);
}

/* The listener's port. */
int
http_port(struct loomd *loomd)
{
	return loomd->web != NULL ? loomd->web->port : 0;
}

/*
 * Close editor connections at shutdown, at once: an editor that was
 * opened but never connected no longer keeps the daemon (X8).
 */
void
http_shutdown(struct loomd *loomd)
{
	if (loomd->web == NULL)
		return;
	loomd->web->awaiting = false;
	ws_close_all(loomd);
}

/* Free the bridge. */
void
http_free(struct loomd *loomd)
{
	struct web_state *st = loomd->web;
	size_t i;

	if (st == NULL)
		return;
	evhttp_free(st->http);
	while (!TAILQ_EMPTY(&st->conns))
		http_conn_forget(TAILQ_FIRST(&st->conns));
	close(st->fd);
	for (i = 0; i < st->ntargets; i++) {
		free(st->targets[i].path);
		free(st->targets[i].root);
		free(st->targets[i].cwd);
		json_decref(st->targets[i].env);
	}
	free(st->targets);
	free(st->web_dir);
	explicit_bzero(st->token, sizeof st->token);
	free(st);
	loomd->web = NULL;
}

/*
 * The request timeout: $LOOMD_HTTP_TIMEOUT seconds (a decimal number
 * over 0 and at most 3600) or HTTP_TIMEOUT_SECS.
 */
static void
http_read_timeout(struct timeval *tv)
{
	const char *env = getenv("LOOMD_HTTP_TIMEOUT");
	double secs = HTTP_TIMEOUT_SECS;
	char *end;

	if (env != NULL && *env != '\0') {
		errno = 0;
		secs = strtod(env, &end);
		if (errno != 0 || *end != '\0' || !(secs > 0.0) ||
		    secs > 3600.0) {
			log_warn("LOOMD_HTTP_TIMEOUT=%s is not a number of "
			    "seconds in (0, 3600]; using %d", env,
			    HTTP_TIMEOUT_SECS);
			secs = HTTP_TIMEOUT_SECS;
		}
	}
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
	if (tv->tv_sec == 0 && tv->tv_usec == 0)
		tv->tv_usec = 1000;
}

/*
 * evhttp asks for the bufferevent of each accepted connection: make it,
 * keep a reference and a record, and adopt the connection on the next
 * loop pass, when evhttp has finished setting it up.
 */
static struct bufferevent *
http_bev_cb(struct event_base *base, void *arg)
{
	struct web_state *st = arg;
	struct http_conn *c;

	c = xcalloc(1, sizeof *c);
	c->st = st;
	/* No CLOSE_ON_FREE: evhttp then closes the socket itself when it
	 * frees the connection, whatever references remain. */
	c->bev = bufferevent_socket_new(base, -1, 0);
	c->timer = evtimer_new(base, http_conn_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return NULL;	/* evhttp makes its own, unrecorded */
	}
	bufferevent_incref(c->bev);
	c->incb = evbuffer_add_cb(bufferevent_get_input(c->bev),
	    http_conn_input_cb, c);
	TAILQ_INSERT_TAIL(&st->conns, c, entry);
	event_active(c->timer, EV_TIMEOUT, 1);
	return c->bev;
}

/* Bytes arrived on a connection (or were consumed). */
static void
http_conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn *c = arg;

	if (info->n_added > 0)
		c->got = true;
}

/* The live connection behind a record, or NULL once evhttp freed it. */
static struct evhttp_connection *
http_conn_owner(struct http_conn *c)
{
	bufferevent_data_cb rcb, wcb;
	bufferevent_event_cb ecb;
	void *cbarg = NULL;

	bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &cbarg);
	if (cbarg == NULL)
		return NULL;
	/* Before adoption only evhttp has set callbacks: cbarg is its
	 * connection. After, ws.c may have replaced them. */
	return c->evcon != NULL ? c->evcon : cbarg;
}

/*
 * Start watching a connection: close callback, deadline, and the cap on
 * open connections (records of connections evhttp freed without telling
 * are dropped here too).
 */
static void
http_conn_adopt(struct http_conn *c, struct evhttp_connection *evcon)
{
	struct web_state *st = c->st;
	struct http_conn *o, *next;
	size_t open = 0;

	c->evcon = evcon;
	evhttp_connection_set_closecb(evcon, http_conn_closed_cb, c);
	for (o = TAILQ_FIRST(&st->conns); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		if (o == c)
			continue;
		if (http_conn_owner(o) == NULL)
			http_conn_forget(o);
		else if (!o->upgraded)
			open++;
	}
	if (open >= HTTP_MAX_CONNECTIONS) {
		log_warn("editor bridge: connection refused, %d HTTP "
		    "connections are open", HTTP_MAX_CONNECTIONS);
		http_conn_refuse(c, "503 Service Unavailable",
		    "503 Too many open connections to the Loom editor "
		    "bridge; try again later.\n");
		return;
	}
	c->reading = true;
	evtimer_add(c->timer, &st->timeout);
}

/*
 * Write a short answer straight to the socket (best effort, it is small)
 * and close the connection. c is freed by the close callback.
 */
static void
http_conn_refuse(struct http_conn *c, const char *status, const char *text)
{
	char buf[512];
	int fd = bufferevent_getfd(c->bev), n;

	n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n\r\n%s", status, strlen(text), text);
	if (fd != -1 && n > 0 && (size_t)n < sizeof buf &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		(void)send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	evhttp_connection_free(c->evcon);
}

/* Adoption on the first pass, then the request deadline. */
static void
http_conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	struct evhttp_connection *evcon;
	char *host = NULL;
	ev_uint16_t port = 0;

	if ((evcon = http_conn_owner(c)) == NULL) {
		http_conn_forget(c);
		return;
	}
	if (c->evcon == NULL) {
		http_conn_adopt(c, evcon);
		return;
	}
	if (!c->reading || c->upgraded)
		return;
	if (!c->got) {
		/* Idle (a kept-alive or preconnected socket): just close. */
		evhttp_connection_free(evcon);
		return;
	}
	evhttp_connection_get_peer(evcon, &host, &port);
	log_warn("editor bridge: closing the connection from %s:%u: no "
	    "whole request within %.3g s", host != NULL ? host : "?",
	    (unsigned)port, (double)c->st->timeout.tv_sec +
	    c->st->timeout.tv_usec / 1e6);
	http_conn_refuse(c, "408 Request Timeout",
	    "408 The request did not arrive in time.\n");
}

/* evhttp frees the connection. */
static void
http_conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	http_conn_forget(arg);
}

/* An answer went out: the next request on this connection has a deadline. */
static void
http_conn_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_conn *c = arg;

	if (c->upgraded)
		return;
	c->reading = true;
	/* A pipelined next request may already be here. */
	c->got = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
	evtimer_add(c->timer, &c->st->timeout);
}

/* Drop a record and its reference on the bufferevent. */
static void
http_conn_forget(struct http_conn *c)
{
	TAILQ_REMOVE(&c->st->conns, c, entry);
	if (c->evcon != NULL && http_conn_owner(c) != NULL)
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	event_free(c->timer);
	if (c->incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
		    c->incb);
	bufferevent_decref(c->bev);
	free(c);
}

/* The record of a request's connection (adopted now if need be). */
static struct http_conn *
http_conn_find(struct web_state *st, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct http_conn *c;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	TAILQ_FOREACH(c, &st->conns, entry) {
		if (c->bev == bev) {
			if (c->evcon == NULL)
				http_conn_adopt(c, evcon);
			return c;
		}
	}
	return NULL;
}

/* Headers every response carries. */
static void
http_add_common_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cache-Control", "no-store");
}

/* A plain-text answer with status code and a body from fmt. */
static void
http_send_text(struct evhttp_request *req, int code, const char *reason,
    const char *fmt, ...)
{
	struct evbuffer *b = evbuffer_new();
	va_list ap;

	http_add_common_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* A short plain-text answer with status code. */
static void
http_send_status(struct evhttp_request *req, int code, const char *reason)
{
	struct evbuffer *b = evbuffer_new();

	http_add_common_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(b, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/*
 * The decoded value of name in a raw query string (owned), or NULL when
 * absent. *bad is set when the value decodes to something holding a NUL.
 */
static char *
http_query_param(const char *query, const char *name, bool *bad)
{
	size_t nlen = strlen(name), vlen, dlen;
	const char *p = query;
	char *raw, *dec;

	*bad = false;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			vlen = strcspn(p + nlen + 1, "&");
			raw = xstrndup(p + nlen + 1, vlen);
			dec = evhttp_uridecode(raw, 1, &dlen);
			free(raw);
			if (dec == NULL)
				return NULL;
			if (strlen(dec) != dlen) {
				*bad = true;
				free(dec);
				return NULL;
			}
			return dec;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* The Content-Type for a file by its extension. */
static const char *
http_content_type(const char *path, bool preview)
{
	static const struct {
		const char *ext;
		const char *type;
		bool app;	/* only for the editor's own files */
	} types[] = {
		{ ".html", "text/html; charset=utf-8", true },
		{ ".js", "text/javascript; charset=utf-8", true },
		{ ".mjs", "text/javascript; charset=utf-8", true },
		{ ".css", "text/css; charset=utf-8", true },
		{ ".woff2", "font/woff2", true },
		{ ".png", "image/png", false },
		{ ".jpg", "image/jpeg", false },
		{ ".jpeg", "image/jpeg", false },
		{ ".gif", "image/gif", false },
		{ ".webp", "image/webp", false },
		{ ".bmp", "image/bmp", false },
		{ ".svg", "image/svg+xml", false },
		{ ".ico", "image/x-icon", false },
		{ ".json", "application/json", false },
		{ ".txt", "text/plain; charset=utf-8", false },
		{ ".csv", "text/plain; charset=utf-8", false },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot != NULL && strchr(dot, '/') == NULL) {
		for (i = 0; i < sizeof types / sizeof types[0]; i++) {
			if (strcasecmp(dot, types[i].ext) != 0)
				continue;
			if (preview && types[i].app)
				break;
			return types[i].type;
		}
	}
	return "application/octet-stream";
}

/*
 * Open rel inside root for reading without following a link out of it and
 * without blocking on a FIFO. Returns the fd, or -1 with *status set (403
 * for an escape or anything but a regular file, 404 for a missing file
 * or a folder).
 */
static int
http_open_confined(const char *root, const char *rel, int *status,
    off_t *size)
{
	struct loom_error err;
	struct stat sb;
	char *real, link[64], back[PATH_MAX];
	ssize_t n;
	int fd;

	loom_error_clear(&err);
	if ((real = paths_confine(root, rel, false, &err)) == NULL) {
		*status = errno == ENOENT || errno == ENOTDIR ? 404 : 403;
		return -1;
	}
	fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY);
	if (fd == -1) {
		*status = errno == ENOENT ? 404 : 403;
		free(real);
		return -1;
	}
	/* The file opened must be the one confined (no swap in between). */
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, back, sizeof back - 1);
	if (n >= 0) {
		back[n] = '\0';
		if (strcmp(back, real) != 0) {
			close(fd);
			free(real);
			*status = 403;
			return -1;
		}
	}
	free(real);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		*status = S_ISDIR(sb.st_mode) ? 404 : 403;
		close(fd);
		return -1;
	}
	*size = sb.st_size;
	return fd;
}

/* Answer 200 with the open file fd (size bytes), which this takes over. */
static void
http_send_file(struct evhttp_request *req, int fd, off_t size)
{
	struct evbuffer *b = evbuffer_new();

	if (size > 0 && evbuffer_add_file(b, fd, 0, size) != 0) {
		close(fd);
		evbuffer_free(b);
		http_send_status(req, 500, "Internal Server Error");
		return;
	}
	if (size == 0)
		close(fd);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

bool
http_is_hashed_asset(const char *rel)
{
	const char *name, *dash, *dot, *p;

	if (strncmp(rel, "assets/", 7) != 0)
		return false;
	name = rel + 7;
	if (strchr(name, '/') != NULL || (dot = strrchr(name, '.')) == NULL)
		return false;
	if (strcmp(dot, ".js") != 0 && strcmp(dot, ".css") != 0)
		return false;
	if (dot - name < 10 || dot[-9] != '-')
		return false;
	dash = dot - 9;
	for (p = dash + 1; p < dot; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	}
	return true;
}

/* Serve one of the editor's own files. */
static void
http_serve_static(struct web_state *st, struct evhttp_request *req,
    const char *path)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;
	const char *rel;
	char csp[512];
	off_t size;
	int fd, status;

	if (st->web_dir == NULL) {
		if (strcmp(path, "/") != 0) {
			http_send_status(req, 404, "Not Found");
			return;
		}
		http_add_common_headers(req);
		evhttp_add_header(h, "Content-Type",
		    "text/html; charset=utf-8");
		b = evbuffer_new();
		evbuffer_add_printf(b, "<!doctype html><title>Loom</title>"
		    "<p>The Loom editor was not built into this "
		    "installation. Configure with <code>-DLOOM_WEB=ON</code> "
		    "and build again.</p>\n");
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return;
	}
	rel = strcmp(path, "/") == 0 ? "index.html" : path + 1;
	if ((fd = http_open_confined(st->web_dir, rel, &status, &size)) == -1) {
		http_send_status(req, status, status == 404 ? "Not Found" :
		    "Forbidden");
		return;
	}
	http_add_common_headers(req);
	if (http_is_hashed_asset(rel)) {
		evhttp_remove_header(h, "Cache-Control");
		evhttp_add_header(h, "Cache-Control",
		    "private, max-age=31536000, immutable");
	}
	evhttp_add_header(h, "Content-Type", http_content_type(rel, false));
	snprintf(csp, sizeof csp, "default-src 'self'; "
	    "connect-src 'self' ws://127.0.0.1:%d ws://localhost:%d; "
	    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
	    "script-src 'self'; object-src 'none'; base-uri 'none'; "
	    "frame-ancestors 'none'; form-action 'none'", st->port, st->port);
	evhttp_add_header(h, "Content-Security-Policy", csp);
	http_send_file(req, fd, size);
}

/* Serve the raw bytes of a file inside a target's folder (a preview). */
static void
http_serve_file(struct web_state *st, struct evhttp_request *req,
    const char *query)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char *tid, *rel, *end;
	bool bad1, bad2;
	long id;
	off_t size;
	int fd, status;

	tid = http_query_param(query, "target", &bad1);
	rel = http_query_param(query, "path", &bad2);
	if (bad1 || bad2 || tid == NULL || rel == NULL) {
		free(tid);
		free(rel);
		http_send_status(req, bad2 ? 403 : 400,
		    bad2 ? "Forbidden" : "Bad Request");
		return;
	}
	errno = 0;
	id = strtol(tid, &end, 10);
	if (*end != '\0' || errno != 0 || id < 0 ||
	    (size_t)id >= st->ntargets) {
		free(tid);
		free(rel);
		http_send_status(req, 404, "Not Found");
		return;
	}
	free(tid);
	fd = http_open_confined(st->targets[id].root, rel, &status, &size);
	if (fd == -1) {
		log_info("editor preview of %s refused (%d)", rel, status);
		free(rel);
		http_send_status(req, status, status == 404 ? "Not Found" :
		    "Forbidden");
		return;
	}
	if ((uintmax_t)size > HTTP_MAX_PREVIEW) {
		close(fd);
		free(rel);
		http_send_status(req, 413, "Payload Too Large");
		return;
	}
	http_add_common_headers(req);
	evhttp_add_header(h, "Content-Type", http_content_type(rel, true));
	evhttp_add_header(h, "Content-Security-Policy", "sandbox");
	evhttp_add_header(h, "Content-Disposition", "inline");
	free(rel);
	http_send_file(req, fd, size);
}

/*
 * Take a checked request for /ws over to ws.c, with the environment and
 * working folder of the ui.open its page names (?target=N).
 */
static void
http_upgrade(struct loomd *loomd, struct evhttp_request *req,
    const char *query, struct http_conn *conn)
{
	struct web_state *st = loomd->web;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *key;
	char *target;
	long tid;
	bool bad;
	int status;

	status = ws_check_handshake(evhttp_request_get_input_headers(req),
	    &key);
	if (status != 0 || cmd != EVHTTP_REQ_GET) {
		if (status == 426)
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Sec-WebSocket-Version", "13");
		http_send_status(req, status == 0 ? 400 : status,
		    status == 426 ? "Upgrade Required" : "Bad Request");
		return;
	}
	if (loomd->stopping) {
		/* The stop closed every editor: no new one. */
		http_send_text(req, 503, "Service Unavailable",
		    "503 loomd is stopping.\n");
		return;
	}
	if (st->nws >= HTTP_MAX_WS_CLIENTS) {
		log_warn("editor connection refused: %d editors open",
		    HTTP_MAX_WS_CLIENTS);
		http_send_text(req, 503, "Too Many Editors",
		    "503 Too many editors: %d editor connections are open to "
		    "this daemon, which is its limit. Close an editor tab, "
		    "then reload.\n", HTTP_MAX_WS_CLIENTS);
		return;
	}
	target = query != NULL ? http_query_param(query, "target", &bad) :
	    NULL;
	tid = target != NULL ? strtol(target, NULL, 10) : -1;
	free(target);
	if (ws_accept(loomd, req, key, http_target_env(loomd, tid),
	    http_target_cwd(loomd, tid), http_ws_count) != 0)
		http_send_status(req, 500, "Internal Server Error");
	else if (conn != NULL)
		conn->upgraded = true;
}

/* Every request arrives here. */
static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct loomd *loomd = arg;
	struct web_state *st = loomd->web;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct http_request_info ri;
	struct http_guard g;
	struct http_conn *conn;
	struct evkeyval *kv;
	const char *path, *query, *why = "", *upg;
	char *qtoken = NULL, *target = NULL, *dpath = NULL, cookie[256];
	char loc[64];
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool from_query, bad;
	size_t dlen;
	int status;

	if (st == NULL || uri == NULL) {
		http_send_status(req, 400, "Bad Request");
		return;
	}
	/* The request is whole: no deadline until the answer went out. */
	if ((conn = http_conn_find(st, req)) != NULL) {
		conn->reading = false;
		evtimer_del(conn->timer);
		evhttp_request_set_on_complete_cb(req, http_conn_done_cb,
		    conn);
	}
	memset(&ri, 0, sizeof ri);
	ri.major = req->major;
	ri.minor = req->minor;
	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Host") == 0) {
			ri.host = kv->value;
			ri.nhost++;
		} else if (strcasecmp(kv->key, "Origin") == 0) {
			ri.origin = kv->value;
			ri.norigin++;
		} else if (strcasecmp(kv->key, "Cookie") == 0)
			ri.cookie = kv->value;
	}
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if (query != NULL)
		qtoken = http_query_param(query, "token", &bad);
	ri.query_token = qtoken;
	upg = evhttp_find_header(in, "Upgrade");
	ri.upgrade = strcmp(path, "/ws") == 0 || upg != NULL;

	g.port = st->port;
	g.token = st->token;
	status = http_check_request(&g, &ri, &from_query, &why);
	free(qtoken);
	if (status != 0) {
		log_info("editor request %s refused (%d): %s",
		    ri.upgrade ? "upgrade" : "GET", status, why);
		http_send_status(req, status, status == 400 ? "Bad Request" :
		    "Forbidden");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		/* Every change goes through the WebSocket, never a form. */
		http_send_status(req, 403, "Forbidden");
		return;
	}
	dpath = evhttp_uridecode(path, 0, &dlen);
	if (dpath == NULL || strlen(dpath) != dlen) {
		free(dpath);
		http_send_status(req, 400, "Bad Request");
		return;
	}

	if (strcmp(dpath, "/ws") == 0) {
		http_upgrade(loomd, req, query, conn);
		goto out;
	}
	if (ri.upgrade && upg != NULL) {
		http_send_status(req, 404, "Not Found");
		goto out;
	}
	if (from_query && strcmp(dpath, "/") == 0) {
		/* Keep the token in a cookie and out of the address bar. */
		target = http_query_param(query, "target", &bad);
		snprintf(cookie, sizeof cookie, "%s=%s; HttpOnly; "
		    "SameSite=Strict; Path=/", st->cookie, st->token);
		snprintf(loc, sizeof loc, "/?target=%ld", target != NULL ?
		    strtol(target, NULL, 10) : 0L);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Set-Cookie", cookie);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", loc);
		http_send_status(req, 302, "Found");
		goto out;
	}
	if (strcmp(dpath, "/file") == 0)
		http_serve_file(st, req, query != NULL ? query : "");
	else
		http_serve_static(st, req, dpath);
out:
	free(target);
	free(dpath);
}
