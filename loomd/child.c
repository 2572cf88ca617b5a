/* SPDX-License-Identifier: MIT */
/*
 * Child processes: vfork and exec (no copy of the daemon's memory), an own
 * process group, reaping from the SIGCHLD event, and the sweep that kills
 * what a step left behind. See child.h for the contract. The daemon keeps
 * a copy of each output pipe's write end until the process is reaped, so
 * a step ends in one wake-up (child_exited) instead of one for EOF and
 * another for SIGCHLD. When nothing of the step is left, the pipe is
 * emptied and kept, registered, for the next step (a small pool).
 *
 * Output goes through a pipe, not a pseudo-terminal: bytes arrive exactly
 * as written (no line discipline, no \n -> \r\n), stdout and stderr share
 * the pipe in the order the kernel received them, and a step can write at
 * disk speed. The price is that tasks do not see a terminal: Python would
 * block-buffer its output, so the caller sets PYTHONUNBUFFERED=1 in the
 * step's environment (unless set), and whether a task colours its output
 * is up to the task (FORCE_COLOR, --color=always and the like).
 *
 * Every child belongs to a child set (struct child_set): the list of
 * live children that the SIGCHLD handler searches by pid, the SIGCHLD
 * event itself, the read buffer and what steps inherit. Nothing is
 * file-static; the daemon has one set (executor-local.c).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"

#define CHILD_READ_SIZE		(256 * 1024)	/* one read from the pipe */
#define CHILD_READS_PER_EVENT	8		/* then let others run */
#define CHILD_PIPE_SIZE		(1024 * 1024)	/* F_SETPIPE_SZ, if allowed */
#define CHILD_PIPE_FULL		(64 * 1024)	/* the default pipe size */
#define CHILD_FLOOD_MIN		(16 * 1024)	/* less in a turn: no flood */
#define CHILD_WAIT_MIN_US	50		/* the pause between turns */
#define CHILD_WAIT_START_US	250		/* of a flood, see child_pace */
#define CHILD_WAIT_MAX_US	2000
#define CHILD_ENVIRON_MAX	(1024 * 1024)	/* bytes of environ scanned */
#define CHILD_SWEEP_ROUNDS	5
#define CHILD_PROGRAMS		8		/* PATH look-ups remembered */
#define CHILD_PROGRAM_LIFE_MS	2000		/* how long one is trusted */
#define CHILD_POOL		4		/* drained pipes kept */

/*
 * A step's output pipe, with the daemon's copy of its write end and the
 * event on its read end. The event's argument is the pipe, not the
 * step, so that a pipe can pass from one step to the next while it stays
 * registered in epoll (see child_exited).
 */
struct child_pipe {
	struct child_set *set;
	struct child *c;		/* the step it is lent to, or NULL */
	int rfd;			/* read end, non-blocking */
	int wfd;			/* our copy of the write end, or -1 */
	struct event *ev;		/* rfd readable */
	struct child_pipe *next;	/* in the pool */
};

struct child {
	struct child_set *set;
	pid_t pid;
	struct child_pipe *out;		/* output, NULL once it is over */
	char *marker;			/* "NAME=VALUE" or NULL */
	bool exited;
	bool eof;
	bool reuse;			/* nothing of it is left: an empty pipe
					   is its EOF, and the pipe is pooled */
	bool done;			/* on_done called */
	bool grown;			/* pipe enlarged (or tried) */
	size_t pipesz;			/* its size, once grown */
	struct event *ev_wait;		/* a flood's timer (timerfd), or NULL */
	bool waiting;			/* paced by it, out->ev off */
	long wait_us;			/* its pause between turns */
	unsigned long long start_ticks;	/* see child_start_ticks, or 0 */
	int status;
	unsigned long long nbytes;
	child_output_cb on_output;
	child_splice_cb on_splice;
	child_done_cb on_done;
	void *arg;
	struct child *next;
};

/*
 * A program found in a step's PATH: the next step naming the same
 * program with the same PATH and folder gets it back with no system call
 * instead of a stat and access per PATH folder before it. For
 * CHILD_PROGRAM_LIFE_MS only: a program put into an earlier PATH folder
 * meanwhile is found by steps started after that. One that went away or
 * lost its execute permission is found by exec failing: child_spawn then
 * forgets it and looks the name up again.
 */
struct child_program {
	char *name;
	char *path_env;			/* the PATH value, or NULL */
	char *cwd;			/* or NULL */
	char *found;
	struct timespec at;		/* CLOCK_MONOTONIC, when looked up */
};

/* A process reaped by child_sigchld. */
struct child_reaped {
	pid_t pid;
	int status;
};

/* What /proc lists as loomd's children (child_listed). */
enum child_listed {
	CHILD_LISTED_UNKNOWN,		/* cannot tell */
	CHILD_LISTED_NONE,
	CHILD_LISTED_STEPS,		/* live steps only */
	CHILD_LISTED_OTHERS,		/* orphans (or unknown) too */
};

