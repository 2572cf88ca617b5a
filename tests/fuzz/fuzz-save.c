/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the saver (common/model/pipeline-save.c). The input's
 * first 4 bytes seed a random sequence of edits; the rest is a pipeline
 * file (seeded from tests/save-corpus/). When the file loads without
 * errors, up to 8
 * edits with exact inverses are drawn from its tree: set a scalar to a
 * new value, rename a data entry, parameter or step to a fresh name, add
 * a new key to a mapping, move a node that has a layout entry. Applying
 * them must succeed or fail with an error (never crash); when they
 * succeed the result must load, and the inverse edits, applied in
 * reverse order, must give back the original bytes exactly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/model/pipeline-save.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"
#include "common/model/yamldoc.h"

#define FUZZ_MAX_EDITS	8
#define FUZZ_MAX_NODES	256

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_node {
	const struct yamldoc_node *n;
	json_t *path;			/* ["a", "0", "b"] */
};

struct fuzz {
	const char *text;
	size_t len;
	uint32_t seed;
	struct fuzz_node nodes[FUZZ_MAX_NODES];
	size_t nnodes;
	json_t *edits;
	json_t *inverse;
	json_t *renames;		/* applied last: paths use old names */
	json_t *unrenames;
	int fresh;
};

static uint32_t
fuzz_rand(struct fuzz *f)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return f->seed >> 8;
}

/* Every node reachable by scalar keys and list indexes, with its path. */
static void
fuzz_collect(struct fuzz *f, const struct yamldoc_node *n, json_t *path)
{
	json_t *p;
	char idx[24];
	size_t i;

	if (f->nnodes == FUZZ_MAX_NODES) {
		json_decref(path);
		return;
	}
	f->nodes[f->nnodes].n = n;
	f->nodes[f->nnodes++].path = path;
	for (i = 0; i < n->nkids; i++) {
		if (n->kind == YAMLDOC_MAP) {
			/* A duplicate key's path leads to the first one. */
			if (i % 2 == 0 || n->kids[i - 1]->kind !=
			    YAMLDOC_SCALAR || yamldoc_get(n,
			    n->kids[i - 1]->text) != n->kids[i])
				continue;
			p = json_deep_copy(path);
			json_array_append_new(p, json_string(
			    n->kids[i - 1]->text));
		} else {
			p = json_deep_copy(path);
			snprintf(idx, sizeof idx, "%zu", i);
			json_array_append_new(p, json_string(idx));
		}
		fuzz_collect(f, n->kids[i], p);
	}
}

/* Is the name used anywhere in the text? (Fresh names must not be.) */
static bool
fuzz_unused(const struct fuzz *f, const char *name)
{
	return memmem(f->text, f->len, name, strlen(name)) == NULL;
}

/*
 * Does [p, p + n) hold a line break as YAML counts them: LF, CR, and
 * NEL, LS, PS (U+0085, U+2028, U+2029), which libyaml folds like LF?
 */
static bool
fuzz_breaks(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' || p[i] == '\r')
			return true;
		if (i + 1 < n && (unsigned char)p[i] == 0xc2 &&
		    (unsigned char)p[i + 1] == 0x85)
			return true;
		if (i + 2 < n && (unsigned char)p[i] == 0xe2 &&
		    (unsigned char)p[i + 1] == 0x80 &&
		    ((unsigned char)p[i + 2] == 0xa8 ||
		    (unsigned char)p[i + 2] == 0xa9))
			return true;
	}
	return false;
}

/* A set of a one-line scalar, undone by setting its old spelling. */
static void
fuzz_set(struct fuzz *f, const struct fuzz_node *fn)
{
	const struct yamldoc_node *n = fn->n;
	char *old, val[16];

	if (n->kind != YAMLDOC_SCALAR || n->end <= n->start ||
	    n->style == YAMLDOC_LITERAL || json_array_size(fn->path) == 0 ||
	    fuzz_breaks(f->text + n->start, n->end - n->start) ||
	    strchr("&!*", f->text[n->start]) != NULL)
		return;
	/*
	 * After an anchor with no blank ("&a:b"), a new value gets one, so
	 * setting the old spelling back gives "&a :b", not the same bytes.
	 */
	if (n->start > n->head && strchr(" \t\r\n",
	    f->text[n->start - 1]) == NULL)
		return;
	old = xstrndup(f->text + n->start, n->end - n->start);
	snprintf(val, sizeof val, "fz%d", f->fresh++);
	json_array_append_new(f->edits, json_pack("{s:s, s:O, s:s}", "op",
	    "set", "path", fn->path, "value", val));
	json_array_insert_new(f->inverse, 0, json_pack("{s:s, s:O, s:s}",
	    "op", "set", "path", fn->path, "text", old));
	free(old);
}

