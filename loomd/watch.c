/* SPDX-License-Identifier: MIT */
/*
 * Watches on the files of open pipelines and the "file.changed" event
 * (see watch.h for the rules). One inotify descriptor for the daemon,
 * read from libevent's loop; a table of watched folders with reference
 * counts (pipelines share folders); per pipeline the (folder, name)
 * pairs it cares about, its viewers and a timer that merges a burst of
 * changes into one event. Tables are searched linearly: they are bounded
 * by the limits in watch.h.
 */
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/util/error.h"
#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "common/model/pipeline.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"
#include "loomd/watch.h"

#define WATCH_MASK	(IN_CREATE | IN_DELETE | IN_ATTRIB | IN_CLOSE_WRITE | \
			 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_ONLYDIR)

struct watch_dir {
	int wd;
	char *path;
	size_t refs;		/* names (of any pipeline) in it */
};

struct watch_name {
	int wd;			/* -1 once the kernel dropped it */
	char *name;		/* NULL: anything in the folder */
};

struct watch_pipe {
	struct watch_state *st;
	char *file;		/* resolved pipeline file */
	struct watch_name *names;
	size_t nnames;
	struct rpc_client **viewers;
	size_t nviewers;
	struct event *timer;	/* pending: a change is being merged */
	TAILQ_ENTRY(watch_pipe) entry;
};
TAILQ_HEAD(watch_pipes, watch_pipe);

struct watch_state {
	struct loomd *loomd;
	int fd;
	struct event *ev;
	struct watch_dir *dirs;
	size_t ndirs;
	struct watch_pipes pipes;
	size_t npipes;
	bool warned;		/* a limit was hit (logged once) */
};

static struct watch_state *watch_state_get(struct loomd *loomd);
static int	 watch_dir_add(struct watch_state *st, const char *path);
static void	 watch_dir_release(struct watch_state *st, int wd);
static void	 watch_add_name(struct watch_pipe *wp, const char *dir,
		    const char *name);
static void	 watch_add_path(struct watch_pipe *wp, const char *abs,
		    bool inside);
static void	 watch_build(struct watch_pipe *wp, const struct pipeline *p);
static void	 watch_names_free(struct watch_state *st,
		    struct watch_name *names, size_t n);
static struct watch_pipe *watch_pipe_get(struct watch_state *st,
		    const char *file);
static void	 watch_pipe_free(struct watch_pipe *wp);
static void	 watch_forget(struct watch_state *st,
		    struct rpc_client *client, struct watch_pipe *keep);
static void	 watch_limit(struct watch_state *st, const char *what);
static void	 watch_read_cb(evutil_socket_t fd, short what, void *arg);
static void	 watch_event(struct watch_state *st,
		    const struct inotify_event *ev);
static void	 watch_dir_gone(struct watch_state *st, int wd);
static void	 watch_arm(struct watch_pipe *wp);
static void	 watch_timer_cb(evutil_socket_t fd, short what, void *arg);

/* The daemon's watch state, created on first use; NULL without inotify. */
static struct watch_state *
watch_state_get(struct loomd *loomd)
{
	struct watch_state *st;
	int fd;

	if (loomd->watch != NULL)
		return loomd->watch;
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("cannot watch files (inotify_init1: %s): editors "
		    "will not see changes made on disk", strerror(errno));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->loomd = loomd;
	st->fd = fd;
	TAILQ_INIT(&st->pipes);
	st->ev = event_new(loomd->base, fd, EV_READ | EV_PERSIST,
	    watch_read_cb, st);
	event_add(st->ev, NULL);
	loomd->watch = st;
	return st;
}

/* Log once that a bound was reached. */
static void
watch_limit(struct watch_state *st, const char *what)
{
	if (st->warned)
		return;
	st->warned = true;
	log_warn("file watching limited: %s (some changes on disk will not "
	    "reach editors)", what);
}

/* Watch folder path (or take another reference); its wd, or -1. */
static int
watch_dir_add(struct watch_state *st, const char *path)
{
	size_t i;
	int wd;

	for (i = 0; i < st->ndirs; i++) {
		if (strcmp(st->dirs[i].path, path) == 0) {
			st->dirs[i].refs++;
			return st->dirs[i].wd;
		}
	}
	if (st->ndirs >= WATCH_MAX_DIRS) {
		watch_limit(st, "too many folders");
		return -1;
	}
	if ((wd = inotify_add_watch(st->fd, path, WATCH_MASK)) == -1) {
		if (errno == ENOSPC)
			watch_limit(st, "fs.inotify.max_user_watches reached");
		else if (errno != ENOENT && errno != ENOTDIR)
			log_info("cannot watch %s: %s", path, strerror(errno));
		return -1;
	}
	/* The same folder under another spelling shares the kernel's wd. */
	for (i = 0; i < st->ndirs; i++) {
		if (st->dirs[i].wd == wd) {
			st->dirs[i].refs++;
			return wd;
		}
	}
	st->dirs = xreallocarray(st->dirs, st->ndirs + 1, sizeof *st->dirs);
	st->dirs[st->ndirs].wd = wd;
	st->dirs[st->ndirs].path = xstrdup(path);
	st->dirs[st->ndirs].refs = 1;
	st->ndirs++;
	return wd;
}

