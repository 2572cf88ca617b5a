/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the pipeline loader: arbitrary bytes go through
 * pipeline_load_string, validate_pipeline, the dependency graph and the
 * expansion of every data path and step value, as `loomctl validate`
 * and a dry run would. Any crash, leak, sanitizer report, input slower
 * than a second or memory over the run's limit is a bug. Task paths
 * resolve under a folder that does not exist, so nothing on the disk is
 * read. Run with tests/fuzz/run.sh (see tests/fuzz/CMakeLists.txt).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_expand_kvlist(const struct pipeline *p, const struct kvlist *l,
    const char *item, const char *out)
{
	struct loom_error err;
	size_t i;
	char *s;

	for (i = 0; i < l->n; i++) {
		if (!value_is_scalar(l->v[i].value))
			continue;
		loom_error_clear(&err);
		s = pipeline_expand(p, l->v[i].value->text,
		    &l->v[i].value->span,
		    item, out, &err);
		free(s);
		(void)pipeline_value_ref(p, l->v[i].value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct pipeline *p;
	struct loom_error err;
	struct graph *g;
	size_t i;
	char *s;
	const char *item, *out;

	diags_init(&d);
	p = pipeline_load_string("fuzz.yml", "/nonexistent-loom-fuzz",
	    (const char *)data, size, &d);
	if (p != NULL) {
		validate_pipeline(p, &d);
		g = graph_build(p, NULL);
		graph_free(g);
		for (i = 0; i < p->ndata; i++) {
			loom_error_clear(&err);
			s = pipeline_data_path(p, &p->data[i], &err);
			free(s);
		}
		for (i = 0; i < p->nsteps; i++) {
			item = p->steps[i].loop ? "/in/a.wav" : NULL;
			out = p->steps[i].loop ? "/out/a.wav" : NULL;
			fuzz_expand_kvlist(p, &p->steps[i].inputs, item, out);
			fuzz_expand_kvlist(p, &p->steps[i].outputs, item, out);
			fuzz_expand_kvlist(p, &p->steps[i].args, item, out);
		}
		if (p->nparams > 0) {
			loom_error_clear(&err);
			pipeline_set_param(p, p->params[0].name, "0.5", &err);
		}
		if (p->ndata > 0) {
			loom_error_clear(&err);
			pipeline_set_var(p, p->data[0].name, "x/y", &err);
		}
	}
	pipeline_free(p);
	diags_free(&d);
	return 0;
}
