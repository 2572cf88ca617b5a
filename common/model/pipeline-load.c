/* SPDX-License-Identifier: MIT */
/*
 * Loading a pipeline file: reading it, checking its size and encoding,
 * and turning the tree that pipeline-yaml.c makes of its libyaml events
 * into the model of pipeline.h. The entries of pipeline: arrive here one
 * by one while the file is still being parsed (load_pipeline_item), the
 * other sections once the tree is complete. Each entry's nodes are
 * released as soon as the model has what it needs, unless a YAML alias
 * shares them with another part of the tree.
 *
 * Structural and type problems (optional: maybe, max_workers: many) are
 * reported here since the model has typed fields; checks that need the
 * whole pipeline (references, duplicates across sections, the graph,
 * task files) are validate.c's.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/pipeline-load.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

static void	load_build(struct load *l, const struct value *root);
static void	load_release(struct value **slot);
static struct pipeline *load_common(struct pipeline *p, struct diags *d);

static const char *load_kind(const struct value *v);
static const struct loom_span *load_where(const struct kv *kv);
static bool	load_want_map(struct load *l, const struct kv *kv,
		    const char *what);
static char *load_text(struct load *l, const struct kv *kv, const char *what);
static char *load_take_text(struct load *l, struct kv *kv, const char *what,
		    bool own);
static int	load_bool(struct load *l, const struct kv *kv,
		    const char *what);
static void	load_unknown(struct load *l, const struct kv *kv,
		    const char *kind, const char *owner, const char *const *known,
		    size_t nknown);
static void	load_keep(struct kvlist *l, const struct kv *kv);
static void	load_take_kvlist(struct load *l, struct kv *kv,
		    const char *what, struct kvlist *out, bool own);
static void	load_kvlist(struct load *l, const struct kv *kv,
		    const char *what, struct kvlist *out);
static struct data_entry *load_new_data(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_data_entry(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_data_section(struct load *l, const struct kv *kv,
		    bool from_variables);
static void	load_params(struct load *l, const struct kv *kv);
static void	load_execution(struct load *l, const struct kv *kv);
static void	load_resources(struct load *, const struct kv *,
		    const char *, struct resources *, struct execution *);
static void	load_deps(struct load *, const struct kv *, struct execution *);
static void	load_interpreter(struct load *l, const struct kv *kv,
		    struct strv *out);
static void	load_loop(struct load *l, struct step *s, const struct kv *kv);
static struct step *load_new_step(struct load *l);
static void	load_step(struct load *l, struct value *v, ssize_t group,
		    bool own);
static void	load_group(struct load *l, const struct value *v, bool own);
static void	load_steps(struct load *l, const struct kv *kv);
static bool	load_number(struct load *l, const struct kv *kv,
		    const char *owner,
		    double *out);
static void	load_layout(struct load *l, const struct kv *kv);
static char *load_dir_of(const char *path);

/*
 * Drop the tree's hold on a node once the model has taken what it needs:
 * the memory is reused for the rest of the model, which keeps the peak
 * (and the page faults of a big file) down. The model's own references
 * keep what it uses alive.
 */
static void
load_release(struct value **slot)
{
	value_free(*slot);
	*slot = NULL;
}

static const char *
load_kind(const struct value *v)
{
	if (v == NULL)
		return "nothing";
	switch (v->type) {
	case VALUE_NULL:
		return "empty";
	case VALUE_BOOL:
		return "true/false";
	case VALUE_INT:
	case VALUE_FLOAT:
		return "a number";
	case VALUE_STRING:
		return "text";
	case VALUE_LIST:
		return "a list";
	case VALUE_MAP:
		return "a mapping";
	}
	return "unknown";
}

/* The place of a value, or of its key when the value is empty. */
static const struct loom_span *
load_where(const struct kv *kv)
{
	if (kv->value != NULL && kv->value->span.line > 0 &&
	    !(kv->value->type == VALUE_NULL && kv->value->text[0] == '\0'))
		return &kv->value->span;
	return &kv->key_span;
}

/* Is v a mapping? Empty is fine (false, no error); else an error. */
static bool
load_want_map(struct load *l, const struct kv *kv, const char *what)
{
	struct diag *dg;

	if (kv->value->type == VALUE_MAP)
		return true;
	if (kv->value->type == VALUE_NULL)
		return false;
	dg = load_error(l, load_where(kv), "%s must be a mapping of "
	    "name: value lines, not %s", what, load_kind(kv->value));
	if (kv->value->type == VALUE_LIST)
		diag_set_hint(dg, "give each entry a name, as in '%s: "
		    "{name: value}', or one per line below '%s:'", kv->key,
		    kv->key);
	else
		diag_set_hint(dg, "indent the entries below '%s:'", kv->key);
	return false;
}

