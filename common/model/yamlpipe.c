/* SPDX-License-Identifier: MIT */
/*
 * libyaml in a second thread (see yamlpipe.h). libyaml's scanner is more
 * than half of the instructions of loading a big pipeline, and the
 * loader's own work is most of the rest; neither needs the other's
 * state, so the two run side by side and a load takes about the longer
 * of them instead of their sum.
 *
 * The producer fills blocks of YAMLPIPE_BLOCK events and hands each over
 * whole; the consumer takes a whole block and gives it back when it has
 * read every event in it. One lock and one wake-up per block, not per
 * event, and at most YAMLPIPE_BLOCKS blocks exist, so memory stays
 * bounded whatever the size of the file (the producer waits when every
 * block is full). Nobody spins: both sides sleep on condition variables.
 *
 * The producer stops after the stream's end, after an error (the parser
 * then holds the problem, which the consumer reads only once it has
 * taken the block that ends there, so after the producer's last write
 * and after every earlier event) or when the consumer asks it to (a
 * second document, a fatal error in the loader). yamlpipe_free always
 * joins it before returning, so no thread outlives a load: the daemon
 * may fork right after.
 */
#include <sys/types.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/model/yamlpipe.h"
#include "common/util/xmalloc.h"

/*
 * Events per block, and blocks in the ring: at most 16,384 events of 104
 * bytes (1.6 MiB) and the strings they own wait between the threads.
 * Blocks are big because the loader is the faster side and so sleeps
 * until each block is handed over: a wake-up costs both threads a
 * context switch. The 302,000 events of a 10,000-step file made 1,180
 * blocks of 256, whose switches ate the whole gain; blocks of 4,096 make
 * 74, and the loader waits at the start for 1.4% of the file.
 */
#define YAMLPIPE_BLOCK	4096
#define YAMLPIPE_BLOCKS	4

struct yamlpipe_block {
	yaml_event_t ev[YAMLPIPE_BLOCK];
	size_t n;		/* events filled */
	bool last;		/* the producer stopped after this block */
	bool error;		/* ... because yaml_parser_parse failed */
};

struct yamlpipe {
	yaml_parser_t *ps;
	bool threaded;
	pthread_t thread;

	/* Shared, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t filled;	/* the consumer waits for a block */
	pthread_cond_t emptied;	/* the producer waits for room */
	size_t head;		/* blocks handed over so far */
	size_t tail;		/* blocks given back so far */
	bool stop;		/* the consumer wants no more */
	struct yamlpipe_block *blocks;	/* YAMLPIPE_BLOCKS of them */

	/* The consumer's alone. */
	struct yamlpipe_block *cur;	/* block being read: blocks[tail] */
	size_t pos;		/* next event in cur */
};

static void	*yamlpipe_main(void *arg);
static void	 yamlpipe_init_min(void);

static pthread_once_t yamlpipe_once = PTHREAD_ONCE_INIT;
static atomic_size_t yamlpipe_min_bytes = YAMLPIPE_MIN_DEFAULT;

/* Read LOOM_YAML_THREAD_MIN once; anything but a decimal number is ignored. */
static void
yamlpipe_init_min(void)
{
	const char *env = getenv("LOOM_YAML_THREAD_MIN");
	unsigned long long v;
	char *end;

	if (env == NULL || *env < '0' || *env > '9')
		return;
	v = strtoull(env, &end, 10);
	if (*end != '\0')
		return;
	atomic_store(&yamlpipe_min_bytes, v > SIZE_MAX ? SIZE_MAX : (size_t)v);
}

/* The threshold in bytes; see yamlpipe.h. */
size_t
yamlpipe_min(void)
{
	pthread_once(&yamlpipe_once, yamlpipe_init_min);
	return atomic_load(&yamlpipe_min_bytes);
}

/* Set the threshold, for tests. */
void
yamlpipe_set_min(size_t min)
{
	pthread_once(&yamlpipe_once, yamlpipe_init_min);
	atomic_store(&yamlpipe_min_bytes, min);
}

