/* SPDX-License-Identifier: MIT */
/*
 * A child process for tests, so tests never depend on shell tricks:
 *   fake-task exit N            exit with status N
 *   fake-task sleep MS          sleep, then exit 0
 *   fake-task print N           write N bytes of a repeating pattern
 *   fake-task lines N           write N numbered lines
 *   fake-task colour            write ANSI colours and a \r progress bar
 *   fake-task ignore-term MS    ignore SIGTERM, then sleep
 *   fake-task term-marker FILE  on SIGTERM write FILE and exit 0
 *   fake-task segv              die of SIGSEGV
 *   fake-task env NAME          print the value of NAME (or "<unset>")
 *   fake-task cwd               print the working directory
 *   fake-task wait-file FILE    flush stdout, then wait until FILE exists
 * Commands can be chained: fake-task print 10 exit 3
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *marker;

static void
on_term(int sig)
{
	FILE *fp;

	(void)sig;
	if (marker != NULL && (fp = fopen(marker, "w")) != NULL) {
		fputs("term\n", fp);
		fclose(fp);
	}
	_exit(0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

int
main(int argc, char **argv)
{
	int i;
	long n, k;
	char buf[8192];

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "0";

		if (strcmp(cmd, "exit") == 0)
			return atoi(arg);
		if (strcmp(cmd, "segv") == 0) {
			raise(SIGSEGV);
			return 1;
		}
		if (strcmp(cmd, "colour") == 0) {
			printf("\033[31mred\033[0m \033[32mgreen\033[0m\n");
			for (k = 0; k <= 100; k += 25)
				printf("\rprogress %3ld%%", k);
			printf("\n");
			continue;
		}
		if (strcmp(cmd, "cwd") == 0) {
			if (getcwd(buf, sizeof buf) != NULL)
				printf("%s\n", buf);
			continue;
		}
		i++;
		if (strcmp(cmd, "sleep") == 0)
			sleep_ms(atol(arg));
		else if (strcmp(cmd, "print") == 0) {
			n = atol(arg);
			for (k = 0; k < (long)sizeof buf; k++)
				buf[k] = 'a' + k % 26;
			while (n > 0) {
				k = n < (long)sizeof buf ? n : (long)sizeof buf;
				if (fwrite(buf, 1, k, stdout) != (size_t)k)
					return 1;
				n -= k;
			}
		} else if (strcmp(cmd, "lines") == 0) {
			n = atol(arg);
			for (k = 1; k <= n; k++)
				printf("line %ld\n", k);
		} else if (strcmp(cmd, "ignore-term") == 0) {
			signal(SIGTERM, SIG_IGN);
			sleep_ms(atol(arg));
		} else if (strcmp(cmd, "term-marker") == 0) {
			marker = arg;
			signal(SIGTERM, on_term);
		} else if (strcmp(cmd, "wait-file") == 0) {
			fflush(stdout);
			while (access(arg, F_OK) != 0)
				sleep_ms(20);
		} else if (strcmp(cmd, "env") == 0) {
			const char *v = getenv(arg);
			printf("%s\n", v != NULL ? v : "<unset>");
		} else {
			fprintf(stderr, "fake-task: unknown command %s\n", cmd);
			return 2;
		}
	}
	return 0;
}
