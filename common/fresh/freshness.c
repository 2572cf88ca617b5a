/* SPDX-License-Identifier: MIT */
/*
 * Freshness of steps (see freshness.h for the rules): one step or loop
 * item against its stamp, then a plan over the whole graph that carries
 * "upstream is out of date" downstream.
 *
 * Outputs are recorded in stamps but a changed output does not make its
 * own step stale (a file edited by hand is kept, as make keeps it); the
 * steps reading it see a changed input and re-run.
 *
 * Reasons are sentences for people ("parameter learning_rate changed
 * (0.001 -> 0.01)", "input data/x.csv changed"), naming paths relative to
 * the experiment's folder. Only the first reason found is reported; the
 * checks run from the cheapest (stat of outputs) to the dearest (hashes).
 * Task script hashes are computed once per plan and shared by the steps
 * that use the same script.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/util/jsontext.h"
#include "common/util/log.h"
#include "common/util/memhash.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"

/* A cache of task script hashes, keyed by absolute path. */
struct fresh_script {
	char *path;
	char hash[STAMP_HASH_HEX];
	long long mtime_ns;		/* -1: missing or not hashable */
};

/*
 * A path's stat, taken once per plan: in a chain each output is the next
 * step's input, in a fan-out one input is read by every step.
 */
struct fresh_stat {
	char *path;
	uint64_t hash;			/* strhash(path): kept for
					   growing and for probing */
	int error;			/* errno of the stat, or 0 */
	mode_t mode;			/* what stamp_entry_check_stat uses */
	off_t size;
	struct timespec mtim;
};

/* One step in a fresh_memo (freshness.h). */
struct fresh_memo_step {
	bool built;
	bool with_extra;		/* built with fresh_memo.extra */
	struct strv argv;
	struct strv outs;		/* command_output_paths */
	char set[STAMP_SET_HEX];	/* stamp_set_key of outs */
	char *task;			/* fresh_task_path, or NULL */
};

struct fresh_memo {
	pthread_mutex_t lock;		/* held by the plan using it */
	size_t nsteps;
	bool used;			/* env and extra below are set */
	char *virtual_env;		/* what the steps were built with */
	char *extra;
	struct fresh_memo_step *steps;
};

struct fresh_ctx {
	const struct pipeline *p;
	struct fresh_script *scripts;	/* open addressing, 2^k slots */
	size_t nscripts;
	size_t cap;
	struct fresh_stat *stats;	/* the same, keyed by path */
	size_t nstats;
	size_t statcap;
	int stamps_fd;			/* stamp_dir_open, or -1 */
	const struct fresh_opts *o;	/* its stamp reader, or NULL */
	struct fresh_memo *memo;	/* o->memo when this plan holds it */
	size_t nbuilt, nreused;		/* commands, for fresh_plan */
};

static const char *fresh_rel(const struct pipeline *p, const char *path);
static char	*fresh_missing(const struct pipeline *p, const char *path);
static char	*fresh_task_path(const struct pipeline *p, size_t step,
		    const char *item, const char *item_output);
static const struct fresh_script *fresh_script_get(struct fresh_ctx *c,
		    const char *path);
static void	fresh_ctx_free(struct fresh_ctx *c);
static void	fresh_stat_grow(struct fresh_ctx *c);
static struct fresh_stat *fresh_stat_slot(struct fresh_ctx *c,
		    const char *path, size_t n, uint64_t h);
static int	fresh_stat_call(struct fresh_ctx *c, const char *path,
		    struct stat *st);
static const struct stat *fresh_stat(struct fresh_ctx *c, const char *path,
		    struct stat *st, int *error);
static int	fresh_entry_check(struct fresh_ctx *c, const struct stamp *s,
		    const struct stamp_entry *e, bool *changed,
		    struct loom_error *err);
static char	*fresh_argv_reason(const struct pipeline *p, size_t step,
		    const struct strv *old, const struct strv *now);
static int	fresh_make_rule(struct fresh_ctx *c, size_t step,
		    const char *item, const char *item_output,
		    const struct strv *outs, enum freshness_state *state,
		    char **reason, struct loom_error *err);
static int	fresh_unit(struct fresh_ctx *c, size_t step,
		    const struct strv *argv, const char *item,
		    const char *item_output, enum freshness_state *state,
		    char **reason, struct strv *keep_outs,
		    const struct fresh_memo_step *ms, struct loom_error *err);
static const char *fresh_basename(const char *path);
static long long fresh_mtime(const char *path, bool newest);

/* A string of a freshness answer, JSON-safe (freshness.h). */
const char *
freshness_text(const char *s, char **copy)
{
	*copy = NULL;
	if (s == NULL || jsontext_is_utf8(s))
		return s;
	*copy = log_escape(s, strlen(s), strlen(s));
	return *copy;
}

/* "fresh", "stale" or "missing". */
const char *
freshness_state_name(enum freshness_state state)
{
	switch (state) {
	case FRESH_FRESH:
		return "fresh";
	case FRESH_STALE:
		return "stale";
	case FRESH_MISSING:
		return "missing";
	}
	return "stale";
}

