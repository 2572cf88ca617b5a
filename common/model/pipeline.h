/* SPDX-License-Identifier: MIT */
/*
 * The in-memory pipeline model: everything a pipeline file holds
 * (docs/pipeline-format.md), with a source span on every node so diagnostics can
 * name file, line and column and the editor can splice edits back into
 * the original text. Loading lives in pipeline-load.c, resolution of
 * references and overrides in pipeline.c. The model holds no resolved
 * paths: those are computed on demand against pipeline->dir.
 */
#ifndef LOOM_COMMON_PIPELINE_H
#define LOOM_COMMON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/util/error.h"
#include "common/model/resources.h"
#include "common/util/xmalloc.h"

struct diags;
struct loom_error;

/* Limits on what comes from outside (docs/pipeline-format.md, "Limits"). */
#define PIPELINE_MAX_FILE_SIZE	(16u * 1024 * 1024)	/* bytes of YAML */
#define PIPELINE_MAX_DEPTH	64	/* nesting of mappings/sequences */
#define PIPELINE_MAX_ALIASES	10000	/* alias nodes expanded, in all */
#define PIPELINE_MAX_NODES	2000000	/* nodes after alias expansion */
/* Expansion of $name and ${name} (docs/pipeline-format.md, "Limits"). */
#define PIPELINE_MAX_EXPAND_DEPTH	16	/* $a -> $b -> ... levels */
#define PIPELINE_MAX_EXPANDED	(1024 * 1024)	/* bytes of one value */
#define PIPELINE_MAX_EXPANDED_PATH (64 * 1024)	/* bytes of a data path */

/* A place in the source: 1-based line and column, byte offsets [start, end). */
struct loom_span {
	int line;
	int column;
	size_t start;
	size_t end;
};

enum value_type {
	VALUE_NULL,
	VALUE_BOOL,
	VALUE_INT,
	VALUE_FLOAT,
	VALUE_STRING,
	VALUE_LIST,
	VALUE_MAP,
};

struct value;

/* One key of an ordered mapping. */
struct kv {
	char *key;
	struct loom_span key_span;
	struct value *value;
};

/* An ordered mapping: keys in file order. */
struct kvlist {
	struct kv *v;
	size_t n;
	size_t cap;
};

/*
 * A YAML value. Scalars keep their original spelling in text (0.001 stays
 * "0.001", 1e-5 stays "1e-5"); typing follows the YAML 1.2 core schema for
 * plain scalars (true/false, null/~, integers, decimals), and a quoted
 * scalar is always a string.
 */
struct value {
	enum value_type type;
	char *text;		/* scalars: spelling as written, no quotes */
	bool quoted;		/* scalar was single- or double-quoted */
	bool boolean;		/* VALUE_BOOL: its value */
	struct value **items;	/* VALUE_LIST: the items */
	size_t nitems;
	struct kvlist map;	/* VALUE_MAP: the keys and values */
	struct loom_span span;
	/*
	 * Owners beyond the first. A YAML alias shares the anchored node
	 * instead of copying it (so an alias bomb costs no memory), and the
	 * model shares nodes with the parsed tree; value_free only frees a
	 * node whose count is 0. Never modify a node in place: replace it.
	 */
	unsigned int refs;
};

struct data_entry {
	char *name;
	struct loom_span span;		/* the name's key */
	bool from_variables;		/* seed 'variables:' form */
	char *type;			/* NULL when not given */
	struct value *path;		/* scalar; may be an http(s) URL */
	char *description;		/* NULL when not given */
	struct kvlist unknown;		/* keys Loom does not know */
};

struct param {
	char *name;
	struct loom_span span;		/* the name's key */
	struct value *value;		/* a scalar */
};

struct loop {
	struct value *over;		/* folder to iterate, NULL if missing */
	struct value *into;		/* folder of per-item outputs */
	char *filter;			/* glob on file names, NULL for all */
	int parallel;			/* -1 not given, 0 or 1 */
	struct loom_span span;		/* the 'loop' key */
};

