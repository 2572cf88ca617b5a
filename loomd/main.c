/* SPDX-License-Identifier: MIT */
/*
 * loomd's entry point: options, the private socket folder, the pid file
 * lock that makes a second daemon impossible, the log, the readiness
 * report to the loomctl that started us, and the loop. It owns the one
 * struct loomd. loomd does not fork itself: loomctl starts it detached
 * (docs/daemon.md); --foreground only means "log to stderr".
 *
 * The pid file "<socket>.pid" holds our pid and stays flocked for our
 * whole life. A second loomd finds it locked and stops; a pid file left
 * by a crash, or naming some unrelated process that now has that pid, is
 * not locked and is simply overwritten. loomd never signals the pid it
 * reads, so a recycled pid can never be hit (S6, S8).
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/paths.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/server.h"

/*
 * How long a loomd started by loomctl waits for a busy pid lock whose
 * daemon does not answer on the socket: one exiting idle, or in its
 * orderly stop, which takes at most its kill grace (10 s by default) and
 * 5 s more. The next command then works instead of "already running".
 */
#define MAIN_LOCK_WAIT_MS	30000
/* Upper bound for the raised descriptor limit. */
#define MAIN_MAX_NOFILE		65536
/*
 * Events are written to a Unix-socket client at most once per this many
 * ms (conn.c): sooner ones are held to leave with the next. 20 ms is
 * below what a person sees as a late [RUNNING] line, yet a chain of
 * trivial steps (a few ms each) then costs loomd one write and loomctl
 * one wake-up for many steps instead of one per step. Events a client
 * acts on are never held.
 */
#define MAIN_EVENT_DELAY_MS	20

static void main_usage(FILE *fp);
static int main_parse_seconds(const char *text, const char *what,
    double *out);
static void main_fail(struct loomd *loomd, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static void main_ready(struct loomd *loomd);
static int main_lock_pid(struct loomd *loomd);
static bool main_socket_answers(const char *path);
static void main_raise_nofile(struct loomd *loomd);
static void main_write_pid(struct loomd *loomd);
static void main_std_fds(void);
static void main_event_delay(struct loomd *loomd);

static const struct option main_options[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "idle-timeout", required_argument, NULL, 'i' },
	{ "kill-grace", required_argument, NULL, 'k' },
	{ "ready-fd", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: loomd [-fv] [--idle-timeout SECONDS] [--kill-grace SECONDS]\n"
	    "             [--ready-fd N]\n"
	    "  -f, --foreground        log to stderr instead of the log file\n"
	    "  -v, --verbose           log info and debug messages too\n"
	    "  --idle-timeout SECONDS  exit after this long with nothing to do\n"
	    "                          (default 300, or $LOOMD_IDLE_TIMEOUT)\n"
	    "  --kill-grace SECONDS    SIGTERM to SIGKILL delay for cancelled\n"
	    "                          steps (default 10, or $LOOMD_KILL_GRACE)\n"
	    "  --ready-fd N            write \"ready\" or \"error: ...\" to fd N\n"
	    "loomd is normally started by loomctl; see docs/daemon.md.\n");
}

static int
main_parse_seconds(const char *text, const char *what, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(v) ||
	    v < 0 || v > 1e9) {
		fprintf(stderr, "loomd: invalid %s \"%s\" (seconds, >= 0)\n",
		    what, text);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * $LOOMD_EVENT_DELAY_MS: whole ms from 0 (events leave at the end of the
 * loop pass, as replies do) to LOOMD_EVENT_RATE_MAX. Anything else is
 * logged and the default used: a wrong knob must not stop the daemon.
 */
static void
main_event_delay(struct loomd *loomd)
{
	const char *env = getenv("LOOMD_EVENT_DELAY_MS");
	char *end;
	long v;

	loomd->opt.event_delay_ms = MAIN_EVENT_DELAY_MS;
	if (env == NULL || *env == '\0')
		return;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > LOOMD_EVENT_RATE_MAX) {
		log_warn("LOOMD_EVENT_DELAY_MS=%s is not a number of ms in "
		    "[0, %d]; using %d", env, LOOMD_EVENT_RATE_MAX,
		    MAIN_EVENT_DELAY_MS);
		return;
	}
	loomd->opt.event_delay_ms = (int)v;
}

/*
 * Report a start-up failure to the person: on stderr and, when loomctl
 * started us, on the ready fd so loomctl can print it. Then exit.
 */