/* path relative to the experiment's folder when inside it; borrowed. */
static const char *
fresh_rel(const struct pipeline *p, const char *path)
{
	size_t n = strlen(p->dir);

	if (strncmp(path, p->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/*
 * "output PATH does not exist", said of thousands of steps before a
 * first run: put together without printf.
 */
static char *
fresh_missing(const struct pipeline *p, const char *path)
{
	static const char pre[] = "output ", post[] = " does not exist";
	const char *rel = fresh_rel(p, path);
	size_t n = strlen(rel);
	char *out = xmalloc(sizeof pre - 1 + n + sizeof post);

	memcpy(out, pre, sizeof pre - 1);
	memcpy(out + sizeof pre - 1, rel, n);
	memcpy(out + sizeof pre - 1 + n, post, sizeof post);
	return out;
}

static const char *
fresh_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* The absolute task path of a step, or NULL when it does not resolve. */
static char *
fresh_task_path(const struct pipeline *p, size_t step, const char *item,
    const char *item_output)
{
	const struct step *st = &p->steps[step];
	struct loom_error e;
	char *t, *abs;

	if (st->task == NULL)
		return NULL;
	loom_error_clear(&e);
	t = pipeline_expand(p, st->task, &st->task_span, item, item_output,
	    &e);
	if (t == NULL)
		return NULL;
	abs = pipeline_abspath(p, t);
	free(t);
	return abs;
}

/* The script's hash, computed on first use. Borrowed from the cache. */
static const struct fresh_script *
fresh_script_get(struct fresh_ctx *c, const char *path)
{
	struct fresh_script *old, *e;
	struct stat st;
	size_t i, j, oldcap;

	if (c->nscripts * 2 >= c->cap) {
		old = c->scripts;
		oldcap = c->cap;
		c->cap = c->cap == 0 ? 64 : c->cap * 2;
		c->scripts = xcalloc(c->cap, sizeof *c->scripts);
		for (i = 0; i < oldcap; i++) {
			if (old[i].path == NULL)
				continue;
			j = strhash(old[i].path) & (c->cap - 1);
			while (c->scripts[j].path != NULL)
				j = (j + 1) & (c->cap - 1);
			c->scripts[j] = old[i];
		}
		free(old);
	}
	j = strhash(path) & (c->cap - 1);
	while (c->scripts[j].path != NULL) {
		if (strcmp(c->scripts[j].path, path) == 0)
			return &c->scripts[j];
		j = (j + 1) & (c->cap - 1);
	}
	e = &c->scripts[j];
	e->path = xstrdup(path);
	e->mtime_ns = -1;
	e->hash[0] = '\0';
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		e->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
		    st.st_mtim.tv_nsec;
		if (stamp_hash_file(path, SIZE_MAX, e->hash, NULL) == -1)
			e->hash[0] = '\0';
	}
	c->nscripts++;
	return e;
}

/* Room for one more path in c->stats (kept at most half full). */
static void
fresh_stat_grow(struct fresh_ctx *c)
{
	struct fresh_stat *old = c->stats;
	size_t i, j, oldcap = c->statcap;

	if (c->nstats * 2 < c->statcap)
		return;
	c->statcap = c->statcap == 0 ? 256 : c->statcap * 2;
	c->stats = xcalloc(c->statcap, sizeof *c->stats);
	for (i = 0; i < oldcap; i++) {
		if (old[i].path == NULL)
			continue;
		j = old[i].hash & (c->statcap - 1);
		while (c->stats[j].path != NULL)
			j = (j + 1) & (c->statcap - 1);
		c->stats[j] = old[i];
	}
	free(old);
}

/*
 * The slot of path's first n bytes (of hash h, memhash): its
 * entry, or where it would go.
 */
static struct fresh_stat *
fresh_stat_slot(struct fresh_ctx *c, const char *path, size_t n, uint64_t h)
{
	size_t j = h & (c->statcap - 1);

	while (c->stats[j].path != NULL && (c->stats[j].hash != h ||
	    strncmp(c->stats[j].path, path, n) != 0 ||
	    c->stats[j].path[n] != '\0'))
		j = (j + 1) & (c->statcap - 1);
	return &c->stats[j];
}

/*
 * stat(2) of path into *st: 0 or its errno. A path whose folder is
 * known to be missing is missing without a system call; when a path is
 * missing, its folder is looked at once (fresh_stat), so that before a
 * first run, when the outputs' folders do not exist yet, the thousands
 * of outputs in one folder cost one stat rather than one each.
 */
static int
fresh_stat_call(struct fresh_ctx *c, const char *path, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) : 0;
	const struct fresh_stat *pe = NULL;
	struct stat sb;
	char *dir;
	int error, derror;

	if (n > 0) {
		pe = fresh_stat_slot(c, path, n, memhash(path, n));
		if (pe->path == NULL)
			pe = NULL;
		else if (pe->error == ENOENT)
			return ENOENT;
	}
	if (stat(path, st) == 0)
		return 0;
	error = errno;
	if (error == ENOENT && n > 0 && pe == NULL) {
		dir = xstrndup(path, n);
		fresh_stat(c, dir, &sb, &derror);
		free(dir);
	}
	return error;
}

/*
 * The stat of path (its type, size and time), taken on first use, into
 * *st; NULL with *error set when it failed.
 */
static const struct stat *
fresh_stat(struct fresh_ctx *c, const char *path, struct stat *st,
    int *error)
{
	struct fresh_stat *e;
	size_t before, n = strlen(path);
	uint64_t h = memhash(path, n);
	int err;

	fresh_stat_grow(c);
	e = fresh_stat_slot(c, path, n, h);
	if (e->path == NULL) {
		before = c->nstats;
		err = fresh_stat_call(c, path, st);
		/* Its folder was added: the slot may be taken, or moved. */
		if (c->nstats != before) {
			fresh_stat_grow(c);
			e = fresh_stat_slot(c, path, n, h);
		}
		e->path = xstrdup(path);
		e->hash = h;
		e->error = err;
		if (err == 0) {
			e->mode = st->st_mode;
			e->size = st->st_size;
			e->mtim = st->st_mtim;
		}
		c->nstats++;
	}
	*error = e->error;
	if (e->error != 0)
		return NULL;
	memset(st, 0, sizeof *st);
	st->st_mode = e->mode;
	st->st_size = e->size;
	st->st_mtim = e->mtim;
	return st;
}

/* stamp_entry_check of an input, with its stat shared (fresh_stat). */
static int
fresh_entry_check(struct fresh_ctx *c, const struct stamp *s,
    const struct stamp_entry *e, bool *changed, struct loom_error *err)
{
	const struct stat *st = NULL;
	struct stat sb;
	int error;

	if (e->id.kind != STAMP_KIND_DIR && e->id.kind != STAMP_KIND_ABSENT &&
	    (st = fresh_stat(c, e->path, &sb, &error)) == NULL &&
	    error != ENOENT && error != ENOTDIR) {
		*changed = true;
		loom_error_set(err, e->path, 0, 0, "cannot stat %s: %s",
		    e->path, strerror(error));
		return -1;
	}
	return stamp_entry_check_stat(s, e, st, changed, err);
}

static void
fresh_ctx_free(struct fresh_ctx *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->scripts[i].path);
	free(c->scripts);
	c->scripts = NULL;
	c->cap = c->nscripts = 0;
	for (i = 0; i < c->statcap; i++)
		free(c->stats[i].path);
	free(c->stats);
	c->stats = NULL;
	c->statcap = c->nstats = 0;
	if (c->stamps_fd >= 0)
		close(c->stamps_fd);
	c->stamps_fd = -1;
}

