/* SPDX-License-Identifier: MIT */
/*
 * Stamps kept in memory (stampcache.h): path -> the stamp and the
 * identity of its file when it was read.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/model/pipeline.h"
#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/stampcache.h"

struct stampcache_entry {
	char *path;
	struct stat sb;			/* the file when it was read */
	struct stamp *s;
};

struct stampcache {
	pthread_mutex_t lock;
	struct pipeline_map *index;	/* path -> v[i] */
	struct stampcache_entry *v;
	size_t n, cap;
	unsigned long long reads, hits;
};

struct stampcache *
stampcache_create(void)
{
	struct stampcache *sc = xcalloc(1, sizeof *sc);

	pthread_mutex_init(&sc->lock, NULL);
	sc->index = pipeline_map_create(1024);
	return sc;
}

/* Forget every stamp (sc locked, or being freed). */
static void
stampcache_clear(struct stampcache *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		free(sc->v[i].path);
		stamp_free(sc->v[i].s);
	}
	free(sc->v);
	sc->v = NULL;
	sc->n = sc->cap = 0;
	pipeline_map_free(sc->index);
	sc->index = pipeline_map_create(1024);
}

void
stampcache_free(struct stampcache *sc)
{
	if (sc == NULL)
		return;
	stampcache_clear(sc);
	pipeline_map_free(sc->index);
	pthread_mutex_destroy(&sc->lock);
	free(sc);
}

void
stampcache_counts(struct stampcache *sc, unsigned long long *reads,
    unsigned long long *hits)
{
	pthread_mutex_lock(&sc->lock);
	*reads = sc->reads;
	*hits = sc->hits;
	pthread_mutex_unlock(&sc->lock);
}

static bool
stampcache_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The kept stamp of path, one more holder, if its file is still sb. */
static struct stamp *
stampcache_get(struct stampcache *sc, const char *path, const struct stat *sb)
{
	struct stamp *s = NULL;
	ssize_t i;

	pthread_mutex_lock(&sc->lock);
	if ((i = pipeline_map_get(sc->index, path)) != -1 &&
	    stampcache_same(&sc->v[i].sb, sb)) {
		s = stamp_ref(sc->v[i].s);
		sc->hits++;
	} else
		sc->reads++;
	pthread_mutex_unlock(&sc->lock);
	return s;
}

/* Keep s (one more holder), read from path whose file was sb before. */
static void
stampcache_put(struct stampcache *sc, const char *path, const struct stat *sb,
    struct stamp *s)
{
	struct stampcache_entry *e;
	ssize_t i;

	pthread_mutex_lock(&sc->lock);
	if ((i = pipeline_map_get(sc->index, path)) != -1) {
		e = &sc->v[i];
		stamp_free(e->s);
	} else {
		if (sc->n == STAMPCACHE_MAX)
			stampcache_clear(sc);
		if (sc->n == sc->cap) {
			sc->cap = sc->cap != 0 ? sc->cap * 2 : 1024;
			sc->v = xreallocarray(sc->v, sc->cap, sizeof *sc->v);
			/* The map borrows the paths, which do not move. */
		}
		e = &sc->v[sc->n];
		e->path = xstrdup(path);
		pipeline_map_add(sc->index, e->path, sc->n++);
	}
	e->sb = *sb;
	e->s = stamp_ref(s);
	pthread_mutex_unlock(&sc->lock);
}

struct stamp *
stampcache_read(void *arg, int stamps_fd, const char *experiment_dir,
    const char *step, const char *item, const char *set,
    struct loom_error *err)
{
	struct stampcache *sc = arg;
	struct timespec start;
	struct stamp *s;
	struct stat sb;
	char *path;
	bool kept;

	path = stamp_path(experiment_dir, step, item, set);
	/* None there (or the older layout): read as usual, nothing kept. */
	if (stamps_fd < 0 || fstatat(stamps_fd, path +
	    strlen(experiment_dir) + strlen("/.loom/stamps/"), &sb,
	    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode)) {
		free(path);
		return stamp_read_at(stamps_fd, experiment_dir, step, item,
		    set, err);
	}
	if ((s = stampcache_get(sc, path, &sb)) != NULL) {
		free(path);
		return s;
	}
	clock_gettime(CLOCK_REALTIME_COARSE, &start);
	s = stamp_read_at(stamps_fd, experiment_dir, step, item, set, err);
	kept = sb.st_ctim.tv_sec < start.tv_sec ||
	    (sb.st_ctim.tv_sec == start.tv_sec &&
	    sb.st_ctim.tv_nsec < start.tv_nsec);
	if (s != NULL && kept)
		stampcache_put(sc, path, &sb, s);
	free(path);
	return s;
}
