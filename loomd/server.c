/* SPDX-License-Identifier: MIT */
/*
 * loomd's server: the listening socket, accepting clients, signals, the
 * idle exit and the orderly stop, and the loop that frees deferred
 * objects after every pass.
 *
 * The idle decision lives in one place, loomd_may_exit: no live client
 * and no busy module. loomd_update_idle is called after every loop pass
 * (and whenever a client comes or goes), starts or clears the countdown
 * and arms a timer for the rest of it, so the daemon leaves exactly when
 * the idle time has run out without polling.
 *
 * The socket is bound under umask 0177 (so mode 0600) inside a 0700
 * folder (main.c checks the folder first). A 1 s tick notices when the
 * socket file was removed or replaced and binds a new one: the pid
 * file's lock proves no other loomd of ours is serving (docs/daemon.md,
 * S9).
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/util/error.h"
#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "common/util/paths.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/conn.h"
#include "loomd/executor.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/rpc.h"
#include "loomd/server.h"
#include "loomd/watch.h"

/* Extra seconds after kill_grace that a stop may take before exiting. */
#define SERVER_STOP_SLACK	5

struct loomd_deferred {
	void (*fn)(void *);
	void *arg;
	struct loomd_deferred *next;
};

static const struct loomd_module *const server_modules[] = {
	&loomd_run_module,
	&loomd_web_module,
	&loomd_fresh_module,
};
#define SERVER_NMODULES	(sizeof server_modules / sizeof server_modules[0])

static void server_accept_cb(evutil_socket_t fd, short what, void *arg);
static void server_accept_resume_cb(evutil_socket_t fd, short what,
    void *arg);
static int server_signals_init(struct loomd *loomd, struct loom_error *err);
static void server_signals_cb(evutil_socket_t fd, short what, void *arg);
static void server_signal(struct loomd *loomd, int sig);
static void server_tick_cb(evutil_socket_t fd, short what, void *arg);
static void server_idle_cb(evutil_socket_t fd, short what, void *arg);
static void server_stop_cb(evutil_socket_t fd, short what, void *arg);
static void server_force_exit_cb(evutil_socket_t fd, short what, void *arg);
static void server_close_listener(struct loomd *loomd, bool unlink_socket);
static bool server_modules_busy(struct loomd *loomd);
static void server_refuse(int fd, const char *message);
static void server_libevent_log(int severity, const char *msg);
static void server_libevent_fatal(int err);
static void server_exit(struct loomd *loomd, const char *why);

/* Monotonic milliseconds. */
uint64_t
loomd_now_ms(void)
{
	return loomd_now_us() / 1000;
}

uint64_t
loomd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
server_libevent_log(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
}

static void
server_libevent_fatal(int err)
{
	fatalx("libevent: fatal error %d", err);
}

/* Create the event base, signal events and timers. */
int
server_init(struct loomd *loomd, struct loom_error *err)
{
	struct timeval tick = { 1, 0 };

	loomd->sigfd = -1;
	event_set_log_callback(server_libevent_log);
	event_set_fatal_callback(server_libevent_fatal);
	if ((loomd->base = event_base_new()) == NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot create an event loop");
		return -1;
	}
	log_debug("libevent %s, method %s", event_get_version(),
	    event_base_get_method(loomd->base));
	if (server_signals_init(loomd, err) == -1)
		return -1;
	loomd->ev_tick = event_new(loomd->base, -1, EV_PERSIST,
	    server_tick_cb, loomd);
	evtimer_add(loomd->ev_tick, &tick);
	loomd->ev_idle = evtimer_new(loomd->base, server_idle_cb, loomd);
	loomd->ev_stop = evtimer_new(loomd->base, server_stop_cb, loomd);
	loomd->ev_force_exit = evtimer_new(loomd->base, server_force_exit_cb,
	    loomd);
	loomd->ev_accept_pause = evtimer_new(loomd->base,
	    server_accept_resume_cb, loomd);
	return 0;
}