struct child_set {
	struct event_base *base;
	struct child_program programs[CHILD_PROGRAMS];
	size_t next_program;		/* the slot to reuse next */
	struct child *list;		/* live children */
	/*
	 * One read buffer for every child: output is handed on
	 * synchronously and borrowed, and the daemon is single-threaded. A
	 * buffer per child would cost a large malloc and free (and the heap
	 * churn behind them) per step.
	 */
	char *buf;
	/*
	 * SIGCHLD is blocked and read from a signalfd: a step's end costs
	 * one wake-up and one read, not a signal handler interrupting the
	 * loop, a write to libevent's signal pipe and two reads from it.
	 */
	int sigfd;
	sigset_t sigchld_old;		/* the mask before, put back at free */
	struct event *ev_sigchld;
	/* RLIMIT_NOFILE for steps, or rlim_cur 0: the daemon's. */
	struct rlimit nofile;
	sigset_t sigs;			/* see child_sigs_scan */
	bool sigs_known;
	bool caught;			/* some signal has a handler */
	int children_fd;		/* /proc/self/task/<pid>/children */
	/*
	 * Set while child_sigchld acts on what it reaped, when /proc
	 * listed no child at all after the last one: no orphans to look for.
	 */
	bool none_left;
	/*
	 * Drained pipes whose writers are all gone but for our copy of the
	 * write end, still registered for reading: the next steps take
	 * them instead of making new ones (child_exited).
	 */
	struct child_pipe *pool;
	size_t npool;
	long long tick_ns;		/* one clock tick (CLK_TCK), or 0 */
};

static void child_sigchld(evutil_socket_t fd, short what, void *arg);
static void child_unlink(struct child *c);
static void child_unpace(struct child *c);
static void child_drain(struct child *c, bool to_end);
static bool child_leftovers(struct child *c);
static void child_pipe_close(struct child_pipe *p);
static void child_exited(struct child *c, int status);
static void child_maybe_done(struct child *c);
static int child_fd_above_stdio(int fd);
static enum child_listed child_listed(struct child_set *cs);
static size_t child_unreaped(const struct child_set *cs,
    const struct child_reaped *v, size_t n);
static bool child_environ_has(pid_t pid, const char *marker, char *buf,
    size_t size);

static void
child_program_clear(struct child_program *cp)
{
	free(cp->name);
	free(cp->path_env);
	free(cp->cwd);
	free(cp->found);
	memset(cp, 0, sizeof *cp);
}

static bool
child_same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *
child_path_env(const char *const *envp)
{
	const char *const *e;

	for (e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			return *e + 5;
	return NULL;
}

/* Milliseconds from a to b. */
static long long
child_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * child_find_program through the set's memory of recent look-ups (names
 * without '/' only: the others cost no look-up).
 */
static char *
child_find_program_cached(struct child_set *cs, const char *name,
    const char *const *envp, const char *cwd, bool *cached)
{
	const char *path_env = child_path_env(envp);
	struct child_program *cp;
	struct timespec now;
	char *found;
	size_t i;

	*cached = false;
	if (strchr(name, '/') != NULL)
		return child_find_program(name, envp, cwd);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < CHILD_PROGRAMS; i++) {
		cp = &cs->programs[i];
		if (cp->name == NULL || strcmp(cp->name, name) != 0 ||
		    !child_same_str(cp->path_env, path_env) ||
		    !child_same_str(cp->cwd, cwd))
			continue;
		if (child_ms_between(&cp->at, &now) < CHILD_PROGRAM_LIFE_MS) {
			*cached = true;
			return xstrdup(cp->found);
		}
		child_program_clear(cp);
	}
	found = child_find_program(name, envp, cwd);
	if (found == NULL)
		return NULL;
	cp = &cs->programs[cs->next_program];
	cs->next_program = (cs->next_program + 1) % CHILD_PROGRAMS;
	child_program_clear(cp);
	cp->name = xstrdup(name);
	cp->path_env = path_env != NULL ? xstrdup(path_env) : NULL;
	cp->cwd = cwd != NULL ? xstrdup(cwd) : NULL;
	cp->found = xstrdup(found);
	cp->at = now;
	return found;
}

/* Forget the program remembered as found (its exec failed). */
static void
child_program_forget(struct child_set *cs, const char *found)
{
	size_t i;

	for (i = 0; i < CHILD_PROGRAMS; i++)
		if (cs->programs[i].found != NULL &&
		    strcmp(cs->programs[i].found, found) == 0)
			child_program_clear(&cs->programs[i]);
}

/*
 * Block SIGCHLD (in this thread; threads started later inherit it, and
 * the hash worker blocks everything) and open a signalfd for it. Its
 * disposition goes back to the default, so an ignored SIGCHLD inherited
 * from whoever started the daemon cannot make the kernel reap steps.
 * Children unblock every signal before exec (child_exec).
 */
static int
child_sigfd_open(struct child_set *cs)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigaction(SIGCHLD, &dfl, NULL) == -1 ||
	    pthread_sigmask(SIG_BLOCK, &chld, &cs->sigchld_old) != 0)
		return -1;
	cs->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (cs->sigfd == -1) {
		(void)pthread_sigmask(SIG_SETMASK, &cs->sigchld_old, NULL);
		return -1;
	}
	return 0;
}