/* A scalar's text, owned; NULL (and an error) for lists and mappings. */
static char *
load_text(struct load *l, const struct kv *kv, const char *what)
{
	if (value_is_scalar(kv->value) && kv->value->type != VALUE_NULL)
		return xstrdup(kv->value->text);
	load_error(l, load_where(kv), "%s must be text, not %s", what,
	    load_kind(kv->value));
	return NULL;
}

/*
 * load_text for a node of a tree that is dropped once read (own): an
 * unshared scalar's text is taken over instead of copied.
 */
static char *
load_take_text(struct load *l, struct kv *kv, const char *what, bool own)
{
	char *t;

	if (!own || kv->value->refs != 0 || !value_is_scalar(kv->value) ||
	    kv->value->type == VALUE_NULL || kv->value->text == NULL)
		return load_text(l, kv, what);
	t = kv->value->text;
	kv->value->text = NULL;
	return t;
}

/* A boolean field: true/false only. Returns -1 on error (reported). */
static int
load_bool(struct load *l, const struct kv *kv, const char *what)
{
	struct diag *dg;

	if (kv->value->type == VALUE_BOOL)
		return kv->value->boolean ? 1 : 0;
	if (value_is_scalar(kv->value))
		dg = load_error(l, load_where(kv), "%s must be true or false, "
		    "not '%s'", what, kv->value->text);
	else
		dg = load_error(l, load_where(kv), "%s must be true or false, "
		    "not %s", what, load_kind(kv->value));
	diag_set_hint(dg, "write %s: true or %s: false", kv->key, kv->key);
	return -1;
}

/* Warn about a key Loom does not know, suggesting a known one. */
static void
load_unknown(struct load *l, const struct kv *kv, const char *kind,
    const char *owner, const char *const *known, size_t nknown)
{
	const char *best = pipeline_suggest(kv->key, known, nknown);
	struct diag *dg;

	if (owner != NULL)
		dg = load_warning(l, &kv->key_span, "unknown key '%s' in %s "
		    "'%s': kept, but not used by Loom", kv->key, kind, owner);
	else
		dg = load_warning(l, &kv->key_span, "unknown key '%s' in %s: "
		    "kept, but not used by Loom", kv->key, kind);
	if (best != NULL)
		diag_set_hint(dg, "did you mean '%s'?", best);
}

static void
load_keep(struct kvlist *l, const struct kv *kv)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n].key = xstrdup(kv->key);
	l->v[l->n].key_span = kv->key_span;
	l->v[l->n].value = value_hold(kv->value);
	l->n++;
}

/*
 * load_kvlist for a node of a tree that is dropped once read (own): an
 * unshared mapping's entries move to out as they are, keys and all.
 */
static void
load_take_kvlist(struct load *l, struct kv *kv, const char *what,
    struct kvlist *out, bool own)
{
	if (!own || kv->value->refs != 0 || out->n != 0 ||
	    kv->value->type != VALUE_MAP) {
		load_kvlist(l, kv, what, out);
		return;
	}
	free(out->v);
	*out = kv->value->map;
	memset(&kv->value->map, 0, sizeof kv->value->map);
}

/* Copy a mapping (inputs, outputs, args, interpreters) into a kvlist. */
static void
load_kvlist(struct load *l, const struct kv *kv, const char *what,
    struct kvlist *out)
{
	size_t i;

	if (!load_want_map(l, kv, what))
		return;
	for (i = 0; i < kv->value->map.n; i++)
		load_keep(out, &kv->value->map.v[i]);
}

static struct data_entry *
load_new_data(struct load *l, const struct kv *kv, bool from_variables)
{
	struct pipeline *p = l->p;
	struct data_entry *d;

	if ((p->ndata & (p->ndata - 1)) == 0)
		p->data = xreallocarray(p->data, p->ndata ? p->ndata * 2 : 1,
		    sizeof *p->data);
	d = &p->data[p->ndata++];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(kv->key);
	d->span = kv->key_span;
	d->from_variables = from_variables;
	return d;
}

