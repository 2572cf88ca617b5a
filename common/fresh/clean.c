/* SPDX-License-Identifier: MIT */
/*
 * Cleaning: the list of what steps produce, checked against everything
 * that must survive (see clean.h), and its removal.
 *
 * The protected set is built from the pipeline itself: its file and
 * folder, .loom, task scripts (whatever the steps declare), data entries
 * no step produces (source data), and every path a step reads that no
 * step writes. Every path is compared resolved: the symbolic links of
 * its folders followed (clean_resolve), and a protected link's target
 * protected too, so an output reached through a linked folder is seen
 * for what it is (X5). A target equal to a protected path, or a folder
 * holding one, is refused rather than trimmed: removing part of a folder
 * of outputs would surprise more than keeping it whole. So is a target
 * outside the pipeline's folder, unless the caller allows it, and
 * anything inside .loom.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fresh/clean.h"
#include "common/model/command.h"
#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/fresh/stamp.h"
#include "common/fresh/trash.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"

/* Resolved paths to keep, each once, with what each is. */
struct clean_keeps {
	struct strv v;
	struct strv whys;		/* parallel to v */
	struct pipeline_map *seen;	/* path -> position in v */
};

/* What the walks over stamps share. */
struct clean_walk {
	struct clean_list *list;	/* collecting: targets are added */
	const struct clean_list *targets;	/* the targets to compare */
	struct clean_resolver res;
};

static bool	clean_contains(const char *dir, const char *path);
static bool	clean_covered(const struct clean_list *list,
		    struct clean_resolver *res, const char *path);
static bool	clean_add(struct clean_list *list, struct clean_resolver *res,
		    const char *path, const char *step);
static char	*clean_value_path(const struct pipeline *p,
		    const struct value *v, struct loom_error *err);
static void	clean_trim(char *path);
static void	clean_keep(struct clean_keeps *k, struct clean_resolver *res,
		    const char *path, const char *why);
static void	clean_keeps_free(struct clean_keeps *k);
static void	clean_fixed(const struct pipeline *p,
		    struct clean_resolver *res, struct clean_keeps *fixed);
static void	clean_sources(const struct pipeline *p,
		    const struct graph *g, const struct clean_list *list,
		    struct clean_resolver *res, struct clean_keeps *fixed,
		    struct strv *sources);
static char	*clean_refusal(const struct pipeline *p,
		    const struct clean_target *t,
		    const struct clean_keeps *keeps,
		    const struct strv *sources, bool outside);