/*
 * The name of the parameter or data entry a step's arg value refers to
 * (whole or embedded), for flag; NULL when none. Borrowed from p.
 */
static const char *
fresh_arg_ref(const struct pipeline *p, size_t step, const char *flag,
    bool *is_param)
{
	const struct kv *kv = kvlist_get(&p->steps[step].args, flag);
	const char *t, *s;
	static const char ident[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t i, n;

	if (kv == NULL || kv->value == NULL || kv->value->text == NULL)
		return NULL;
	t = kv->value->text;
	for (s = strchr(t, '$'); s != NULL; s = strchr(s + 1, '$')) {
		const char *name = s[1] == '{' ? s + 2 : s + 1;

		n = strspn(name, ident);
		if (n == 0)
			continue;
		for (i = 0; i < p->nparams; i++) {
			if (strlen(p->params[i].name) == n &&
			    strncmp(p->params[i].name, name, n) == 0) {
				*is_param = true;
				return p->params[i].name;
			}
		}
		for (i = 0; i < p->ndata; i++) {
			if (strlen(p->data[i].name) == n &&
			    strncmp(p->data[i].name, name, n) == 0) {
				*is_param = false;
				return p->data[i].name;
			}
		}
	}
	return NULL;
}

/* Say how argv changed, naming the parameter where one is behind it. */
static char *
fresh_argv_reason(const struct pipeline *p, size_t step,
    const struct strv *old, const struct strv *now)
{
	const char *flag = NULL, *name, *o, *n;
	bool is_param = false;
	size_t i;

	for (i = 0; i < old->n && i < now->n; i++)
		if (strcmp(old->v[i], now->v[i]) != 0)
			break;
	if (i == old->n && i == now->n)
		return NULL;
	o = i < old->n ? old->v[i] : NULL;
	n = i < now->n ? now->v[i] : NULL;
	if (o != NULL && n != NULL && i > 0 && now->v[i - 1][0] == '-' &&
	    strcmp(old->v[i - 1], now->v[i - 1]) == 0)
		flag = now->v[i - 1];
	if (flag != NULL &&
	    (name = fresh_arg_ref(p, step, flag, &is_param)) != NULL)
		return xasprintf("%s %s changed (%s -> %s)",
		    is_param ? "parameter" : "data path", name, o, n);
	if (flag != NULL)
		return xasprintf("argument %s changed (%s -> %s)", flag, o, n);
	if (o != NULL && n != NULL)
		return xasprintf("command changed (argument %zu: %s -> %s)",
		    i + 1, o, n);
	if (n != NULL)
		return xasprintf("command changed (argument %s added)", n);
	return xasprintf("command changed (argument %s removed)", o);
}

/*
 * The modification time of path (a folder: its newest file when newest,
 * else its own time); -1 when it does not exist.
 */
static long long
fresh_mtime(const char *path, bool newest)
{
	struct stamp_ident id;
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	if (S_ISDIR(st.st_mode) && newest &&
	    stamp_ident_get(path, false, &id, NULL) == 0 && id.size > 0)
		return id.mtime_ns;
	return (long long)st.st_mtim.tv_sec * 1000000000LL +
	    st.st_mtim.tv_nsec;
}

/* No stamp: every output newer than every input and the task script. */
static int
fresh_make_rule(struct fresh_ctx *c, size_t step, const char *item,
    const char *item_output, const struct strv *outs,
    enum freshness_state *state, char **reason, struct loom_error *err)
{
	const struct pipeline *p = c->p;
	const struct fresh_script *sc;
	struct strv ins;
	long long oldest = -1, t;
	const char *oldest_path = NULL;
	char *task;
	size_t i;
	int rc = -1;

	*state = FRESH_STALE;
	if (outs->n == 0) {
		*reason = xstrdup("never ran (it has no outputs to compare)");
		return 0;
	}
	for (i = 0; i < outs->n; i++) {
		t = fresh_mtime(outs->v[i], false);
		if (oldest_path == NULL || t < oldest) {
			oldest = t;
			oldest_path = outs->v[i];
		}
	}
	strv_init(&ins);
	if (command_input_paths(p, step, item, &ins, err) == -1)
		goto out;
	for (i = 0; i < ins.n; i++) {
		t = fresh_mtime(ins.v[i], true);
		if (t == -1) {
			*reason = xasprintf("input %s does not exist",
			    fresh_rel(p, ins.v[i]));
			rc = 0;
			goto out;
		}
		if (t > oldest) {
			*reason = xasprintf("input %s is newer than output %s",
			    fresh_rel(p, ins.v[i]), fresh_rel(p, oldest_path));
			rc = 0;
			goto out;
		}
	}
	if ((task = fresh_task_path(p, step, item, item_output)) != NULL) {
		sc = fresh_script_get(c, task);
		if (sc->mtime_ns > oldest) {
			*reason = xasprintf("task script %s is newer than "
			    "output %s", fresh_rel(p, task),
			    fresh_rel(p, oldest_path));
			free(task);
			rc = 0;
			goto out;
		}
		free(task);
	}
	*state = FRESH_FRESH;
	rc = 0;
out:
	strv_free(&ins);
	return rc;
}

/*
 * Judge a step or item; ms, when not NULL, holds what its outputs, set
 * key and task path are (the memo), worked out here otherwise.
 */
static int
fresh_unit(struct fresh_ctx *c, size_t step, const struct strv *argv,
    const char *item, const char *item_output, enum freshness_state *state,
    char **reason, struct strv *keep_outs, const struct fresh_memo_step *ms,
    struct loom_error *err)
{
	const struct pipeline *p = c->p;
	const struct step *st = &p->steps[step];
	const struct fresh_script *sc;
	struct loom_error e;
	struct stamp *s = NULL;
	struct strv outs;
	const struct strv *k;
	struct stat sb;
	bool changed;
	char *owned_task = NULL, set[STAMP_SET_HEX];
	const char *task;
	size_t i;
	int rc = -1, error;

	*state = FRESH_STALE;
	*reason = NULL;
	strv_init(&outs);
	if (ms != NULL) {
		k = &ms->outs;
		for (i = 0; keep_outs != NULL && i < k->n; i++)
			strv_push(keep_outs, k->v[i]);
	} else if (command_output_paths(p, step, item_output, &outs,
	    err) == -1)
		goto out;
	else if (keep_outs != NULL) {
		/* The caller's from here on: judged or not, the list holds. */
		*keep_outs = outs;
		strv_init(&outs);
		k = keep_outs;
	} else
		k = &outs;
	for (i = 0; i < k->n; i++) {
		if (fresh_stat(c, k->v[i], &sb, &error) == NULL) {
			*state = FRESH_MISSING;
			*reason = fresh_missing(p, k->v[i]);
			rc = 0;
			goto out;
		}
	}
	if (ms != NULL)
		memcpy(set, ms->set, sizeof set);
	else
		stamp_set_key((const char *const *)k->v, k->n, set);
	loom_error_clear(&e);
	if (c->o != NULL && c->o->read_stamp != NULL)
		s = c->o->read_stamp(c->o->read_stamp_arg, c->stamps_fd,
		    p->dir, st->name, item != NULL ? fresh_basename(item) :
		    NULL, set, &e);
	else
		s = stamp_read_at(c->stamps_fd, p->dir, st->name, item !=
		    NULL ? fresh_basename(item) : NULL, set, &e);
	if (e.set) {
		*reason = xasprintf("its stamp cannot be read (%s)", e.message);
		rc = 0;
		goto out;
	}
	if (s == NULL) {
		rc = fresh_make_rule(c, step, item, item_output, k, state,
		    reason, err);
		goto out;
	}
	rc = 0;
	switch (s->state) {
	case STAMP_RUNNING:
		*reason = xstrdup(stamp_writer_is_alive(s) ? "running now" :
		    "interrupted: it was running when its daemon stopped");
		goto out;
	case STAMP_FAILED:
		*reason = s->detail != NULL ?
		    xasprintf("last run failed (%s)", s->detail) :
		    xstrdup("last run failed");
		goto out;
	case STAMP_CANCELLED:
		*reason = xstrdup("last run was cancelled");
		goto out;
	case STAMP_INTERRUPTED:
		*reason = xstrdup("last run was interrupted");
		goto out;
	case STAMP_NONE:
	case STAMP_SUCCEEDED:
		break;
	}
	if ((*reason = fresh_argv_reason(p, step, &s->argv, argv)) != NULL)
		goto out;
	task = ms != NULL ? ms->task : (owned_task = fresh_task_path(p, step,
	    item, item_output));
	if (task != NULL) {
		sc = fresh_script_get(c, task);
		if (strcmp(sc->hash, s->script_hash) != 0) {
			*reason = xasprintf("task script %s changed",
			    fresh_rel(p, task));
			goto out;
		}
	}
	for (i = 0; i < s->ninputs; i++) {
		loom_error_clear(&e);
		if (fresh_entry_check(c, s, &s->inputs[i], &changed,
		    &e) == -1 || changed) {
			*reason = xasprintf("input %s changed",
			    fresh_rel(p, s->inputs[i].path));
			goto out;
		}
	}
	*state = FRESH_FRESH;
out:
	free(owned_task);
	stamp_free(s);
	strv_free(&outs);
	return rc;
}

/* Judge one step or item against its own stamp. */
int
freshness_check(const struct pipeline *p, size_t step,
    const struct strv *argv, const char *item, const char *item_output,
    enum freshness_state *state, char **reason, struct loom_error *err)
{
	struct fresh_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.p = p;
	c.stamps_fd = -1;
	rc = fresh_unit(&c, step, argv, item, item_output, state, reason,
	    NULL, NULL, err);
	fresh_ctx_free(&c);
	return rc;
}

/* Forget what m keeps of one step. */
static void
fresh_memo_step_clear(struct fresh_memo_step *ms)
{
	strv_free(&ms->argv);
	strv_free(&ms->outs);
	free(ms->task);
	ms->task = NULL;
	ms->built = false;
}

/* An empty memo for a model of nsteps steps. */
struct fresh_memo *
fresh_memo_create(size_t nsteps)
{
	struct fresh_memo *m = xcalloc(1, sizeof *m);
	size_t i;

	pthread_mutex_init(&m->lock, NULL);
	m->nsteps = nsteps;
	m->steps = xcalloc(nsteps + 1, sizeof *m->steps);
	for (i = 0; i < nsteps; i++) {
		strv_init(&m->steps[i].argv);
		strv_init(&m->steps[i].outs);
	}
	return m;
}

/* Free a memo no plan holds; NULL is fine. */
void
fresh_memo_free(struct fresh_memo *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nsteps; i++)
		fresh_memo_step_clear(&m->steps[i]);
	free(m->steps);
	free(m->virtual_env);
	free(m->extra);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static bool
fresh_same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Hold o->memo for a plan of p into c->memo, unless another plan holds
 * it or it was made for another number of steps. A memo built with
 * another VIRTUAL_ENV or --extra is emptied.
 */
static void
fresh_memo_take(struct fresh_ctx *c, const struct fresh_opts *o)
{
	struct fresh_memo *m = o->memo;
	const char *venv = o->env != NULL ? o->env->virtual_env : NULL;
	size_t i;

	if (m == NULL || m->nsteps != c->p->nsteps ||
	    pthread_mutex_trylock(&m->lock) != 0)
		return;
	if (venv != NULL && *venv == '\0')
		venv = NULL;
	if (m->used && (!fresh_same_string(m->virtual_env, venv) ||
	    !fresh_same_string(m->extra, o->extra))) {
		for (i = 0; i < m->nsteps; i++)
			fresh_memo_step_clear(&m->steps[i]);
		m->used = false;
	}
	if (!m->used) {
		free(m->virtual_env);
		free(m->extra);
		m->virtual_env = venv != NULL ? xstrdup(venv) : NULL;
		m->extra = o->extra != NULL ? xstrdup(o->extra) : NULL;
		m->used = true;
	}
	c->memo = m;
}

/*
 * The memo of step (not a loop), built now unless kept; NULL without a
 * memo, or when the step's command or outputs cannot be worked out (the
 * caller then does it and reports why).
 */
static const struct fresh_memo_step *
fresh_memo_get(struct fresh_ctx *c, size_t step,
    const struct command_env *env, const char *extra)
{
	struct fresh_memo_step *ms;
	struct loom_error e;

	if (c->memo == NULL)
		return NULL;
	ms = &c->memo->steps[step];
	if (ms->built && ms->with_extra == (extra != NULL)) {
		c->nreused++;
		return ms;
	}
	fresh_memo_step_clear(ms);
	loom_error_clear(&e);
	if (command_build(c->p, step, env, NULL, NULL, extra, &ms->argv,
	    &e) == -1 || command_output_paths(c->p, step, NULL, &ms->outs,
	    &e) == -1) {
		fresh_memo_step_clear(ms);
		return NULL;
	}
	c->nbuilt++;
	stamp_set_key((const char *const *)ms->outs.v, ms->outs.n, ms->set);
	ms->task = fresh_task_path(c->p, step, NULL, NULL);
	ms->with_extra = extra != NULL;
	ms->built = true;
	return ms;
}

/* Judge a step on its own: every item of a loop step, or the step. */
static void
fresh_own(struct fresh_ctx *c, size_t step, const struct fresh_opts *o,
    const char *extra, struct fresh_step *fs)
{
	const struct pipeline *p = c->p;
	struct command_env noenv = { NULL };
	const struct command_env *env = o->env != NULL ? o->env : &noenv;
	const struct fresh_memo_step *ms;
	struct loop_items li;
	struct loom_error e;
	enum freshness_state ist;
	struct strv argv;
	char *why = NULL, *first = NULL;
	size_t i, nmissing = 0;

	loom_error_clear(&e);
	strv_init(&argv);
	if (p->steps[step].loop == NULL && (ms = fresh_memo_get(c, step, env,
	    extra)) != NULL) {
		if (fresh_unit(c, step, &ms->argv, NULL, NULL, &fs->state,
		    &fs->reason, o->keep_argv ? &fs->outputs : NULL, ms,
		    &e) == -1) {
			fs->state = FRESH_STALE;
			free(fs->reason);
			fs->reason = xasprintf("cannot be checked: %s",
			    e.message);
		}
		for (i = 0; o->keep_argv && i < ms->argv.n; i++)
			strv_push(&fs->argv, ms->argv.v[i]);
		return;
	}
	if (p->steps[step].loop == NULL) {
		c->nbuilt++;
		if (command_build(p, step, env, NULL, NULL, extra, &argv,
		    &e) == -1 || fresh_unit(c, step, &argv, NULL, NULL,
		    &fs->state, &fs->reason, o->keep_argv ? &fs->outputs :
		    NULL, NULL, &e) == -1) {
			fs->state = FRESH_STALE;
			free(fs->reason);
			fs->reason = xasprintf("cannot be checked: %s",
			    e.message);
			strv_free(&argv);
		}
		/* Kept for the caller (a dry run prints it), or freed. */
		if (o->keep_argv)
			fs->argv = argv;
		else
			strv_free(&argv);
		return;
	}
	loopitems_init(&li);
	if (loopitems_list(p, step, &li, &e) == -1) {
		fs->state = FRESH_STALE;
		fs->reason = xasprintf("cannot list its items: %s", e.message);
		loopitems_free(&li);
		return;
	}
	fs->nitems = li.items.n;
	fs->state = FRESH_FRESH;
	for (i = 0; i < li.items.n; i++) {
		const char *out = li.outputs.v[i][0] != '\0' ?
		    li.outputs.v[i] : NULL;

		strv_free(&argv);
		loom_error_clear(&e);
		why = NULL;
		if (command_build(p, step, env, li.items.v[i], out, extra,
		    &argv, &e) == -1 || fresh_unit(c, step, &argv,
		    li.items.v[i], out, &ist, &why, NULL, NULL, &e) == -1) {
			ist = FRESH_STALE;
			free(why);
			why = xasprintf("cannot be checked: %s", e.message);
		}
		if (ist != FRESH_FRESH) {
			strv_push(&fs->stale_items,
			    fresh_basename(li.items.v[i]));
			if (ist == FRESH_MISSING)
				nmissing++;
			if (first == NULL)
				first = xasprintf("%s: %s",
				    fresh_basename(li.items.v[i]), why);
		}
		free(why);
	}
	if (fs->stale_items.n > 0) {
		fs->state = nmissing > 0 ? FRESH_MISSING : FRESH_STALE;
		fs->reason = xasprintf("%zu of %zu items out of date (%s)",
		    fs->stale_items.n, li.items.n, first);
	}
	free(first);
	strv_free(&argv);
	loopitems_free(&li);
}

/* Judge every step in dependency order (see freshness.h). */
struct fresh_plan *
freshness_plan(const struct pipeline *p, const struct graph *g,
    const struct fresh_opts *o, struct loom_error *err)
{
	struct fresh_plan *plan;
	struct fresh_ctx c;
	struct fresh_step *fs;
	const size_t *order, *deps;
	size_t k, j, s, n, ndeps;
	bool sel, own_fresh;

	if (graph_nsteps(g) != p->nsteps) {
		loom_error_set(err, p->path, 0, 0,
		    "dependency graph does not match %s", p->path);
		return NULL;
	}
	memset(&c, 0, sizeof c);
	c.p = p;
	c.o = o;
	fresh_memo_take(&c, o);
	/*
	 * About a path per step (its output, the next one's input): room
	 * for that from the start (the table is kept half empty) instead
	 * of growing it by doubling.
	 */
	for (c.statcap = 256; c.statcap < 2 * p->nsteps; c.statcap *= 2)
		;
	c.stats = xcalloc(c.statcap, sizeof *c.stats);
	/* Thousands of stamps: opened relative to their folder. */
	c.stamps_fd = stamp_dir_open(p->dir);
	n = p->nsteps;
	plan = xcalloc(1, sizeof *plan);
	plan->nsteps = n;
	plan->steps = xcalloc(n == 0 ? 1 : n, sizeof *plan->steps);
	for (k = 0; k < n; k++) {
		strv_init(&plan->steps[k].stale_items);
		strv_init(&plan->steps[k].argv);
		strv_init(&plan->steps[k].outputs);
	}
	order = graph_order(g);
	for (k = 0; k < n; k++) {
		s = order[k];
		fs = &plan->steps[s];
		sel = o->selected != NULL && o->selected[s];
		if (o->run_only && (!sel || o->force || (o->always != NULL &&
		    o->always[s])))
			fs->state = FRESH_STALE;	/* not judged */
		else
			fresh_own(&c, s, o, sel ? o->extra : NULL, fs);
		deps = graph_deps(g, s, &ndeps);
		own_fresh = fs->state == FRESH_FRESH;

		/* Status: out of date upstream makes this one stale too. */
		if (fs->state == FRESH_FRESH) {
			for (j = 0; j < ndeps; j++) {
				const struct fresh_step *d =
				    &plan->steps[deps[j]];

				if (d->state == FRESH_FRESH)
					continue;
				fs->state = FRESH_STALE;
				/* A run reads no reason but its own. */
				if (o->run_only)
					break;
				fs->reason = xasprintf("upstream step %s is %s",
				    p->steps[deps[j]].name,
				    freshness_state_name(d->state));
				break;
			}
		}

		/* Run: selected steps that are out of date or must run. */
		if (!sel)
			continue;
		if (o->force)
			fs->run_reason = xstrdup("forced (--force)");
		else if (o->always != NULL && o->always[s])
			fs->run_reason = xstrdup("named with --step");
		else if (!own_fresh)
			fs->run_reason = xstrdup(fs->reason);
		else {
			for (j = 0; j < ndeps; j++) {
				if (!plan->steps[deps[j]].will_run)
					continue;
				fs->run_reason = xasprintf("upstream step %s "
				    "will run", p->steps[deps[j]].name);
				break;
			}
		}
		/* Only out-of-date items, unless the step as a whole runs. */
		fs->all_items = fs->run_reason != NULL &&
		    (own_fresh || o->force || (o->always != NULL &&
		    o->always[s]) || fs->stale_items.n == 0);
		fs->will_run = fs->run_reason != NULL;
	}
	plan->nbuilt = c.nbuilt;
	plan->nreused = c.nreused;
	if (c.memo != NULL)
		pthread_mutex_unlock(&c.memo->lock);
	fresh_ctx_free(&c);
	return plan;
}

/* Free a plan; NULL is fine. */
void
freshness_plan_free(struct fresh_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->nsteps; i++) {
		free(plan->steps[i].reason);
		free(plan->steps[i].run_reason);
		strv_free(&plan->steps[i].stale_items);
		strv_free(&plan->steps[i].argv);
		strv_free(&plan->steps[i].outputs);
	}
	free(plan->steps);
	free(plan);
}