static void
load_data_entry(struct load *l, const struct kv *kv, bool from_variables)
{
	static const char *const known[] = { "type", "path", "description" };
	const char *section = from_variables ? "variables" : "data";
	struct data_entry *d;
	const struct kv *f;
	struct diag *dg;
	size_t i;

	d = load_new_data(l, kv, from_variables);
	if (value_is_scalar(kv->value)) {
		if (kv->value->type == VALUE_NULL) {
			dg = load_error(l, &kv->key_span, "%s entry '%s' has "
			    "no path", section, d->name);
			diag_set_hint(dg, "write %s: path/to/file", d->name);
			return;
		}
		d->path = value_hold(kv->value);
		return;
	}
	if (kv->value->type != VALUE_MAP) {
		dg = load_error(l, &kv->value->span, "%s entry '%s' must be a "
		    "path or a mapping with path:, not %s", section, d->name,
		    load_kind(kv->value));
		diag_set_hint(dg, "write %s: path/to/file", d->name);
		return;
	}
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "type") == 0)
			d->type = load_text(l, f, "type");
		else if (strcmp(f->key, "description") == 0)
			d->description = load_text(l, f, "description");
		else if (strcmp(f->key, "path") == 0) {
			if (value_is_scalar(f->value) &&
			    f->value->type != VALUE_NULL)
				d->path = value_hold(f->value);
			else
				load_error(l, load_where(f), "path of '%s' "
				    "must be a file path or URL, not %s",
				    d->name, load_kind(f->value));
		} else {
			load_unknown(l, f, "data entry", d->name, known, 3);
			load_keep(&d->unknown, f);
		}
	}
	if (kvlist_get(&kv->value->map, "path") == NULL) {
		dg = load_error(l, &kv->key_span, "data entry '%s' has no "
		    "path", d->name);
		diag_set_hint(dg, "add path: path/to/file under '%s'", d->name);
	}
}

static void
load_data_section(struct load *l, const struct kv *kv, bool from_variables)
{
	size_t i;
	bool own;

	if (!load_want_map(l, kv, from_variables ? "variables" : "data"))
		return;
	/*
	 * An unshared section is the tree's alone: its entries are freed as
	 * they are read. A shared one (an alias) is left intact for its
	 * other owners.
	 */
	own = kv->value->refs == 0;
	for (i = 0; i < kv->value->map.n; i++) {
		load_data_entry(l, &kv->value->map.v[i], from_variables);
		if (own)
			load_release(&kv->value->map.v[i].value);
	}
}

static void
load_params(struct load *l, const struct kv *kv)
{
	struct pipeline *p = l->p;
	const struct kv *e;
	struct param *pa;
	struct diag *dg;
	size_t i;

	if (!load_want_map(l, kv, "parameters"))
		return;
	p->params = xreallocarray(NULL, kv->value->map.n,
	    sizeof *p->params);
	for (i = 0; i < kv->value->map.n; i++) {
		e = &kv->value->map.v[i];
		if (!value_is_scalar(e->value)) {
			dg = load_error(l, &e->value->span, "parameter '%s' "
			    "must be a single value (number, true/false or "
			    "text), not %s", e->key, load_kind(e->value));
			diag_set_hint(dg, "lists and mappings belong in a "
			    "step's args:");
			continue;
		}
		pa = &p->params[p->nparams++];
		pa->name = xstrdup(e->key);
		pa->span = e->key_span;
		pa->value = value_hold(e->value);
	}
}

static void
load_execution(struct load *l, const struct kv *kv)
{
	static const char *const known[] = { "parallel", "max_workers",
	    "interpreters", "executor", "slurm" };
	struct execution *x = &l->p->exec;
	const struct kv *f;
	struct diag *dg;
	char *end;
	long n;
	size_t i, j;
	int b;

	x->span = kv->key_span;
	if (!load_want_map(l, kv, "execution"))
		return;
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "parallel") == 0) {
			if ((b = load_bool(l, f, "parallel")) != -1)
				x->parallel = b;
		} else if (strcmp(f->key, "max_workers") == 0) {
			if (f->value->type == VALUE_NULL)
				continue;
			errno = 0;
			n = f->value->type == VALUE_INT ?
			    strtol(f->value->text, &end, 10) : 0;
			if (f->value->type != VALUE_INT || errno != 0 ||
			    *end != '\0' || n < 1 || n > 100000) {
				dg = load_error(l, load_where(f), "max_workers "
				    "must be a whole number from 1 to 100000, "
				    "not '%s'", value_is_scalar(f->value) ?
				    f->value->text : load_kind(f->value));
				diag_set_hint(dg, "write max_workers: 4, or "
				    "leave it out to use every CPU");
			} else
				x->max_workers = n;
		} else if (strcmp(f->key, "interpreters") == 0) {
			load_kvlist(l, f, "interpreters", &x->interpreters);
			for (j = 0; j < x->interpreters.n; j++) {
				const struct value *v =
				    x->interpreters.v[j].value;
				size_t k;
				bool ok = value_is_scalar(v) &&
				    v->type != VALUE_NULL;

				if (v->type == VALUE_LIST) {
					ok = v->nitems > 0;
					for (k = 0; k < v->nitems; k++)
						if (!value_is_scalar(
						    v->items[k]))
							ok = false;
				}
				if (!ok)
					load_error(l, &v->span, "interpreter "
					    "for '%s' must be a command or a "
					    "list of words, not %s",
					    x->interpreters.v[j].key,
					    load_kind(v));
			}
		} else if (strcmp(f->key, "executor") == 0) {
			x->executor_span = *load_where(f);
			if (value_is_scalar(f->value))
				x->executor = resources_executor(
				    f->value->text);
			if (x->executor == EXECUTOR_DEFAULT) {
				dg = load_error(l, load_where(f), "executor "
				    "must be local or slurm, not '%s'",
				    value_is_scalar(f->value) ?
				    f->value->text : load_kind(f->value));
				diag_set_hint(dg, "write executor: slurm to "
				    "run the steps as Slurm jobs");
			}
		} else if (strcmp(f->key, "slurm") == 0)
			load_resources(l, f, "execution.slurm", &x->slurm, x);
		else
			load_unknown(l, f, "execution", NULL, known, 5);
	}
}

