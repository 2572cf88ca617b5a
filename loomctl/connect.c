/* SPDX-License-Identifier: MIT */
/*
 * Reaching loomd, started on demand without races (the tmux way):
 *
 * 1. connect to the socket; on success say daemon.hello;
 * 2. on ENOENT or ECONNREFUSED take an exclusive flock on <socket>.lock;
 *    whoever holds it is starting a daemon, so we wait;
 * 3. with the lock, connect once more: another client may have started
 *    a daemon between our failed connect and our lock;
 * 4. only then remove a stale socket file and start loomd (beside this
 *    executable, else on PATH) with --ready-fd, in a new session, stdio
 *    on /dev/null, and wait for "ready" or "error: ..." on the pipe, so a
 *    daemon that cannot start tells the person why;
 * 5. release the lock once the daemon answers.
 *
 * A daemon that is shutting down (idle exit) may accept and then reset a
 * connection, or refuse it while its socket file still exists; both are
 * retried a few times from step 1.
 *
 * Nothing is sent before the listener is known to be ours (X1): the
 * socket's folder is a real folder of our uid with no group or other
 * bits, the socket file a socket of our uid that group and others cannot
 * write to, and the peer's credentials (SO_PEERCRED) carry our uid. Anything else
 * is refused naming its owner. Only a socket of ours is ever removed as
 * stale (X4). Every reply is awaited at most connect_timeout seconds
 * (rpcclient.h), and the message names the socket and the daemon's pid.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/paths.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomctl/connect.h"
#include "loomctl/rpcclient.h"

/*
 * How long to wait for a new daemon's "ready" line; it may first wait for
 * a daemon in its orderly stop (loomd/main.c, MAIN_LOCK_WAIT_MS).
 */
#define CONNECT_READY_TIMEOUT_MS	40000
/* Attempts when a daemon vanishes under us while shutting down. */
#define CONNECT_ATTEMPTS		8
/*
 * With stdout not a terminal (a file, a pipe), events are written to
 * loomctl at most once per this many ms (daemon.hello's event_rate_ms):
 * a chain of steps of tens of ms wakes it once for several of them, and
 * a line reaches the file at most this late. A terminal keeps the
 * daemon's rate (LOOMD_EVENT_DELAY_MS).
 */
#define CONNECT_EVENT_RATE_MS		250

/* Seconds a reply may take (loomctl --timeout). */
static double	connect_timeout = CONNECT_DEFAULT_TIMEOUT;

static int	connect_socket(const char *path);
static char	*connect_loomd_path(void);
static int	connect_start_daemon(struct loom_error *err);
static int	connect_wait_ready(int fd, pid_t pid, struct loom_error *err);
static struct rpcclient *connect_hello(int fd, const char *socket,
		    bool *retry, struct loom_error *err);
static void	connect_pause(int attempt);
static void	connect_owner(uid_t uid, char *buf, size_t size);
static int	connect_check_owned(const char *path, const struct stat *st,
		    bool want_dir, struct loom_error *err);
static int	connect_check_peer(int fd, const char *socket, pid_t *pid,
		    struct loom_error *err);
static int	connect_remove_stale(const char *socket,
		    struct loom_error *err);
static int	connect_check_dir(const char *socket, bool create,
		    struct loom_error *err);


void
connect_set_timeout(double seconds)
{
	connect_timeout = seconds;
}

/* "name (uid N)" or "uid N" when the user has no name. */
static void
connect_owner(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(buf, size, "%s (uid %lu)", pw->pw_name,
		    (unsigned long)uid);
	else
		snprintf(buf, size, "uid %lu", (unsigned long)uid);
}

/*
 * Refuse path (lstat'ed into st) unless it is a folder of ours with no
 * group or other permission bit (want_dir), or a socket of ours that no
 * group or other may write to. Returns 0, or -1 with err naming the owner.
 */
static int
connect_check_owned(const char *path, const struct stat *st, bool want_dir,
    struct loom_error *err)
{
	char owner[128], me[128];