/* The name of the output set of a step or item (stamp_set_key). */
static int
fresh_set_key(const struct pipeline *p, size_t step, const char *item_output,
    char set[STAMP_SET_HEX], struct loom_error *err)
{
	struct strv outs;
	int rc;

	strv_init(&outs);
	rc = command_output_paths(p, step, item_output, &outs, err);
	if (rc == 0)
		stamp_set_key((const char *const *)outs.v, outs.n, set);
	strv_free(&outs);
	return rc;
}

/* Mark a step or item as running, before it starts. */
int
freshness_begin(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, const struct strv *argv, int *keep,
    struct loom_error *err)
{
	char set[STAMP_SET_HEX];

	if (keep != NULL)
		*keep = -1;
	if (fresh_set_key(p, step, item_output, set, err) == -1)
		return -1;
	return stamp_begin(p->dir, p->steps[step].name, item != NULL ?
	    fresh_basename(item) : NULL, set, argv, keep, err);
}

void
freshness_seen(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, struct fresh_seen *seen)
{
	struct loom_error e;
	struct strv ins;
	char *task;
	size_t i;

	memset(seen, 0, sizeof *seen);
	strv_init(&ins);
	loom_error_clear(&e);
	if (command_input_paths(p, step, item, &ins, &e) == -1) {
		strv_free(&ins);
		return;
	}
	if ((task = fresh_task_path(p, step, item, item_output)) != NULL)
		stamp_ident_stat(task, &seen->script);
	free(task);
	seen->ninputs = ins.n;
	seen->inputs = xreallocarray(NULL, ins.n ? ins.n : 1,
	    sizeof *seen->inputs);
	for (i = 0; i < ins.n; i++)
		stamp_ident_stat(ins.v[i], &seen->inputs[i]);
	seen->taken = true;
	strv_free(&ins);
}

