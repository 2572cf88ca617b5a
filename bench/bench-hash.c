/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the hashing and encoding Loom relies on, and of loomctl's
 * start-up: SHA-256 and SHA-1 of a 1 MiB buffer, base64 of 1 MiB both
 * ways, and `loomctl --help` run to completion (fork, exec, wait, output
 * to /dev/null). Each figure is the median of many rounds, so a busy
 * machine spoils fewer of them. Run it through bench/bench-hash.sh on a
 * release build.
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/base64.h"
#include "common/util/sha1.h"
#include "common/util/sha256.h"

#define BENCH_SIZE	(1024 * 1024)
#define BENCH_ROUNDS	301

static double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
bench_median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, bench_cmp);
	return t[n / 2];
}

/*
 * One run of argv, output to /dev/null: wall-clock microseconds, and in
 * *cpu the child's user + system time (which a loaded machine spoils
 * less than the wall clock).
 */
static double
bench_exec_us(char **argv, double *cpu)
{
	double t0 = bench_now_us();
	struct rusage ru;
	pid_t pid;
	int fd, status;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s failed\n", argv[0]);
		exit(1);
	}
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return bench_now_us() - t0;
}

int
main(int argc, char **argv)
{
	static double t[4][BENCH_ROUNDS], start[BENCH_ROUNDS], cpu[BENCH_ROUNDS];
	unsigned char *buf = malloc(BENCH_SIZE), md[SHA256_DIGEST_LEN], *dec;
	char *enc = malloc(BASE64_ENCODED_LEN(BENCH_SIZE) + 1);
	char *help[] = { NULL, "--help", NULL };
	double t0;
	size_t i;
	int r;

	if (buf == NULL || enc == NULL || (dec = malloc(BENCH_SIZE)) == NULL)
		return 1;
	for (i = 0; i < BENCH_SIZE; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_now_us();
		sha256_buffer(buf, BENCH_SIZE, md);
		t[0][r] = bench_now_us() - t0;
		t0 = bench_now_us();
		sha1_buffer(buf, BENCH_SIZE, md);
		t[1][r] = bench_now_us() - t0;
		t0 = bench_now_us();
		base64_encode_to(enc, buf, BENCH_SIZE);
		t[2][r] = bench_now_us() - t0;
		t0 = bench_now_us();
		if (base64_decode_to(dec, BENCH_SIZE, enc, strlen(enc)) !=
		    BENCH_SIZE)
			return 1;
		t[3][r] = bench_now_us() - t0;
	}
	printf("sha256 1 MiB:        %8.1f us\n", bench_median(t[0],
	    BENCH_ROUNDS));
	printf("sha1 1 MiB:          %8.1f us\n", bench_median(t[1],
	    BENCH_ROUNDS));
	printf("base64 encode 1 MiB: %8.1f us\n", bench_median(t[2],
	    BENCH_ROUNDS));
	printf("base64 decode 1 MiB: %8.1f us\n", bench_median(t[3],
	    BENCH_ROUNDS));
	if (argc > 1) {
		help[0] = argv[1];
		for (r = 0; r < BENCH_ROUNDS; r++)
			start[r] = bench_exec_us(help, &cpu[r]);
		printf("loomctl --help:      %8.1f us wall, %.1f us cpu\n",
		    bench_median(start, BENCH_ROUNDS), bench_median(cpu,
		    BENCH_ROUNDS));
	}
	free(buf);
	free(enc);
	free(dec);
	return 0;
}