/* True when path is dir or lies below it. */
static bool
clean_contains(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

/* Drop trailing slashes and "/." so equal paths compare equal. */
static void
clean_trim(char *path)
{
	size_t n = strlen(path);

	for (;;) {
		if (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		else if (n > 2 && strcmp(path + n - 2, "/.") == 0)
			path[n -= 2] = '\0';
		else
			break;
	}
}

static bool
clean_add(struct clean_list *list, struct clean_resolver *res,
    const char *path, const char *step)
{
	struct clean_target *t;
	struct stat st;
	char *real;

	if (pipeline_is_url(path))
		return false;
	real = clean_resolver_get(res, path);
	if (list->index == NULL)
		list->index = pipeline_map_create(64);
	if (pipeline_map_get(list->index, real) >= 0) {
		free(real);
		return false;
	}
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 16;
		list->v = xreallocarray(list->v, list->cap, sizeof *list->v);
	}
	t = &list->v[list->n];
	t->path = xstrdup(path);
	clean_trim(t->path);
	t->real = real;
	t->step = xstrdup(step);
	t->exists = lstat(real, &st) == 0;
	t->recorded = false;
	t->refused = NULL;
	pipeline_map_add(list->index, t->real, list->n++);
	return true;
}

/*
 * True when path is, or lies inside, a target of list already: its
 * resolved form or one of its folders is in the list's index.
 */
static bool
clean_covered(const struct clean_list *list, struct clean_resolver *res,
    const char *path)
{
	char *real, *q;
	bool hit;

	if (list->index == NULL)
		return false;
	real = clean_resolver_get(res, path);
	hit = pipeline_map_get(list->index, "/") >= 0 ||
	    pipeline_map_get(list->index, real) >= 0;
	for (q = real + 1; !hit && (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		hit = pipeline_map_get(list->index, real) >= 0;
		*q = '/';
	}
	free(real);
	return hit;
}

/*
 * The outputs a stamp records (stamp_foreach): each success's outputs
 * become targets, refused when they changed since the stamp was written
 * (someone else's file now, or a later step's).
 */
static int
clean_recorded_one(const char *file, const char *step, const struct stamp *s,
    void *arg)
{
	struct clean_walk *w = arg;
	struct clean_list *list = w->list;
	struct clean_target *t;
	struct loom_error e;
	struct stat st;
	bool changed;
	size_t i;

	(void)file;
	if (s == NULL || s->state != STAMP_SUCCEEDED)
		return 0;
	for (i = 0; i < s->noutputs; i++) {
		if (s->outputs[i].path[0] != '/' ||
		    lstat(s->outputs[i].path, &st) == -1 ||
		    clean_covered(list, &w->res, s->outputs[i].path) ||
		    !clean_add(list, &w->res, s->outputs[i].path, step))
			continue;
		t = &list->v[list->n - 1];
		t->recorded = true;
		loom_error_clear(&e);
		if (t->exists && (stamp_entry_check(s, &s->outputs[i],
		    &changed, &e) == -1 || changed))
			t->refused = xstrdup("it changed since Loom wrote it "
			    "(it may not be Loom's any more)");
	}
	return 0;
}

/* The absolute path a loop's over/into value names. Owned or NULL. */
static char *
clean_value_path(const struct pipeline *p, const struct value *v,
    struct loom_error *err)
{
	const struct data_entry *de;
	char *s, *abs;

	if (v == NULL || v->text == NULL)
		return NULL;
	if ((de = pipeline_value_ref(p, v)) != NULL)
		return pipeline_data_path(p, de, err);
	if ((s = pipeline_expand(p, v->text, &v->span, NULL, NULL, err)) ==
	    NULL)
		return NULL;
	abs = pipeline_abspath(p, s);
	free(s);
	return abs;
}

/*
 * path with the symbolic links of its folders resolved: the realpath of
 * its parent (or of the nearest folder above that exists) followed by
 * the rest as written. The last name is kept as is, so a link that is
 * itself an output is removed as a link, never followed; a last name of
 * "." or ".." is resolved with the rest. Owned.
 */
char *
clean_resolve(const char *path)
{
	char *copy = xstrdup(path), *real = NULL, *out, *last;
	size_t cut;

	clean_trim(copy);
	last = strrchr(copy, '/');
	if (last != NULL && (strcmp(last, "/.") == 0 ||
	    strcmp(last, "/..") == 0) && (real = realpath(copy, NULL)) != NULL) {
		free(copy);
		return real;
	}
	cut = last != NULL ? (size_t)(last - copy) : 0;
	while (cut > 0) {
		copy[cut] = '\0';
		real = realpath(copy, NULL);
		copy[cut] = '/';
		if (real != NULL)
			break;
		while (cut > 0 && copy[--cut] != '/')
			;
	}
	out = xasprintf("%s%s", real == NULL || strcmp(real, "/") == 0 ? "" :
	    real, copy + cut);
	free(real);
	free(copy);
	return out;
}

char *
clean_resolver_get(struct clean_resolver *r, const char *path)
{
	char *copy = xstrdup(path), *real, *last;
	size_t plen, rlen, llen;

	clean_trim(copy);
	last = strrchr(copy, '/');
	if (last == NULL || last == copy || strcmp(last, "/.") == 0 ||
	    strcmp(last, "/..") == 0) {
		real = clean_resolve(copy);
		free(copy);
		return real;
	}
	plen = (size_t)(last - copy);
	if (r->parent != NULL && strlen(r->parent) == plen &&
	    strncmp(r->parent, copy, plen) == 0) {
		/* The common case (every output of a folder): no printf. */
		rlen = strlen(r->real);
		llen = strlen(last);
		real = xmalloc(rlen + llen + 1);
		memcpy(real, r->real, rlen);
		memcpy(real + rlen, last, llen + 1);
		free(copy);
		return real;
	}
	real = clean_resolve(copy);
	rlen = strlen(real);
	llen = strlen(last);
	if (rlen >= llen && strcmp(real + rlen - llen, last) == 0) {
		free(r->parent);
		free(r->real);
		r->parent = xstrndup(copy, plen);
		r->real = xstrndup(real, rlen - llen);
	}
	free(copy);
	return real;
}

void
clean_resolver_free(struct clean_resolver *r)
{
	free(r->parent);
	free(r->real);
	r->parent = r->real = NULL;
}

/*
 * Add path to a keep list, resolved (clean_resolve), and when it is a
 * link, what it points to as well: both must survive. Each path is kept
 * once, with the first why given for it.
 */
static void
clean_keep(struct clean_keeps *k, struct clean_resolver *res,
    const char *path, const char *why)
{
	char *r = clean_resolver_get(res, path), *full = NULL;
	struct stat st;

	if (k->seen == NULL)
		k->seen = pipeline_map_create(64);
	if (lstat(r, &st) == 0 && S_ISLNK(st.st_mode))
		full = realpath(path, NULL);
	if (full != NULL && strcmp(full, r) != 0 &&
	    pipeline_map_get(k->seen, full) < 0) {
		pipeline_map_add(k->seen, full, k->v.n);
		strv_push_owned(&k->v, full);
		strv_push(&k->whys, why);
	} else
		free(full);
	if (pipeline_map_get(k->seen, r) >= 0) {
		free(r);
		return;
	}
	pipeline_map_add(k->seen, r, k->v.n);
	strv_push_owned(&k->v, r);
	strv_push(&k->whys, why);
}

static void
clean_keeps_free(struct clean_keeps *k)
{
	pipeline_map_free(k->seen);
	strv_free(&k->v);
	strv_free(&k->whys);
	memset(k, 0, sizeof *k);
}

/*
 * What must survive whatever the steps declare, resolved, with what each
 * is: the pipeline's folder, the home folder, .loom (Loom's state), the
 * pipeline file and the task scripts.
 */
static void
clean_fixed(const struct pipeline *p, struct clean_resolver *res,
    struct clean_keeps *fixed)
{
	const char *home = getenv("HOME");
	struct loom_error e;
	char *s, *abs;
	size_t i;

	clean_keep(fixed, res, p->dir, "the pipeline's folder");
	if (home != NULL && home[0] == '/')
		clean_keep(fixed, res, home, "the home folder");
	s = xasprintf("%s/.loom", p->dir);
	clean_keep(fixed, res, s, "Loom's state folder");
	free(s);
	if (p->path != NULL) {
		s = pipeline_abspath(p, p->path);
		clean_keep(fixed, res, s, "the pipeline file");
		free(s);
	}
	for (i = 0; i < p->nsteps; i++) {
		loom_error_clear(&e);
		if (p->steps[i].task == NULL || (s = pipeline_expand(p,
		    p->steps[i].task, &p->steps[i].task_span, NULL, NULL,
		    &e)) == NULL)
			continue;
		abs = pipeline_abspath(p, s);
		clean_keep(fixed, res, abs, "the task script");
		free(abs);
		free(s);
	}
}

/*
 * Source data, resolved. Data entries no step produces go to fixed:
 * whatever path a step writes resolves to one, it stays. What steps read
 * and the folders loops go over go to sources, but not a path that some
 * step writes: that is no source, even when another step reads it.
 */
static void
clean_sources(const struct pipeline *p, const struct graph *g,
    const struct clean_list *list, struct clean_resolver *res,
    struct clean_keeps *fixed, struct strv *sources)
{
	struct clean_keeps keep;
	struct strv ins;
	struct loom_error e;
	char *s;
	size_t i, j;

	memset(&keep, 0, sizeof keep);
	strv_init(&ins);
	for (i = 0; i < p->ndata; i++) {
		if (g != NULL && graph_producer(g, i) >= 0)
			continue;
		loom_error_clear(&e);
		if ((s = pipeline_data_path(p, &p->data[i], &e)) != NULL &&
		    !pipeline_is_url(s))
			clean_keep(fixed, res, s, "source data");
		free(s);
	}
	for (i = 0; i < p->nsteps; i++) {
		strv_free(&ins);
		loom_error_clear(&e);
		if (command_input_paths(p, i, NULL, &ins, &e) == 0)
			for (j = 0; j < ins.n; j++)
				clean_keep(&keep, res, ins.v[j], "");
		if (p->steps[i].loop != NULL && (s = clean_value_path(p,
		    p->steps[i].loop->over, &e)) != NULL) {
			clean_keep(&keep, res, s, "");
			free(s);
		}
	}
	strv_free(&ins);
	for (i = 0; i < keep.v.n; i++)
		if (list->index == NULL ||
		    pipeline_map_get(list->index, keep.v.v[i]) < 0)
			strv_push(sources, keep.v.v[i]);
	clean_keeps_free(&keep);
}

/*
 * Why target t may not be removed, or NULL: outside the pipeline's
 * folder (unless allowed), inside .loom, being or holding a fixed path,
 * or being or holding source data.
 */
static char *
clean_refusal(const struct pipeline *p, const struct clean_target *t,
    const struct clean_keeps *keeps, const struct strv *sources,
    bool outside)
{
	const struct strv *fixed = &keeps->v, *whys = &keeps->whys;
	char *loom = xasprintf("%s/.loom", fixed->v[0]);
	char *why = NULL;
	size_t k;

	if (!outside && !clean_contains(fixed->v[0], t->real))
		why = xasprintf("it is outside the pipeline's folder %s "
		    "(--outside allows it)", p->dir);
	else if (clean_contains(loom, t->real) && strcmp(loom, t->real) != 0)
		why = xasprintf("it is inside %s, Loom's state folder", loom);
	for (k = 0; why == NULL && k < fixed->n; k++)
		if (clean_contains(t->real, fixed->v[k]))
			why = xasprintf("it is or holds %s %s", whys->v[k],
			    fixed->v[k]);
	for (k = 0; why == NULL && k < sources->n; k++)
		if (clean_contains(t->real, sources->v[k]))
			why = xasprintf("it is or holds %s, which no step "
			    "produces", sources->v[k]);
	free(loom);
	return why;
}

/* Every path steps produce, with the ones to keep marked. */
int
clean_collect(const struct pipeline *p, const struct graph *g, bool outside,
    bool all, struct clean_list *list, struct loom_error *err)
{
	struct clean_walk w;
	struct clean_keeps fixed;
	struct strv outs, sources;
	char *s;
	size_t i, j;
	int rc = -1;

	memset(list, 0, sizeof *list);
	memset(&w, 0, sizeof w);
	memset(&fixed, 0, sizeof fixed);
	w.list = list;
	w.targets = list;
	strv_init(&outs);
	strv_init(&sources);
	for (i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];

		strv_free(&outs);
		if (command_output_paths(p, i, NULL, &outs, err) == -1)
			goto out;
		for (j = 0; j < outs.n; j++)
			clean_add(list, &w.res, outs.v[j], st->name);
		if (st->loop != NULL && st->loop->into != NULL) {
			if ((s = clean_value_path(p, st->loop->into, err)) ==
			    NULL)
				goto out;
			clean_add(list, &w.res, s, st->name);
			free(s);
		}
	}
	clean_fixed(p, &w.res, &fixed);
	clean_sources(p, g, list, &w.res, &fixed, &sources);
	/* After the sources: a recorded output read today is kept. */
	if (all && stamp_foreach(p->dir, clean_recorded_one, &w, err) == -1)
		goto out;
	for (i = 0; i < list->n; i++)
		if (list->v[i].refused == NULL)
			list->v[i].refused = clean_refusal(p, &list->v[i],
			    &fixed, &sources, outside);
	rc = 0;
out:
	strv_free(&outs);
	clean_keeps_free(&fixed);
	strv_free(&sources);
	clean_resolver_free(&w.res);
	if (rc == -1)
		clean_list_free(list);
	return rc;
}

/* Free a list's contents. */
void
clean_list_free(struct clean_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].path);
		free(list->v[i].real);
		free(list->v[i].step);
		free(list->v[i].refused);
	}
	pipeline_map_free(list->index);
	free(list->v);
	memset(list, 0, sizeof *list);
}

