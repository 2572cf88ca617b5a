/* SPDX-License-Identifier: MIT */
/*
 * The pipeline model outside of loading: values and ordered maps, the
 * hashed name lookups, overrides (--set/--var), expansion of $name and
 * ${name}, path resolution against the pipeline's folder and "did you
 * mean" suggestions. Nothing here reads files or parses YAML (that is
 * pipeline-load.c) and nothing checks the pipeline as a whole (that is
 * validate.c).
 */
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/error.h"
#include "common/util/memhash.h"
#include "common/model/pipeline.h"
#include "common/model/suggest.h"
#include "common/util/xmalloc.h"


struct pipeline_map_slot {
	const char *key;	/* NULL when empty */
	size_t index;
	uint32_t hash;
};

struct pipeline_map {
	struct pipeline_map_slot *slots;
	size_t cap;		/* a power of two */
	size_t n;
};

struct pipeline_index {
	struct pipeline_map *steps;
	struct pipeline_map *data;
	struct pipeline_map *params;
	struct pipeline_map *groups;
	struct pipeline_size *sizes;	/* per data entry, NULL until asked */
	char **paths;			/* per data entry: pipeline_data_path
					   kept (pipeline_paths_fill), or
					   NULL: worked out on each lookup */
	size_t npaths;			/* entries of paths */
	unsigned long expansion;	/* pipeline_expand calls so far */
};

/*
 * What a data entry's path expands to, worked out without building it
 * (pipeline_sizes). Counts saturate at PIPELINE_SIZE_CAP, so a bomb's
 * astronomical size is a large number, not an overflow.
 */
struct pipeline_size {
	size_t bytes;		/* without the $loop_item/$loop_output values */
	size_t nitem;		/* uses of $loop_item, nested ones included */
	size_t nout;		/* uses of $loop_output */
	bool broken;		/* a reference to nothing, a malformed one or
				   an entry without a path, here or below */
	int height;		/* entries in the longest chain from here,
				   INT_MAX when the chain runs in a circle */
	unsigned long built;	/* expansion in which it was built, or 0 */
	size_t at, len;		/* where in that expansion's buffer */
};
#define PIPELINE_SIZE_CAP	((size_t)1 << 48)

/*
 * Bytes of data paths the index keeps (pipeline_paths_fill). A file of
 * ordinary paths keeps them all (10,000 entries: under 1 MiB); one whose
 * entries expand to long texts keeps none past this, nor builds them
 * before they are asked for.
 */
#define PIPELINE_KEPT_PATHS	((size_t)8 * 1024 * 1024)

/* Data references of all entries, for working out their sizes. */
struct pipeline_sizer {
	const struct pipeline *p;
	struct pipeline_size *sz;
	size_t **users;		/* users[j]: entries using j, once per use */
	size_t *nusers;
	size_t *pending;	/* uses of entries not worked out yet */
	size_t cur;		/* the entry being scanned */
};

static uint32_t	pipeline_map_hash(const char *key);
static uint32_t	pipeline_map_hash_n(const char *key, size_t n);
static ssize_t	pipeline_map_get_n(const struct pipeline_map *m,
		    const char *key, size_t n);
static void	pipeline_map_grow(struct pipeline_map *m);
static struct pipeline_map_slot *pipeline_map_find(
		    const struct pipeline_map *m, const char *key, uint32_t h);
static bool	pipeline_is_name_char(int c, bool first);
static int	pipeline_expand_into(const struct pipeline *p, const char *text,
		    const struct loom_span *span, const char *loop_item,
		    const char *loop_output, int depth, char **buf,
		    size_t *len, size_t *cap, struct loom_error *err);
static void	pipeline_index_free(struct pipeline_index *ix);
static size_t	pipeline_sat_add(size_t a, size_t b);
static bool	pipeline_is_empty(const struct pipeline *p,
		    const struct data_entry *d, int depth);
static int	pipeline_expand_entry(const struct pipeline *p,
		    const struct data_entry *d, const char *loop_item,
		    const char *loop_output, int depth, char **buf,
		    size_t *len, size_t *cap, struct loom_error *err);
static size_t	pipeline_sat_mul(size_t a, size_t b);
static bool	pipeline_scan_refs(const char *text, size_t *literal,
		    void (*fn)(void *, const char *, size_t), void *arg);
static void	pipeline_sizer_ref(void *arg, const char *name, size_t n);
static const struct pipeline_size *pipeline_sizes(const struct pipeline *p);
static void	pipeline_sizes_reset(struct pipeline *p);
static void	pipeline_paths_free(struct pipeline_index *ix);
static void	pipeline_paths_fill(struct pipeline *p);
static const char *pipeline_data_kept(const struct pipeline *p,
		    const struct data_entry *d);
static char	*pipeline_data_path_new(const struct pipeline *p,
		    const struct data_entry *d, struct loom_error *err);
static void	pipeline_deep_ref(void *arg, const char *name, size_t n);
static void	pipeline_too_deep(const struct pipeline *p, size_t d,
		    struct loom_error *err);
struct pipeline_check;
static void	pipeline_check_ref(void *arg, const char *name, size_t n);
static void	pipeline_check_entry(struct pipeline_check *c, size_t j);
static int	pipeline_check_result(const struct pipeline_check *c,
		    const struct loom_span *span, size_t limit,
		    struct loom_error *err);
static int	pipeline_expand_check(const struct pipeline *p,
		    const char *text, const struct loom_span *span,
		    const char *loop_item, const char *loop_output,
		    size_t limit, struct loom_error *err);
static char	*pipeline_expand_limited(const struct pipeline *p,
		    const char *text, const struct loom_span *span,
		    const char *loop_item, const char *loop_output,
		    size_t limit, struct loom_error *err);
static void	pipeline_unknown_ref(const struct pipeline *p,
		    const char *name, const struct loom_span *span,
		    struct loom_error *err);

static size_t	pipeline_whole_ref(const char *text, size_t *start);
static void	pipeline_buf_add(char **buf, size_t *len, size_t *cap,
		    const char *s, size_t n);
static int	pipeline_expand_name(const struct pipeline *p, const char *name,
		    size_t n, const struct loom_span *span,
		    const char *loop_item, const char *loop_output, int depth,
		    char **buf, size_t *len, size_t *cap,
		    struct loom_error *err);
static bool	pipeline_is_int(const char *t);
static bool	pipeline_is_decimal(const char *t);
static bool	pipeline_is_one_of(const char *t, const char *const *words);
static const char **pipeline_names(const struct pipeline *p, bool params,
		    size_t *n);
