/* SPDX-License-Identifier: MIT */
/*
 * The hashing worker (hashwork.h): a FIFO of jobs under one mutex, one
 * thread that takes them in turn, and a list of finished jobs that the
 * loop takes when the thread has written a byte to the pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"

struct hashwork_job {
	struct stamp *s;
	char *script;
	hashwork_done_cb done;
	hashwork_work_fn work;		/* hashwork_call: not a stamp */
	hashwork_call_cb call_done;
	void *arg;
	int rc;
	struct loom_error err;
	struct hashwork_job *next;
};

/* A FIFO of jobs. */
struct hashwork_list {
	struct hashwork_job *head;
	struct hashwork_job **tail;
};

struct hashwork {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct hashwork_list todo;	/* under lock */
	struct hashwork_list done;	/* under lock */
	bool stopping;			/* under lock */
	int pipe[2];			/* worker -> loop: "done has jobs" */
	struct event *ev;
};

static void
hashwork_list_init(struct hashwork_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
}

static void
hashwork_list_add(struct hashwork_list *l, struct hashwork_job *j)
{
	j->next = NULL;
	*l->tail = j;
	l->tail = &j->next;
}

/* Free a job, telling a hashwork_call job it was dropped. */
static void
hashwork_job_free(struct hashwork_job *j)
{
	if (j->call_done != NULL)
		j->call_done(j->arg, false);
	stamp_free(j->s);
	free(j->script);
	free(j);
}

#ifdef LOOM_FAULT_HOOKS
/*
 * LOOM_FAULT_HOLD_HASH=PATH (fault-hook builds, docs/daemon.md): a stamp
 * is not hashed while PATH exists, so that a test can see what the
 * daemon answers during a hashing without racing its length.
 */
static void
hashwork_hold(void)
{
	struct timespec pause = { 0, 10000000L };
	const char *path = getenv("LOOM_FAULT_HOLD_HASH");

	if (path == NULL || *path == '\0' || access(path, F_OK) != 0)
		return;
	log_warn("LOOM_FAULT: hashing held while %s exists", path);
	while (access(path, F_OK) == 0)
		nanosleep(&pause, NULL);
}
#endif

/* The worker: hash jobs in turn until told to stop. */
static void *
hashwork_main(void *arg)
{
	struct hashwork *hw = arg;
	struct hashwork_job *j;
	char one = 1;

	pthread_mutex_lock(&hw->lock);
	for (;;) {
		while (!hw->stopping && hw->todo.head == NULL)
			pthread_cond_wait(&hw->wake, &hw->lock);
		if (hw->stopping)
			break;
		j = hw->todo.head;
		if ((hw->todo.head = j->next) == NULL)
			hw->todo.tail = &hw->todo.head;
		pthread_mutex_unlock(&hw->lock);
		loom_error_clear(&j->err);
		if (j->work != NULL)
			j->work(j->arg);
		else {
#ifdef LOOM_FAULT_HOOKS
			hashwork_hold();
#endif
			j->rc = stamp_hash_fill(j->s, j->script, &j->err);
		}
		pthread_mutex_lock(&hw->lock);
		hashwork_list_add(&hw->done, j);
		/* Full pipe: the loop has a wake-up pending already. */
		while (write(hw->pipe[1], &one, 1) == -1 && errno == EINTR)
			continue;
	}
	pthread_mutex_unlock(&hw->lock);
	return NULL;
}

/* On the loop: report the jobs the worker finished, in order. */
static void
hashwork_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hashwork *hw = arg;
	struct hashwork_job *j, *next;
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		continue;
	pthread_mutex_lock(&hw->lock);
	j = hw->done.head;
	hashwork_list_init(&hw->done);
	pthread_mutex_unlock(&hw->lock);
	for (; j != NULL; j = next) {
		next = j->next;
		if (j->work != NULL) {
			j->call_done(j->arg, true);
			j->call_done = NULL;
			hashwork_job_free(j);
			continue;
		}
		if (j->rc == -1) {
			stamp_free(j->s);
			j->s = NULL;
		}
		j->done(j->arg, j->s, &j->err);
		j->s = NULL;
		hashwork_job_free(j);
	}
}