static void
main_fail(struct loomd *loomd, int status, const char *fmt, ...)
{
	char msg[1024], line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "loomd: %s\n", msg);
	log_msg(LOG_LVL_ERROR, "%s", msg);
	if (loomd->opt.ready_fd >= 0) {
		n = snprintf(line, sizeof line, "error: %s\n", msg);
		if (write(loomd->opt.ready_fd, line, (size_t)n) == -1)
			log_debug("ready fd: %s", strerror(errno));
		close(loomd->opt.ready_fd);
		loomd->opt.ready_fd = -1;
	}
	exit(status);
}

static void
main_ready(struct loomd *loomd)
{
	if (loomd->opt.ready_fd < 0)
		return;
	if (write(loomd->opt.ready_fd, "ready\n", 6) == -1)
		log_info("ready fd: %s", strerror(errno));
	close(loomd->opt.ready_fd);
	loomd->opt.ready_fd = -1;
}

/* True when something accepts connections on the socket at path. */
static bool
main_socket_answers(const char *path)
{
	struct sockaddr_un sun;
	int fd;
	bool ok;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return ok;
}

/*
 * Take the pid file's lock. Returns 0 when we hold it, 1 when another
 * loomd does (and, started by loomctl, it answered on the socket within
 * MAIN_LOCK_WAIT_MS: report ready for it), else exits with a message.
 */
static int
main_lock_pid(struct loomd *loomd)
{
	char buf[32];
	ssize_t n;
	long other = 0;
	uint64_t deadline = 0;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct stat fst, pst;

	for (;;) {
		if (loomd->pid_fd == -1)
			loomd->pid_fd = open(loomd->pid_path, O_RDWR | O_CREAT |
			    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
		if (loomd->pid_fd == -1)
			main_fail(loomd, 1, "cannot open %s: %s",
			    loomd->pid_path, strerror(errno));
		if (flock(loomd->pid_fd, LOCK_EX | LOCK_NB) == 0) {
			/*
			 * A daemon that exits unlinks its pid file before
			 * releasing the lock: holding the lock of an
			 * unlinked file proves nothing, so start over.
			 */
			if (fstat(loomd->pid_fd, &fst) == 0 &&
			    stat(loomd->pid_path, &pst) == 0 &&
			    fst.st_ino == pst.st_ino && fst.st_dev == pst.st_dev)
				return 0;
			close(loomd->pid_fd);
			loomd->pid_fd = -1;
			continue;
		}
		if (errno != EWOULDBLOCK)
			main_fail(loomd, 1, "cannot lock %s: %s",
			    loomd->pid_path, strerror(errno));
		/*
		 * Another loomd holds the lock. Started by loomctl, we may
		 * have raced it: that daemon is exiting (its idle time ran
		 * out, or it is stopping and has closed its socket) or
		 * re-binding a removed socket. Wait for either outcome.
		 */
		if (loomd->opt.ready_fd < 0)
			break;
		if (deadline == 0)
			deadline = loomd_now_ms() + MAIN_LOCK_WAIT_MS;
		if (main_socket_answers(loomd->socket_path))
			return 1;
		if (loomd_now_ms() >= deadline)
			break;
		nanosleep(&ts, NULL);
	}
	if ((n = pread(loomd->pid_fd, buf, sizeof buf - 1, 0)) > 0) {
		buf[n] = '\0';
		other = strtol(buf, NULL, 10);
	}
	main_fail(loomd, 1, "already running (pid %ld)", other);
}

static void
main_write_pid(struct loomd *loomd)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof buf, "%ld\n", (long)loomd->pid);
	if (ftruncate(loomd->pid_fd, 0) == -1 ||
	    pwrite(loomd->pid_fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write %s: %s", loomd->pid_path,
		    strerror(errno));
}

/* Raise the soft descriptor limit for LOOM_MAX_CLIENTS clients and steps. */
static void
main_raise_nofile(struct loomd *loomd)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	loomd->nofile_orig = rl;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > MAIN_MAX_NOFILE)
		rl.rlim_cur = MAIN_MAX_NOFILE;
	else
		rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur > loomd->nofile_orig.rlim_cur &&
	    setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the descriptor limit: %s",
		    strerror(errno));
}

/*
 * Make sure descriptors 0-2 are open (on /dev/null when they were
 * closed), so no socket or log file can become "stderr" by accident.
 */
static void
main_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * The environment (LOOMD_IDLE_TIMEOUT, LOOMD_KILL_GRACE), then the
 * options, into loomd->opt: -1 to go on, else the exit status (--help,
 * --version, a usage error).
 */
