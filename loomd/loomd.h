/* SPDX-License-Identifier: MIT */
/*
 * The daemon's shared state: one struct loomd, owned by main.c, reached by
 * every module through a pointer (never a global). It holds the event
 * base, the listener, the clients, the options and the state of the
 * modules that "runner", "web" and "incr" own, plus the hooks through
 * which those modules take part in the daemon's life:
 *
 *   init      after the socket is bound, before "ready" is reported
 *   busy      "keep me alive": active runs, an open editor...; the idle
 *             exit happens only when no module is busy and no client is
 *             connected (loomd_may_exit)
 *   shutdown  SIGTERM, SIGINT or daemon.stop: begin stopping (cancel
 *             steps, write records); the daemon exits once no module is
 *             busy any more, or after kill_grace + 5 s at the latest
 *   status    add fields to the daemon.status result ("active_runs")
 *   free      release the module's state at exit
 *
 * Each module struct is defined by its owner (initially with NULL hooks
 * in the rpc-<group>.c file that defines its method table).
 */
#ifndef LOOM_LOOMD_LOOMD_H
#define LOOM_LOOMD_LOOMD_H

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>


struct event;
struct loomd;
struct rpc_client;
struct event_base;
struct executor;
struct loom_error;
struct run_state;
struct web_state;
struct fresh_state;
struct hashwork;
struct watch_state;

/*
 * The most ms events to a client may be held (LOOMD_EVENT_DELAY_MS,
 * daemon.hello's event_rate_ms).
 */
#define LOOMD_EVENT_RATE_MAX	60000

/* The hashing workers (hashwork.h). */
enum {
	LOOMD_HASHWORK_RUNS,		/* stamps, run.start's checks, loops */
	LOOMD_HASHWORK_QUERY,		/* pipeline.freshness */
	LOOMD_HASHWORKS
};

/* Options from the command line and the environment. */
struct loomd_options {
	double idle_timeout;	/* seconds (LOOMD_IDLE_TIMEOUT), default 300 */
	double kill_grace;	/* seconds (LOOMD_KILL_GRACE), default 10 */
	int event_delay_ms;	/* events written at most once per
				   (LOOMD_EVENT_DELAY_MS), default 20,
				   0: no holding (conn.c) */
	bool foreground;	/* log to stderr, do not detach */
	int verbose;		/* -v count */
	int ready_fd;		/* --ready-fd, -1 when none */
};

/* A module's part in the daemon's life; every hook may be NULL. */
struct loomd_module {
	const char *name;
	int (*init)(struct loomd *loomd, struct loom_error *err);
	bool (*busy)(struct loomd *loomd);
	void (*shutdown)(struct loomd *loomd);
	void (*status)(struct loomd *loomd, json_t *result);
	void (*free)(struct loomd *loomd);
};

extern const struct loomd_module loomd_run_module;	/* runner: rpc-run.c */
extern const struct loomd_module loomd_web_module;	/* rpc-pipeline.c */
extern const struct loomd_module loomd_fresh_module;	/* incr: rpc-fresh.c */

struct loomd_deferred;

/* Every client of the daemon (struct rpc_client, rpc.h). */
TAILQ_HEAD(rpc_clients, rpc_client);

struct loomd {
	struct event_base *base;
	struct loomd_options opt;
	uid_t uid;			/* the daemon's own uid */
	pid_t pid;
	uint64_t started_ms;		/* loomd_now_ms() at start */

	char *socket_path;		/* all owned */
	char *socket_dir;
	char *lock_path;
	char *pid_path;
	char *state_dir;
	char *log_path;			/* NULL in the foreground */

	int listen_fd;			/* -1 when not listening */
	ino_t socket_ino;		/* to notice the socket replaced */
	struct event *ev_accept;
	struct event *ev_accept_pause;	/* EMFILE back-off */
	int pid_fd;			/* pid file, flocked while we live */
	struct rlimit nofile_orig;	/* RLIMIT_NOFILE before raising it:
					   child.c restores it for steps */
	struct executor *executor;	/* where units run (executor.h);
					   created by main.c */
	struct executor *slurm;		/* batch jobs, over executor */
	struct event *ev_tick;		/* 1 s: idle check, socket watch */
	struct event *ev_idle;		/* fires when the idle time is up */
	struct event *ev_stop;		/* deferred loomd_stop */
	struct event *ev_force_exit;	/* shutdown deadline */
	/* TERM, INT, HUP, blocked and read from sigfd (SIGCHLD: child.c) */
	struct event *ev_signals;
	int sigfd;			/* or -1 */

	struct rpc_clients clients;	/* every client, dead ones too */
	size_t nclients;		/* live clients */
	uint64_t next_client_id;

	/* How step output reached clients (daemon.status "output"). */
	uint64_t log_fds;		/* log files passed by log.open */
	uint64_t log_read_bytes;	/* bytes answered by log.read */
	uint64_t output_event_bytes;	/* bytes sent in run.output */
	uint64_t output_spliced_bytes;	/* step output spliced into logs */

	bool stopping;			/* shutdown begun */
	bool exiting;			/* leave the loop after this pass */
	int exit_status;
	uint64_t idle_since_ms;		/* 0 while busy */

	struct loomd_deferred *deferred;	/* freed after this pass */

	struct run_state *runs;		/* owned by the run module */
	struct web_state *web;		/* owned by the web module */
	struct fresh_state *fresh;	/* owned by the fresh module */
	struct watch_state *watch;	/* watch.c: files of open pipelines */
	/*
	 * The hashing workers (hashwork.h: loomd_hashwork and
	 * loomd_hashwork_query start them): stamps of ended units and the
	 * runs' freshness checks; pipeline.freshness. Freed by server.c
	 * before the modules, so that the jobs they drop release their runs
	 * first.
	 */
	struct hashwork *hashwork[LOOMD_HASHWORKS];
	bool hashwork_failed[LOOMD_HASHWORKS];	/* could not start: on the loop */
};

/* Monotonic milliseconds, microseconds. */
uint64_t loomd_now_ms(void);
uint64_t loomd_now_us(void);

/*
 * True when the daemon may exit for being idle: no live client and no
 * module busy. The one place that decides (with loomd_update_idle).
 */
bool loomd_may_exit(struct loomd *loomd);

/*
 * Re-check the idle state now; call it whenever something that busy()
 * looks at has changed (a run finished, an editor closed). Starts or
 * stops the idle countdown; exits the loop when it has run out.
 */
void loomd_update_idle(struct loomd *loomd);

/*
 * Begin an orderly stop (daemon.stop, SIGTERM): stop accepting, call
 * every module's shutdown hook, close clients after their queued replies
 * and leave once no module is busy. Takes effect on the next loop pass,
 * so a reply to the caller is queued first. Idempotent.
 */
void loomd_stop(struct loomd *loomd);

/*
 * A client has left (rpc.c calls this once per client): drop what the
 * daemon's parts keep for it, its run subscriptions (notify.c) and the
 * pipelines it watches (watch.c). rpc.c knows neither of them.
 */
void loomd_client_gone(struct rpc_client *client);

/* Let every module's status hook add its fields to a daemon.status result. */
void loomd_modules_status(struct loomd *loomd, json_t *result);

/*
 * Call fn(arg) after the current loop pass, when no callback is on the
 * stack: the deferred free of connections, runs and children.
 */
void loomd_defer_free(struct loomd *loomd, void (*fn)(void *), void *arg);
/* Run what was deferred (the server does, after every loop pass). */
void loomd_run_deferred(struct loomd *loomd);

#endif