static void	pipeline_no_such(const struct pipeline *p, const char *name,
		    bool is_var, struct loom_error *err);

/* A key's hash in a map (memhash.h), of its n bytes when they need no NUL. */
static uint32_t
pipeline_map_hash(const char *key)
{
	return (uint32_t)strhash(key);
}

static uint32_t
pipeline_map_hash_n(const char *key, size_t n)
{
	return (uint32_t)memhash(key, n);
}

/*
 * pipeline_map_get for the n bytes at key (a name inside a longer text):
 * no copy to make a string of it.
 */
static ssize_t
pipeline_map_get_n(const struct pipeline_map *m, const char *key, size_t n)
{
	uint32_t h = pipeline_map_hash_n(key, n);
	size_t i;
	const struct pipeline_map_slot *s;

	if (m == NULL)
		return -1;
	for (i = h & (m->cap - 1);;) {
		s = &m->slots[i];
		if (s->key == NULL)
			return -1;
		if (s->hash == h && strncmp(s->key, key, n) == 0 &&
		    s->key[n] == '\0')
			return (ssize_t)s->index;
		i = (i + 1) & (m->cap - 1);
	}
}

/* An empty map sized for about hint keys. */
struct pipeline_map *
pipeline_map_create(size_t hint)
{
	struct pipeline_map *m = xcalloc(1, sizeof *m);

	m->cap = 16;
	while (m->cap < hint * 2 && m->cap < ((size_t)1 << 40))
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

/* Free a map (not its borrowed keys); NULL is fine. */
void
pipeline_map_free(struct pipeline_map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

/* The slot holding key, or the empty slot where it would go. */
static struct pipeline_map_slot *
pipeline_map_find(const struct pipeline_map *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);
	struct pipeline_map_slot *s;

	for (;;) {
		s = &m->slots[i];
		if (s->key == NULL ||
		    (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static void
pipeline_map_grow(struct pipeline_map *m)
{
	struct pipeline_map_slot *old = m->slots, *s;
	size_t oldcap = m->cap, i;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = pipeline_map_find(m, old[i].key, old[i].hash);
		*s = old[i];
	}
	free(old);
}

/* The index stored for key, or -1. */
ssize_t
pipeline_map_get(const struct pipeline_map *m, const char *key)
{
	struct pipeline_map_slot *s;

	if (m == NULL || key == NULL)
		return -1;
	s = pipeline_map_find(m, key, pipeline_map_hash(key));
	return s->key == NULL ? -1 : (ssize_t)s->index;
}

/* Add key unless present; -1 when added, else the existing index. */
ssize_t
pipeline_map_add(struct pipeline_map *m, const char *key, size_t index)
{
	struct pipeline_map_slot *s;
	uint32_t h = pipeline_map_hash(key);

	if ((m->n + 1) * 2 > m->cap)
		pipeline_map_grow(m);
	s = pipeline_map_find(m, key, h);
	if (s->key != NULL)
		return (ssize_t)s->index;
	s->key = key;
	s->hash = h;
	s->index = index;
	m->n++;
	return -1;
}

/* Add key, or replace the index stored for it. */
void
pipeline_map_set(struct pipeline_map *m, const char *key, size_t index)
{
	struct pipeline_map_slot *s;
	uint32_t h = pipeline_map_hash(key);

	if ((m->n + 1) * 2 > m->cap)
		pipeline_map_grow(m);
	s = pipeline_map_find(m, key, h);
	if (s->key == NULL)
		m->n++;
	s->key = key;
	s->hash = h;
	s->index = index;
}

static void
pipeline_index_free(struct pipeline_index *ix)
{
	if (ix == NULL)
		return;
	pipeline_map_free(ix->steps);
	pipeline_map_free(ix->data);
	pipeline_map_free(ix->params);
	pipeline_map_free(ix->groups);
	free(ix->sizes);
	pipeline_paths_free(ix);
	free(ix);
}

/* Forget the data paths worked out so far. */
static void
pipeline_paths_free(struct pipeline_index *ix)
{
	size_t i;

	if (ix->paths == NULL)
		return;
	for (i = 0; i < ix->npaths; i++)
		free(ix->paths[i]);
	free(ix->paths);
	ix->paths = NULL;
	ix->npaths = 0;
}

/*
 * Forget the worked-out sizes and the kept paths: a data path or a
 * parameter changed. The paths are then worked out on each lookup: a
 * model is changed before it is planned (--set, --var, URL data), and
 * keeping them again after each change would cost a pass over all
 * entries per change; a model the daemon keeps is never changed.
 */
static void
pipeline_sizes_reset(struct pipeline *p)
{
	if (p->index == NULL)
		return;
	free(p->index->sizes);
	p->index->sizes = NULL;
	pipeline_paths_free(p->index);
}

/*
 * Rebuild every lookup. The first definition of a name wins, so lookups
 * agree with the order in which validation reports duplicates.
 */
void
pipeline_index_rebuild(struct pipeline *p)
{
	struct pipeline_index *ix;
	size_t i;

	pipeline_index_free(p->index);
	ix = xcalloc(1, sizeof *ix);
	ix->steps = pipeline_map_create(p->nsteps);
	ix->data = pipeline_map_create(p->ndata);
	ix->params = pipeline_map_create(p->nparams);
	ix->groups = pipeline_map_create(p->ngroups);
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].name != NULL)
			pipeline_map_add(ix->steps, p->steps[i].name, i);
	for (i = 0; i < p->ndata; i++)
		pipeline_map_add(ix->data, p->data[i].name, i);
	for (i = 0; i < p->nparams; i++)
		pipeline_map_add(ix->params, p->params[i].name, i);
	for (i = 0; i < p->ngroups; i++)
		pipeline_map_add(ix->groups, p->groups[i].name, i);
	p->index = ix;
	pipeline_paths_fill(p);
}

/*
 * Work out the data entries' paths (pipeline_data_path) and keep them in
 * the index: an entry is asked for by its producer, its consumers,
 * validation and the plan. Done here, when the model is made, so that
 * lookups only read: a model the daemon keeps is read by its
 * loop and its hashing thread at once. An entry whose path cannot be
 * worked out, or would pass PIPELINE_KEPT_PATHS (its size is known
 * before it is built, pipeline_sizes), keeps NULL and is worked out on
 * each lookup, as before there was an index.
 */
static void
pipeline_paths_fill(struct pipeline *p)
{
	struct pipeline_index *ix = p->index;
	const struct pipeline_size *sz = NULL;
	const struct data_entry *d;
	struct loom_error err;
	size_t i, need, left = PIPELINE_KEPT_PATHS, ndir;

	pipeline_paths_free(ix);
	if (p->ndata == 0)
		return;
	ix->paths = xcalloc(p->ndata, sizeof *ix->paths);
	ix->npaths = p->ndata;
	ndir = strlen(p->dir != NULL ? p->dir : ".") + 2;
	for (i = 0; i < p->ndata; i++) {
		d = &p->data[i];
		if (d->path == NULL || d->path->text == NULL)
			continue;
		if (strchr(d->path->text, '$') == NULL)
			need = strlen(d->path->text);
		else if (sz != NULL || (sz = pipeline_sizes(p)) != NULL)
			need = sz[i].bytes;
		else
			continue;
		if (need >= left || ndir >= left - need)
			continue;
		loom_error_clear(&err);
		if ((ix->paths[i] = pipeline_data_path_new(p, d, &err)) != NULL)
			left -= strlen(ix->paths[i]) + 1;
	}
}

/* Find a step by name; -1 when there is none. */
ssize_t
pipeline_step_index(const struct pipeline *p, const char *name)
{
	return p->index == NULL ? -1 : pipeline_map_get(p->index->steps, name);
}

/* Find a data entry (variables: or data:) by name; NULL when none. */
const struct data_entry *
pipeline_data(const struct pipeline *p, const char *name)
{
	ssize_t i;

	if (p->index == NULL || (i = pipeline_map_get(p->index->data,
	    name)) == -1)
		return NULL;
	return &p->data[i];
}

/* Find a parameter by name; NULL when none. */
const struct param *
pipeline_param(const struct pipeline *p, const char *name)
{
	ssize_t i;

	if (p->index == NULL || (i = pipeline_map_get(p->index->params,
	    name)) == -1)
		return NULL;
	return &p->params[i];
}

/* Find a group by name; -1 when none. */
ssize_t
pipeline_group_index(const struct pipeline *p, const char *name)
{
	return p->index == NULL ? -1 :
	    pipeline_map_get(p->index->groups, name);
}

/* Free a pipeline and everything it owns; NULL is fine. */
void
pipeline_free(struct pipeline *p)
{
	size_t i;
	struct step *s;

	if (p == NULL)
		return;
	for (i = 0; i < p->ndata; i++) {
		free(p->data[i].name);
		free(p->data[i].type);
		value_free(p->data[i].path);
		free(p->data[i].description);
		kvlist_free(&p->data[i].unknown);
	}
	free(p->data);
	for (i = 0; i < p->nparams; i++) {
		free(p->params[i].name);
		value_free(p->params[i].value);
	}
	free(p->params);
	for (i = 0; i < p->nsteps; i++) {
		s = &p->steps[i];
		free(s->name);
		free(s->task);
		kvlist_free(&s->inputs);
		kvlist_free(&s->outputs);
		kvlist_free(&s->args);
		strv_free(&s->interpreter);
		resources_free(&s->resources);
		if (s->loop != NULL) {
			value_free(s->loop->over);
			value_free(s->loop->into);
			free(s->loop->filter);
			free(s->loop);
		}
		free(s->description);
		kvlist_free(&s->unknown);
	}
	free(p->steps);
	for (i = 0; i < p->ngroups; i++) {
		free(p->groups[i].name);
		free(p->groups[i].steps);
	}
	free(p->groups);
	kvlist_free(&p->exec.interpreters);
	resources_free(&p->exec.slurm);
	for (i = 0; i < p->nlayout; i++)
		free(p->layout[i].name);
	free(p->layout);
	kvlist_free(&p->unknown);
	pipeline_index_free(p->index);
	free(p->path);
	free(p->dir);
	free(p->source);
	free(p);
}

/* A character of a reference name: letters, digits, '_' (not first). */
static bool
pipeline_is_name_char(int c, bool first)
{
	if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && c >= '0' && c <= '9';
}

/*
 * The length of the name in "$name" or "${name}" when text is exactly one
 * such reference, else 0; *start receives the name's offset.
 */
static size_t
pipeline_whole_ref(const char *text, size_t *start)
{
	size_t i;

	if (text == NULL || text[0] != '$')
		return 0;
	if (text[1] == '{') {
		for (i = 2; pipeline_is_name_char(text[i], i == 2); i++)
			;
		if (i == 2 || text[i] != '}' || text[i + 1] != '\0')
			return 0;
		*start = 2;
		return i - 2;
	}
	for (i = 1; pipeline_is_name_char(text[i], i == 1); i++)
		;
	if (i == 1 || text[i] != '\0')
		return 0;
	*start = 1;
	return i - 1;
}

/* The data entry that v refers to as a whole, or NULL. */
const struct data_entry *
pipeline_value_ref(const struct pipeline *p, const struct value *v)
{
	size_t start, len;
	ssize_t i;

	if (v == NULL || !value_is_scalar(v) || v->type != VALUE_STRING ||
	    p->index == NULL)
		return NULL;
	if ((len = pipeline_whole_ref(v->text, &start)) == 0 ||
	    (i = pipeline_map_get_n(p->index->data, v->text + start,
	    len)) == -1)
		return NULL;
	return &p->data[i];
}

static void
pipeline_unknown_ref(const struct pipeline *p, const char *name,
    const struct loom_span *span, struct loom_error *err)
{
	const char **cands;
	const char *best;
	size_t i, n = 0;

	loom_error_set(err, p->path, span ? span->line : 0,
	    span ? span->column : 0, "unknown reference $%s", name);
	cands = xreallocarray(NULL, p->ndata + p->nparams + 1, sizeof *cands);
	for (i = 0; i < p->ndata; i++)
		cands[n++] = p->data[i].name;
	for (i = 0; i < p->nparams; i++)
		cands[n++] = p->params[i].name;
	best = pipeline_suggest(name, cands, n);
	if (best != NULL)
		loom_error_hint(err, "did you mean $%s?", best);
	else
		loom_error_hint(err, "define %s under data:, variables: or "
		    "parameters:", name);
	free(cands);
}

static void
pipeline_buf_add(char **buf, size_t *len, size_t *cap, const char *s,
    size_t n)
{
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 64;
		*buf = xrealloc(*buf, *cap);
	}
	if (s != NULL)
		memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/*
 * True when data entry d, reached at depth, is known to expand to
 * nothing without an error: expanding it can be skipped. Without this,
 * entries referring ten times to entries that are empty would cost
 * time without limit while building nothing; with it, building a value
 * costs at most its bytes times the nesting depth.
 */
static bool
pipeline_is_empty(const struct pipeline *p, const struct data_entry *d,
    int depth)
{
	const struct pipeline_size *sz = p->index != NULL ?
	    p->index->sizes : NULL;
	const struct pipeline_size *s;

	if (sz == NULL)
		return false;
	s = &sz[d - p->data];
	return s->bytes == 0 && s->nitem == 0 && s->nout == 0 && !s->broken &&
	    s->height <= PIPELINE_MAX_EXPAND_DEPTH - depth;
}

/*
 * Append the expansion of data entry d to buf. Within one expansion
 * (one pipeline_expand call: the loop values do not change), an entry
 * is built once: later references copy what the first one appended, so
 * building costs the result's bytes plus the text of each entry once.
 */
static int
pipeline_expand_entry(const struct pipeline *p, const struct data_entry *d,
    const char *loop_item, const char *loop_output, int depth, char **buf,
    size_t *len, size_t *cap, struct loom_error *err)
{
	struct pipeline_size *s = p->index != NULL && p->index->sizes !=
	    NULL ? &p->index->sizes[d - p->data] : NULL;
	size_t start = *len;

	if (s != NULL && s->built == p->index->expansion) {
		pipeline_buf_add(buf, len, cap, NULL, s->len);
		memcpy(*buf + *len - s->len, *buf + s->at, s->len);
		return 0;
	}
	if (pipeline_expand_into(p, d->path->text, &d->path->span, loop_item,
	    loop_output, depth + 1, buf, len, cap, err) == -1)
		return -1;
	if (s != NULL) {
		s->built = p->index->expansion;
		s->at = start;
		s->len = *len - start;
	}
	return 0;
}

/* Append the expansion of one reference (name of n bytes) to buf. */
static int
pipeline_expand_name(const struct pipeline *p, const char *name, size_t n,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, int depth, char **buf, size_t *len, size_t *cap,
    struct loom_error *err)
{
	char kbuf[128], *key = xstrndup_buf(name, n, kbuf, sizeof kbuf);
	const struct data_entry *d;
	const struct param *pa;
	const char *loopval = NULL;
	int rc = 0;

	if (strcmp(key, "loop_item") == 0 || strcmp(key, "loop_output") == 0) {
		loopval = key[5] == 'i' ? loop_item : loop_output;
		if (loopval == NULL) {
			loom_error_set(err, p->path, span ? span->line : 0,
			    span ? span->column : 0,
			    "$%s is only available inside a loop step", key);
			loom_error_hint(err, "add a loop: {over: ..., into: "
			    "...} to the step, or refer to a data entry");
			rc = -1;
		} else
			pipeline_buf_add(buf, len, cap, loopval,
			    strlen(loopval));
	} else if ((d = pipeline_data(p, key)) != NULL) {
		if (d->path == NULL || d->path->text == NULL) {
			loom_error_set(err, p->path, span ? span->line : 0,
			    span ? span->column : 0,
			    "data entry %s has no path", key);
			rc = -1;
		} else if (depth >= PIPELINE_MAX_EXPAND_DEPTH) {
			loom_error_set(err, p->path, d->path->span.line,
			    d->path->span.column,
			    "references nest deeper than %d levels at $%s",
			    PIPELINE_MAX_EXPAND_DEPTH, key);
			loom_error_hint(err, "check for data entries that "
			    "refer to each other in a circle");
			rc = -1;
		} else if (!pipeline_is_empty(p, d, depth))
			rc = pipeline_expand_entry(p, d, loop_item,
			    loop_output, depth, buf, len, cap, err);
	} else if ((pa = pipeline_param(p, key)) != NULL) {
		if (pa->value != NULL && pa->value->text != NULL)
			pipeline_buf_add(buf, len, cap, pa->value->text,
			    strlen(pa->value->text));
	} else {
		pipeline_unknown_ref(p, key, span, err);
		rc = -1;
	}
	xstrbuf_free(key, kbuf);
	return rc;
}

static int
pipeline_expand_into(const struct pipeline *p, const char *text,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, int depth, char **buf, size_t *len, size_t *cap,
    struct loom_error *err)
{
	size_t start, n, i;
	const char *q, *end;

	if ((n = pipeline_whole_ref(text, &start)) != 0 && text[1] != '{')
		return pipeline_expand_name(p, text + start, n, span,
		    loop_item, loop_output, depth, buf, len, cap, err);
	for (q = text; *q != '\0'; q = end) {
		if (q[0] != '$' || q[1] != '{') {
			end = strstr(q, "${");
			if (end == NULL)
				end = q + strlen(q);
			pipeline_buf_add(buf, len, cap, q, (size_t)(end - q));
			continue;
		}
		for (i = 2; pipeline_is_name_char(q[i], i == 2); i++)
			;
		if (i == 2 || q[i] != '}') {
			loom_error_set(err, p->path, span ? span->line : 0,
			    span ? span->column : 0,
			    "malformed reference in '%s': ${ must be followed "
			    "by a name and }", text);
			loom_error_hint(err, "write ${name}, with letters, "
			    "digits and _ only");
			return -1;
		}
		if (pipeline_expand_name(p, q + 2, i - 2, span, loop_item,
		    loop_output, depth, buf, len, cap, err) == -1)
			return -1;
		end = q + i + 1;
	}
	return 0;
}

static size_t
pipeline_sat_add(size_t a, size_t b)
{
	return a + b < PIPELINE_SIZE_CAP ? a + b : PIPELINE_SIZE_CAP;
}

static size_t
pipeline_sat_mul(size_t a, size_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a < PIPELINE_SIZE_CAP / b ? a * b : PIPELINE_SIZE_CAP;
}

/*
 * Call fn(arg, name, n) for each reference in text, the way
 * pipeline_expand_into reads them, stopping at a malformed one (which
 * expanding reports: false is returned); *literal (when not NULL) grows
 * by the bytes of text outside references.
 */
static bool
pipeline_scan_refs(const char *text, size_t *literal,
    void (*fn)(void *, const char *, size_t), void *arg)
{
	size_t start, n, i, lit = 0;
	const char *q, *end;

	if ((n = pipeline_whole_ref(text, &start)) != 0 && text[1] != '{') {
		fn(arg, text + start, n);
		return true;
	}
	for (q = text; *q != '\0'; q = end) {
		if (q[0] != '$' || q[1] != '{') {
			if ((end = strstr(q, "${")) == NULL)
				end = q + strlen(q);
			lit += (size_t)(end - q);
			continue;
		}
		for (i = 2; pipeline_is_name_char(q[i], i == 2); i++)
			;
		if (i == 2 || q[i] != '}')
			break;
		fn(arg, q + 2, i - 2);
		end = q + i + 1;
	}
	if (literal != NULL)
		*literal = pipeline_sat_add(*literal, lit);
	return *q == '\0';
}

/* One reference in the path of entry sr->cur: count it, link data. */
static void
pipeline_sizer_ref(void *arg, const char *name, size_t n)
{
	struct pipeline_sizer *sr = arg;
	struct pipeline_size *me = &sr->sz[sr->cur];
	char buf[128], *key = xstrndup_buf(name, n, buf, sizeof buf);
	const struct param *pa;
	ssize_t j;

	if (strcmp(key, "loop_item") == 0)
		me->nitem = pipeline_sat_add(me->nitem, 1);
	else if (strcmp(key, "loop_output") == 0)
		me->nout = pipeline_sat_add(me->nout, 1);
	else if ((j = pipeline_map_get(sr->p->index->data, key)) != -1) {
		sr->users[j] = xreallocarray(sr->users[j], sr->nusers[j] + 1,
		    sizeof *sr->users[j]);
		sr->users[j][sr->nusers[j]++] = sr->cur;
		sr->pending[sr->cur]++;
	} else if ((pa = pipeline_param(sr->p, key)) != NULL) {
		if (pa->value != NULL && pa->value->text != NULL)
			me->bytes = pipeline_sat_add(me->bytes,
			    strlen(pa->value->text));
	} else
		me->broken = true;
	xstrbuf_free(key, buf);
}

/*
 * The sizes of every data entry's expansion, worked out once (until a
 * path or parameter changes) in time linear in the file: each entry's
 * own text is scanned once, then sizes flow from entries that use no
 * other entry to their users (a topological order). Entries left over
 * are in, or lead into, a circle.
 */
static const struct pipeline_size *
pipeline_sizes(const struct pipeline *p)
{
	struct pipeline_sizer sr;
	struct pipeline_size *u, *me;
	size_t *queue, nq = 0, i, j, k;

	if (p->index == NULL)
		return NULL;
	if (p->index->sizes != NULL || p->ndata == 0)
		return p->index->sizes;
	sr.p = p;
	sr.sz = xcalloc(p->ndata, sizeof *sr.sz);
	sr.users = xcalloc(p->ndata, sizeof *sr.users);
	sr.nusers = xcalloc(p->ndata, sizeof *sr.nusers);
	sr.pending = xcalloc(p->ndata, sizeof *sr.pending);
	queue = xcalloc(p->ndata, sizeof *queue);
	for (i = 0; i < p->ndata; i++) {
		sr.cur = i;
		sr.sz[i].height = 1;
		if (p->data[i].path == NULL || p->data[i].path->text == NULL)
			sr.sz[i].broken = true;
		else if (!pipeline_scan_refs(p->data[i].path->text,
		    &sr.sz[i].bytes, pipeline_sizer_ref, &sr))
			sr.sz[i].broken = true;
		if (sr.pending[i] == 0)
			queue[nq++] = i;
	}
	for (k = 0; k < nq; k++) {
		j = queue[k];
		me = &sr.sz[j];
		for (i = 0; i < sr.nusers[j]; i++) {
			u = &sr.sz[sr.users[j][i]];
			u->bytes = pipeline_sat_add(u->bytes, me->bytes);
			u->nitem = pipeline_sat_add(u->nitem, me->nitem);
			u->nout = pipeline_sat_add(u->nout, me->nout);
			u->broken |= me->broken;
			if (u->height < me->height + 1)
				u->height = me->height + 1;
			if (--sr.pending[sr.users[j][i]] == 0)
				queue[nq++] = sr.users[j][i];
		}
	}
	for (i = 0; i < p->ndata; i++) {
		if (sr.pending[i] != 0)
			sr.sz[i].height = INT_MAX;
		free(sr.users[i]);
	}
	free(sr.users);
	free(sr.nusers);
	free(sr.pending);
	free(queue);
	p->index->sizes = sr.sz;
	return sr.sz;
}

/* Scanning for the first reference that nests too deeply. */
struct pipeline_deep {
	const struct pipeline *p;
	const struct pipeline_size *sz;
	int need;		/* a chain this long from here is too deep */
	ssize_t found;		/* the first such data entry, or -1 */
};

static void
pipeline_deep_ref(void *arg, const char *name, size_t n)
{
	struct pipeline_deep *dp = arg;
	char buf[128], *key;
	ssize_t j;

	if (dp->found != -1)
		return;
	key = xstrndup_buf(name, n, buf, sizeof buf);
	j = pipeline_map_get(dp->p->index->data, key);
	xstrbuf_free(key, buf);
	if (j != -1 && dp->sz[j].height >= dp->need)
		dp->found = j;
}

/*
 * The error for data entry d, whose chain of references is too long (or
 * a circle): follow the first reference that goes too deep down to the
 * level past the limit, and name the entry there, as expanding would.
 */
static void
pipeline_too_deep(const struct pipeline *p, size_t d, struct loom_error *err)
{
	struct pipeline_deep dp;
	int depth;

	dp.p = p;
	dp.sz = p->index->sizes;
	for (depth = 0; depth < PIPELINE_MAX_EXPAND_DEPTH &&
	    p->data[d].path != NULL; depth++) {
		dp.need = PIPELINE_MAX_EXPAND_DEPTH - depth;
		dp.found = -1;
		pipeline_scan_refs(p->data[d].path->text, NULL,
		    pipeline_deep_ref, &dp);
		if (dp.found == -1)
			break;
		d = (size_t)dp.found;
	}
	loom_error_set(err, p->path, p->data[d].path != NULL ?
	    p->data[d].path->span.line : p->data[d].span.line,
	    p->data[d].path != NULL ? p->data[d].path->span.column :
	    p->data[d].span.column,
	    "references nest deeper than %d levels at $%s",
	    PIPELINE_MAX_EXPAND_DEPTH, p->data[d].name);
	loom_error_hint(err, "check for data entries that refer to each "
	    "other in a circle");
}

/* Adding up what one text expands to (pipeline_expand_check). */
struct pipeline_check {
	const struct pipeline *p;
	const struct pipeline_size *sz;
	size_t item, output;	/* lengths of the loop values */
	size_t bytes;
	ssize_t deep;		/* a data entry nesting too deeply, or -1 */
};

/* Count what a reference to data entry j adds. */
static void
pipeline_check_entry(struct pipeline_check *c, size_t j)
{
	const struct pipeline_size *s = &c->sz[j];

	if (s->height > PIPELINE_MAX_EXPAND_DEPTH && c->deep == -1)
		c->deep = (ssize_t)j;
	c->bytes = pipeline_sat_add(c->bytes, pipeline_sat_add(s->bytes,
	    pipeline_sat_add(pipeline_sat_mul(s->nitem, c->item),
	    pipeline_sat_mul(s->nout, c->output))));
}

static void
pipeline_check_ref(void *arg, const char *name, size_t n)
{
	struct pipeline_check *c = arg;
	const struct param *pa;
	ssize_t j;

	/* Looked up where it stands: validation checks every reference. */
	if (n == 9 && memcmp(name, "loop_item", 9) == 0)
		c->bytes = pipeline_sat_add(c->bytes, c->item);
	else if (n == 11 && memcmp(name, "loop_output", 11) == 0)
		c->bytes = pipeline_sat_add(c->bytes, c->output);
	else if ((j = pipeline_map_get_n(c->p->index->data, name, n)) != -1)
		pipeline_check_entry(c, (size_t)j);
	else if ((j = pipeline_map_get_n(c->p->index->params, name,
	    n)) != -1) {
		pa = &c->p->params[j];
		if (pa->value != NULL && pa->value->text != NULL)
			c->bytes = pipeline_sat_add(c->bytes,
			    strlen(pa->value->text));
	}
}

/*
 * Refuse text whose expansion would nest too deeply (-2) or pass limit
 * bytes (-1), before building anything: sizes come from pipeline_sizes,
 * so a reference bomb costs microseconds. (What is built then costs its
 * bytes plus each entry's text once: pipeline_expand_entry.) References to nothing are left to expanding, which
 * reports them.
 */
static int
pipeline_expand_check(const struct pipeline *p, const char *text,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, size_t limit, struct loom_error *err)
{
	struct pipeline_check c;

	if (strchr(text, '$') == NULL || (c.sz = pipeline_sizes(p)) == NULL)
		return 0;
	c.p = p;
	c.item = loop_item != NULL ? strlen(loop_item) : 0;
	c.output = loop_output != NULL ? strlen(loop_output) : 0;
	c.bytes = 0;
	c.deep = -1;
	pipeline_scan_refs(text, &c.bytes, pipeline_check_ref, &c);
	return pipeline_check_result(&c, span, limit, err);
}

/* The verdict on what pipeline_check_ref added up; see expand_check. */
static int
pipeline_check_result(const struct pipeline_check *c,
    const struct loom_span *span, size_t limit, struct loom_error *err)
{
	const struct pipeline *p = c->p;

	if (c->deep != -1) {
		pipeline_too_deep(p, (size_t)c->deep, err);
		return -2;
	}
	if (c->bytes <= limit)
		return 0;
	loom_error_set(err, p->path, span ? span->line : 0,
	    span ? span->column : 0, "references expand to %s%zu bytes here, "
	    "more than the limit of %zu bytes", c->bytes >= PIPELINE_SIZE_CAP ?
	    "at least " : "", c->bytes, limit);
	loom_error_hint(err, "data entries refer to others too many times; "
	    "write the path out instead");
	return -1;
}

/* Expand text after checking its size against limit. */
static char *
pipeline_expand_limited(const struct pipeline *p, const char *text,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, size_t limit, struct loom_error *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (text == NULL)
		text = "";
	/* Without a '$' there is nothing to expand or to measure. */
	if (strchr(text, '$') == NULL)
		return xstrdup(text);
	if (pipeline_expand_check(p, text, span, loop_item, loop_output,
	    limit, err) != 0)
		return NULL;
	pipeline_buf_add(&buf, &len, &cap, "", 0);
	if (p->index != NULL)
		p->index->expansion++;
	if (pipeline_expand_into(p, text, span, loop_item, loop_output, 0,
	    &buf, &len, &cap, err) == -1) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Expand references in text; see pipeline.h. */
char *
pipeline_expand(const struct pipeline *p, const char *text,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, struct loom_error *err)
{
	return pipeline_expand_limited(p, text, span, loop_item, loop_output,
	    PIPELINE_MAX_EXPANDED, err);
}

/* Check what text expands to against the limits; see pipeline.h. */
int
pipeline_check_text(const struct pipeline *p, const char *text,
    const struct loom_span *span, size_t limit, struct loom_error *err)
{
	if (text == NULL)
		return 0;
	return pipeline_expand_check(p, text, span, NULL, NULL, limit, err);
}

/* Check a value that is exactly a reference to d; see pipeline.h. */
int
pipeline_check_data_ref(const struct pipeline *p, const struct data_entry *d,
    const struct loom_span *span, size_t limit, struct loom_error *err)
{
	struct pipeline_check c;

	if ((c.sz = pipeline_sizes(p)) == NULL)
		return 0;
	c.p = p;
	c.item = c.output = 0;
	c.bytes = 0;
	c.deep = -1;
	pipeline_check_entry(&c, (size_t)(d - p->data));
	return pipeline_check_result(&c, span, limit, err);
}

/* True for "scheme://...". */
bool
pipeline_is_url(const char *path)
{
	const char *q = path;

	if (path == NULL || !isalpha((unsigned char)*q))
		return false;
	while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' ||
	    *q == '.')
		q++;
	return q[0] == ':' && q[1] == '/' && q[2] == '/';
}

/* A diagnostic at a span of p's file; see pipeline.h. */
struct diag *
pipeline_vdiag(const struct pipeline *p, struct diags *d,
    enum diag_severity sev, const struct loom_span *sp, int coloff,
    const char *fmt, va_list ap)
{
	int line = 0, column = 0;

	if (sp != NULL) {
		line = sp->line;
		column = sp->column > 0 ? sp->column + coloff : sp->column;
	}
	return diags_vadd(d, sev, p->path, line, column, fmt, ap);
}

/*
 * An absolute path for path: as is when absolute, else joined to p->dir.
 * "./" components and doubled slashes are dropped; ".." is kept (the
 * folder it names may be a symbolic link). Owned by the caller.
 */
char *
pipeline_abspath(const struct pipeline *p, const char *path)
{
	const char *dir = p->dir != NULL ? p->dir : ".", *r;
	char *joined, *out, *w;
	size_t nd, np = strlen(path);

	if (path[0] == '/')
		joined = xstrdup(path);
	else {
		/* dir "/" path, without printf: called for every value. */
		nd = strlen(dir);
		joined = xmalloc(nd + np + 2);
		memcpy(joined, dir, nd);
		joined[nd] = '/';
		memcpy(joined + nd + 1, path, np + 1);
	}
	/*
	 * Most paths have nothing to drop: no "//", no "/." and no final
	 * "/" (two vector searches rather than a test of every byte).
	 */
	nd = strlen(joined);
	if (strstr(joined, "//") == NULL && strstr(joined, "/.") == NULL &&
	    (nd == 1 || joined[nd - 1] != '/'))
		return joined;
	/* Normalised in place: what is written never passes what is read. */
	out = w = joined;
	for (r = joined; *r != '\0';) {
		if (r[0] == '/' && (r[1] == '/' || r[1] == '\0') &&
		    w != out) {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' ||
		    r[2] == '\0')) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	if (w == out)
		*w++ = '/';
	*w = '\0';
	return out;
}

/*
 * The data entry's path, expanded and absolute unless a URL: a copy of
 * the one kept in the index (pipeline_paths_fill).
 */
char *
pipeline_data_path(const struct pipeline *p, const struct data_entry *d,
    struct loom_error *err)
{
	const char *kept = pipeline_data_kept(p, d);

	return kept != NULL ? xstrdup(kept) : pipeline_data_path_new(p, d, err);
}

/* The path the index keeps for d (an entry of p), or NULL. */
static const char *
pipeline_data_kept(const struct pipeline *p, const struct data_entry *d)
{
	size_t i = ((uintptr_t)d - (uintptr_t)p->data) / sizeof *d;

	if (p->index == NULL || p->index->paths == NULL ||
	    i >= p->index->npaths || i >= p->ndata || &p->data[i] != d)
		return NULL;
	return p->index->paths[i];
}

/* pipeline_data_path, borrowed from the pipeline; see pipeline.h. */
const char *
pipeline_data_path_ref(const struct pipeline *p, const struct data_entry *d,
    struct loom_error *err)
{
	const char *kept = pipeline_data_kept(p, d);
	char *path;

	if (kept != NULL)
		return kept;
	/* Not kept: say why, as pipeline_data_path would, or nothing. */
	path = pipeline_data_path_new(p, d, err);
	free(path);
	return NULL;
}

/* pipeline_data_path, worked out. */
static char *
pipeline_data_path_new(const struct pipeline *p, const struct data_entry *d,
    struct loom_error *err)
{
	char *text, *abs;

	if (d->path == NULL || d->path->text == NULL ||
	    d->path->type == VALUE_NULL) {
		loom_error_set(err, p->path, d->span.line, d->span.column,
		    "data entry %s has no path", d->name);
		return NULL;
	}
	/* A path without a reference is itself: no copy to expand into. */
	if (strchr(d->path->text, '$') == NULL) {
		if (pipeline_is_url(d->path->text) || d->path->text[0] == '\0')
			return xstrdup(d->path->text);
		return pipeline_abspath(p, d->path->text);
	}
	text = pipeline_expand_limited(p, d->path->text, &d->path->span, NULL,
	    NULL, PIPELINE_MAX_EXPANDED_PATH, err);
	if (text == NULL)
		return NULL;
	if (pipeline_is_url(text) || text[0] == '\0')
		return text;
	abs = pipeline_abspath(p, text);
	free(text);
	return abs;
}

/*
 * The candidate closest to name by edit distance, when close enough to be
 * a likely typo (at most a third of the name's length, at least 1);
 * otherwise NULL. Ties go to the first candidate. Borrowed.
 */
const char *
pipeline_suggest(const char *name, const char *const *candidates, size_t n)
{
	struct suggest sg;
	size_t i;

	suggest_init(&sg, name);
	for (i = 0; i < n; i++)
		suggest_add(&sg, candidates[i]);
	return suggest_best(&sg);
}

/* Does text match [-+]?digits? */
static bool
pipeline_is_int(const char *t)
{
	if (*t == '-' || *t == '+')
		t++;
	if (!isdigit((unsigned char)*t))
		return false;
	while (isdigit((unsigned char)*t))
		t++;
	return *t == '\0';
}

/* Does text match [-+]?(digits[.digits]|.digits)([eE][-+]?digits)? */
static bool
pipeline_is_decimal(const char *t)
{
	bool digits = false;

	if (*t == '-' || *t == '+')
		t++;
	while (isdigit((unsigned char)*t)) {
		t++;
		digits = true;
	}
	if (*t == '.') {
		t++;
		while (isdigit((unsigned char)*t)) {
			t++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*t == 'e' || *t == 'E')
		return pipeline_is_int(t + 1);	/* the exponent */
	return *t == '\0';
}

static bool
pipeline_is_one_of(const char *t, const char *const *words)
{
	for (; *words != NULL; words++)
		if (t[0] == (*words)[0] && strcmp(t, *words) == 0)
			return true;
	return false;
}

/* Type a scalar's spelling; see pipeline.h. */
enum value_type
value_classify(const char *text, bool yaml, bool *boolean)
{
	static const char *const yes[] = { "true", "True", "TRUE", NULL };
	static const char *const no[] = { "false", "False", "FALSE", NULL };
	static const char *const nul[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const special[] = { ".inf", ".Inf", ".INF",
	    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
	    ".NaN", ".NAN", NULL };
	const char *t;
	bool dummy;

	if (boolean == NULL)
		boolean = &dummy;
	*boolean = false;
	/*
	 * Every typed spelling starts with one of these characters; most
	 * scalars of a pipeline (paths, names, references) do not, and are
	 * text at once instead of after a dozen comparisons.
	 */
	if (strchr("~nNtTfF+-.0123456789", text[0]) == NULL)
		return VALUE_STRING;
	if (!yaml) {
		if (strcmp(text, "true") == 0) {
			*boolean = true;
			return VALUE_BOOL;
		}
		if (strcmp(text, "false") == 0)
			return VALUE_BOOL;
		if (pipeline_is_int(text))
			return VALUE_INT;
		if (pipeline_is_decimal(text))
			return VALUE_FLOAT;
		return VALUE_STRING;
	}
	if (pipeline_is_one_of(text, nul))
		return VALUE_NULL;
	if (pipeline_is_one_of(text, yes)) {
		*boolean = true;
		return VALUE_BOOL;
	}
	if (pipeline_is_one_of(text, no))
		return VALUE_BOOL;
	if (pipeline_is_int(text))
		return VALUE_INT;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'o') &&
	    text[2] != '\0') {
		for (t = text + 2; *t != '\0'; t++)
			if (text[1] == 'x' ? !isxdigit((unsigned char)*t) :
			    (*t < '0' || *t > '7'))
				break;
		if (*t == '\0')
			return VALUE_INT;
	}
	if (pipeline_is_decimal(text) || pipeline_is_one_of(text, special))
		return VALUE_FLOAT;
	return VALUE_STRING;
}

/* A new scalar; plain ones are typed by the YAML core schema. */
struct value *
value_new_scalar(const char *text, bool quoted)
{
	struct value *v = xcalloc(1, sizeof *v);

	v->text = xstrdup(text != NULL ? text : "");
	v->quoted = quoted;
	v->type = quoted ? VALUE_STRING :
	    value_classify(v->text, true, &v->boolean);
	return v;
}

/* A deep, unshared copy of v; NULL gives NULL. */
struct value *
value_copy(const struct value *v)
{
	struct value *c;
	size_t i;

	if (v == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->type = v->type;
	c->text = v->text != NULL ? xstrdup(v->text) : NULL;
	c->quoted = v->quoted;
	c->boolean = v->boolean;
	c->span = v->span;
	if (v->nitems > 0) {
		c->items = xreallocarray(NULL, v->nitems, sizeof *c->items);
		for (i = 0; i < v->nitems; i++)
			c->items[i] = value_copy(v->items[i]);
		c->nitems = v->nitems;
	}
	if (v->map.n > 0) {
		c->map.v = xreallocarray(NULL, v->map.n, sizeof *c->map.v);
		c->map.n = c->map.cap = v->map.n;
		for (i = 0; i < v->map.n; i++) {
			c->map.v[i].key = xstrdup(v->map.v[i].key);
			c->map.v[i].key_span = v->map.v[i].key_span;
			c->map.v[i].value = value_copy(v->map.v[i].value);
		}
	}
	return c;
}

/* One more owner for v; value_free drops one. Returns v. */
struct value *
value_hold(struct value *v)
{
	if (v != NULL)
		v->refs++;
	return v;
}

/* Drop one reference; the last one frees v and its children. */
void
value_free(struct value *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->refs > 0) {
		v->refs--;
		return;
	}
	free(v->text);
	for (i = 0; i < v->nitems; i++)
		value_free(v->items[i]);
	free(v->items);
	kvlist_free(&v->map);
	free(v);
}

/* Is v a scalar (anything but a list or mapping)? */
bool
value_is_scalar(const struct value *v)
{
	return v != NULL && v->type != VALUE_LIST && v->type != VALUE_MAP;
}

/* Free every key and value of l and empty it. */
void
kvlist_free(struct kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		value_free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* The first entry with this key, or NULL. Linear: maps here are small. */
const struct kv *
kvlist_get(const struct kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return &l->v[i];
	return NULL;
}

/* Names of all data entries or all parameters, for suggestions. */
static const char **
pipeline_names(const struct pipeline *p, bool params, size_t *n)
{
	const char **v;
	size_t i, count = params ? p->nparams : p->ndata;

	v = xreallocarray(NULL, count + 1, sizeof *v);
	for (i = 0; i < count; i++)
		v[i] = params ? p->params[i].name : p->data[i].name;
	*n = count;
	return v;
}

/*
 * The error for --set (a parameter) or --var (is_var: a data entry)
 * naming nothing, with the nearest name or the other flag as a hint.
 */
static void
pipeline_no_such(const struct pipeline *p, const char *name, bool is_var,
    struct loom_error *err)
{
	const char **names, *best;
	size_t n;

	loom_error_set(err, NULL, 0, 0, "%s %s: no %s named %s",
	    is_var ? "--var" : "--set", name, is_var ? "data entry" :
	    "parameter", name);
	names = pipeline_names(p, !is_var, &n);
	if ((best = pipeline_suggest(name, names, n)) != NULL)
		loom_error_hint(err, "did you mean %s?", best);
	else if (!is_var && pipeline_data(p, name) != NULL)
		loom_error_hint(err, "%s is a data entry: use --var", name);
	else if (is_var && pipeline_param(p, name) != NULL)
		loom_error_hint(err, "%s is a parameter: use --set", name);
	free(names);
}

/* Replace a parameter's value for this run (--set). */
int
pipeline_set_param(struct pipeline *p, const char *name, const char *text,
    struct loom_error *err)
{
	struct param *pa;
	struct value *v;
	ssize_t i;

	if (p->index == NULL ||
	    (i = pipeline_map_get(p->index->params, name)) == -1) {
		pipeline_no_such(p, name, false, err);
		return -1;
	}
	pa = &p->params[i];
	v = xcalloc(1, sizeof *v);
	v->text = xstrdup(text);
	v->type = value_classify(text, false, &v->boolean);
	if (pa->value != NULL)
		v->span = pa->value->span;
	value_free(pa->value);
	pa->value = v;
	pipeline_sizes_reset(p);
	return 0;
}

/* Replace a data entry's path for this run (--var). */
int
pipeline_set_var(struct pipeline *p, const char *name, const char *path,
    struct loom_error *err)
{
	struct data_entry *d;
	struct value *v;
	ssize_t i;

	if (p->index == NULL ||
	    (i = pipeline_map_get(p->index->data, name)) == -1) {
		pipeline_no_such(p, name, true, err);
		return -1;
	}
	if (*path == '\0') {
		loom_error_set(err, NULL, 0, 0, "--var %s: empty path", name);
		return -1;
	}
	d = &p->data[i];
	/* Quoted: a path is text, whatever it looks like. */
	v = value_new_scalar(path, true);
	if (d->path != NULL)
		v->span = d->path->span;
	value_free(d->path);
	d->path = v;
	pipeline_sizes_reset(p);
	return 0;
}

/* Apply "NAME=VALUE" as --set or --var. */
int
pipeline_apply_override(struct pipeline *p, const char *assignment,
    bool is_var, struct loom_error *err)
{
	const char *eq = strchr(assignment, '=');
	char *name;
	int rc;

	if (eq == NULL || eq == assignment) {
		loom_error_set(err, NULL, 0, 0, "%s '%s': expected NAME=VALUE",
		    is_var ? "--var" : "--set", assignment);
		loom_error_hint(err, "for example %s", is_var ?
		    "--var features=data/other.csv" : "--set epochs=10");
		return -1;
	}
	name = xstrndup(assignment, (size_t)(eq - assignment));
	if (is_var)
		rc = pipeline_set_var(p, name, eq + 1, err);
	else
		rc = pipeline_set_param(p, name, eq + 1, err);
	free(name);
	return rc;
}