static int
main_parse(struct loomd *loomd, int argc, char **argv)
{
	const char *env;
	char *end;
	long fd;
	int ch;

	if ((env = getenv("LOOMD_IDLE_TIMEOUT")) != NULL && *env != '\0' &&
	    main_parse_seconds(env, "LOOMD_IDLE_TIMEOUT",
	    &loomd->opt.idle_timeout) == -1)
		return 2;
	if ((env = getenv("LOOMD_KILL_GRACE")) != NULL && *env != '\0' &&
	    main_parse_seconds(env, "LOOMD_KILL_GRACE",
	    &loomd->opt.kill_grace) == -1)
		return 2;
	while ((ch = getopt_long(argc, argv, "fvh", main_options, NULL)) != -1) {
		switch (ch) {
		case 'f':
			loomd->opt.foreground = true;
			break;
		case 'v':
			loomd->opt.verbose++;
			break;
		case 'i':
			if (main_parse_seconds(optarg, "--idle-timeout",
			    &loomd->opt.idle_timeout) == -1)
				return 2;
			break;
		case 'k':
			if (main_parse_seconds(optarg, "--kill-grace",
			    &loomd->opt.kill_grace) == -1)
				return 2;
			break;
		case 'r':
			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || fd < 0 ||
			    fd > INT_MAX || fcntl((int)fd, F_GETFD) == -1) {
				fprintf(stderr, "loomd: invalid --ready-fd "
				    "\"%s\"\n", optarg);
				return 2;
			}
			loomd->opt.ready_fd = (int)fd;
			fcntl(loomd->opt.ready_fd, F_SETFD, FD_CLOEXEC);
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("loomd %s\n", LOOM_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		return 2;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static struct loomd loomd;
	struct loom_error err;
	int ch;

	main_std_fds();
	memset(&loomd, 0, sizeof loomd);
	TAILQ_INIT(&loomd.clients);
	loomd.listen_fd = -1;
	loomd.pid_fd = -1;
	loomd.opt.idle_timeout = 300;
	loomd.opt.kill_grace = 10;
	loomd.opt.ready_fd = -1;
	loomd.uid = getuid();
	loomd.pid = getpid();
	loomd.started_ms = loomd_now_ms();
	signal(SIGPIPE, SIG_IGN);

	if ((ch = main_parse(&loomd, argc, argv)) != -1)
		return ch;
	log_open("loomd", NULL, loomd.opt.verbose > 0 ? LOG_LVL_DEBUG :
	    LOG_LVL_WARN, NULL);

	loom_error_clear(&err);
	if ((loomd.socket_path = paths_socket(&err)) == NULL)
		main_fail(&loomd, 1, "%s", err.message);
	loomd.socket_dir = paths_socket_dir(loomd.socket_path);
	loomd.lock_path = paths_lock(loomd.socket_path);
	loomd.pid_path = paths_pid(loomd.socket_path);
	if (paths_check_private_dir(loomd.socket_dir, true, &err) == -1)
		main_fail(&loomd, 1, "%s", err.message);
	if (main_lock_pid(&loomd) == 1) {
		/* Another daemon answers: loomctl may use it. */
		main_ready(&loomd);
		return 0;
	}

	if ((loomd.state_dir = paths_state_dir(&err)) == NULL)
		main_fail(&loomd, 1, "%s", err.message);
	if (paths_mkdirs(loomd.state_dir, 0700, &err) == -1)
		main_fail(&loomd, 1, "%s", err.message);
	if (!loomd.opt.foreground) {
		loomd.log_path = xasprintf("%s/loomd.log", loomd.state_dir);
		if (log_open("loomd", loomd.log_path,
		    loomd.opt.verbose > 0 ? LOG_LVL_DEBUG : LOG_LVL_WARN,
		    &err) == -1)
			fprintf(stderr, "loomd: %s\n", err.message);
	}
	main_event_delay(&loomd);
	log_info("loomd %s starting, pid %ld, idle timeout %g s", LOOM_VERSION,
	    (long)loomd.pid, loomd.opt.idle_timeout);
	/* Do not pin the starter's folder; every path held is absolute. */
	if (chdir("/") == -1)
		log_warn("chdir /: %s", strerror(errno));
	main_raise_nofile(&loomd);

	if (server_init(&loomd, &err) == -1 ||
	    server_listen(&loomd, &err) == -1)
		main_fail(&loomd, 1, "%s", err.message);
	main_write_pid(&loomd);
	if (server_init_modules(&loomd, &err) == -1) {
		server_free(&loomd);
		unlink(loomd.pid_path);
		main_fail(&loomd, 1, "%s", err.message);
	}
	main_ready(&loomd);

	server_loop(&loomd);

	server_free(&loomd);
	unlink(loomd.pid_path);
	close(loomd.pid_fd);
	log_info("exited");
	log_close();
	free(loomd.socket_path);
	free(loomd.socket_dir);
	free(loomd.lock_path);
	free(loomd.pid_path);
	free(loomd.state_dir);
	free(loomd.log_path);
	return loomd.exit_status;
}