/* The producer: parse into free blocks until the end, an error or stop. */
static void *
yamlpipe_main(void *arg)
{
	struct yamlpipe *yp = arg;
	struct yamlpipe_block *b;
	bool last;

	for (;;) {
		pthread_mutex_lock(&yp->lock);
		while (yp->head - yp->tail == YAMLPIPE_BLOCKS && !yp->stop)
			pthread_cond_wait(&yp->emptied, &yp->lock);
		if (yp->stop) {
			pthread_mutex_unlock(&yp->lock);
			return NULL;
		}
		b = &yp->blocks[yp->head % YAMLPIPE_BLOCKS];
		pthread_mutex_unlock(&yp->lock);

		/* The block is the producer's until head moves past it. */
		b->n = 0;
		b->last = b->error = false;
		while (b->n < YAMLPIPE_BLOCK) {
			if (!yaml_parser_parse(yp->ps, &b->ev[b->n])) {
				b->last = b->error = true;
				break;
			}
			if (b->ev[b->n++].type == YAML_STREAM_END_EVENT) {
				b->last = true;
				break;
			}
		}
		last = b->last;

		pthread_mutex_lock(&yp->lock);
		yp->head++;
		pthread_cond_signal(&yp->filled);
		pthread_mutex_unlock(&yp->lock);
		if (last)
			return NULL;
	}
}

/* Start a producer for a big source; the caller frees the result. */
struct yamlpipe *
yamlpipe_create(yaml_parser_t *ps, size_t len)
{
	struct yamlpipe *yp = xcalloc(1, sizeof *yp);
	sigset_t all, old;
	int rc;

	yp->ps = ps;
	if (len < yamlpipe_min())
		return yp;
	yp->blocks = xcalloc(YAMLPIPE_BLOCKS, sizeof *yp->blocks);
	pthread_mutex_init(&yp->lock, NULL);
	pthread_cond_init(&yp->filled, NULL);
	pthread_cond_init(&yp->emptied, NULL);
	/*
	 * The producer takes no signals sent to the process: they stay with
	 * the threads that expect them (the daemon's event loop, loomctl's
	 * handlers). A fault of its own still reaches the handlers, so that
	 * a sanitizer can report it.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&yp->thread, NULL, yamlpipe_main, yp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		/* No thread (EAGAIN): parse here, as for a small source. */
		pthread_cond_destroy(&yp->emptied);
		pthread_cond_destroy(&yp->filled);
		pthread_mutex_destroy(&yp->lock);
		free(yp->blocks);
		yp->blocks = NULL;
		return yp;
	}
	yp->threaded = true;
	return yp;
}

/* The next event, from the ring or straight from libyaml. */
int
yamlpipe_parse(struct yamlpipe *yp, yaml_event_t *ev)
{
	if (!yp->threaded)
		return yaml_parser_parse(yp->ps, ev);
	for (;;) {
		if (yp->cur != NULL) {
			if (yp->pos < yp->cur->n) {
				*ev = yp->cur->ev[yp->pos++];
				return 1;
			}
			if (yp->cur->error)
				return 0;
			if (yp->cur->last) {
				/* After the end libyaml gives empty events. */
				memset(ev, 0, sizeof *ev);
				return 1;
			}
		}
		pthread_mutex_lock(&yp->lock);
		if (yp->cur != NULL) {
			yp->tail++;
			pthread_cond_signal(&yp->emptied);
		}
		while (yp->tail == yp->head)
			pthread_cond_wait(&yp->filled, &yp->lock);
		yp->cur = &yp->blocks[yp->tail % YAMLPIPE_BLOCKS];
		yp->pos = 0;
		pthread_mutex_unlock(&yp->lock);
	}
}

/* Stop and join the producer; free the events it parsed ahead. */
void
yamlpipe_free(struct yamlpipe *yp)
{
	size_t b, i, from;

	if (yp == NULL)
		return;
	if (yp->threaded) {
		pthread_mutex_lock(&yp->lock);
		yp->stop = true;
		pthread_cond_signal(&yp->emptied);
		pthread_mutex_unlock(&yp->lock);
		pthread_join(yp->thread, NULL);
		/* Joined: head is final. Free what was handed over, not taken. */
		for (b = yp->tail; b < yp->head; b++) {
			struct yamlpipe_block *blk =
			    &yp->blocks[b % YAMLPIPE_BLOCKS];

			from = blk == yp->cur ? yp->pos : 0;
			for (i = from; i < blk->n; i++)
				yaml_event_delete(&blk->ev[i]);
		}
		pthread_cond_destroy(&yp->emptied);
		pthread_cond_destroy(&yp->filled);
		pthread_mutex_destroy(&yp->lock);
		free(yp->blocks);
	}
	free(yp);
}
