/* SPDX-License-Identifier: MIT */
/*
 * Cleaning: the list of what steps produce, checked against everything
 * that must survive (see clean.h), and its removal.
 *
 * The protected set is built from the pipeline itself: its file and
 * folder, task scripts, data entries no step produces (source data), and
 * every path a step reads that no step writes. A target equal to a
 * protected path, or a folder holding one, is refused rather than
 * trimmed: removing part of a folder of outputs would surprise more than
 * keeping it whole.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clean.h"
#include "common/command.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/graph.h"
#include "common/pipeline.h"
#include "common/stamp.h"
#include "common/trash.h"
#include "common/urlcache.h"
#include "common/xmalloc.h"

static bool	clean_contains(const char *dir, const char *path);
static void	clean_add(struct clean_list *list, const char *path,
		    const char *step);
static char	*clean_value_path(const struct pipeline *p,
		    const struct value *v, struct loom_error *err);
static void	clean_trim(char *path);

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

static void
clean_add(struct clean_list *list, const char *path, const char *step)
{
	struct clean_target *t;
	struct stat st;
	char *copy = xstrdup(path);
	size_t i;

	clean_trim(copy);
	for (i = 0; i < list->n; i++) {
		if (strcmp(list->v[i].path, copy) == 0) {
			free(copy);
			return;
		}
	}
	list->v = xreallocarray(list->v, list->n + 1, sizeof *list->v);
	t = &list->v[list->n++];
	t->path = copy;
	t->step = xstrdup(step);
	t->exists = lstat(copy, &st) == 0;
	t->refused = NULL;
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

/* Every path steps produce, with the ones to keep marked. */
int
clean_collect(const struct pipeline *p, const struct graph *g,
    struct clean_list *list, struct loom_error *err)
{
	struct strv outs, keep;
	struct loom_error e;
	const char *home = getenv("HOME");
	char *s;
	size_t i, j, k, nfixed;
	int rc = -1;

	list->v = NULL;
	list->n = 0;
	strv_init(&outs);
	strv_init(&keep);
	for (i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];

		strv_free(&outs);
		if (command_output_paths(p, i, NULL, &outs, err) == -1)
			goto out;
		for (j = 0; j < outs.n; j++)
			clean_add(list, outs.v[j], st->name);
		if (st->loop != NULL && st->loop->into != NULL) {
			if ((s = clean_value_path(p, st->loop->into, err)) ==
			    NULL)
				goto out;
			clean_add(list, s, st->name);
			free(s);
		}
	}

	/* What must survive. */
	strv_push(&keep, p->dir);
	if (home != NULL && home[0] == '/')
		strv_push(&keep, home);
	nfixed = keep.n;
	if (p->path != NULL)
		strv_push_owned(&keep, pipeline_abspath(p, p->path));
	for (i = 0; i < p->ndata; i++) {
		if (g != NULL && graph_producer(g, i) >= 0)
			continue;
		loom_error_clear(&e);
		if ((s = pipeline_data_path(p, &p->data[i], &e)) != NULL)
			strv_push_owned(&keep, s);
	}
	for (i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];

		if (st->task != NULL && (s = pipeline_expand(p, st->task,
		    &st->task_span, NULL, NULL, &e)) != NULL) {
			strv_push_owned(&keep, pipeline_abspath(p, s));
			free(s);
		}
		strv_free(&outs);
		loom_error_clear(&e);
		if (command_input_paths(p, i, NULL, &outs, &e) == 0)
			for (j = 0; j < outs.n; j++)
				strv_push(&keep, outs.v[j]);
		if (st->loop != NULL && (s = clean_value_path(p,
		    st->loop->over, &e)) != NULL)
			strv_push_owned(&keep, s);
	}
	/*
	 * A path some step writes is no source, even when another step
	 * reads it; the experiment and home folders stay protected always.
	 */
	for (k = 0; k < keep.n; k++) {
		clean_trim(keep.v[k]);
		if (k < nfixed)
			continue;
		for (i = 0; i < list->n; i++) {
			if (strcmp(list->v[i].path, keep.v[k]) == 0) {
				keep.v[k][0] = '\0';
				break;
			}
		}
	}
	for (i = 0; i < list->n; i++) {
		for (k = 0; k < keep.n && list->v[i].refused == NULL; k++) {
			if (keep.v[k][0] == '\0' ||
			    !clean_contains(list->v[i].path, keep.v[k]))
				continue;
			if (k < nfixed)
				list->v[i].refused = xasprintf("it is or holds "
				    "%s", keep.v[k]);
			else
				list->v[i].refused = xasprintf("it holds %s, "
				    "which no step produces", keep.v[k]);
		}
	}
	rc = 0;
out:
	strv_free(&outs);
	strv_free(&keep);
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
		free(list->v[i].step);
		free(list->v[i].refused);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
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
		return fileio_remove_tree(t->path, err);
	return trash_move(t->path, trashed_as, err);
}

/* Remove the stamps and the URL cache. */
int
clean_state(const struct pipeline *p, struct loom_error *err)
{
	int rc = 0;

	if (stamp_remove_all(p->dir, err) == -1)
		rc = -1;
	if (urlcache_clear(p->dir, err) == -1)
		rc = -1;
	return rc;
}