/* Set up the SIGCHLD event and the subreaper flag. */
struct child_set *
child_set_new(struct event_base *base, struct loom_error *err)
{
	struct child_set *cs;
	long hz;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
		loom_error_set(err, "", 0, 0, "cannot become a subreaper: %s",
		    strerror(errno));
		return NULL;
	}
	cs = xcalloc(1, sizeof *cs);
	cs->base = base;
	cs->children_fd = -1;
	cs->sigfd = -1;
	hz = sysconf(_SC_CLK_TCK);
	if (hz > 0 && 1000000000L % hz == 0)
		cs->tick_ns = 1000000000L / hz;
	if (child_sigfd_open(cs) == -1) {
		loom_error_set(err, "", 0, 0, "cannot watch SIGCHLD: %s",
		    strerror(errno));
		child_set_free(cs);
		return NULL;
	}
	cs->ev_sigchld = event_new(base, cs->sigfd, EV_READ | EV_PERSIST,
	    child_sigchld, cs);
	if (cs->ev_sigchld == NULL || event_add(cs->ev_sigchld, NULL) == -1) {
		loom_error_set(err, "", 0, 0, "cannot watch SIGCHLD");
		child_set_free(cs);
		return NULL;
	}
	return cs;
}

/* Remove the SIGCHLD event; children still alive are killed. */
void
child_set_free(struct child_set *cs)
{
	struct child_pipe *p;
	size_t i;

	if (cs == NULL)
		return;
	while (cs->list != NULL)
		child_free(cs->list);
	while (cs->pool != NULL) {
		p = cs->pool;
		cs->pool = p->next;
		child_pipe_close(p);
	}
	if (cs->ev_sigchld != NULL)
		event_free(cs->ev_sigchld);
	if (cs->sigfd != -1) {
		close(cs->sigfd);
		(void)pthread_sigmask(SIG_SETMASK, &cs->sigchld_old, NULL);
	}
	if (cs->children_fd != -1)
		close(cs->children_fd);
	for (i = 0; i < CHILD_PROGRAMS; i++)
		child_program_clear(&cs->programs[i]);
	free(cs->buf);
	free(cs);
}

/* Move fd above 0, 1 and 2 (close-on-exec), so dup2 in the child is safe. */
static int
child_fd_above_stdio(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

/* Look up a program in the PATH of envp. */
char *
child_find_program(const char *name, const char *const *envp, const char *cwd)
{
	const char *path = NULL, *p, *end;
	const char *const *e;
	char *dir, *cand;
	struct stat sb;
	int saved = ENOENT;
	size_t len;

	if (*name == '\0') {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(name, '/') != NULL) {
		if (name[0] == '/' || cwd == NULL)
			return xstrdup(name);
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		return xasprintf("%s/%s", cwd, name);
	}
	for (e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PATH=", 5) == 0) {
			path = *e + 5;
			break;
		}
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			dir = xstrdup(cwd != NULL ? cwd : ".");
		else if (*p != '/' && cwd != NULL)
			dir = xasprintf("%s/%.*s", cwd, (int)len, p);
		else
			dir = xstrndup(p, len);
		cand = xasprintf("%s/%s", dir, name);
		free(dir);
		if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (access(cand, X_OK) == 0)
				return cand;
			saved = EACCES;
		}
		free(cand);
		if (end == NULL)
			break;
	}
	errno = saved;
	return NULL;
}

/*
 * RLIMIT_NOFILE to give steps (the daemon's limit before it raised its
 * own), or rlim_cur 0 when steps inherit the daemon's.
 */
void
child_set_nofile(struct child_set *cs, const struct rlimit *rl)
{
	cs->nofile = *rl;
}

/*
 * Why a spawn failed, in words naming the step's program. The child
 * reports one errno for every stage; the working directory is checked
 * again to tell "cannot enter" from "cannot execute".
 */
static void
child_spawn_error(const struct child_spec *spec, const char *prog, int error,
    struct loom_error *err)
{
	struct stat sb;
	int cwd_error = 0;

	if (spec->cwd != NULL) {
		if (stat(spec->cwd, &sb) == -1)
			cwd_error = errno;
		else if (!S_ISDIR(sb.st_mode))
			cwd_error = ENOTDIR;
		else if (access(spec->cwd, X_OK) == -1)
			cwd_error = errno;
	}
	if (cwd_error != 0)
		loom_error_set(err, "", 0, 0, "cannot enter %s to run %s: %s",
		    spec->cwd, spec->argv[0], strerror(cwd_error));
	else if (error == ENOENT || error == EACCES || error == ENOEXEC ||
	    error == ENOTDIR || error == ELOOP || error == ENAMETOOLONG ||
	    error == ETXTBSY || error == EISDIR || error == E2BIG ||
	    error == EPERM || error == ELIBBAD)
		loom_error_set(err, "", 0, 0, "cannot execute %s: %s", prog,
		    strerror(error));
	else
		loom_error_set(err, "", 0, 0,
		    "cannot set up the process for %s: %s", spec->argv[0],
		    strerror(error));
}

/*
 * The signals whose disposition is not the default in the daemon: the
 * ones a child puts back to SIG_DFL before exec (caught ones would be
 * reset by exec anyway, but not before the child unblocks signals;
 * ignored ones, SIGPIPE, would stay ignored in the step). Asking the
 * kernel about every signal costs some 60 system calls, so it is done
 * once, at the first spawn: the daemon sets all its handlers up before
 * it starts any step (child_set_new and server start-up).
 */