/* Trash or delete one target, unless it is refused. */
int
clean_remove(const struct clean_target *t, bool permanent, char **trashed_as,
    struct loom_error *err)
{
	if (trashed_as != NULL)
		*trashed_as = NULL;
	if (t->refused != NULL) {
		loom_error_set(err, t->path, 0, 0, "not removing %s: %s",
		    t->path, t->refused);
		return -1;
	}
	if (permanent)
		return fileio_remove_tree(t->real, err);
	return trash_move(t->real, trashed_as, err);
}

/*
 * Should a stamp go with a clean of today's outputs? Not a success that
 * records only outputs that are not targets (another value's).
 */
static int
clean_stamp_goes(const char *file, const char *step, const struct stamp *s,
    void *arg)
{
	struct clean_walk *w = arg;
	size_t i;

	(void)file;
	(void)step;
	if (s == NULL || s->state != STAMP_SUCCEEDED || s->noutputs == 0)
		return 1;
	for (i = 0; i < s->noutputs; i++)
		if (clean_covered(w->targets, &w->res, s->outputs[i].path))
			return 1;
	return 0;
}

/* Remove the stamps and the URL cache. */
int
clean_state(const struct pipeline *p, const struct clean_list *list,
    bool all, struct loom_error *err)
{
	struct clean_walk w;
	int rc = 0;

	memset(&w, 0, sizeof w);
	w.targets = list;
	if (all ? stamp_remove_all(p->dir, err) == -1 :
	    stamp_foreach(p->dir, clean_stamp_goes, &w, err) == -1)
		rc = -1;
	clean_resolver_free(&w.res);
	if (urlcache_clear(p->dir, err) == -1)
		rc = -1;
	return rc;
}
