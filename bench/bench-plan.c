/* SPDX-License-Identifier: MIT */
/*
 * Benchmark: planning a large pipeline (README, "Development": load, validate
 * and order a 10,000-step pipeline in under 100 ms, tens of MiB).
 *
 * For the file given (made by bench/gen-pipeline.py), each repetition
 * times load, validate, graph (dependencies and order), select (the
 * default selection) and command building of every selected step, as a
 * dry run does, freeing everything in between. The reference, in the
 * same process, is a bare libyaml event scan of the same bytes: the
 * least any YAML-based tool must spend. Medians are printed in ms and as
 * ratios to the reference, then the peak resident memory (VmHWM).
 * Built and run by bench/bench-plan.sh; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaml.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/model/select.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

#define BENCH_PHASES	6

static const char *const bench_names[BENCH_PHASES] = {
	"load", "validate", "graph", "select", "commands", "total",
};

static double	bench_now(void);
static double	bench_cpu(void);
static int	bench_cmp(const void *a, const void *b);
static double	bench_median(double *v, size_t n);
static double	bench_scan(const char *text, size_t len);
static long	bench_hwm_kib(void);

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process in ms: what the machine's load cannot inflate. */
static double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The reference: every libyaml event of the text, nothing built. */
static double
bench_scan(const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t event;
	double t0 = bench_now();
	int done = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			fprintf(stderr, "bench-plan: YAML error\n");
			exit(1);
		}
		done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return bench_now() - t0;
}

/* Peak resident set of this process, KiB. */
static long
bench_hwm_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	}
	fclose(fp);
	return kib;
}

int
main(int argc, char **argv)
{
	double t[BENCH_PHASES][64], ref[64], t0, t1, med[BENCH_PHASES], r;
	double cpu[64], c0, cref[64];
	struct command_env env = { NULL };
	struct select_opts so;
	struct loom_error err;
	struct pipeline *p;
	struct graph *g;
	struct diags d;
	struct strv cmd;
	const size_t *order;
	size_t len, i, nsteps = 0, nsel = 0, k;
	bool *selected;
	char *text;
	int reps, rep, ph;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-plan FILE [REPEAT]\n");
		return 2;
	}
	reps = argc > 2 ? atoi(argv[2]) : 11;
	if (reps < 1 || reps > 64)
		reps = 11;
	loom_error_clear(&err);
	if ((text = fileio_read(argv[1], PIPELINE_MAX_FILE_SIZE, &len,
	    &err)) == NULL) {
		loom_error_print(&err, stderr);
		return 1;
	}
	for (rep = 0; rep < reps; rep++) {
		c0 = bench_cpu();
		ref[rep] = bench_scan(text, len);
		cref[rep] = bench_cpu() - c0;

		c0 = bench_cpu();
		t0 = bench_now();
		diags_init(&d);
		p = pipeline_load_file(argv[1], &d);
		t1 = bench_now();
		t[0][rep] = t1 - t0;
		if (p == NULL || d.nerrors > 0) {
			diags_print(&d, stderr);
			return 1;
		}
		validate_pipeline(p, &d);
		t[1][rep] = bench_now() - t1;
		t1 = bench_now();
		if (d.nerrors > 0 || (g = graph_build(p, &d)) == NULL) {
			diags_print(&d, stderr);
			return 1;
		}
		order = graph_order(g);
		t[2][rep] = bench_now() - t1;
		t1 = bench_now();
		select_opts_init(&so);
		selected = xcalloc(p->nsteps + 1, sizeof *selected);
		if (select_steps(p, g, &so, selected, &err) < 0) {
			loom_error_print(&err, stderr);
			return 1;
		}
		t[3][rep] = bench_now() - t1;
		cpu[rep] = bench_cpu() - c0;
		t1 = bench_now();
		nsel = 0;
		for (i = 0; i < p->nsteps; i++) {
			k = order[i];
			if (!selected[k])
				continue;
			nsel++;
			strv_init(&cmd);
			if (command_build(p, k, &env, NULL, NULL, NULL, &cmd,
			    &err) == -1) {
				loom_error_print(&err, stderr);
				return 1;
			}
			strv_free(&cmd);
		}
		t[4][rep] = bench_now() - t1;
		t[5][rep] = bench_now() - t0;
		nsteps = p->nsteps;
		select_opts_free(&so);
		free(selected);
		graph_free(g);
		pipeline_free(p);
		diags_free(&d);
	}
	r = bench_median(ref, (size_t)reps);
	printf("pipeline: %s (%zu bytes, %zu steps, %zu selected)\n",
	    argv[1], len, nsteps, nsel);
	printf("median of %d runs:\n", reps);
	printf("  %-10s %8.2f ms   (reference: libyaml event scan)\n",
	    "yaml scan", r);
	for (ph = 0; ph < BENCH_PHASES; ph++) {
		med[ph] = bench_median(t[ph], (size_t)reps);
		printf("  %-10s %8.2f ms   %5.2fx reference\n", bench_names[ph],
		    med[ph], med[ph] / r);
	}
	printf("plan (load+validate+graph+select): %.2f ms, budget 100 ms\n",
	    med[0] + med[1] + med[2] + med[3]);
	printf("plan CPU time: %.2f ms (yaml scan CPU time %.2f ms, "
	    "ratio %.2fx)\n", bench_median(cpu, (size_t)reps),
	    bench_median(cref, (size_t)reps), bench_median(cpu, (size_t)reps) /
	    bench_median(cref, (size_t)reps));
	printf("peak memory (VmHWM): %.1f MiB\n",
	    (double)bench_hwm_kib() / 1024.0);
	free(text);
	return 0;
}