static void
child_sigs_scan(struct child_set *cs)
{
	struct sigaction sa;
	int sig;

	sigemptyset(&cs->sigs);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc refuses its own real-time signals: so would the child */
		if (sigaction(sig, NULL, &sa) == -1 ||
		    sa.sa_handler == SIG_DFL)
			continue;
		(void)sigaddset(&cs->sigs, sig);
		if (sa.sa_handler != SIG_IGN)
			cs->caught = true;
	}
	cs->sigs_known = true;
}

/*
 * What a new child does between vfork and exec. It runs on the daemon's
 * memory and stack while the daemon waits (CLONE_VFORK), so it only
 * makes system calls, with every signal blocked until its handlers are
 * back to the defaults: no handler of the daemon can run in it. The
 * errno of the first stage that fails is left in x->error for the
 * daemon, and the child exits with 127.
 */
struct child_exec {
	const char *prog;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	int devnull;
	int outfd;
	struct rlimit nofile;		/* rlim_cur 0: keep the daemon's */
	const sigset_t *sigs;		/* to put back to SIG_DFL */
	volatile int error;
	struct timespec born;		/* CLOCK_BOOTTIME, in the child */
};

static void __attribute__((noinline, noreturn))
child_exec(struct child_exec *x)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig;

	/* The vDSO: no system call (child_tick_of). */
	clock_gettime(CLOCK_BOOTTIME, &x->born);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(x->sigs, sig) == 1)
			(void)sigaction(sig, &dfl, NULL);
	if (setpgid(0, 0) == -1 || dup2(x->devnull, 0) == -1 ||
	    dup2(x->outfd, 1) == -1 || dup2(x->outfd, 2) == -1 ||
	    (x->cwd != NULL && chdir(x->cwd) == -1) ||
	    (x->nofile.rlim_cur != 0 && setrlimit(RLIMIT_NOFILE,
	    &x->nofile) == -1))
		goto fail;
	closefrom(3);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		goto fail;
	execve(x->prog, x->argv, x->envp);
fail:
	x->error = errno;
	_exit(127);
}

/*
 * vfork, with every signal blocked around it when the daemon catches any
 * with a handler (caught): none may run in the child on the daemon's
 * memory. The daemon reads the signals it acts on from signalfds (child.c,
 * server.c) and catches none, so this costs no system call but vfork.
 * Returns the pid, or -1 with errno set; x->error says whether the child
 * got as far as exec.
 */
static pid_t
child_vfork(struct child_exec *x, bool caught)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	if (caught && sigprocmask(SIG_SETMASK, &all, &old) == -1)
		return -1;
	x->error = 0;
	pid = vfork();
	if (pid == 0)
		child_exec(x);
	saved = errno;
	if (caught)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/*
 * The start time /proc/<pid>/stat shows for a child created between
 * CLOCK_BOOTTIME readings a and b: the kernel stamps a new process with
 * the boot clock and shows it in whole clock ticks, so when a and b fall
 * in the same tick, that tick is the child's. Otherwise 0 (unknown: read
 * it from /proc). Spares an open of /proc per step: a is read just
 * before vfork, b by the child as it begins (before exec, which would
 * make the interval long enough to cross a tick often).
 */
static unsigned long long
child_tick_of(const struct child_set *cs, const struct timespec *a,
    const struct timespec *b)
{
	long long na, nb;

	if (cs->tick_ns == 0)
		return 0;
	na = (long long)a->tv_sec * 1000000000LL + a->tv_nsec;
	nb = (long long)b->tv_sec * 1000000000LL + b->tv_nsec;
	if (na / cs->tick_ns != nb / cs->tick_ns)
		return 0;
	return (unsigned long long)(na / cs->tick_ns);
}

/* /dev/null for steps' standard input, opened once and kept. */
static int
child_devnull(void)
{
	static int fd = -1;

	if (fd == -1) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd != -1)
			fd = child_fd_above_stdio(fd);
	}
	return fd;
}

static void
child_pipe_close(struct child_pipe *p)
{
	event_free(p->ev);
	close(p->rfd);
	if (p->wfd != -1)
		close(p->wfd);
	free(p);
}

/* Drop a pipe from the pool. */
static void
child_pool_remove(struct child_pipe *p)
{
	struct child_pipe **pp;

	for (pp = &p->set->pool; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			p->set->npool--;
			return;
		}
	}
}

/*
 * A pooled pipe became readable: something the daemon did not start
 * holds its write end (a descriptor passed to a process outside loomd's
 * tree, or opened through /proc). Its bytes belong to no step; they are
 * read and dropped, and the pipe is closed so that no later step gets it.
 * An empty pipe was woken up in the same loop pass as the reap that
 * drained it: it stays.
 */
