/* SPDX-License-Identifier: MIT */
/*
 * Pipelines kept between runs (plancache.h): a small list, most recently
 * used first, each model checked against the files it was made from.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fresh/freshness.h"
#include "common/fresh/urlcache.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/plancache.h"

/* What a file was when the model was made from it. */
struct plancache_file {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct plancache_entry {
	char *file;			/* the request's file */
	struct pipeline *p;
	struct graph *g;
	struct diags warnings;		/* validation's (no error) */
	struct fresh_memo *memo;	/* what its plans worked out */
	bool has_url;			/* URL data: not kept */
	struct plancache_file *files;	/* the pipeline file first */
	size_t nfiles;
	unsigned users;			/* runs, and the cache if listed */
};

struct plancache {
	struct plancache_entry *v[PLANCACHE_MAX];	/* newest first */
	size_t n;
	unsigned long long loads, hits;
};

struct plancache *
plancache_create(void)
{
	return xcalloc(1, sizeof (struct plancache));
}

void
plancache_release(struct plancache_entry *e)
{
	size_t i;

	if (e == NULL || --e->users > 0)
		return;
	for (i = 0; i < e->nfiles; i++)
		free(e->files[i].path);
	free(e->files);
	diags_free(&e->warnings);
	fresh_memo_free(e->memo);
	graph_free(e->g);
	pipeline_free(e->p);
	free(e->file);
	free(e);
}

void
plancache_free(struct plancache *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->n; i++)
		plancache_release(pc->v[i]);
	free(pc);
}

struct fresh_memo *
plancache_memo(const struct plancache_entry *e)
{
	return e->memo;
}

bool
plancache_has_url(const struct plancache_entry *e)
{
	return e->has_url;
}

const struct diags *
plancache_warnings(const struct plancache_entry *e)
{
	return &e->warnings;
}

void
plancache_counts(const struct plancache *pc, unsigned long long *loads,
    unsigned long long *hits)
{
	*loads = pc != NULL ? pc->loads : 0;
	*hits = pc != NULL ? pc->hits : 0;
}

static bool
plancache_ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether f is still what it was: one stat. */
static bool
plancache_file_same(const struct plancache_file *f)
{
	struct stat sb;

	return stat(f->path, &sb) == 0 && sb.st_dev == f->dev &&
	    sb.st_ino == f->ino && sb.st_size == f->size &&
	    plancache_ts_equal(&sb.st_mtim, &f->mtim) &&
	    plancache_ts_equal(&sb.st_ctim, &f->ctim);
}

/*
 * Record what path is now into f; false when it cannot be kept: gone, or
 * changed in the clock tick of the load or after (ctime not before
 * start), when a later edit could leave the same ctime.
 */
static bool
plancache_file_take(struct plancache_file *f, const char *path,
    const struct timespec *start)
{
	struct stat sb;

	f->path = xstrdup(path);
	if (stat(path, &sb) != 0)
		return false;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->size = sb.st_size;
	f->mtim = sb.st_mtim;
	f->ctim = sb.st_ctim;
	return sb.st_ctim.tv_sec < start->tv_sec ||
	    (sb.st_ctim.tv_sec == start->tv_sec &&
	    sb.st_ctim.tv_nsec < start->tv_nsec);
}

/* Whether p has URL data (resolving it changes the model). */
static bool
plancache_model_has_url(const struct pipeline *p)
{
	struct loom_error err;
	char *path;
	bool url;
	size_t i;

	for (i = 0; i < p->ndata; i++) {
		loom_error_clear(&err);
		if (p->data[i].path == NULL || (path = pipeline_data_path(p,
		    &p->data[i], &err)) == NULL)
			continue;
		url = urlcache_is_url(path);
		free(path);
		if (url)
			return true;
	}
	return false;
}

/* Put e first in the list, the least recently used out if full. */
static void
plancache_add(struct plancache *pc, struct plancache_entry *e)
{
	if (pc->n == PLANCACHE_MAX)
		plancache_release(pc->v[--pc->n]);
	memmove(pc->v + 1, pc->v, pc->n * sizeof *pc->v);
	pc->v[0] = e;
	pc->n++;
	e->users++;
}