/*
 * execution.slurm.dependencies: loom or slurm (x: the pipeline's; NULL
 * under a step's resources:, where it is refused).
 */
static void
load_deps(struct load *l, const struct kv *f, struct execution *x)
{
	struct diag *dg;

	if (x == NULL) {
		dg = load_error(l, &f->key_span, "dependencies is a setting "
		    "of the whole run, not of one step's resources");
		diag_set_hint(dg, "move it to execution: {slurm: "
		    "{dependencies: slurm}}");
		return;
	}
	if (f->value->type == VALUE_NULL)
		return;
	if (value_is_scalar(f->value))
		x->slurm_deps = resources_deps(f->value->text);
	if (x->slurm_deps == SLURM_DEPS_DEFAULT) {
		dg = load_error(l, load_where(f), "dependencies must be loom "
		    "or slurm, not '%s'", value_is_scalar(f->value) ?
		    f->value->text : load_kind(f->value));
		diag_set_hint(dg, "write dependencies: slurm to submit every "
		    "step at once, held by Slurm until its inputs are made");
	}
}

/* execution.slurm: or a step's resources: (resources.h). */
static void
load_resources(struct load *l, const struct kv *kv, const char *what,
    struct resources *r, struct execution *x)
{
	const struct kv *f;
	const struct value *v;
	struct diag *dg;
	const char *hint;
	char msg[512];
	size_t i, j;
	bool ok;

	if (!load_want_map(l, kv, what))
		return;
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		v = f->value;
		if (strcmp(f->key, "extra") == 0) {
			if (v->type == VALUE_NULL)
				continue;
			if (v->type != VALUE_LIST) {
				dg = load_error(l, load_where(f), "extra must "
				    "be a list of sbatch options, not %s",
				    load_kind(v));
				diag_set_hint(dg, "write extra: "
				    "[--constraint=avx2]");
				continue;
			}
			for (j = 0; j < v->nitems; j++) {
				ok = value_is_scalar(v->items[j]) &&
				    v->items[j]->type != VALUE_NULL;
				if (ok && resources_add_extra(r,
				    v->items[j]->text, msg, sizeof msg, &hint))
					continue;
				dg = load_error(l, &v->items[j]->span, "%s",
				    ok ? msg : "extra: each item must be one "
				    "sbatch option");
				diag_set_hint(dg, "%s", ok && hint != NULL ?
				    hint : "e.g. - --constraint=avx2");
			}
			continue;
		}
		if (strcmp(f->key, "dependencies") == 0) {
			load_deps(l, f, x);
			continue;
		}
		for (j = 0; j < resources_nkeys; j++)
			if (strcmp(f->key, resources_keys[j]) == 0)
				break;
		if (j == resources_nkeys) {
			dg = load_error(l, &f->key_span, "unknown key '%s' in "
			    "%s", f->key, what);
			if (pipeline_suggest(f->key, resources_keys,
			    resources_nkeys) != NULL)
				diag_set_hint(dg, "did you mean '%s'?",
				    pipeline_suggest(f->key, resources_keys,
				    resources_nkeys));
			else
				diag_set_hint(dg, "the keys are partition, "
				    "time, mem, cpus_per_task, gpus, account, "
				    "qos%s and extra", x != NULL ?
				    ", dependencies" : "");
			continue;
		}
		if (v->type == VALUE_NULL)
			continue;
		if (!value_is_scalar(v)) {
			load_error(l, load_where(f), "%s must be a single "
			    "value, not %s", f->key, load_kind(v));
			continue;
		}
		if (!resources_set(r, f->key, v->text, msg, sizeof msg,
		    &hint)) {
			dg = load_error(l, load_where(f), "%s", msg);
			if (hint != NULL)
				diag_set_hint(dg, "%s", hint);
		}
	}
}