static void
child_pipe_stray(struct child_pipe *p)
{
	unsigned long long total = 0;
	ssize_t n = 0;
	int i;

	for (i = 0; i < CHILD_READS_PER_EVENT; i++) {
		n = read(p->rfd, p->set->buf, CHILD_READ_SIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (unsigned long long)n;
	}
	if (total == 0 && n == -1 && errno == EAGAIN)
		return;
	log_warn("an output pipe of an ended step was written to (%llu "
	    "bytes, dropped); closed", total);
	child_pool_remove(p);
	child_pipe_close(p);
}

/* A pipe's read end is readable: output of its step, or a stray writer. */
static void
child_pipe_ready(evutil_socket_t fd, short what, void *arg)
{
	struct child_pipe *p = arg;

	(void)fd;
	(void)what;
	if (p->c != NULL)
		child_drain(p->c, false);
	else
		child_pipe_stray(p);
}

/*
 * An output pipe for a new step: one from the pool (no system call), or
 * a new one, both ends close-on-exec and above stdio, the read end
 * non-blocking (never the write end: that is the step's stdout) and
 * registered for reading. NULL with errno set.
 */
static struct child_pipe *
child_pipe_get(struct child_set *cs)
{
	struct child_pipe *p;
	int fds[2];

	if ((p = cs->pool) != NULL) {
		cs->pool = p->next;
		cs->npool--;
		p->next = NULL;
		return p;
	}
	if (pipe2(fds, O_CLOEXEC) == -1)
		return NULL;
	fds[0] = child_fd_above_stdio(fds[0]);
	fds[1] = child_fd_above_stdio(fds[1]);
	if (fds[0] == -1 || fds[1] == -1) {
		if (fds[0] != -1)
			close(fds[0]);
		if (fds[1] != -1)
			close(fds[1]);
		return NULL;
	}
	/* A new pipe end has no other status flag to keep. */
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p = xcalloc(1, sizeof *p);
	p->set = cs;
	p->rfd = fds[0];
	p->wfd = fds[1];
	p->ev = event_new(cs->base, p->rfd, EV_READ | EV_PERSIST,
	    child_pipe_ready, p);
	if (p->ev == NULL || event_add(p->ev, NULL) == -1)
		abort();
	return p;
}

/*
 * The output of c is over. Its pipe is kept for the next step when keep
 * (nothing but the daemon holds its write end and it is empty), else
 * closed.
 */
static void
child_output_over(struct child *c, bool keep)
{
	struct child_pipe *p = c->out;

	c->out = NULL;
	p->c = NULL;
	child_unpace(c);
	if (keep && c->set->npool < CHILD_POOL) {
		p->next = c->set->pool;
		c->set->pool = p;
		c->set->npool++;
	} else
		child_pipe_close(p);
	c->eof = true;
	child_maybe_done(c);
}

/*
 * Start a child with vfork and exec. The child runs on the parent's
 * memory until exec (no page tables copied however large the daemon is,
 * and no stack to map and unmap per step, unlike glibc's posix_spawn),
 * and an error in any stage before exec (process group, signal
 * dispositions and mask, descriptors, working directory, descriptor
 * limit, exec itself) comes back through shared memory: by the time
 * child_spawn returns, the program is running or the error is known.
 * The program is looked up in the step's own PATH beforehand (never the
 * daemon's). The step gets the descriptor limit the daemon started with.
 */
struct child *
child_spawn(struct child_set *cs, const struct child_spec *spec,
    struct loom_error *err)
{
	struct child *c = NULL;
	struct child_pipe *out = NULL;
	struct child_exec x;
	struct timespec t0;
	char *prog = NULL;
	int saved;
	pid_t pid;
	bool cached;

	if (child_devnull() == -1 || (out = child_pipe_get(cs)) == NULL) {
		loom_error_set(err, "", 0, 0, "cannot start %s: %s",
		    spec->argv[0], strerror(errno));
		goto fail;
	}

again:
	prog = child_find_program_cached(cs, spec->argv[0], spec->envp,
	    spec->cwd, &cached);
	if (prog == NULL) {
		loom_error_set(err, "", 0, 0, "cannot run %s: %s%s",
		    spec->argv[0], strerror(errno), errno == ENOENT &&
		    strchr(spec->argv[0], '/') == NULL ? " (not found in PATH)" :
		    "");
		goto fail;
	}
	x.prog = prog;
	x.argv = (char *const *)spec->argv;
	x.envp = (char *const *)spec->envp;
	x.cwd = spec->cwd;
	x.devnull = child_devnull();
	x.outfd = out->wfd;
	x.nofile = cs->nofile;
	if (!cs->sigs_known)
		child_sigs_scan(cs);
	x.sigs = &cs->sigs;
	clock_gettime(CLOCK_BOOTTIME, &t0);
	pid = child_vfork(&x, cs->caught);
	if (pid == -1) {
		loom_error_set(err, "", 0, 0, "cannot start %s: %s",
		    spec->argv[0], strerror(errno));
		goto fail;
	}
	if (x.error != 0) {
		/* It exited with 127 without running the program. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		if (cached) {
			/* Remembered, but gone or changed since: look again. */
			child_program_forget(cs, prog);
			free(prog);
			goto again;
		}
		child_spawn_error(spec, prog, x.error, err);
		errno = x.error;
		goto fail;
	}

	c = xcalloc(1, sizeof *c);
	c->set = cs;
	c->pid = pid;
	c->start_ticks = child_tick_of(cs, &t0, &x.born);
	c->out = out;
	out->c = c;
	if (cs->buf == NULL)
		cs->buf = xmalloc(CHILD_READ_SIZE);
	c->marker = spec->marker != NULL ? xstrdup(spec->marker) : NULL;
	c->on_output = spec->on_output;
	c->on_splice = spec->on_splice;
	c->on_done = spec->on_done;
	c->arg = spec->arg;
	c->next = cs->list;
	cs->list = c;
	free(prog);
	return c;

fail:
	saved = errno;
	/* Rare: not worth proving that nothing wrote into it. */
	if (out != NULL)
		child_pipe_close(out);
	free(prog);
	errno = saved;
	return NULL;
}