/* A new key in a non-empty mapping, undone by removing it. */
static void
fuzz_add(struct fuzz *f, const struct fuzz_node *fn)
{
	json_t *path;
	char key[16];

	if (fn->n->kind != YAMLDOC_MAP || (fn->n->nkids == 0 &&
	    !fn->n->flow))
		return;
	snprintf(key, sizeof key, "fzk%d", f->fresh++);
	path = json_deep_copy(fn->path);
	json_array_append_new(path, json_string(key));
	json_array_append_new(f->edits, json_pack("{s:s, s:O, s:i}", "op",
	    "add", "path", path, "value", (int)(fuzz_rand(f) % 100)));
	json_array_insert_new(f->inverse, 0, json_pack("{s:s, s:o}", "op",
	    "remove", "path", path));
}

/*
 * A rename to a fresh name, undone by renaming back. Renames go after
 * the other edits (and their inverses before), since those name data
 * entries and parameters by their old names.
 */
static void
fuzz_rename(struct fuzz *f, const struct pipeline *p)
{
	static const char *const kinds[] = { "data", "parameter", "step" };
	const char *kind = kinds[fuzz_rand(f) % 3], *from;
	json_t *e;
	size_t i, dup;
	char to[16];
	size_t n = kind[0] == 'd' ? p->ndata : kind[0] == 'p' ?
	    p->nparams : p->nsteps;

	if (n == 0)
		return;
	n = fuzz_rand(f) % n;
	from = kind[0] == 'd' ? p->data[n].name : kind[0] == 'p' ?
	    p->params[n].name : p->steps[n].name;
	/* Only a $name can be renamed back (the saver refuses others). */
	if (kind[0] != 's' && (strspn(from, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(from) ||
	    (from[0] >= '0' && from[0] <= '9') || from[0] == '\0'))
		return;
	/*
	 * A tab is written quoted, even where the file had it plain; a name
	 * written over several lines or with escapes comes back on one line.
	 */
	if (strchr(from, '\t') != NULL || fuzz_unused(f, from))
		return;
	/* A name given twice (validation's error, not the loader's). */
	for (i = 0, dup = 0; i < p->nsteps; i++)
		dup += kind[0] == 's' && strcmp(p->steps[i].name, from) == 0;
	for (i = 0; i < p->ndata; i++)
		dup += kind[0] == 'd' && strcmp(p->data[i].name, from) == 0;
	if (dup > 1)
		return;
	/* A name both a data entry and a parameter cannot come back. */
	if (kind[0] != 's' && pipeline_data(p, from) != NULL &&
	    pipeline_param(p, from) != NULL)
		return;
	for (n = 0; n < json_array_size(f->renames); n++) {
		e = json_array_get(f->renames, n);
		if (strcmp(json_string_value(json_object_get(e, "from")),
		    from) == 0)
			return;	/* renamed already */
	}
	snprintf(to, sizeof to, "fz%d", f->fresh++);
	json_array_append_new(f->renames, json_pack("{s:s, s:s, s:s, s:s}",
	    "op", "rename", "kind", kind, "from", from, "to", to));
	json_array_insert_new(f->unrenames, 0, json_pack("{s:s, s:s, s:s, "
	    "s:s}", "op", "rename", "kind", kind, "from", to, "to", from));
}

/* A move of a node with a {x, y} layout entry, undone by sets. */
static void
fuzz_move(struct fuzz *f, const struct pipeline *p)
{
	const struct fuzz_node *fn;
	const struct yamldoc_node *x, *y;
	char *tx, *ty;
	size_t i;

	if (p->nlayout == 0)
		return;
	for (i = 0; i < f->nnodes; i++) {
		fn = &f->nodes[i];
		if (json_array_size(fn->path) != 2 || strcmp(json_string_value(
		    json_array_get(fn->path, 0)), "layout") != 0 ||
		    strcmp(json_string_value(json_array_get(fn->path, 1)),
		    p->layout[0].name) != 0)
			continue;
		x = yamldoc_get(fn->n, "x");
		y = yamldoc_get(fn->n, "y");
		if (x == NULL || y == NULL || x->kind != YAMLDOC_SCALAR ||
		    y->kind != YAMLDOC_SCALAR || x->end <= x->start ||
		    y->end <= y->start)
			return;
		tx = xstrndup(f->text + x->start, x->end - x->start);
		ty = xstrndup(f->text + y->start, y->end - y->start);
		json_array_append_new(f->edits, json_pack("{s:s, s:s, s:i, "
		    "s:f}", "op", "move", "node", p->layout[0].name, "x",
		    (int)(fuzz_rand(f) % 1000), "y", 0.5));
		json_array_insert_new(f->inverse, 0, json_pack("{s:s, s:[s, "
		    "s, s], s:s}", "op", "set", "path", "layout",
		    p->layout[0].name, "y", "text", ty));
		json_array_insert_new(f->inverse, 0, json_pack("{s:s, s:[s, "
		    "s, s], s:s}", "op", "set", "path", "layout",
		    p->layout[0].name, "x", "text", tx));
		free(tx);
		free(ty);
		return;
	}
}

/* Draw the edits and their inverses. */
static void
fuzz_draw(struct fuzz *f, const struct pipeline *p)
{
	size_t i, n = 1 + fuzz_rand(f) % FUZZ_MAX_EDITS;

	for (i = 0; i < n; i++) {
		switch (fuzz_rand(f) % 4) {
		case 0:
			fuzz_set(f, &f->nodes[fuzz_rand(f) % f->nnodes]);
			break;
		case 1:
			fuzz_add(f, &f->nodes[fuzz_rand(f) % f->nnodes]);
			break;
		case 2:
			fuzz_rename(f, p);
			break;
		default:
			fuzz_move(f, p);
			break;
		}
	}
	json_array_extend(f->edits, f->renames);
	json_array_extend(f->unrenames, f->inverse);
	json_decref(f->inverse);
	f->inverse = json_incref(f->unrenames);
}

/* The result must load and the inverse must restore the bytes. */
static void
fuzz_check(struct fuzz *f, const char *out, size_t outlen)
{
	struct loom_error err;
	struct pipeline *q;
	struct diags d;
	char *back;
	size_t backlen = 0;

	diags_init(&d);
	q = pipeline_load_string("fuzz.yml", "/nonexistent-loom-fuzz", out,
	    outlen, &d);
	diags_free(&d);
	if (q == NULL) {
		fprintf(stderr, "the result does not load:\n%s\n", out);
		abort();
	}
	pipeline_free(q);
	loom_error_clear(&err);
	back = pipeline_save_apply("fuzz.yml", out, outlen, f->inverse,
	    &backlen, &err);
	if (back == NULL || backlen != f->len ||
	    memcmp(back, f->text, f->len) != 0) {
		char *e = json_dumps(f->edits, JSON_COMPACT);
		char *i = json_dumps(f->inverse, JSON_COMPACT);

		fprintf(stderr, "the inverse did not restore the file (%s):\n"
		    "%s\nedits: %s\ninverse: %s\n", back == NULL ?
		    err.message : "different bytes", back != NULL ? back : out,
		    e != NULL ? e : "?", i != NULL ? i : "?");
		free(e);
		free(i);
		abort();
	}
	free(back);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(1);	/* objects iterated in the same order every run */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loom_error err;
	struct fuzz f;
	struct yamldoc *doc;
	struct pipeline *p;
	struct diags d;
	char *out;
	size_t i, outlen = 0;

	if (size < 4 || size > 64 * 1024)
		return 0;
	memset(&f, 0, sizeof f);
	memcpy(&f.seed, data, 4);
	f.text = (const char *)data + 4;
	f.len = size - 4;
	if (!fuzz_unused(&f, "fz"))
		return 0;
	diags_init(&d);
	p = pipeline_load_string("fuzz.yml", "/nonexistent-loom-fuzz", f.text,
	    f.len, &d);
	/* Only files that load cleanly (no duplicate names or keys). */
	if (p != NULL && d.nerrors > 0) {
		pipeline_free(p);
		p = NULL;
	}
	diags_free(&d);
	loom_error_clear(&err);
	doc = p != NULL ? yamldoc_parse("fuzz.yml", f.text, f.len, &err) : NULL;
	if (doc == NULL || doc->root == NULL ||
	    doc->root->kind != YAMLDOC_MAP) {
		yamldoc_free(doc);
		pipeline_free(p);
		return 0;
	}
	fuzz_collect(&f, doc->root, json_array());
	f.edits = json_array();
	f.inverse = json_array();
	f.renames = json_array();
	f.unrenames = json_array();
	fuzz_draw(&f, p);
	out = pipeline_save_apply("fuzz.yml", f.text, f.len, f.edits, &outlen,
	    &err);
	if (out != NULL)
		fuzz_check(&f, out, outlen);
	free(out);
	json_decref(f.edits);
	json_decref(f.inverse);
	json_decref(f.renames);
	json_decref(f.unrenames);
	for (i = 0; i < f.nnodes; i++)
		json_decref(f.nodes[i].path);
	yamldoc_free(doc);
	pipeline_free(p);
	return 0;
}