/* Drop one reference to the folder watched as wd. */
static void
watch_dir_release(struct watch_state *st, int wd)
{
	size_t i;

	if (wd == -1)
		return;
	for (i = 0; i < st->ndirs; i++) {
		if (st->dirs[i].wd != wd)
			continue;
		if (--st->dirs[i].refs > 0)
			return;
		inotify_rm_watch(st->fd, wd);
		free(st->dirs[i].path);
		st->dirs[i] = st->dirs[--st->ndirs];
		return;
	}
}

/* Watch name (NULL: anything) in folder dir for wp. */
static void
watch_add_name(struct watch_pipe *wp, const char *dir, const char *name)
{
	size_t i;
	int wd;

	if (wp->nnames >= WATCH_MAX_NAMES) {
		watch_limit(wp->st, "too many files in one pipeline");
		return;
	}
	if ((wd = watch_dir_add(wp->st, dir)) == -1)
		return;
	for (i = 0; i < wp->nnames; i++) {
		if (wp->names[i].wd == wd && (name == NULL ?
		    wp->names[i].name == NULL : wp->names[i].name != NULL &&
		    strcmp(wp->names[i].name, name) == 0)) {
			watch_dir_release(wp->st, wd);
			return;
		}
	}
	wp->names = xreallocarray(wp->names, wp->nnames + 1,
	    sizeof *wp->names);
	wp->names[wp->nnames].wd = wd;
	wp->names[wp->nnames].name = name != NULL ? xstrdup(name) : NULL;
	wp->nnames++;
}

/*
 * Watch the absolute path abs: its name in its folder, or, when that
 * folder does not exist yet, the first missing component in the nearest
 * existing ancestor. inside also watches everything in abs when it is a
 * folder (a data folder's files).
 */
static void
watch_add_path(struct watch_pipe *wp, const char *abs, bool inside)
{
	struct stat sb;
	char dir[PATH_MAX], *slash;

	if (strlen(abs) >= sizeof dir || abs[0] != '/')
		return;
	if (inside && stat(abs, &sb) == 0 && S_ISDIR(sb.st_mode))
		watch_add_name(wp, abs, NULL);
	strcpy(dir, abs);
	for (;;) {
		slash = strrchr(dir, '/');
		if (slash == NULL || slash[1] == '\0')
			return;
		*slash = '\0';
		if (slash == dir) {
			watch_add_name(wp, "/", slash + 1);
			return;
		}
		if (stat(dir, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				watch_add_name(wp, dir, slash + 1);
			return;
		}
	}
}

/* (Re)build the names of wp from the pipeline p (NULL: the file alone). */
static void
watch_build(struct watch_pipe *wp, const struct pipeline *p)
{
	struct watch_name *old = wp->names;
	struct loom_error err;
	size_t nold = wp->nnames, i;
	char *abs;

	if (p == NULL && nold > 0)
		return;		/* unparsable for now: keep what we had */
	wp->names = NULL;
	wp->nnames = 0;
	watch_add_path(wp, wp->file, false);
	for (i = 0; p != NULL && i < p->ndata; i++) {
		const struct data_entry *d = &p->data[i];

		if (d->path != NULL && d->path->text != NULL &&
		    pipeline_is_url(d->path->text))
			continue;
		loom_error_clear(&err);
		if ((abs = pipeline_data_path(p, d, &err)) == NULL)
			continue;
		watch_add_path(wp, abs, true);
		free(abs);
	}
	for (i = 0; p != NULL && i < p->nsteps; i++) {
		if (p->steps[i].task == NULL)
			continue;
		if ((abs = pipeline_abspath(p, p->steps[i].task)) == NULL)
			continue;
		watch_add_path(wp, abs, false);
		free(abs);
	}
	/* Released after the new ones are in: shared folders stay watched. */
	watch_names_free(wp->st, old, nold);
}

/* Release and free a list of names. */
static void
watch_names_free(struct watch_state *st, struct watch_name *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		watch_dir_release(st, names[i].wd);
		free(names[i].name);
	}
	free(names);
}

/* The pipeline watched for file, created when needed; NULL at the bound. */
static struct watch_pipe *
watch_pipe_get(struct watch_state *st, const char *file)
{
	struct watch_pipe *wp;

	TAILQ_FOREACH(wp, &st->pipes, entry) {
		if (strcmp(wp->file, file) == 0)
			return wp;
	}
	if (st->npipes >= WATCH_MAX_PIPES) {
		watch_limit(st, "too many open pipelines");
		return NULL;
	}
	wp = xcalloc(1, sizeof *wp);
	wp->st = st;
	wp->file = xstrdup(file);
	wp->timer = evtimer_new(st->loomd->base, watch_timer_cb, wp);
	TAILQ_INSERT_TAIL(&st->pipes, wp, entry);
	st->npipes++;
	return wp;
}