/* Drop a child from the live list. */
static void
child_unlink(struct child *c)
{
	struct child **pp;

	for (pp = &c->set->list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* Free a child; a running one is killed and reaped later. */
void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	if (!c->exited)
		(void)kill(-c->pid, SIGKILL);
	child_unlink(c);
	child_unpace(c);
	if (c->out != NULL)
		child_pipe_close(c->out);
	free(c->marker);
	free(c);
}

/* Signal the child's process group. */
bool
child_signal(struct child *c, int sig)
{
	if (c->exited && c->eof)
		return false;
	if (kill(-c->pid, sig) == -1)
		return false;
	if (sig == SIGTERM)
		(void)kill(-c->pid, SIGCONT);
	return true;
}

pid_t
child_pid(const struct child *c)
{
	return c->pid;
}

unsigned long long
child_start_ticks(const struct child *c)
{
	return c->start_ticks;
}

const char *
child_marker(const struct child *c)
{
	return c->marker;
}

bool
child_has_exited(const struct child *c)
{
	return c->exited;
}

int
child_status(const struct child *c)
{
	return c->status;
}

unsigned long long
child_output_bytes(const struct child *c)
{
	return c->nbytes;
}

/* Call on_done once both exit and EOF happened. Must be the last touch. */
static void
child_maybe_done(struct child *c)
{
	if (!c->exited || !c->eof || c->done)
		return;
	c->done = true;
	if (c->on_done != NULL)
		c->on_done(c, c->arg);
}

/*
 * The main process of a step has exited: kill what it left behind, so
 * that output reaches EOF and nothing of the step outlives it. Members of
 * its process group are killed at once; processes that left the group
 * (setsid) were re-parented to loomd, and are found by their marker.
 * When /proc listed no child at all after the reap (none_left), nothing
 * of the step is alive: loomd is a subreaper, so every living process
 * the step started is a child of loomd or has an ancestor that is. The
 * group kill would only fail (ESRCH) and is skipped. For the same reason
 * a list holding only the main processes of other live steps (with 2
 * workers and more) says that nothing of this step is alive either: a
 * leftover, killed or not, would be listed itself or under an orphan
 * (zombies are listed until loomd reaps them, which it does not do
 * meanwhile). Returns true when nothing of the step is alive, so that no
 * one but the daemon holds the write end of its output pipe.
 */
static bool
child_leftovers(struct child *c)
{
	enum child_listed listed;

	if (c->set->none_left)
		return true;
	(void)kill(-c->pid, SIGKILL);
	listed = child_listed(c->set);
	if (c->marker != NULL && listed != CHILD_LISTED_STEPS)
		(void)child_sweep(c->marker);
	return listed == CHILD_LISTED_STEPS || listed == CHILD_LISTED_NONE;
}

/*
 * Move one chunk from the pipe: spliced to where output goes when the
 * owner takes it that way, else read into the set's buffer and handed to
 * on_output. Returns what read(2) would; *asked is how much was asked for.
 */
static ssize_t
child_move(struct child *c, size_t *asked)
{
	ssize_t n = CHILD_SPLICE_NO;

	*asked = CHILD_PIPE_SIZE;
	if (c->on_splice != NULL)
		n = c->on_splice(c, c->out->rfd, *asked, c->arg);
	if (n == CHILD_SPLICE_NO) {
		*asked = CHILD_READ_SIZE;
		n = read(c->out->rfd, c->set->buf, *asked);
		if (n > 0 && c->on_output != NULL)
			c->on_output(c, c->set->buf, (size_t)n, c->arg);
	}
	return n;
}

/* A flood's timer has fired: take the next turn. */
static void
child_waited(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	child_drain(arg, false);
}

/* Stop pacing a flood and free its timer. */
static void
child_unpace(struct child *c)
{
	if (c->ev_wait == NULL)
		return;
	close(event_get_fd(c->ev_wait));
	event_free(c->ev_wait);
	c->ev_wait = NULL;
	c->waiting = false;
}

/*
 * After a turn that moved moved bytes (more: it stopped with more in
 * the pipe), decide what wakes the next one. With epoll, every write
 * into a pipe wakes its reader: a step writing 8 KiB at a time (head,
 * cat, most programs) woke the daemon 30,000 times per GiB, each a
 * context switch, an epoll_wait and a splice of a few KiB, and each
 * splice woke the clients following the log in turn. So a flood (a step
 * that has filled its pipe once, and gave this turn at least
 * CHILD_FLOOD_MIN bytes) is taken in turns paced by a timer, the pipe's
 * own wake-ups off: the pause is halved when a turn found the pipe half
 * full or more (the step may have waited for room) and doubled when it
 * found less than an eighth, within CHILD_WAIT_MIN_US..CHILD_WAIT_MAX_US,
 * so that a turn moves a good part of the pipe. Output waits at most
 * that long; a turn that finds the pipe empty goes back to wake-ups (one
 * that finds little, as when the step had no processor meanwhile on a
 * loaded machine, only doubles the pause).
 */
static void
child_pace(struct child *c, size_t moved, bool more)
{
	struct itimerspec its;
	int fd;

	memset(&its, 0, sizeof its);
	if (!c->grown || (moved < (c->waiting ? 1 : CHILD_FLOOD_MIN) &&
	    !more)) {
		if (c->waiting) {
			(void)timerfd_settime(event_get_fd(c->ev_wait), 0,
			    &its, NULL);
			c->waiting = false;
			if (event_add(c->out->ev, NULL) == -1)
				abort();
		}
		return;
	}
	if (c->ev_wait == NULL) {
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
		    TFD_CLOEXEC);
		if (fd == -1)
			return;		/* wake-ups as before */
		c->ev_wait = event_new(c->set->base, fd, EV_READ | EV_PERSIST,
		    child_waited, c);
		if (c->ev_wait == NULL || event_add(c->ev_wait, NULL) == -1)
			abort();
		c->wait_us = CHILD_WAIT_START_US;
	}
	if (more || moved >= c->pipesz / 2)
		c->wait_us = c->wait_us / 2 > CHILD_WAIT_MIN_US ?
		    c->wait_us / 2 : CHILD_WAIT_MIN_US;
	else if (moved < c->pipesz / 8)
		c->wait_us = c->wait_us * 2 < CHILD_WAIT_MAX_US ?
		    c->wait_us * 2 : CHILD_WAIT_MAX_US;
	if (!c->waiting) {
		event_del(c->out->ev);
		c->waiting = true;
	}
	/* Arming it again also clears an expiry not read yet. */
	its.it_value.tv_nsec = (more ? CHILD_WAIT_MIN_US : c->wait_us) * 1000L;
	(void)timerfd_settime(event_get_fd(c->ev_wait), 0, &its, NULL);
}