/* interpreter: a string or a non-empty list of strings. */
static void
load_interpreter(struct load *l, const struct kv *kv, struct strv *out)
{
	const struct value *v = kv->value;
	size_t i;

	if (value_is_scalar(v) && v->type != VALUE_NULL) {
		strv_push(out, v->text);
		return;
	}
	if (v->type == VALUE_LIST && v->nitems > 0) {
		for (i = 0; i < v->nitems; i++) {
			if (!value_is_scalar(v->items[i]) ||
			    v->items[i]->type == VALUE_NULL) {
				load_error(l, &v->items[i]->span, "each word "
				    "of interpreter must be text, not %s",
				    load_kind(v->items[i]));
				strv_free(out);
				return;
			}
			strv_push(out, v->items[i]->text);
		}
		return;
	}
	load_error(l, load_where(kv), "interpreter must be a command or a "
	    "list of words, not %s", load_kind(v));
}

static void
load_loop(struct load *l, struct step *s, const struct kv *kv)
{
	static const char *const known[] = { "over", "into", "filter",
	    "parallel" };
	struct loop *lp;
	const struct kv *f;
	struct diag *dg;
	size_t i;
	int b;

	lp = xcalloc(1, sizeof *lp);
	lp->parallel = -1;
	lp->span = kv->key_span;
	s->loop = lp;
	if (kv->value->type != VALUE_MAP) {
		if (kv->value->type != VALUE_NULL) {
			dg = load_error(l, load_where(kv), "loop must be a "
			    "mapping with over: and into:, not %s",
			    load_kind(kv->value));
			diag_set_hint(dg, "write loop: {over: $folder, into: "
			    "$out_folder}");
		}
		return;
	}
	for (i = 0; i < kv->value->map.n; i++) {
		f = &kv->value->map.v[i];
		if (strcmp(f->key, "over") == 0 ||
		    strcmp(f->key, "into") == 0) {
			if (!value_is_scalar(f->value) ||
			    f->value->type == VALUE_NULL) {
				load_error(l, load_where(f), "loop %s must be "
				    "a folder, not %s", f->key,
				    load_kind(f->value));
				continue;
			}
			if (f->key[0] == 'o')
				lp->over = value_hold(f->value);
			else
				lp->into = value_hold(f->value);
		} else if (strcmp(f->key, "filter") == 0) {
			lp->filter = load_text(l, f, "loop filter");
		} else if (strcmp(f->key, "parallel") == 0) {
			if ((b = load_bool(l, f, "loop parallel")) != -1)
				lp->parallel = b;
		} else
			load_unknown(l, f, "the loop of step", s->name, known,
			    4);
	}
}

static struct step *
load_new_step(struct load *l)
{
	struct pipeline *p = l->p;
	struct step *s;

	if ((p->nsteps & (p->nsteps - 1)) == 0)
		p->steps = xreallocarray(p->steps,
		    p->nsteps ? p->nsteps * 2 : 1, sizeof *p->steps);
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof *s);
	s->group = -1;
	return s;
}

/*
 * One step into the model. own: nothing but the tree holds v, which is
 * dropped afterwards, so unshared texts and mappings move to the model
 * instead of being copied and freed.
 */