/* Stop watching a pipeline. */
static void
watch_pipe_free(struct watch_pipe *wp)
{
	struct watch_state *st = wp->st;

	TAILQ_REMOVE(&st->pipes, wp, entry);
	st->npipes--;
	watch_names_free(st, wp->names, wp->nnames);
	event_free(wp->timer);
	free(wp->viewers);
	free(wp->file);
	free(wp);
}

/* client stops viewing every pipeline but keep; empty ones are dropped. */
static void
watch_forget(struct watch_state *st, struct rpc_client *client,
    struct watch_pipe *keep)
{
	struct watch_pipe *wp, *next;
	size_t i;

	for (wp = TAILQ_FIRST(&st->pipes); wp != NULL; wp = next) {
		next = TAILQ_NEXT(wp, entry);
		if (wp == keep)
			continue;
		for (i = 0; i < wp->nviewers; i++) {
			if (wp->viewers[i] == client) {
				wp->viewers[i] = wp->viewers[--wp->nviewers];
				break;
			}
		}
		if (wp->nviewers == 0)
			watch_pipe_free(wp);
	}
}

void
watch_open(struct loomd *loomd, struct rpc_client *client, const char *real,
    const struct pipeline *p)
{
	struct watch_state *st;
	struct watch_pipe *wp;
	size_t i;

	if ((st = watch_state_get(loomd)) == NULL || client->dead)
		return;
	wp = watch_pipe_get(st, real);
	watch_forget(st, client, wp);
	if (wp == NULL)
		return;
	for (i = 0; i < wp->nviewers && wp->viewers[i] != client; i++)
		;
	if (i == wp->nviewers) {
		wp->viewers = xreallocarray(wp->viewers, wp->nviewers + 1,
		    sizeof *wp->viewers);
		wp->viewers[wp->nviewers++] = client;
	}
	watch_build(wp, p);
}

void
watch_client_gone(struct rpc_client *client)
{
	if (client->loomd->watch != NULL)
		watch_forget(client->loomd->watch, client, NULL);
}

size_t
watch_count(struct loomd *loomd)
{
	return loomd->watch != NULL ? loomd->watch->ndirs : 0;
}

void
watch_free(struct loomd *loomd)
{
	struct watch_state *st = loomd->watch;
	struct watch_pipe *wp;

	if (st == NULL)
		return;
	while ((wp = TAILQ_FIRST(&st->pipes)) != NULL)
		watch_pipe_free(wp);
	event_free(st->ev);
	close(st->fd);
	free(st->dirs);	/* empty: every pipeline released its folders */
	free(st);
	loomd->watch = NULL;
}

/* The inotify descriptor is readable: handle every queued event. */
static void
watch_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch_state *st = arg;
	char buf[8192] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *at;

	(void)what;
	for (;;) {
		if ((n = read(fd, buf, sizeof buf)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return;
		}
		for (at = buf; at < buf + n; at += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)at;
			watch_event(st, ev);
		}
	}
}

/* One inotify event: arm the timer of every pipeline it concerns. */
static void
watch_event(struct watch_state *st, const struct inotify_event *ev)
{
	struct watch_pipe *wp;
	size_t i;
	bool all = (ev->mask & IN_Q_OVERFLOW) != 0;
	bool self = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
	    IN_IGNORED)) != 0;

	TAILQ_FOREACH(wp, &st->pipes, entry) {
		if (evtimer_pending(wp->timer, NULL))
			continue;
		for (i = 0; i < wp->nnames; i++) {
			const struct watch_name *nm = &wp->names[i];

			if (all || (nm->wd == ev->wd && (self ||
			    nm->name == NULL || (ev->len > 0 &&
			    strcmp(nm->name, ev->name) == 0)))) {
				watch_arm(wp);
				break;
			}
		}
	}
	if (ev->mask & IN_IGNORED)
		watch_dir_gone(st, ev->wd);
}

/* The kernel dropped the watch wd (its folder is gone): forget it. */
static void
watch_dir_gone(struct watch_state *st, int wd)
{
	struct watch_pipe *wp;
	size_t i;

	TAILQ_FOREACH(wp, &st->pipes, entry) {
		for (i = 0; i < wp->nnames; i++)
			if (wp->names[i].wd == wd)
				wp->names[i].wd = -1;
	}
	for (i = 0; i < st->ndirs; i++) {
		if (st->dirs[i].wd == wd) {
			free(st->dirs[i].path);
			st->dirs[i] = st->dirs[--st->ndirs];
			return;
		}
	}
}

/* Send file.changed once the current burst of changes has settled. */
static void
watch_arm(struct watch_pipe *wp)
{
	struct timeval tv = { 0, WATCH_DELAY_MS * 1000 };

	evtimer_add(wp->timer, &tv);
}

/* Tell the viewers of a pipeline that its files changed. */
static void
watch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch_pipe *wp = arg;
	json_t *msg;
	size_t i;

	(void)fd;
	(void)what;
	msg = jsonrpc_notification(LOOM_EVENT_FILE_CHANGED,
	    json_pack("{s:s}", "file",
	    wp->file));
	for (i = 0; i < wp->nviewers; i++) {
		if (!wp->viewers[i]->dead)
			rpc_client_send(wp->viewers[i], msg);
	}
	json_decref(msg);
}