bool
freshness_seen_apply(const struct fresh_seen *seen, struct stamp *s,
    const char *script)
{
	struct stamp_entry *e;
	size_t i;

	if (!seen->taken || s == NULL || s->state != STAMP_SUCCEEDED)
		return false;
	/* The stamp lists the same inputs, in the same order. */
	for (i = 0; i < s->ninputs && i < seen->ninputs; i++) {
		e = &s->inputs[i];
		if (stamp_ident_unchanged(&seen->inputs[i], e->path, &e->id))
			continue;
		/* An identity no path has: changed, whatever it is now. */
		memset(&e->id, 0, sizeof e->id);
		e->id.kind = STAMP_KIND_FILE;
		e->id.size = -1;
		e->id.mtime_ns = -1;
	}
	if (script == NULL || stamp_ident_unchanged(&seen->script, script,
	    &s->script_id))
		return false;
	/* No hash: it matches no script, so the step reads as changed. */
	s->script_hash[0] = '\0';
	return true;
}

void
freshness_seen_free(struct fresh_seen *seen)
{
	free(seen->inputs);
	memset(seen, 0, sizeof *seen);
}

/* The argv of the stamp of a step or item, when it has one. */
int
freshness_stamp_argv(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, struct strv *argv,
    struct loom_error *err)
{
	char set[STAMP_SET_HEX];
	struct stamp *s;
	size_t i;
	int rc;