/* Bind and listen on the socket path. */
int
server_listen(struct loomd *loomd, struct loom_error *err)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old_umask;
	int fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(loomd->socket_path) >= sizeof sun.sun_path) {
		loom_error_set(err, NULL, 0, 0, "socket path too long: %s",
		    loomd->socket_path);
		return -1;
	}
	strcpy(sun.sun_path, loomd->socket_path);

	if (lstat(loomd->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			loom_error_set(err, NULL, 0, 0,
			    "%s: exists and is not a socket",
			    loomd->socket_path);
			return -1;
		}
		/* We hold the pid lock, so no loomd serves it: stale. */
		log_info("removing stale socket %s", loomd->socket_path);
		if (unlink(loomd->socket_path) == -1 && errno != ENOENT) {
			loom_error_set(err, NULL, 0, 0, "cannot remove %s: %s",
			    loomd->socket_path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		loom_error_set(err, NULL, 0, 0, "socket: %s", strerror(errno));
		return -1;
	}
	old_umask = umask(0177);	/* socket mode 0600 */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		umask(old_umask);
		close(fd);
		loom_error_set(err, NULL, 0, 0, "cannot bind %s: %s",
		    loomd->socket_path, strerror(saved));
		return -1;
	}
	umask(old_umask);
	if (listen(fd, SOMAXCONN) == -1 ||
	    lstat(loomd->socket_path, &st) == -1) {
		saved = errno;
		close(fd);
		unlink(loomd->socket_path);
		loom_error_set(err, NULL, 0, 0, "cannot listen on %s: %s",
		    loomd->socket_path, strerror(saved));
		return -1;
	}
	loomd->listen_fd = fd;
	loomd->socket_ino = st.st_ino;
	loomd->ev_accept = event_new(loomd->base, fd, EV_READ | EV_PERSIST,
	    server_accept_cb, loomd);
	event_add(loomd->ev_accept, NULL);
	log_info("listening on %s", loomd->socket_path);
	return 0;
}

/* Stop listening; remove the socket file when it is still the one we bound. */
static void
server_close_listener(struct loomd *loomd, bool unlink_socket)
{
	struct stat st;

	if (loomd->listen_fd == -1)
		return;
	if (unlink_socket && lstat(loomd->socket_path, &st) == 0 &&
	    st.st_ino == loomd->socket_ino)
		unlink(loomd->socket_path);
	event_free(loomd->ev_accept);
	loomd->ev_accept = NULL;
	evtimer_del(loomd->ev_accept_pause);
	close(loomd->listen_fd);
	loomd->listen_fd = -1;
}

/* Write a one-line error to a refused peer without waiting, then close. */
static void
server_refuse(int fd, const char *message)
{
	json_t *reply;
	char *text;
	size_t len;

	reply = jsonrpc_error(NULL, JSONRPC_INTERNAL_ERROR, message, NULL);
	if ((text = jsonrpc_encode(reply, &len)) != NULL) {
		if (send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
			send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(text);
	}
	json_decref(reply);
	close(fd);
}

static void
server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct loomd *loomd = arg;
	struct ucred cred;
	socklen_t len;
	struct timeval pause = { 1, 0 };
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				/*
				 * Out of descriptors: the pending connection
				 * stays in the backlog and would wake us at
				 * once. Stop accepting for a second instead of
				 * spinning.
				 */
				log_warn("accept: %s; pausing for 1 s",
				    strerror(errno));
				event_del(loomd->ev_accept);
				evtimer_add(loomd->ev_accept_pause, &pause);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == -1) {
			log_warn("cannot read peer credentials: %s",
			    strerror(errno));
			close(fd);
			continue;
		}
		if (cred.uid != loomd->uid) {
			/* No answer at all: the peer learns nothing. */
			log_warn("refused connection from uid %lu (pid %ld): "
			    "not the daemon's uid %lu",
			    (unsigned long)cred.uid, (long)cred.pid,
			    (unsigned long)loomd->uid);
			close(fd);
			continue;
		}
		if (loomd->stopping) {
			server_refuse(fd, "daemon shutting down");
			continue;
		}
		if (loomd->nclients >= LOOM_MAX_CLIENTS) {
			log_warn("refused connection from pid %ld: %d clients "
			    "already", (long)cred.pid, LOOM_MAX_CLIENTS);
			server_refuse(fd, "too many clients");
			continue;
		}
		conn_create(loomd, fd, cred.uid, cred.pid);
	}
}

static void
server_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loomd *loomd = arg;

	if (loomd->ev_accept != NULL && !loomd->stopping)
		event_add(loomd->ev_accept, NULL);
}

/*
 * SIGTERM, SIGINT and SIGHUP are blocked (in this thread; the hash
 * worker blocks everything) and read from a signalfd, like SIGCHLD
 * (child.c): the daemon then catches no signal with a handler, so
 * starting a step needs no blocking of every signal around vfork (no
 * handler of the daemon can run in the child before exec). Children
 * unblock every signal before exec.
 */