struct step {
	char *name;
	struct loom_span span;		/* the step's mapping */
	struct loom_span name_span;	/* the value of 'name' */
	char *task;			/* as written, relative or absolute */
	struct loom_span task_span;
	bool task_via_script;		/* written as the old 'script:' */
	struct kvlist inputs;		/* positional, in order written */
	struct kvlist outputs;		/* flag -> path */
	struct kvlist args;		/* flag -> value */
	bool optional;
	bool disabled;
	struct strv interpreter;	/* empty when not given */
	struct loop *loop;		/* NULL unless a loop step */
	char *description;		/* NULL when not given */
	ssize_t group;			/* index in pipeline->groups, or -1 */
	struct resources resources;	/* overrides execution.slurm */
	struct loom_span resources_span;	/* line 0 when not given */
	struct kvlist unknown;
};

struct group {
	char *name;
	struct loom_span span;		/* the 'group' key's value */
	size_t *steps;			/* indexes into pipeline->steps */
	size_t nsteps;
};

struct execution {
	int parallel;			/* -1 not given, 0 or 1 */
	long max_workers;		/* 0 when not given */
	struct kvlist interpreters;	/* ".py" -> string or list */
	enum executor_kind executor;	/* EXECUTOR_DEFAULT: local */
	struct loom_span executor_span;
	struct resources slurm;		/* execution.slurm, for every step */
	enum slurm_deps slurm_deps;	/* execution.slurm.dependencies */
	struct loom_span span;
};

struct layout_entry {
	char *name;
	double x;
	double y;
	struct loom_span span;
};

struct pipeline_index;		/* name lookups, private to pipeline.c */

struct pipeline {
	char *path;			/* the file as given, for messages */
	char *dir;			/* absolute folder holding the file */
	char *source;			/* the whole text, NUL-terminated */
	size_t source_len;

	struct data_entry *data;	/* variables: and data:, file order */
	size_t ndata;
	struct param *params;
	size_t nparams;
	struct step *steps;		/* file order, groups flattened */
	size_t nsteps;
	struct group *groups;
	size_t ngroups;
	struct execution exec;
	struct layout_entry *layout;
	size_t nlayout;
	struct kvlist unknown;		/* unknown top-level keys */

	struct pipeline_index *index;
};

/*
 * Load a pipeline file. Every problem found goes to diags (syntax errors,
 * limits, structure, types). Returns NULL when the file could not be
 * parsed into a model at all; otherwise a model that may still carry
 * errors in diags (check diags->nerrors). The caller frees the model.
 */
struct pipeline *pipeline_load_file(const char *path, struct diags *diags);

/*
 * Load from memory. name is used in messages; dir is the folder that
 * relative paths resolve against (made absolute by the caller).
 */
struct pipeline *pipeline_load_string(const char *name, const char *dir,
    const char *text, size_t len, struct diags *diags);

void pipeline_free(struct pipeline *p);

/* Lookups by name (hashed); -1 or NULL when absent. */
ssize_t pipeline_step_index(const struct pipeline *p, const char *name);
const struct data_entry *pipeline_data(const struct pipeline *p,
    const char *name);
const struct param *pipeline_param(const struct pipeline *p,
    const char *name);
ssize_t pipeline_group_index(const struct pipeline *p, const char *name);

/*
 * Overrides (docs/pipeline-format.md, "Values and typing"). --set NAME=TEXT replaces a parameter's
 * value, typed by the spec's rules (true/false, integers and decimals are
 * typed, the rest is a string; the spelling is kept). --var NAME=PATH
 * replaces a data path; a relative path resolves against the pipeline's
 * folder. Unknown names are errors with a "did you mean" hint.
 */
int pipeline_set_param(struct pipeline *p, const char *name, const char *text,
    struct loom_error *err);
int pipeline_set_var(struct pipeline *p, const char *name, const char *path,
    struct loom_error *err);
/* Parse "NAME=VALUE" and apply as --set (is_var false) or --var. */
int pipeline_apply_override(struct pipeline *p, const char *assignment,
    bool is_var, struct loom_error *err);

/*
 * Expand $name (whole value) and ${name} (embedded) in text; data entries
 * first, then parameters. $loop_item and $loop_output expand to the given
 * strings when not NULL, else they are errors. The result's size is
 * worked out first: over PIPELINE_MAX_EXPANDED bytes (a data path alone:
 * PIPELINE_MAX_EXPANDED_PATH) or PIPELINE_MAX_EXPAND_DEPTH levels is an
 * error, found in time linear in the file whatever the result's size
 * would be; building then costs the result's bytes plus the text of
 * each entry used, once (an entry is built once per call and copied for
 * further uses). Returns an owned string,
 * or NULL with err set (naming span's place) on a reference to nothing.
 */