static void
load_step(struct load *l, struct value *v, ssize_t group, bool own)
{
	static const char *const known[] = { "name", "task", "script",
	    "inputs", "outputs", "args", "optional", "disabled",
	    "interpreter", "loop", "description", "resources" };
	struct kv *f, *task = NULL;
	struct step *s;
	struct diag *dg;
	size_t i;
	int b;

	s = load_new_step(l);
	s->span = v->span;
	s->group = group;
	for (i = 0; i < v->map.n && strcmp(v->map.v[i].key, "name") != 0; i++)
		;
	f = i < v->map.n ? &v->map.v[i] : NULL;
	if (f == NULL) {
		dg = load_error(l, &v->span, "step has no name");
		diag_set_hint(dg, "add name: followed by a name unique in "
		    "this pipeline");
		s->name = xstrdup("");
	} else {
		s->name_span = *load_where(f);
		s->name = load_take_text(l, f, "a step's name", own);
		if (s->name == NULL)
			s->name = xstrdup("");
	}
	for (i = 0; i < v->map.n; i++) {
		f = &v->map.v[i];
		if (strcmp(f->key, "name") == 0)
			continue;
		if (strcmp(f->key, "task") == 0 ||
		    strcmp(f->key, "script") == 0) {
			if (task != NULL) {
				dg = load_error(l, &f->key_span, "step '%s' "
				    "has both task: and script:", s->name);
				diag_set_hint(dg, "script: is the old name of "
				    "task:; keep one");
				continue;
			}
			task = f;
			s->task = load_take_text(l, f, "task", own);
			s->task_span = *load_where(f);
			s->task_via_script = f->key[0] == 's';
		} else if (strcmp(f->key, "inputs") == 0)
			load_take_kvlist(l, f, "inputs", &s->inputs, own);
		else if (strcmp(f->key, "outputs") == 0)
			load_take_kvlist(l, f, "outputs", &s->outputs, own);
		else if (strcmp(f->key, "args") == 0)
			load_take_kvlist(l, f, "args", &s->args, own);
		else if (strcmp(f->key, "optional") == 0) {
			if ((b = load_bool(l, f, "optional")) != -1)
				s->optional = b;
		} else if (strcmp(f->key, "disabled") == 0) {
			if ((b = load_bool(l, f, "disabled")) != -1)
				s->disabled = b;
		} else if (strcmp(f->key, "interpreter") == 0)
			load_interpreter(l, f, &s->interpreter);
		else if (strcmp(f->key, "loop") == 0)
			load_loop(l, s, f);
		else if (strcmp(f->key, "description") == 0)
			s->description = load_text(l, f, "description");
		else if (strcmp(f->key, "resources") == 0) {
			s->resources_span = f->key_span;
			load_resources(l, f, "resources", &s->resources,
			    NULL);
		} else {
			load_unknown(l, f, "step", s->name, known, 12);
			load_keep(&s->unknown, f);
		}
	}
	if (task == NULL) {
		dg = load_error(l, &v->span, "step '%s' has no task", s->name);
		diag_set_hint(dg, "add task: followed by the script to run, "
		    "e.g. task: tasks/%s.py", s->name[0] ? s->name : "step");
	}
}

static void
load_group(struct load *l, const struct value *v, bool own)
{
	static const char *const known[] = { "group", "steps" };
	struct pipeline *p = l->p;
	struct group *g;
	const struct kv *f, *steps = NULL;
	struct value *item;
	struct diag *dg;
	size_t i, first;
	ssize_t gi;

	if ((p->ngroups & (p->ngroups - 1)) == 0)
		p->groups = xreallocarray(p->groups,
		    p->ngroups ? p->ngroups * 2 : 1, sizeof *p->groups);
	gi = (ssize_t)p->ngroups;
	g = &p->groups[p->ngroups++];
	memset(g, 0, sizeof *g);
	f = kvlist_get(&v->map, "group");
	g->span = *load_where(f);
	g->name = load_text(l, f, "a group's name");
	if (g->name == NULL)
		g->name = xstrdup("");
	for (i = 0; i < v->map.n; i++) {
		f = &v->map.v[i];
		if (strcmp(f->key, "group") == 0)
			continue;
		if (strcmp(f->key, "steps") == 0)
			steps = f;
		else
			load_unknown(l, f, "group", g->name, known, 2);
	}
	if (steps == NULL || steps->value->type == VALUE_NULL) {
		dg = load_warning(l, &g->span, "group '%s' has no steps",
		    g->name);
		diag_set_hint(dg, "list its steps under steps:");
		return;
	}
	if (steps->value->type != VALUE_LIST) {
		load_error(l, load_where(steps), "steps of group '%s' must be "
		    "a list of steps, not %s", g->name,
		    load_kind(steps->value));
		return;
	}
	/*
	 * An unshared list is the tree's alone: its entries are freed as
	 * they become steps. A shared one (an alias) is left intact for
	 * its other owners.
	 */
	own = own && steps->value->refs == 0;
	first = p->nsteps;
	for (i = 0; i < steps->value->nitems; i++) {
		item = steps->value->items[i];
		if (item->type != VALUE_MAP) {
			load_error(l, &item->span, "each entry of a group's "
			    "steps: must be a step (a mapping with name: and "
			    "task:), not %s", load_kind(item));
			continue;
		}
		if (kvlist_get(&item->map, "group") != NULL) {
			dg = load_error(l, &item->span, "groups cannot be "
			    "nested");
			diag_set_hint(dg, "move this group out to the top "
			    "level of pipeline:");
			continue;
		}
		load_step(l, item, gi, own && item->refs == 0);
		if (own)
			load_release(&steps->value->items[i]);
	}
	/* p->groups may have moved while steps were added: index again. */
	g = &p->groups[gi];
	g->nsteps = p->nsteps - first;
	g->steps = xreallocarray(NULL, g->nsteps ? g->nsteps : 1,
	    sizeof *g->steps);
	for (i = 0; i < g->nsteps; i++)
		g->steps[i] = first + i;
}