static int
server_signals_init(struct loomd *loomd, struct loom_error *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (loomd->sigfd = signalfd(-1, &set, SFD_NONBLOCK |
	    SFD_CLOEXEC)) == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot watch signals: %s",
		    strerror(errno));
		return -1;
	}
	loomd->ev_signals = event_new(loomd->base, loomd->sigfd,
	    EV_READ | EV_PERSIST, server_signals_cb, loomd);
	if (loomd->ev_signals == NULL ||
	    event_add(loomd->ev_signals, NULL) == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot watch signals");
		return -1;
	}
	return 0;
}

/* The signalfd is readable: act on each signal read. */
static void
server_signals_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signalfd_siginfo si[4];
	ssize_t n;
	size_t i;

	(void)what;
	while ((n = read(fd, si, sizeof si)) == -1 && errno == EINTR)
		;
	for (i = 0; n > 0 && i < (size_t)n / sizeof si[0]; i++)
		server_signal(arg, (int)si[i].ssi_signo);
}

static void
server_signal(struct loomd *loomd, int sig)
{
	if (sig == SIGHUP) {
		log_info("SIGHUP ignored");
		return;
	}
	log_info("%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (loomd->stopping) {
		server_exit(loomd, "second signal during stop");
		return;
	}
	loomd_stop(loomd);
}

/* Once a second: re-check idleness and that our socket is still there. */
static void
server_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loomd *loomd = arg;
	struct loom_error err;
	struct stat st;

	loomd_update_idle(loomd);
	if (loomd->stopping || loomd->exiting || loomd->listen_fd == -1)
		return;
	if (lstat(loomd->socket_path, &st) == 0 &&
	    st.st_ino == loomd->socket_ino && S_ISSOCK(st.st_mode))
		return;
	log_warn("socket %s was removed or replaced; binding it again",
	    loomd->socket_path);
	server_close_listener(loomd, false);
	loom_error_clear(&err);
	if (paths_check_private_dir(loomd->socket_dir, true, &err) == -1 ||
	    server_listen(loomd, &err) == -1) {
		log_error("%s; exiting", err.message);
		server_exit(loomd, "socket lost");
	}
}

static void
server_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	loomd_update_idle(arg);
}

static bool
server_modules_busy(struct loomd *loomd)
{
	size_t i;

	for (i = 0; i < SERVER_NMODULES; i++) {
		if (server_modules[i]->busy != NULL &&
		    server_modules[i]->busy(loomd))
			return true;
	}
	return false;
}

/* The idle rule: no live client and no busy module. */
bool
loomd_may_exit(struct loomd *loomd)
{
	return loomd->nclients == 0 && !server_modules_busy(loomd);
}

/* Leave the loop after this pass. */
static void
server_exit(struct loomd *loomd, const char *why)
{
	if (loomd->exiting)
		return;
	log_info("exiting: %s", why);
	loomd->exiting = true;
	event_base_loopbreak(loomd->base);
}

/* Start, continue or clear the idle countdown. */
void
loomd_update_idle(struct loomd *loomd)
{
	uint64_t now, limit, left;
	struct timeval tv;

	if (loomd->exiting || loomd->base == NULL)
		return;
	if (loomd->stopping) {
		if (!server_modules_busy(loomd) &&
		    TAILQ_EMPTY(&loomd->clients))
			server_exit(loomd, "stopped");
		return;
	}
	if (!loomd_may_exit(loomd)) {
		if (loomd->idle_since_ms != 0)
			evtimer_del(loomd->ev_idle);
		loomd->idle_since_ms = 0;
		return;
	}
	now = loomd_now_ms();
	if (loomd->idle_since_ms == 0)
		loomd->idle_since_ms = now;
	limit = (uint64_t)(loomd->opt.idle_timeout * 1000.0);
	if (now - loomd->idle_since_ms >= limit) {
		server_exit(loomd, "idle");
		return;
	}
	left = limit - (now - loomd->idle_since_ms);
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000 + 1000;
	evtimer_add(loomd->ev_idle, &tv);
}

/* Begin an orderly stop on the next loop pass. */
void
loomd_stop(struct loomd *loomd)
{
	struct timeval now = { 0, 0 };

	if (loomd->stopping)
		return;
	loomd->stopping = true;
	evtimer_add(loomd->ev_stop, &now);
}

/*
 * The stop itself, on a fresh loop pass: stop accepting, let modules
 * cancel their work, close clients once their replies are written and
 * leave when nothing is left (or at the deadline).
 */