char *pipeline_expand(const struct pipeline *p, const char *text,
    const struct loom_span *span, const char *loop_item,
    const char *loop_output, struct loom_error *err);

/*
 * Check, without building it, that text expands within the limits:
 * limit bytes (PIPELINE_MAX_EXPANDED, or PIPELINE_MAX_EXPANDED_PATH for a
 * data path), loop values counted as empty. Returns 0; -1 over a limit, with err set at span;
 * -2 when references nest too deeply, err naming the entry where.
 */
int pipeline_check_text(const struct pipeline *p, const char *text,
    const struct loom_span *span, size_t limit, struct loom_error *err);
/*
 * pipeline_check_text for a value that is exactly "$name" or "${name}"
 * where name is data entry d (found by the caller), without looking the
 * name up again.
 */
int pipeline_check_data_ref(const struct pipeline *p,
    const struct data_entry *d, const struct loom_span *span, size_t limit,
    struct loom_error *err);

/*
 * The data entry a value refers to as a whole ("$features"), or NULL when
 * the value is not exactly one reference. Used for dependency edges.
 */
const struct data_entry *pipeline_value_ref(const struct pipeline *p,
    const struct value *v);

/*
 * Resolve a data entry's path: expanded, and absolute against p->dir
 * unless it is a URL. Owned string, or NULL with err set.
 */
char *pipeline_data_path(const struct pipeline *p,
    const struct data_entry *d, struct loom_error *err);

/*
 * pipeline_data_path without a copy: the pipeline works the paths out
 * when it is loaded and keeps them (8 MiB at most) until a data path or
 * a parameter changes (pipeline_set_var, pipeline_set_param), so looking
 * one up only reads. Valid until such a change or pipeline_free. NULL
 * with err set as pipeline_data_path; NULL with err not set for a path
 * the pipeline does not keep: ask pipeline_data_path for a copy.
 */
const char *pipeline_data_path_ref(const struct pipeline *p,
    const struct data_entry *d, struct loom_error *err);

/* An absolute path for a possibly relative one, against p->dir. */
char *pipeline_abspath(const struct pipeline *p, const char *path);

/* The nearest name among candidates (edit distance), for hints; or NULL. */
const char *pipeline_suggest(const char *name, const char *const *candidates,
    size_t n);

/* Rebuild the name lookups after steps, data, params or groups changed. */
void pipeline_index_rebuild(struct pipeline *p);

/* True for "scheme://..." (http, https, ...): such paths are not files. */
bool pipeline_is_url(const char *path);

/*
 * Add a diagnostic about p's file at sp (NULL: no line or column) to d,
 * the column moved right by coloff when it is known (not 0). Returns the
 * diagnostic, which d owns, so a hint can be set on it.
 */
struct diag *pipeline_vdiag(const struct pipeline *p, struct diags *d,
    enum diag_severity sev, const struct loom_span *sp, int coloff,
    const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/*
 * How an override (--set) or a plain YAML scalar is typed: for an
 * override only true/false, integers and decimals are typed (yaml false),
 * for YAML the 1.2 core schema applies (yaml true: also null, ~, 0x1f,
 * 0o17, .inf, .nan). Returns the type; *boolean receives a bool's value.
 */
enum value_type value_classify(const char *text, bool yaml, bool *boolean);

/*
 * A small string -> index hash map (open addressing) for name lookups.
 * Keys are borrowed: they must outlive the map.
 */
struct pipeline_map;
struct pipeline_map *pipeline_map_create(size_t hint);
void pipeline_map_free(struct pipeline_map *m);
/* The index stored for key, or -1. */
ssize_t pipeline_map_get(const struct pipeline_map *m, const char *key);
/* Add key unless present: returns -1 when added, else the old index. */
ssize_t pipeline_map_add(struct pipeline_map *m, const char *key,
    size_t index);
/* Add or replace. */
void pipeline_map_set(struct pipeline_map *m, const char *key, size_t index);

/* Value helpers. */
struct value *value_new_scalar(const char *text, bool quoted);
struct value *value_copy(const struct value *v);
/* Take one more reference to v (value_free drops one); returns v. */
struct value *value_hold(struct value *v);
void value_free(struct value *v);
bool value_is_scalar(const struct value *v);
void kvlist_free(struct kvlist *l);
const struct kv *kvlist_get(const struct kvlist *l, const char *key);

#endif
