/* SPDX-License-Identifier: MIT */
/*
 * URL downloads on the loop (see fetch.h): libcurl says which sockets to
 * watch and when to wake it; each socket is a persistent libevent event
 * and the wake-up one timer. Everything runs on the loop's thread, so
 * nothing is shared and an abort is immediate.
 */
#include <sys/types.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/util/error.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"
#include "loomd/fetch.h"

struct fetch_sock {
	int fd;
	struct event *ev;
};

struct fetch {
	struct event_base *base;
	struct urlcache_multi *m;
	struct event *timer;
	struct fetch_sock *socks;	/* one per socket curl has open */
	size_t nsocks;
	fetch_done_cb *done;
	void *arg;
};

static void	fetch_watch(int fd, bool in, bool out, void *arg);
static void	fetch_timer(long ms, void *arg);
static void	fetch_done(void *owner, const char *url, const char *path,
		    const struct loom_error *err, void *arg);

static void
fetch_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;

	urlcache_multi_socket(f->m, (int)fd, (what & EV_READ) != 0,
	    (what & EV_WRITE) != 0);
}

static void
fetch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;

	(void)fd;
	(void)what;
	urlcache_multi_timeout(f->m);
}

/* Watch fd as curl asks (neither in nor out: forget it). */
static void
fetch_watch(int fd, bool in, bool out, void *arg)
{
	struct fetch *f = arg;
	size_t i;

	for (i = 0; i < f->nsocks && f->socks[i].fd != fd; i++)
		;
	if (i < f->nsocks) {
		event_free(f->socks[i].ev);
		f->socks[i] = f->socks[--f->nsocks];
	}
	if (!in && !out)
		return;
	f->socks = xreallocarray(f->socks, f->nsocks + 1, sizeof *f->socks);
	f->socks[f->nsocks].fd = fd;
	f->socks[f->nsocks].ev = event_new(f->base, fd, EV_PERSIST |
	    (in ? EV_READ : 0) | (out ? EV_WRITE : 0), fetch_sock_cb, f);
	event_add(f->socks[f->nsocks].ev, NULL);
	f->nsocks++;
}

static void
fetch_timer(long ms, void *arg)
{
	struct fetch *f = arg;
	struct timeval tv;

	if (ms < 0) {
		evtimer_del(f->timer);
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(f->timer, &tv);
}

static void
fetch_done(void *owner, const char *url, const char *path,
    const struct loom_error *err, void *arg)
{
	struct fetch *f = arg;

	f->done(owner, url, path, err, f->arg);
}

struct fetch *
fetch_new(struct event_base *base, fetch_done_cb *done, void *arg)
{
	struct fetch *f = xcalloc(1, sizeof *f);
	struct urlcache_loop loop;

	f->base = base;
	f->done = done;
	f->arg = arg;
	f->timer = evtimer_new(base, fetch_timer_cb, f);
	loop.watch = fetch_watch;
	loop.timer = fetch_timer;
	loop.done = fetch_done;
	loop.arg = f;
	f->m = urlcache_multi_new(&loop);
	return f;
}

int
fetch_add(struct fetch *f, const char *experiment_dir, const char *url,
    void *owner, struct loom_error *err)
{
	return urlcache_multi_add(f->m, experiment_dir, url, owner, err);
}

void
fetch_abort(struct fetch *f, void *owner)
{
	if (f != NULL)
		urlcache_multi_abort(f->m, owner);
}

size_t
fetch_count(const struct fetch *f, const void *owner)
{
	return f != NULL ? urlcache_multi_count(f->m, owner) : 0;
}

void
fetch_free(struct fetch *f)
{
	size_t i;

	if (f == NULL)
		return;
	urlcache_multi_free(f->m);
	for (i = 0; i < f->nsocks; i++)
		event_free(f->socks[i].ev);
	free(f->socks);
	event_free(f->timer);
	free(f);
}
