/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the pure scheduler (loomd/sched.c), for the goal of a
 * scheduling overhead per step close to zero. Drives the scheduler
 * through whole runs with no processes at all (every SPAWN is answered
 * at once with spawned, exit 0 and EOF) over a chain, a fan-out and a
 * layered graph of N steps, and a loop of N items; reports the cost per
 * step and, as the ratio the spec asks for, that cost against starting
 * one trivial process (fork, exec /bin/true, wait) measured in the same
 * invocation. Peak memory is the process's VmHWM. Run it through
 * bench/bench-sched.sh on a release build.
 */
#include <sys/wait.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/model/graph.h"
#include "loomd/sched.h"

static double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds for one fork + exec of /bin/true + wait, averaged. */
static double
bench_spawn_ms(int n)
{
	double t0;
	pid_t pid;
	int i, status;

	t0 = bench_now_ms();
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return -1;
	}
	return (bench_now_ms() - t0) / n;
}

/*
 * One whole run over g with every step selected; loop_items > 0 makes
 * step 0 a loop of that many items. Returns milliseconds.
 */
static double
bench_run(const struct graph *g, size_t workers, size_t loop_items,
    size_t *units)
{
	struct sched *s;
	struct sched_actions a, pending;
	bool *selected;
	size_t n = graph_nsteps(g), i;
	double t0, t1;

	selected = malloc(n);
	memset(selected, 1, n);
	sched_actions_init(&a);
	sched_actions_init(&pending);
	*units = 0;
	t0 = bench_now_ms();
	s = sched_create(g, selected, true, workers, 1000);
	if (loop_items > 0)
		sched_set_loop(s, 0, true);
	sched_start(s, &a);
	while (!sched_is_finished(s)) {
		/* Swap lists: answer what was asked, collect what follows. */
		struct sched_actions tmp = pending;

		pending = a;
		a = tmp;
		sched_actions_clear(&a);
		for (i = 0; i < pending.n; i++) {
			const struct sched_action *x = &pending.v[i];

			if (x->type == SCHED_ACTION_LIST_ITEMS)
				sched_set_items(s, x->step, loop_items, &a);
			if (x->type != SCHED_ACTION_SPAWN)
				continue;
			(*units)++;
			sched_spawned(s, x->step, x->item, &a);
			sched_exited(s, x->step, x->item, 0, &a);
			sched_output_closed(s, x->step, x->item, &a);
		}
		if (a.n == 0 && !sched_is_finished(s)) {
			fprintf(stderr, "scheduler stalled\n");
			exit(1);
		}
	}
	t1 = bench_now_ms();
	sched_free(s);
	sched_actions_free(&a);
	sched_actions_free(&pending);
	free(selected);
	return t1 - t0;
}

static long
bench_vmhwm_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(fp);
	return kib;
}

static void
bench_report(const char *what, double ms, size_t units, double spawn_ms)
{
	double per = ms / (double)units;

	printf("%-26s %8.2f ms  %6.2f us/unit  %.5fx of a process start\n",
	    what, ms, per * 1000, per / spawn_ms);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, i, units;
	struct graph *g;
	double spawn_ms, ms;

	if (n < 2) {
		fprintf(stderr, "usage: bench-sched [STEPS >= 2]\n");
		return 2;
	}
	spawn_ms = bench_spawn_ms(200);
	printf("reference: fork+exec+wait of /bin/true: %.3f ms\n", spawn_ms);

	g = graph_create(n);
	for (i = 1; i < n; i++)
		graph_add_dep(g, i, i - 1);
	graph_seal(g);
	ms = bench_run(g, 4, 0, &units);
	bench_report("chain", ms, units, spawn_ms);
	graph_free(g);

	g = graph_create(n);
	for (i = 1; i < n; i++)
		graph_add_dep(g, i, 0);
	graph_seal(g);
	ms = bench_run(g, 4, 0, &units);
	bench_report("fan-out, 4 workers", ms, units, spawn_ms);
	graph_free(g);

	/* Layers of 100, each step depending on two of the layer above. */
	g = graph_create(n);
	for (i = 100; i < n; i++) {
		graph_add_dep(g, i, i - 100);
		graph_add_dep(g, i, i - 100 - i % 100 + (i % 100 + 37) % 100);
	}
	graph_seal(g);
	ms = bench_run(g, 8, 0, &units);
	bench_report("layers of 100, 8 workers", ms, units, spawn_ms);
	graph_free(g);

	g = graph_create(1);
	graph_seal(g);
	ms = bench_run(g, 4, n, &units);
	bench_report("loop items, 4 workers", ms, units, spawn_ms);
	graph_free(g);

	printf("peak memory (VmHWM): %ld KiB\n", bench_vmhwm_kib());
	return 0;
}
