/* SPDX-License-Identifier: MIT */
/*
 * Listing the items of a loop step: the regular files of its folder,
 * sorted by name, hidden ones skipped, optionally filtered by a glob,
 * each with its output path in the into folder. It reads one folder and
 * stats its entries; it creates nothing.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

static int	loopitems_cmp(const void *, const void *);
static char	*loopitems_folder(const struct pipeline *, const struct value *,
		    struct loom_error *);

/* An empty item list. */
void
loopitems_init(struct loop_items *li)
{
	memset(li, 0, sizeof *li);
	strv_init(&li->items);
	strv_init(&li->outputs);
}

/* Free the paths of li. */
void
loopitems_free(struct loop_items *li)
{
	free(li->over);
	free(li->into);
	li->over = li->into = NULL;
	strv_free(&li->items);
	strv_free(&li->outputs);
}

static int
loopitems_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List the regular files of over (filtered, sorted) into li. */
int
loopitems_scan(const char *over, const char *into, const char *filter,
    struct loop_items *li, struct loom_error *err)
{
	DIR *dir;
	struct dirent *de;
	struct stat sb;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	int saved;

	dir = opendir(over);
	if (dir == NULL) {
		saved = errno;
		if (saved == ENOENT)
			loom_error_set(err, NULL, 0, 0, "loop folder %s does "
			    "not exist", over);
		else if (saved == ENOTDIR)
			loom_error_set(err, NULL, 0, 0, "loop folder %s is not "
			    "a folder", over);
		else
			loom_error_set(err, NULL, 0, 0, "cannot open loop "
			    "folder %s: %s", over, strerror(saved));
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (filter != NULL && fnmatch(filter, de->d_name, 0) != 0)
			continue;
		/* The folder says what most entries are: only links (to a
		 * file or not) and file systems that do not say need a look. */
		if (de->d_type != DT_REG && de->d_type != DT_LNK &&
		    de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type != DT_REG) {
			path = xasprintf("%s/%s", over, de->d_name);
			if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
				free(path);
				continue;
			}
			free(path);
		}
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	saved = errno;
	closedir(dir);
	if (saved != 0) {
		loom_error_set(err, NULL, 0, 0,
		    "cannot read loop folder %s: %s", over, strerror(saved));
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return -1;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, loopitems_cmp);

	free(li->over);
	li->over = xstrdup(over);
	free(li->into);
	li->into = into != NULL ? xstrdup(into) : NULL;
	for (i = 0; i < n; i++) {
		strv_push_owned(&li->items, xasprintf("%s/%s", over, names[i]));
		if (into != NULL)
			strv_push_owned(&li->outputs, xasprintf("%s/%s", into,
			    names[i]));
		else
			strv_push(&li->outputs, "");
		free(names[i]);
	}
	free(names);
	return 0;
}

/* The absolute folder a loop value names. Owned, or NULL with err set. */
static char *
loopitems_folder(const struct pipeline *p, const struct value *v,
    struct loom_error *err)
{
	const struct data_entry *de;
	char *s, *abs;
	size_t len;

	de = pipeline_value_ref(p, v);
	if (de != NULL)
		s = pipeline_data_path(p, de, err);
	else if (value_is_scalar(v) && v->text != NULL)
		s = pipeline_expand(p, v->text, &v->span, NULL, NULL, err);
	else {
		loom_error_set(err, p->path, v->span.line, v->span.column,
		    "a loop folder must be a single path");
		return NULL;
	}
	if (s == NULL)
		return NULL;
	abs = pipeline_abspath(p, s);
	free(s);
	/* "data/raw/" and "data/raw" give the same item paths. */
	len = strlen(abs);
	while (len > 1 && abs[len - 1] == '/')
		abs[--len] = '\0';
	return abs;
}

/* List the items of loop step step of p into li. */
int
loopitems_list(const struct pipeline *p, size_t step, struct loop_items *li,
    struct loom_error *err)
{
	const struct step *st = &p->steps[step];
	char *over = NULL, *into = NULL;
	int rc = -1;

	if (st->loop == NULL || st->loop->over == NULL) {
		loom_error_set(err, p->path, st->span.line, st->span.column,
		    "step '%s' has no loop folder (loop.over)", st->name);
		return -1;
	}
	over = loopitems_folder(p, st->loop->over, err);
	if (over == NULL)
		goto out;
	if (st->loop->into != NULL) {
		into = loopitems_folder(p, st->loop->into, err);
		if (into == NULL)
			goto out;
	}
	if (loopitems_scan(over, into, st->loop->filter, li, err) != 0) {
		/* Locate the scan's error at loop.over in the pipeline. */
		if (err == NULL)
			goto out;
		snprintf(err->file, sizeof err->file, "%s", p->path);
		err->line = st->loop->over->span.line;
		err->column = st->loop->over->span.column;
		loom_error_hint(err, "step '%s' loops over this folder; create "
		    "it or correct loop.over", st->name);
		goto out;
	}
	rc = 0;
out:
	free(over);
	free(into);
	return rc;
}