/* One entry of pipeline: a step or a group block. */
void
load_pipeline_item(struct load *l, struct value *item, bool own)
{
	if (item->type != VALUE_MAP) {
		load_error(l, &item->span, "each entry of pipeline: must be a "
		    "step (a mapping with name: and task:), not %s",
		    load_kind(item));
		return;
	}
	if (kvlist_get(&item->map, "group") != NULL)
		load_group(l, item, own);
	else
		load_step(l, item, -1, own);
}

static void
load_steps(struct load *l, const struct kv *kv)
{
	const struct value *v = kv->value;
	struct diag *dg;
	size_t i;
	bool own;

	if (v->type == VALUE_NULL)
		return;
	if (v->type != VALUE_LIST) {
		dg = load_error(l, load_where(kv), "pipeline must be a list of "
		    "steps, not %s", load_kind(v));
		diag_set_hint(dg, "start each step with '- name: ...'");
		return;
	}
	/*
	 * Usually empty: load_add has streamed the entries already. A
	 * shared (aliased) list stays intact for its other owners.
	 */
	own = v->refs == 0;
	for (i = 0; i < v->nitems; i++) {
		load_pipeline_item(l, v->items[i], own &&
		    v->items[i]->refs == 0);
		if (own)
			load_release(&v->items[i]);
	}
}

/* A number for layout: x and y; false (reported) when not one. */
static bool
load_number(struct load *l, const struct kv *kv, const char *owner,
    double *out)
{
	struct diag *dg;
	char *end;

	if (kv->value->type == VALUE_INT || kv->value->type == VALUE_FLOAT) {
		errno = 0;
		*out = strtod(kv->value->text, &end);
		if (*end == '\0' && errno == 0)
			return true;
	}
	dg = load_error(l, load_where(kv), "layout %s of '%s' must be a "
	    "number, not '%s'", kv->key, owner, value_is_scalar(kv->value) ?
	    kv->value->text : load_kind(kv->value));
	diag_set_hint(dg, "write %s: {x: 100, y: 200}", owner);
	return false;
}

static void
load_layout(struct load *l, const struct kv *kv)
{
	static const char *const known[] = { "x", "y" };
	struct pipeline *p = l->p;
	struct layout_entry *e;
	const struct kv *ent, *f;
	size_t i, j;
	bool hx, hy;

	if (!load_want_map(l, kv, "layout"))
		return;
	p->layout = xreallocarray(NULL, kv->value->map.n, sizeof *p->layout);
	for (i = 0; i < kv->value->map.n; i++) {
		ent = &kv->value->map.v[i];
		if (ent->value->type != VALUE_MAP) {
			load_error(l, load_where(ent), "layout of '%s' must "
			    "be {x: NUMBER, y: NUMBER}, not %s", ent->key,
			    load_kind(ent->value));
			continue;
		}
		e = &p->layout[p->nlayout];
		memset(e, 0, sizeof *e);
		hx = hy = false;
		for (j = 0; j < ent->value->map.n; j++) {
			f = &ent->value->map.v[j];
			if (strcmp(f->key, "x") == 0)
				hx = load_number(l, f, ent->key, &e->x);
			else if (strcmp(f->key, "y") == 0)
				hy = load_number(l, f, ent->key, &e->y);
			else
				load_unknown(l, f, "the layout of", ent->key,
				    known, 2);
		}
		if (!hx || !hy) {
			if (kvlist_get(&ent->value->map, "x") == NULL ||
			    kvlist_get(&ent->value->map, "y") == NULL)
				load_error(l, &ent->key_span, "layout of '%s' "
				    "needs both x and y", ent->key);
			continue;
		}
		e->name = xstrdup(ent->key);
		e->span = ent->key_span;
		p->nlayout++;
	}
}