	connect_owner(st->st_uid, owner, sizeof owner);
	connect_owner(getuid(), me, sizeof me);
	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISSOCK(st->st_mode)) {
		loom_error_set(err, NULL, 0, 0, "%s is not a %s (%s, owned by "
		    "%s): refusing to use it", path, want_dir ? "folder" :
		    "socket", S_ISLNK(st->st_mode) ? "a symbolic link" :
		    S_ISREG(st->st_mode) ? "a regular file" : "another kind "
		    "of file", owner);
		loom_error_hint(err, "point LOOM_SOCKET at a socket path in a "
		    "private folder of yours");
		return -1;
	}
	if (st->st_uid != getuid()) {
		loom_error_set(err, NULL, 0, 0, "%s is owned by %s, not by you, "
		    "%s: refusing to talk to it", path, owner, me);
		loom_error_hint(err, "another user may be posing as loomd; "
		    "set LOOM_SOCKET or XDG_RUNTIME_DIR to a private folder "
		    "of yours");
		return -1;
	}
	/* Anyone who may write to the socket may connect to it. */
	if ((st->st_mode & (want_dir ? 077 : 022)) != 0) {
		loom_error_set(err, NULL, 0, 0, "%s: unsafe permissions %04o "
		    "(must be %s and owned by %s)", path,
		    (unsigned int)(st->st_mode & 07777), want_dir ? "0700" :
		    "0600", me);
		loom_error_hint(err, "chmod %s %s", want_dir ? "700" : "600",
		    path);
		return -1;
	}
	return 0;
}

/*
 * Check who listens on fd before anything is sent: the folder and the
 * socket file are ours and private, and the peer runs as our uid. Sets
 * *pid to the peer's pid. Returns 0, or -1 with err set (-2 when the
 * socket file is gone: the daemon went away after accepting).
 */
static int
connect_check_peer(int fd, const char *socket, pid_t *pid,
    struct loom_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct stat st;
	char owner[128], me[128];

	if (connect_check_dir(socket, false, err) == -1)
		return -1;
	if (lstat(socket, &st) == -1) {
		loom_error_set(err, NULL, 0, 0, "%s: %s", socket,
		    strerror(errno));
		/* Gone since connect: the daemon exited idle meanwhile. */
		return errno == ENOENT ? -2 : -1;
	}
	if (connect_check_owned(socket, &st, false, err) == -1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot read the credentials "
		    "of the process listening on %s: %s", socket,
		    strerror(errno));
		return -1;
	}
	if (cred.uid != getuid()) {
		connect_owner(cred.uid, owner, sizeof owner);
		connect_owner(getuid(), me, sizeof me);
		loom_error_set(err, NULL, 0, 0, "the process listening on %s "
		    "(pid %ld) runs as %s, not as you, %s: refusing to talk "
		    "to it", socket, (long)cred.pid, owner, me);
		loom_error_hint(err, "another user may be posing as loomd; "
		    "set LOOM_SOCKET or XDG_RUNTIME_DIR to a private folder "
		    "of yours");
		return -1;
	}
	*pid = cred.pid;
	return 0;
}

/*
 * Check the socket's folder, naming its owner when it is not ours, and
 * create it (mode 0700) when create is true and it is missing. Returns 0,
 * or -1 with err set.
 */
static int
connect_check_dir(const char *socket, bool create, struct loom_error *err)
{
	char *dir = paths_socket_dir(socket);
	struct stat st;
	int rc = -1;

	if (lstat(dir, &st) == 0 &&
	    connect_check_owned(dir, &st, true, err) == -1)
		goto out;
	if (paths_check_private_dir(dir, create, err) == -1)
		goto out;
	rc = 0;
out:
	free(dir);
	return rc;
}

/*
 * Remove a stale socket file: only a socket owned by us, never any other
 * file (a mistyped LOOM_SOCKET must not delete a key). Returns 0 when the
 * path is free, or -1 with err set.
 */