	if (fresh_set_key(p, step, item_output, set, err) == -1)
		return -1;
	loom_error_clear(err);
	s = stamp_read(p->dir, p->steps[step].name, item != NULL ?
	    fresh_basename(item) : NULL, set, err);
	if (s == NULL)
		return err->message[0] != '\0' ? -1 : 0;
	rc = s->argv.n > 0 ? 1 : 0;
	for (i = 0; i < s->argv.n; i++)
		strv_push(argv, s->argv.v[i]);
	stamp_free(s);
	return rc;
}

/* Stamp a success of a step or item. */
/* freshness_succeeded; quick: without hashes, the script in *script. */
static struct stamp *
fresh_succeeded(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, const struct strv *argv, char **script,
    struct loom_error *err)
{
	struct strv ins, outs;
	struct stamp *s = NULL;
	char *task;

	strv_init(&ins);
	strv_init(&outs);
	if (command_input_paths(p, step, item, &ins, err) == -1 ||
	    command_output_paths(p, step, item_output, &outs, err) == -1)
		goto out;
	task = fresh_task_path(p, step, item, item_output);
	if (script == NULL)
		s = stamp_succeeded(argv, task, (const char *const *)ins.v,
		    ins.n, (const char *const *)outs.v, outs.n, err);
	else
		s = stamp_succeeded_quick(argv, task,
		    (const char *const *)ins.v, ins.n,
		    (const char *const *)outs.v, outs.n, err);
	if (s != NULL && script != NULL)
		*script = task;
	else
		free(task);
out:
	strv_free(&ins);
	strv_free(&outs);
	return s;
}