/*
 * Load and validate rq->file as plan_make does; NULL when it is not
 * valid (plan_make then says why). The model is kept in pc unless it
 * cannot be (plancache.h); the caller holds one use of it either way.
 */
static struct plancache_entry *
plancache_load(struct plancache *pc, const struct plan_request *rq)
{
	struct plancache_entry *e = xcalloc(1, sizeof *e);
	struct diags *d = &e->warnings;
	struct timespec start;
	struct strv read;
	bool keep;
	size_t i;

	clock_gettime(CLOCK_REALTIME_COARSE, &start);
	diags_init(d);
	strv_init(&read);
	e->users = 1;
	e->file = xstrdup(rq->file);
	e->p = pipeline_load_file(rq->file, d);
	if (e->p != NULL && d->nerrors == 0)
		e->g = validate_pipeline_files(e->p, d, &read);
	pc->loads++;
	if (e->g == NULL) {
		strv_free(&read);
		plancache_release(e);
		return NULL;
	}
	e->files = xcalloc(read.n + 1, sizeof *e->files);
	keep = plancache_file_take(&e->files[0], rq->file, &start);
	e->nfiles = 1;
	for (i = 0; i < read.n; i++)
		keep &= plancache_file_take(&e->files[e->nfiles++], read.v[i],
		    &start);
	strv_free(&read);
	e->memo = fresh_memo_create(e->p->nsteps);
	e->has_url = plancache_model_has_url(e->p);
	if (keep && !e->has_url)
		plancache_add(pc, e);
	return e;
}

/* The kept model of rq->file if none of its files changed; else NULL. */
static struct plancache_entry *
plancache_find(struct plancache *pc, const char *file)
{
	struct plancache_entry *e;
	size_t i, k;

	for (i = 0; i < pc->n; i++) {
		if (strcmp(pc->v[i]->file, file) == 0)
			break;
	}
	if (i == pc->n)
		return NULL;
	e = pc->v[i];
	memmove(pc->v + i, pc->v + i + 1, (pc->n - i - 1) * sizeof *pc->v);
	pc->n--;
	for (k = 0; k < e->nfiles; k++) {
		if (!plancache_file_same(&e->files[k])) {
			plancache_release(e);
			return NULL;
		}
	}
	memmove(pc->v + 1, pc->v, pc->n * sizeof *pc->v);
	pc->v[0] = e;
	pc->n++;
	pc->hits++;
	e->users++;
	return e;
}

/* The warnings of e into d, as plan_make leaves them. */
static void
plancache_copy_warnings(const struct plancache_entry *e, struct diags *d)
{
	const struct diag *g;
	struct diag *c;
	size_t i;

	for (i = 0; i < e->warnings.n; i++) {
		g = &e->warnings.v[i];
		c = diags_add(d, g->severity, g->file, g->line, g->column,
		    "%s", g->message);
		if (g->hint != NULL)
			diag_set_hint(c, "%s", g->hint);
	}
}

enum plan_status
plancache_plan(struct plancache *pc, struct plan *pl,
    const struct plan_request *rq, struct plancache_entry **ref)
{
	struct plancache_entry *e;

	*ref = NULL;
	if (pc == NULL || rq->keep_invalid || (rq->set != NULL &&
	    rq->set->n > 0) || (rq->var != NULL && rq->var->n > 0))
		return plan_make(pl, rq);
	if ((e = plancache_find(pc, rq->file)) == NULL &&
	    (e = plancache_load(pc, rq)) == NULL)
		return plan_make(pl, rq);
	memset(pl, 0, sizeof *pl);
	diags_init(&pl->diags);
	loom_error_clear(&pl->err);
	pl->p = e->p;
	pl->g = e->g;
	plancache_copy_warnings(e, &pl->diags);
	*ref = e;
	return plan_select(pl, rq);
}