static void
server_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loomd *loomd = arg;
	struct rpc_client *c;
	struct timeval deadline;
	size_t i;

	log_info("stopping");
	server_close_listener(loomd, true);
	for (i = 0; i < SERVER_NMODULES; i++) {
		if (server_modules[i]->shutdown != NULL)
			server_modules[i]->shutdown(loomd);
	}
	TAILQ_FOREACH(c, &loomd->clients, entry)
		rpc_client_close(c, "daemon stopping", true);
	deadline.tv_sec = (time_t)loomd->opt.kill_grace + SERVER_STOP_SLACK;
	deadline.tv_usec = 0;
	evtimer_add(loomd->ev_force_exit, &deadline);
	loomd_update_idle(loomd);
}

static void
server_force_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	log_warn("stop took longer than the kill grace period; exiting");
	server_exit(arg, "stop deadline");
}

/* A client left: its subscriptions and watches go with it. */
void
loomd_client_gone(struct rpc_client *client)
{
	notify_client_gone(client);
	watch_client_gone(client);
}

/* Run fn(arg) after the current loop pass. */
void
loomd_defer_free(struct loomd *loomd, void (*fn)(void *), void *arg)
{
	struct loomd_deferred *d = xmalloc(sizeof *d);

	d->fn = fn;
	d->arg = arg;
	d->next = loomd->deferred;
	loomd->deferred = d;
}

/* Run what was deferred; what those calls defer in turn runs too. */
void
loomd_run_deferred(struct loomd *loomd)
{
	struct loomd_deferred *list, *d, *prev, *next;

	while ((list = loomd->deferred) != NULL) {
		loomd->deferred = NULL;
		/* Reverse to run in the order deferred. */
		for (prev = NULL, d = list; d != NULL; d = next) {
			next = d->next;
			d->next = prev;
			prev = d;
		}
		for (d = prev; d != NULL; d = next) {
			next = d->next;
			d->fn(d->arg);
			free(d);
		}
	}
}

/* Let each module add to a daemon.status result. */
void
loomd_modules_status(struct loomd *loomd, json_t *result)
{
	size_t i;

	for (i = 0; i < SERVER_NMODULES; i++) {
		if (server_modules[i]->status != NULL)
			server_modules[i]->status(loomd, result);
	}
}

/* Call each module's init hook. */
int
server_init_modules(struct loomd *loomd, struct loom_error *err)
{
	size_t i;

	/* Steps run as children of the daemon, with its original limit. */
	if (loomd->executor == NULL && (loomd->executor =
	    executor_local_new(loomd->base, &loomd->nofile_orig, err)) == NULL)
		return -1;
	if (loomd->slurm == NULL)
		loomd->slurm = executor_slurm_new(loomd->base, loomd->executor);
	for (i = 0; i < SERVER_NMODULES; i++) {
		if (server_modules[i]->init != NULL &&
		    server_modules[i]->init(loomd, err) == -1)
			return -1;
	}
	return 0;
}

/* Run loop passes until the daemon exits. */
void
server_loop(struct loomd *loomd)
{
	loomd_update_idle(loomd);
	while (!loomd->exiting) {
		if (event_base_loop(loomd->base, EVLOOP_ONCE) == -1) {
			log_error("event loop failed");
			break;
		}
		loomd_run_deferred(loomd);
		loomd_update_idle(loomd);
	}
}

/* Release the server, clients and modules. */
void
server_free(struct loomd *loomd)
{
	struct rpc_client *c;
	size_t i;

	if (loomd->base == NULL)
		return;
	server_close_listener(loomd, true);
	TAILQ_FOREACH(c, &loomd->clients, entry)
		rpc_client_close(c, "daemon exiting", false);
	loomd_run_deferred(loomd);
	/* Stamps still being hashed are dropped: their units re-run. */
	for (i = 0; i < LOOMD_HASHWORKS; i++) {
		hashwork_free(loomd->hashwork[i]);
		loomd->hashwork[i] = NULL;
	}
	for (i = 0; i < SERVER_NMODULES; i++) {
		if (server_modules[i]->free != NULL)
			server_modules[i]->free(loomd);
	}
	loomd_run_deferred(loomd);
	/* After the modules: the runs have released their units. */
	executor_free(loomd->slurm);
	loomd->slurm = NULL;
	executor_free(loomd->executor);
	loomd->executor = NULL;
	if (loomd->ev_signals != NULL)
		event_free(loomd->ev_signals);
	if (loomd->sigfd != -1)
		close(loomd->sigfd);
	event_free(loomd->ev_tick);
	event_free(loomd->ev_idle);
	event_free(loomd->ev_stop);
	event_free(loomd->ev_force_exit);
	event_free(loomd->ev_accept_pause);
	event_base_free(loomd->base);
	loomd->base = NULL;
	libevent_global_shutdown();
}
