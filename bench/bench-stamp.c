/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helper: leave a pipeline as a successful run of every step
 * leaves it, without running anything. Every step's outputs are written
 * (one line each, after its inputs) and its stamp committed with the
 * command a run would use (no VIRTUAL_ENV), so that "loomctl run FILE"
 * answers "Nothing to run" and "loomctl status FILE" shows every step
 * fresh. Loop steps are not handled (gen-pipeline.py makes none). Used
 * by bench/bench-plan-cli.sh; not a test.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

static void	stamp_outputs(const struct pipeline *p, size_t step);

/* Write each output of step (its folders first). */
static void
stamp_outputs(const struct pipeline *p, size_t step)
{
	struct loom_error err;
	struct strv outs;
	char *path, *slash;
	size_t i;
	FILE *fp;

	strv_init(&outs);
	loom_error_clear(&err);
	if (command_output_paths(p, step, NULL, &outs, &err) == -1) {
		fprintf(stderr, "outputs: %s\n", err.message);
		exit(1);
	}
	for (i = 0; i < outs.n; i++) {
		path = pipeline_abspath(p, outs.v[i]);
		for (slash = strchr(path + 1, '/'); slash != NULL;
		    slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			if (mkdir(path, 0755) == -1 && errno != EEXIST) {
				perror(path);
				exit(1);
			}
			*slash = '/';
		}
		if ((fp = fopen(path, "w")) == NULL ||
		    fputs("output\n", fp) == EOF || fclose(fp) != 0) {
			perror(path);
			exit(1);
		}
		free(path);
	}
	strv_free(&outs);
}

int
main(int argc, char **argv)
{
	struct command_env env = { NULL };
	struct loom_error err;
	struct pipeline *p;
	struct graph *g;
	struct diags d;
	struct strv sv;
	const size_t *order;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-stamp FILE\n");
		return 2;
	}
	diags_init(&d);
	if ((p = pipeline_load_file(argv[1], &d)) == NULL ||
	    (g = validate_pipeline_graph(p, &d)) == NULL) {
		diags_print(&d, stderr);
		return 1;
	}
	order = graph_order(g);
	for (i = 0; i < p->nsteps; i++)
		stamp_outputs(p, order[i]);
	for (i = 0; i < p->nsteps; i++) {
		strv_init(&sv);
		loom_error_clear(&err);
		if (command_build(p, order[i], &env, NULL, NULL, NULL, &sv,
		    &err) == -1 || freshness_commit(p, order[i], NULL, NULL,
		    &sv, &err) == -1) {
			fprintf(stderr, "commit: %s\n", err.message);
			return 1;
		}
		strv_free(&sv);
	}
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
	return 0;
}