static void
load_build(struct load *l, const struct value *root)
{
	static const char *const known[] = { "variables", "data",
	    "parameters", "execution", "pipeline", "layout" };
	const struct kv *kv;
	struct diag *dg;
	size_t i;

	if (root == NULL || root->type == VALUE_NULL)
		return;
	if (root->type != VALUE_MAP) {
		dg = load_error(l, &root->span, "the top level of a pipeline "
		    "file must be a mapping, not %s", load_kind(root));
		diag_set_hint(dg, "start with 'pipeline:' and list the steps "
		    "below it");
		return;
	}
	for (i = 0; i < root->map.n; i++) {
		kv = &root->map.v[i];
		if (strcmp(kv->key, "variables") == 0)
			load_data_section(l, kv, true);
		else if (strcmp(kv->key, "data") == 0)
			load_data_section(l, kv, false);
		else if (strcmp(kv->key, "parameters") == 0)
			load_params(l, kv);
		else if (strcmp(kv->key, "execution") == 0)
			load_execution(l, kv);
		else if (strcmp(kv->key, "pipeline") == 0)
			load_steps(l, kv);
		else if (strcmp(kv->key, "layout") == 0)
			load_layout(l, kv);
		else {
			load_unknown(l, kv, "the pipeline file", NULL, known,
			    6);
			load_keep(&l->p->unknown, kv);
		}
	}
}

/*
 * Parse p->source into p. Returns p, or NULL (p freed) when the text
 * could not become a model; every problem is in d.
 */
static struct pipeline *
load_common(struct pipeline *p, struct diags *d)
{
	struct load l;
	const unsigned char *s = (const unsigned char *)p->source;
	struct diag *dg;

	memset(&l, 0, sizeof l);
	l.p = p;
	l.d = d;
	p->exec.parallel = -1;

	if (p->source_len > PIPELINE_MAX_FILE_SIZE) {
		dg = diags_add(d, DIAG_ERROR, p->path, 0, 0, "%s is too "
		    "large: %zu bytes, the limit is %u bytes", p->path,
		    p->source_len, PIPELINE_MAX_FILE_SIZE);
		diag_set_hint(dg, "a pipeline file describes steps; keep data "
		    "in data files");
		pipeline_free(p);
		return NULL;
	}
	if (p->source_len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) ||
	    (s[0] == 0xfe && s[1] == 0xff))) {
		dg = diags_add(d, DIAG_ERROR, p->path, 1, 1, "the file is "
		    "UTF-16 text; Loom reads UTF-8 only");
		diag_set_hint(dg, "re-save the file as UTF-8");
		pipeline_free(p);
		return NULL;
	}
	load_parse(&l);

	if (l.fatal) {
		value_free(l.root);
		pipeline_free(p);
		return NULL;
	}
	load_build(&l, l.root);
	value_free(l.root);
	pipeline_index_rebuild(p);
	return p;
}

/* Load from memory; see pipeline.h. */
struct pipeline *
pipeline_load_string(const char *name, const char *dir, const char *text,
    size_t len, struct diags *diags)
{
	struct pipeline *p = xcalloc(1, sizeof *p);

	p->path = xstrdup(name);
	p->dir = xstrdup(dir != NULL ? dir : ".");
	if (len > PIPELINE_MAX_FILE_SIZE) {
		/* Refused before copying or parsing. */
		p->source = xstrdup("");
		p->source_len = len;
		return load_common(p, diags);
	}
	p->source = xmalloc(len + 1);
	memcpy(p->source, text, len);
	p->source[len] = '\0';
	p->source_len = len;
	return load_common(p, diags);
}

/* The absolute folder holding path. Owned. */
static char *
load_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *cwd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		return real;
	}
	if (dir[0] == '/')
		return dir;
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return dir;
	real = xasprintf("%s/%s", cwd, dir);
	free(cwd);
	free(dir);
	return real;
}

/* Load a pipeline file; see pipeline.h. */
struct pipeline *
pipeline_load_file(const char *path, struct diags *diags)
{
	struct loom_error err;
	struct pipeline *p;
	struct diag *dg;
	char *text;
	size_t len;

	loom_error_clear(&err);
	text = fileio_read(path, PIPELINE_MAX_FILE_SIZE, &len, &err);
	if (text == NULL) {
		dg = diags_add(diags, DIAG_ERROR, path, 0, 0, "%s",
		    err.message);
		if (strstr(err.message, "too large") != NULL)
			diag_set_hint(dg, "the limit for a pipeline file is "
			    "%u bytes", PIPELINE_MAX_FILE_SIZE);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->path = xstrdup(path);
	p->dir = load_dir_of(path);
	p->source = text;
	p->source_len = len;
	return load_common(p, diags);
}