/*
 * Pass on what the pipe holds, in large chunks; at EOF the output is
 * over, and so it is when the pipe is empty once no writer is left but
 * the daemon's copy (c->reuse). A short chunk usually means the pipe is
 * empty, and ends the turn unless to_end (the process has exited: look
 * for EOF now).
 */
static void
child_drain(struct child *c, bool to_end)
{
	size_t asked, moved = 0;
	ssize_t n;
	int i, sz;

	for (i = 0; i < CHILD_READS_PER_EVENT; i++) {
		n = child_move(c, &asked);
		if (n > 0) {
			/*
			 * A step that fills the pipe gets a larger one, so
			 * that a flood costs fewer wake-ups; most steps
			 * never write this much and skip the system call.
			 * Once no writer is left, nothing more can come.
			 */
			if (!c->grown && !c->reuse && n >= CHILD_PIPE_FULL) {
				c->grown = true;
				sz = fcntl(c->out->rfd, F_SETPIPE_SZ,
				    CHILD_PIPE_SIZE);
				c->pipesz = sz > 0 ? (size_t)sz : CHILD_PIPE_FULL;
			}
			c->nbytes += (unsigned long long)n;
			moved += (size_t)n;
			if ((size_t)n < asked && !to_end)
				break;
			continue;
		}
		if (n == -1 && (errno == EINTR))
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->reuse)
				break;
			/* Every byte of the dead writers has been read. */
			child_output_over(c, !c->grown);
			return;
		}
		/* EOF or a read error: the output is over */
		child_output_over(c, false);
		return;
	}
	child_pace(c, moved, i == CHILD_READS_PER_EVENT);
}

/*
 * The process has exited (reaped with status). The daemon's own copy of
 * the pipe's write end kept the output from reaching EOF while the
 * process was exiting, so the step is seen to end once, here, rather than
 * woken up once by EOF and again by SIGCHLD. What the step left behind is
 * killed, our copy closed, and the rest of the output read now: with no
 * other writer left that read ends at EOF, and the step is done.
 *
 * When nothing of the step is alive (child_leftovers), every byte it
 * wrote is in the pipe already and no one else can write: the pipe is
 * read until it is empty, that is the step's EOF, and the pipe, write
 * end and event kept, goes to the pool for the next step. That spares a
 * new pipe, its flag and epoll registration, and the close of both ends,
 * the read of EOF and the epoll removal afterwards. A pipe grown with
 * F_SETPIPE_SZ is closed instead: idle in the pool, its pages would
 * count against the user's pipe limit, and the next step starts at the
 * default size like any other.
 */
static void
child_exited(struct child *c, int status)
{
	bool clean;

	c->exited = true;
	c->status = status;
	clean = child_leftovers(c);
	if (c->out == NULL) {
		child_maybe_done(c);
		return;
	}
	if (clean && !c->grown)
		c->reuse = true;
	else if (c->out->wfd != -1) {
		close(c->out->wfd);
		c->out->wfd = -1;
	}
	child_drain(c, true);
}

/* How many live steps are not among the n reaped in v. */
static size_t
child_unreaped(const struct child_set *cs, const struct child_reaped *v,
    size_t n)
{
	const struct child *c;
	size_t i, left = 0;

	for (c = cs->list; c != NULL; c = c->next) {
		if (c->exited)
			continue;
		for (i = 0; i < n && v[i].pid != c->pid; i++)
			continue;
		if (i == n)
			left++;
	}
	return left;
}