/* Free what hashwork_new made (the thread is not running). */
static void
hashwork_release(struct hashwork *hw)
{
	if (hw->ev != NULL)
		event_free(hw->ev);
	close(hw->pipe[0]);
	close(hw->pipe[1]);
	pthread_cond_destroy(&hw->wake);
	pthread_mutex_destroy(&hw->lock);
	free(hw);
}

/*
 * Start the thread with every signal blocked: signals are the loop's
 * (libevent's handlers), never the worker's. -1 with errno set.
 */
static int
hashwork_start(struct hashwork *hw)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&hw->thread, NULL, hashwork_main, hw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

struct hashwork *
hashwork_new(struct event_base *base, struct loom_error *err)
{
	struct hashwork *hw = xcalloc(1, sizeof *hw);

	hashwork_list_init(&hw->todo);
	hashwork_list_init(&hw->done);
	if (pipe2(hw->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		loom_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		free(hw);
		return NULL;
	}
	pthread_mutex_init(&hw->lock, NULL);
	pthread_cond_init(&hw->wake, NULL);
	hw->ev = event_new(base, hw->pipe[0], EV_READ | EV_PERSIST,
	    hashwork_ready_cb, hw);
	if (hw->ev == NULL || event_add(hw->ev, NULL) == -1 ||
	    hashwork_start(hw) == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot start the hashing "
		    "thread: %s", strerror(errno));
		hashwork_release(hw);
		return NULL;
	}
	return hw;
}

/* Queue j and wake the worker. */
static void
hashwork_push(struct hashwork *hw, struct hashwork_job *j)
{
	pthread_mutex_lock(&hw->lock);
	hashwork_list_add(&hw->todo, j);
	pthread_cond_signal(&hw->wake);
	pthread_mutex_unlock(&hw->lock);
}

void
hashwork_add(struct hashwork *hw, struct stamp *s, char *script,
    hashwork_done_cb done, void *arg)
{
	struct hashwork_job *j = xcalloc(1, sizeof *j);

	j->s = s;
	j->script = script;
	j->done = done;
	j->arg = arg;
	hashwork_push(hw, j);
}

void
hashwork_call(struct hashwork *hw, hashwork_work_fn work,
    hashwork_call_cb done, void *arg)
{
	struct hashwork_job *j = xcalloc(1, sizeof *j);

	j->work = work;
	j->call_done = done;
	j->arg = arg;
	hashwork_push(hw, j);
}

/* The daemon's worker number i, started on first use. */
static struct hashwork *
loomd_hashwork_get(struct loomd *loomd, int i)
{
	struct loom_error err;

	if (loomd->hashwork[i] != NULL || loomd->hashwork_failed[i])
		return loomd->hashwork[i];
	loom_error_clear(&err);
	if ((loomd->hashwork[i] = hashwork_new(loomd->base, &err)) == NULL) {
		log_warn("%s; hashing on the loop", err.message);
		loomd->hashwork_failed[i] = true;
	}
	return loomd->hashwork[i];
}

struct hashwork *
loomd_hashwork(struct loomd *loomd)
{
	return loomd_hashwork_get(loomd, LOOMD_HASHWORK_RUNS);
}

struct hashwork *
loomd_hashwork_query(struct loomd *loomd)
{
	return loomd_hashwork_get(loomd, LOOMD_HASHWORK_QUERY);
}

void
hashwork_free(struct hashwork *hw)
{
	struct hashwork_job *j, *next;

	if (hw == NULL)
		return;
	pthread_mutex_lock(&hw->lock);
	hw->stopping = true;
	pthread_cond_signal(&hw->wake);
	pthread_mutex_unlock(&hw->lock);
	pthread_join(hw->thread, NULL);
	for (j = hw->todo.head; j != NULL; j = next) {
		next = j->next;
		hashwork_job_free(j);
	}
	for (j = hw->done.head; j != NULL; j = next) {
		next = j->next;
		hashwork_job_free(j);
	}
	hashwork_release(hw);
}