static int
connect_remove_stale(const char *socket, struct loom_error *err)
{
	struct stat st;

	if (lstat(socket, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		loom_error_set(err, NULL, 0, 0, "%s: %s", socket,
		    strerror(errno));
		return -1;
	}
	if (connect_check_owned(socket, &st, false, err) == -1)
		return -1;
	if (unlink(socket) == -1 && errno != ENOENT) {
		loom_error_set(err, NULL, 0, 0, "cannot remove stale socket "
		    "%s: %s", socket, strerror(errno));
		return -1;
	}
	return 0;
}

/* The socket path in use. */
char *
connect_socket_path(struct loom_error *err)
{
	return paths_socket(err);
}

/* Connect to a Unix socket; returns the fd, or -1 with errno set. */
static int
connect_socket(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/*
	 * A stopped daemon's full backlog would block connect, and a daemon
	 * that stops reading would block send, for ever: both end after the
	 * timeout with EAGAIN.
	 */
	if (connect_timeout > 0) {
		tv.tv_sec = (time_t)connect_timeout;
		tv.tv_usec = (suseconds_t)((connect_timeout -
		    (double)tv.tv_sec) * 1e6);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* loomd beside our own executable when it is there, else "loomd". */
static char *
connect_loomd_path(void)
{
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			path = xasprintf("%s/loomd", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return xstrdup("loomd");
}

/*
 * Read the daemon's first line from fd: "ready" or "error: message".
 * Returns 0 when ready, or -1 with err set.
 */
static int
connect_wait_ready(int fd, pid_t pid, struct loom_error *err)
{
	char buf[1024];
	size_t len = 0;
	struct pollfd pfd;
	ssize_t n;
	int rc;
	char *nl;

	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, CONNECT_READY_TIMEOUT_MS);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == 0) {
			loom_error_set(err, NULL, 0, 0, "loomd (pid %ld) did "
			    "not report ready within %d s", (long)pid,
			    CONNECT_READY_TIMEOUT_MS / 1000);
			return -1;
		}
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strchr(buf, '\n') != NULL || len == sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	if (strcmp(buf, "ready") == 0)
		return 0;
	if (strncmp(buf, "error: ", 7) == 0)
		loom_error_set(err, NULL, 0, 0, "loomd could not start: %s",
		    buf + 7);
	else if (len == 0)
		loom_error_set(err, NULL, 0, 0, "loomd exited before it was "
		    "ready");
	else
		loom_error_set(err, NULL, 0, 0, "loomd said: %s", buf);
	loom_error_hint(err, "run 'loomd --foreground -v' to see what "
	    "happens");
	return -1;
}

/*
 * Start loomd detached and wait until it is ready. The intermediate child
 * exits at once, so the daemon is not our child and never our zombie.
 * Returns 0, or -1 with err set.
 */
static int
connect_start_daemon(struct loom_error *err)
{
	int pfd[2], status, devnull;
	char *loomd, fdarg[16];
	pid_t pid;
	int rc;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		loom_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		return -1;
	}
	loomd = connect_loomd_path();
	pid = fork();
	if (pid == -1) {
		loom_error_set(err, NULL, 0, 0, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		free(loomd);
		return -1;
	}
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			if (devnull > 2)
				close(devnull);
		}
		/* Only the write end crosses exec. */
		if (fcntl(pfd[1], F_SETFD, 0) == -1)
			_exit(127);
		snprintf(fdarg, sizeof fdarg, "%d", pfd[1]);
		if (strchr(loomd, '/') != NULL)
			execl(loomd, "loomd", "--ready-fd", fdarg,
			    (char *)NULL);
		else
			execlp(loomd, "loomd", "--ready-fd", fdarg,
			    (char *)NULL);
		dprintf(pfd[1], "error: cannot run %s: %s\n", loomd,
		    strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	rc = connect_wait_ready(pfd[0], pid, err);
	close(pfd[0]);
	free(loomd);
	return rc;
}

/*
 * Say daemon.hello on a connected fd. Returns a client, or NULL with err
 * set; *retry is set when the daemon went away under us (shutting down)
 * and another attempt may succeed.
 */
static struct rpcclient *
connect_hello(int fd, const char *socket, bool *retry, struct loom_error *err)
{
	struct rpcclient *c;
	struct loom_error herr;
	json_t *params, *res, *data;
	pid_t pid = 0;
	int code, rc;

	*retry = false;
	if ((rc = connect_check_peer(fd, socket, &pid, err)) < 0) {
		*retry = rc == -2;
		close(fd);
		return NULL;
	}
	c = rpcclient_new(fd);
	rpcclient_set_peer(c, socket, pid, connect_timeout);
	loom_error_clear(&herr);
	params = json_pack("{s:i, s:s}", "protocol", LOOM_PROTOCOL_VERSION,
	    "client", "loomctl " LOOM_VERSION);
	/* Output nobody reads as it comes: events in fewer, larger writes. */
	if (!isatty(STDOUT_FILENO))
		json_object_set_new(params, "event_rate_ms",
		    json_integer(CONNECT_EVENT_RATE_MS));
	res = rpcclient_call(c, LOOM_METHOD_DAEMON_HELLO, params, &code,
	    &herr);
	if (res != NULL) {
		json_decref(res);
		return c;
	}
	if (code == 0 || code == LOOM_ERR_SHUTDOWN) {
		*retry = true;
		*err = herr;
	} else if (code == LOOM_ERR_VERSION) {
		data = rpcclient_error_data(c);
		loom_error_set(err, NULL, 0, 0, "protocol version mismatch "
		    "(loomctl %d, loomd %d)", LOOM_PROTOCOL_VERSION,
		    (int)json_integer_value(json_object_get(data, "daemon")));
		loom_error_hint(err, "a daemon from another Loom version is "
		    "running: stop it with 'loomctl daemon stop' when it is "
		    "idle, then try again");
	} else
		*err = herr;
	rpcclient_free(c);
	return NULL;
}

/*
 * True once the daemon of socket is gone: nothing accepts on the socket,
 * and its pid file is removed or no longer locked (a daemon holds that
 * lock until its very end, so the next one can start at once).
 */
bool
connect_daemon_gone(const char *socket)
{
	char *pid = paths_pid(socket);
	int fd;
	bool gone;

	fd = connect_socket(socket);
	if (fd != -1) {
		close(fd);
		free(pid);
		return false;
	}
	if (errno != ENOENT && errno != ECONNREFUSED) {
		free(pid);
		return false;
	}
	fd = open(pid, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	free(pid);
	if (fd == -1)
		return errno == ENOENT;
	gone = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return gone;
}

/* Back off a little between attempts against a daemon going away. */
static void
connect_pause(int attempt)
{
	struct timespec ts = { 0, 20000000L * (attempt + 1) };

	nanosleep(&ts, NULL);
}

/* Connect to the daemon (starting one when allowed) and say hello. */
struct rpcclient *
connect_daemon(enum connect_mode mode, bool *not_running,
    struct loom_error *err)
{
	struct rpcclient *c = NULL;
	struct loom_error aerr;
	char *socket = NULL, *lock = NULL;
	int fd, lockfd = -1, attempt, saved;
	bool retry;

	if (not_running != NULL)
		*not_running = false;
	if ((socket = paths_socket(err)) == NULL)
		return NULL;
	for (attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
		loom_error_clear(&aerr);
		fd = connect_socket(socket);
		if (fd == -1 && errno != ENOENT && errno != ECONNREFUSED) {
			saved = errno;
			if (connect_check_dir(socket, false, err) == -1)
				goto out;
			if (saved == EAGAIN)
				loom_error_set(err, NULL, 0, 0, "loomd at %s did "
				    "not accept the connection within %g s "
				    "(stopped or hung?)", socket,
				    connect_timeout);
			else
				loom_error_set(err, NULL, 0, 0, "cannot connect "
				    "to %s: %s", socket, strerror(saved));
			goto out;
		}
		if (fd == -1 && mode == CONNECT_EXISTING) {
			if (not_running != NULL)
				*not_running = true;
			loom_error_set(err, NULL, 0, 0, "no daemon running");
			goto out;
		}
		if (fd == -1) {
			if (lock == NULL)
				lock = paths_lock(socket);
			if (connect_check_dir(socket, true, err) == -1)
				goto out;
			lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (lockfd == -1) {
				loom_error_set(err, NULL, 0, 0, "cannot open "
				    "%s: %s", lock, strerror(errno));
				goto out;
			}
			while (flock(lockfd, LOCK_EX) == -1) {
				if (errno != EINTR) {
					loom_error_set(err, NULL, 0, 0,
					    "cannot lock %s: %s", lock,
					    strerror(errno));
					goto out;
				}
			}
			fd = connect_socket(socket);
			if (fd == -1) {
				if (connect_remove_stale(socket, err) == -1)
					goto out;
				if (connect_start_daemon(err) == -1)
					goto out;
				fd = connect_socket(socket);
				if (fd == -1) {
					loom_error_set(err, NULL, 0, 0,
					    "cannot connect to %s after "
					    "starting loomd: %s", socket,
					    strerror(errno));
					goto out;
				}
			}
		}
		c = connect_hello(fd, socket, &retry, &aerr);
		if (lockfd != -1) {
			close(lockfd);
			lockfd = -1;
		}
		if (c != NULL || !retry) {
			if (c == NULL)
				*err = aerr;
			goto out;
		}
		connect_pause(attempt);
	}
	*err = aerr;
out:
	if (lockfd != -1)
		close(lockfd);
	free(socket);
	free(lock);
	return c;
}