/*
 * SIGCHLD: reap everything that has exited. Statuses are collected first
 * and acted on afterwards, so that a done callback freeing children (or
 * starting new ones) never changes the list being walked. Processes that
 * are not known children (orphans re-parented to loomd, children freed
 * while running, failed execs) are simply reaped.
 */
static void
child_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct child_set *cs = arg;
	struct child_reaped *v = NULL;
	size_t n = 0, cap = 0, i;
	struct child *c;
	pid_t pid;
	int status;
	struct signalfd_siginfo si[16];

	(void)what;
	/* One read empties it (signals of one kind coalesce). */
	while (read(fd, si, sizeof si) == -1 && errno == EINTR)
		;
	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].pid = pid;
		v[n].status = status;
		n++;
		/*
		 * Every step reaped and nothing else listed (not even a
		 * zombie): one more waitpid would only say ECHILD. The same
		 * look tells child_leftovers there are no orphans.
		 */
		if (child_unreaped(cs, v, n) == 0 &&
		    child_listed(cs) == CHILD_LISTED_NONE) {
			cs->none_left = true;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		for (c = cs->list; c != NULL; c = c->next) {
			if (c->pid == v[i].pid && !c->exited)
				break;
		}
		if (c != NULL)
			child_exited(c, v[i].status);
	}
	cs->none_left = false;
	free(v);
}

/* True when environ of pid holds marker as one whole entry. */
static bool
child_environ_has(pid_t pid, const char *marker, char *buf, size_t size)
{
	char path[64];
	size_t got = 0, mlen = strlen(marker);
	ssize_t n;
	int fd;
	char *p, *end;

	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	while (got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	for (p = buf; p < buf + got; p = end + 1) {
		end = memchr(p, '\0', (size_t)(buf + got - p));
		if (end == NULL)
			end = buf + got;
		if ((size_t)(end - p) == mlen && memcmp(p, marker, mlen) == 0)
			return true;
	}
	return false;
}

/* Kill every process of this user carrying marker in its environment. */
int
child_sweep(const char *marker)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char *buf, *endp;
	long v;
	int total = 0, found, round;
	uid_t uid = getuid();
	pid_t self = getpid();

	buf = xmalloc(CHILD_ENVIRON_MAX);
	for (round = 0; round < CHILD_SWEEP_ROUNDS; round++) {
		found = 0;
		d = opendir("/proc");
		if (d == NULL)
			break;
		while ((de = readdir(d)) != NULL) {
			errno = 0;
			v = strtol(de->d_name, &endp, 10);
			if (*endp != '\0' || v <= 0 || errno != 0 ||
			    (pid_t)v == self)
				continue;
			if (fstatat(dirfd(d), de->d_name, &sb, 0) == -1 ||
			    sb.st_uid != uid)
				continue;
			if (!child_environ_has((pid_t)v, marker, buf,
			    CHILD_ENVIRON_MAX))
				continue;
			if (kill((pid_t)v, SIGKILL) == 0)
				found++;
		}
		closedir(d);
		total += found;
		if (found == 0)
			break;
	}
	free(buf);
	return total;
}

/* True when loomd has children that are not live steps. */
bool
child_has_orphans(struct child_set *cs)
{
	if (cs->none_left)
		return false;
	return child_listed(cs) != CHILD_LISTED_STEPS;
}

/*
 * Which children /proc lists for loomd's main thread (the one that
 * starts every step): zombies not reaped yet are listed too.
 */
static enum child_listed
child_listed(struct child_set *cs)
{
	char path[64], buf[8192], *p, *endp;
	struct child *c;
	ssize_t n;
	size_t got = 0;
	long v;
	bool any = false;

	/*
	 * Kept open: reading from offset 0 again gives the list as it is
	 * now (a seq_file starts over at 0), one system call per check.
	 */
	if (cs->children_fd == -1) {
		snprintf(path, sizeof path, "/proc/self/task/%d/children",
		    (int)getpid());
		cs->children_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (cs->children_fd == -1)
			return CHILD_LISTED_UNKNOWN;
	}
	while (got < sizeof buf - 1) {
		n = pread(cs->children_fd, buf + got, sizeof buf - 1 - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof buf - 1)
		return CHILD_LISTED_UNKNOWN;
	buf[got] = '\0';
	for (p = buf; *p != '\0'; p = endp) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		v = strtol(p, &endp, 10);
		if (endp == p)
			break;
		any = true;
		for (c = cs->list; c != NULL; c = c->next) {
			if (c->pid == (pid_t)v && !c->exited)
				break;
		}
		if (c == NULL)
			return CHILD_LISTED_OTHERS;
	}
	return any ? CHILD_LISTED_STEPS : CHILD_LISTED_NONE;
}

/* A signal's name, or NULL when it has none here. */
const char *
child_signal_name(int sig)
{
	static const char *const names[] = {
		NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
		"SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
		"SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
		"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
		"SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
		"SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
		"SIGSYS",
	};

	if (sig <= 0 || (size_t)sig >= sizeof names / sizeof names[0])
		return NULL;
	return names[sig];
}
