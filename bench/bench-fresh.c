/* SPDX-License-Identifier: MIT */
/*
 * Benchmark: the up-to-date check of a large pipeline whose outputs all
 * exist (issue 5; budget: well under a second for 10,000 steps).
 *
 * Builds, in a temporary folder, a chain-and-fan pipeline of N steps
 * (default 10,000) with small input, output and task files, and measures
 * freshness_plan over it twice: with no stamps (make's rule: every
 * output newer than its inputs) and with a stamp for every step, as after
 * a run (argv, script hash, input identities). The reference in the same
 * process is load + validate + graph of the same file, which the project
 * budgets at 100 ms; results are printed as milliseconds and as a ratio
 * to it. Built and run by bench/bench-fresh.sh; not a test.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

#define BENCH_REPEAT	5

static double	bench_now(void);
static void	bench_write(const char *path, const char *text);
static int	bench_cmp(const void *a, const void *b);

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
bench_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of BENCH_REPEAT plans (stamps as they are on disk). */
static double
bench_plan(const struct pipeline *p, const struct graph *g, size_t *nfresh)
{
	struct command_env env = { NULL };
	struct fresh_opts fo;
	struct fresh_plan *plan;
	struct loom_error err;
	double t[BENCH_REPEAT], t0;
	size_t i, r;

	memset(&fo, 0, sizeof fo);
	fo.env = &env;
	for (r = 0; r < BENCH_REPEAT; r++) {
		loom_error_clear(&err);
		t0 = bench_now();
		plan = freshness_plan(p, g, &fo, &err);
		t[r] = bench_now() - t0;
		if (plan == NULL) {
			fprintf(stderr, "plan: %s\n", err.message);
			exit(1);
		}
		*nfresh = 0;
		for (i = 0; i < plan->nsteps; i++)
			*nfresh += plan->steps[i].state == FRESH_FRESH;
		freshness_plan_free(plan);
	}
	qsort(t, BENCH_REPEAT, sizeof t[0], bench_cmp);
	return t[BENCH_REPEAT / 2];
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
	char dir[] = "/tmp/loom-bench-fresh-XXXXXX", *path, *yml;
	double t0, tload, tmake, tstamp;
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, i, fresh;
	FILE *fp;

	if (n == 0 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "usage: bench-fresh [STEPS]\n");
		return 2;
	}
	path = xasprintf("%s/tasks", dir);
	mkdir(path, 0755);
	free(path);
	path = xasprintf("%s/data", dir);
	mkdir(path, 0755);
	free(path);
	path = xasprintf("%s/out", dir);
	mkdir(path, 0755);
	free(path);
	for (i = 0; i < 10; i++) {
		path = xasprintf("%s/tasks/t%zu.sh", dir, i);
		bench_write(path, "cat \"$1\" >\"$3\"\n");
		free(path);
	}
	path = xasprintf("%s/data/src.txt", dir);
	bench_write(path, "source data\n");
	free(path);

	/* Step i reads step (i-1)/2's output: a binary tree of depth ~13. */
	yml = xasprintf("%s/experiment.yml", dir);
	if ((fp = fopen(yml, "w")) == NULL) {
		perror(yml);
		return 1;
	}
	fprintf(fp, "data:\n  src: {path: data/src.txt}\n");
	for (i = 0; i < n; i++)
		fprintf(fp, "  d%zu: {path: out/d%zu.txt}\n", i, i);
	fprintf(fp, "parameters:\n  k: 3\npipeline:\n");
	for (i = 0; i < n; i++) {
		fprintf(fp, "  - name: s%zu\n    task: tasks/t%zu.sh\n", i,
		    i % 10);
		if (i == 0)
			fprintf(fp, "    inputs: {i: $src}\n");
		else
			fprintf(fp, "    inputs: {i: $d%zu}\n", (i - 1) / 2);
		fprintf(fp, "    outputs: {-o: $d%zu}\n    args: {--k: $k}\n",
		    i);
	}
	fclose(fp);
	/* Outputs written after sources and scripts: all newer. */
	sleep(1);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/out/d%zu.txt", dir, i);
		bench_write(path, "output\n");
		free(path);
	}

	diags_init(&d);
	t0 = bench_now();
	p = pipeline_load_file(yml, &d);
	if (p == NULL) {
		diags_print(&d, stderr);
		return 1;
	}
	validate_pipeline(p, &d);
	g = graph_build(p, &d);
	tload = bench_now() - t0;
	if (g == NULL || d.nerrors > 0) {
		diags_print(&d, stderr);
		return 1;
	}

	tmake = bench_plan(p, g, &fresh);
	printf("steps: %zu\n", n);
	printf("reference: load + validate + graph   %8.1f ms\n", tload);
	printf("check, no stamps (make's rule)        %8.1f ms  "
	    "(%.2fx reference), %zu fresh\n", tmake, tmake / tload, fresh);

	/* Stamps for every step, as a run leaves them. */
	for (i = 0; i < n; i++) {
		strv_init(&sv);
		loom_error_clear(&err);
		if (command_build(p, i, &env, NULL, NULL, NULL, &sv,
		    &err) == -1 || freshness_commit(p, i, NULL, NULL, &sv,
		    &err) == -1) {
			fprintf(stderr, "commit: %s\n", err.message);
			return 1;
		}
		strv_free(&sv);
	}
	tstamp = bench_plan(p, g, &fresh);
	printf("check, with stamps                    %8.1f ms  "
	    "(%.2fx reference), %zu fresh\n", tstamp, tstamp / tload, fresh);

	/*
	 * The check is bound by system calls, whose cost varies tenfold
	 * with the machine's load: express it in stat() calls of one of
	 * its own files, measured now.
	 */
	{
		struct stat st;
		double tstat;

		path = xasprintf("%s/out/d0.txt", dir);
		t0 = bench_now();
		for (i = 0; i < 50000; i++)
			(void)stat(path, &st);
		tstat = (bench_now() - t0) / 50000.0;
		free(path);
		printf("one stat() now                        %8.2f us; "
		    "per step: %.1f us = %.1f stat() (make's rule), "
		    "%.1f us = %.1f stat() (stamps)\n", tstat * 1e3,
		    tmake * 1e3 / (double)n, tmake / (double)n / tstat,
		    tstamp * 1e3 / (double)n, tstamp / (double)n / tstat);
	}

	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
	path = xasprintf("rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(path);
	free(yml);
	return 0;
}