struct stamp *
freshness_succeeded(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, const struct strv *argv,
    struct loom_error *err)
{
	return fresh_succeeded(p, step, item, item_output, argv, NULL, err);
}

struct stamp *
freshness_succeeded_quick(const struct pipeline *p, size_t step,
    const char *item, const char *item_output, const struct strv *argv,
    char **script, struct loom_error *err)
{
	*script = NULL;
	return fresh_succeeded(p, step, item, item_output, argv, script, err);
}

int
freshness_write(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, int marker, const struct stamp *s,
    struct loom_error *err)
{
	char set[STAMP_SET_HEX];

	/* A success records its outputs: no need to work them out again. */
	if (s->state == STAMP_SUCCEEDED)
		stamp_recorded_key(s, set);
	else if (fresh_set_key(p, step, item_output, set, err) == -1) {
		if (marker != -1)
			close(marker);
		return -1;
	}
	return stamp_write_marked(marker, p->dir, p->steps[step].name,
	    item != NULL ? fresh_basename(item) : NULL, set, s, err);
}

int
freshness_commit(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, const struct strv *argv,
    struct loom_error *err)
{
	struct stamp *s;
	int rc;

	s = freshness_succeeded(p, step, item, item_output, argv, err);
	if (s == NULL)
		return -1;
	rc = freshness_write(p, step, item, item_output, -1, s, err);
	stamp_free(s);
	return rc;
}

/* Stamp a failed, cancelled or interrupted attempt. */
int
freshness_fail(const struct pipeline *p, size_t step, const char *item,
    const char *item_output, enum stamp_state state, const char *detail,
    struct loom_error *err)
{
	char set[STAMP_SET_HEX];

	if (fresh_set_key(p, step, item_output, set, err) == -1)
		return -1;
	return stamp_fail(p->dir, p->steps[step].name, item != NULL ?
	    fresh_basename(item) : NULL, set, state, detail, err);
}
