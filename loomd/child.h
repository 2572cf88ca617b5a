/* SPDX-License-Identifier: MIT */
/*
 * Child processes of loomd: one step (or loop item) each. A child is
 * started with posix_spawn of an argument vector (never a shell), with
 * the environment and working directory the caller gives, in its own
 * process group, with stdin on /dev/null and stdout and stderr on one
 * pipe that the daemon reads. Exec failures come back as errors naming
 * the program. Reaping happens only from the SIGCHLD event; a child is
 * complete when its process has been reaped AND its output reached EOF,
 * whichever comes last (the leftovers of a step are killed when its main
 * process exits, so EOF always comes; when nothing of the step is left
 * at all, the empty pipe counts as EOF and is kept for a later child).
 * This file does not decide what
 * runs (sched.c) nor where output goes (steplog.c).
 */
#ifndef LOOM_LOOMD_CHILD_H
#define LOOM_LOOMD_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct loom_error;
struct rlimit;
struct child;
struct child_set;

/* Called with each chunk of output, in order; data is borrowed. */
typedef void (*child_output_cb)(struct child *c, const char *data,
    size_t len, void *arg);
/*
 * When set, called before each read of the output pipe: move up to max
 * bytes from the pipe fd straight to where output goes (splice(2)),
 * without them passing through the daemon's memory. Returns what splice
 * returns (bytes moved, 0 at EOF, -1 with errno set; EAGAIN when the
 * pipe is empty), or CHILD_SPLICE_NO when the bytes are wanted in the
 * daemon this time: then they are read and handed to on_output.
 */
typedef ssize_t (*child_splice_cb)(struct child *c, int fd, size_t max,
    void *arg);
#define CHILD_SPLICE_NO	(-2)
/* Called once when the child is complete; it may free the child. */
typedef void (*child_done_cb)(struct child *c, void *arg);

struct child_spec {
	const char *const *argv;	/* argv[0]: a path, or a name */
	const char *const *envp;	/* "NAME=VALUE", NULL-ended */
	const char *cwd;		/* working directory */
	const char *marker;		/* "NAME=VALUE" in envp: swept */
	child_output_cb on_output;
	child_splice_cb on_splice;	/* or NULL: always read */
	child_done_cb on_done;
	void *arg;
};

/*
 * A set of children on base: the SIGCHLD event (SIGCHLD blocked in the
 * calling thread and read from a signalfd) and the subreaper flag,
 * so processes that escape a step (setsid, double fork) are re-parented
 * to loomd and can be found and killed. One at a time per process (it
 * reaps every child). NULL with err set.
 */
struct child_set *child_set_new(struct event_base *base,
    struct loom_error *err);
/*
 * The RLIMIT_NOFILE steps get (the limit loomd started with, before it
 * raised its own). Until called, or with rlim_cur 0, steps inherit the
 * daemon's limit.
 */
void child_set_nofile(struct child_set *cs, const struct rlimit *rl);
/* Remove the SIGCHLD event and free cs; children still alive are killed. */
void child_set_free(struct child_set *cs);

/*
 * Start a child. Returns NULL with err set (naming argv[0], or the
 * working directory) when the program cannot be found or executed or
 * the working directory cannot be entered; nothing is left running then.
 */
struct child *child_spawn(struct child_set *cs,
    const struct child_spec *spec, struct loom_error *err);

/*
 * Free a child. A child still running is killed (SIGKILL to its group)
 * and left for the SIGCHLD handler to reap; callbacks no longer fire.
 */
void child_free(struct child *c);

/*
 * Send sig to the child's process group. SIGTERM is followed by SIGCONT
 * so that a stopped group can act on it. Does nothing once the group is
 * gone. Returns true when a signal was sent.
 */
bool child_signal(struct child *c, int sig);

pid_t child_pid(const struct child *c);
/*
 * The child's start time as field 22 of /proc/<pid>/stat shows it (clock
 * ticks since boot), known without reading /proc when its creation fell
 * within one tick; else 0.
 */
unsigned long long child_start_ticks(const struct child *c);
/* The spec's marker, or NULL. */
const char *child_marker(const struct child *c);
bool child_has_exited(const struct child *c);
/* The wait status from waitpid, valid once child_has_exited. */
int child_status(const struct child *c);
/* Output bytes read so far. */
unsigned long long child_output_bytes(const struct child *c);

/*
 * Kill (SIGKILL) every process of this user that carries marker
 * ("NAME=VALUE") in its environment, repeating until none is left or a
 * few rounds have passed. Returns the number of processes signalled.
 */
int child_sweep(const char *marker);

/*
 * True when loomd has child processes that are not steps it started:
 * processes re-parented to it after escaping a step.
 */
bool child_has_orphans(struct child_set *cs);

/*
 * Look up name in the PATH of envp (like execvp, but with the given
 * environment, not the daemon's). A name containing '/' is returned as
 * it is, made absolute against cwd. Returns an owned path or NULL with
 * errno set (ENOENT, EACCES).
 */
char *child_find_program(const char *name, const char *const *envp,
    const char *cwd);

/* "SIGSEGV" for SIGSEGV; "SIG<n>" for signals without a name. Static. */
const char *child_signal_name(int sig);

#endif
