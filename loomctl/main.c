/* SPDX-License-Identifier: MIT */
/*
 * loomctl's entry point: global flags, exact-name command lookup, usage
 * and exit statuses (0 ok, 1 a step failed or the run was cancelled, 2
 * usage error or invalid pipeline). Started as "loom" or "loom-ui" it
 * hands over to legacy.c, which speaks the seed's original flags.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/legacy.h"

static void	main_usage(FILE *fp);
static int	main_timeout(const char *text);

/* --timeout SECONDS: a number from 0 (no limit) to a day. */
static int
main_timeout(const char *text)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(v) ||
	    v < 0 || v > 86400) {
		fprintf(stderr, "loomctl: invalid --timeout \"%s\" (seconds "
		    "from 0 to 86400; 0 waits forever)\n", text);
		return -1;
	}
	connect_set_timeout(v);
	return 0;
}

static void
main_usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: loomctl [-v] [--timeout SECONDS] COMMAND "
	    "[ARGS...]\n"
	    "       loomctl --help | --version\n\n"
	    "Loom runs pipelines of research scripts described in one YAML "
	    "file.\n\nCommands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(fp, "  %-9s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(fp, "\n--timeout SECONDS: how long to wait for loomd to answer "
	    "(default %g, 0: forever).\n", CONNECT_DEFAULT_TIMEOUT);
	fprintf(fp, "\n'loomctl COMMAND --help' describes a command.\n"
	    "Exit status: 0 success, 1 a step failed or the run was "
	    "cancelled,\n2 usage error or invalid pipeline.\n");
}

int
main(int argc, char **argv)
{
	const char *base;
	const struct loomctl_cmd *cmd;
	struct cmd_ctx ctx;
	int i;

	/* A closed reader (loomctl list | head) must not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);

	memset(&ctx, 0, sizeof ctx);
	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base != NULL ? base + 1 : (argc > 0 ? argv[0] : "loomctl");
	if (strcmp(base, "loom") == 0) {
		ctx.progname = "loom";
		return legacy_loom(&ctx, argc, argv);
	}
	if (strcmp(base, "loom-ui") == 0) {
		ctx.progname = "loom-ui";
		return legacy_loom_ui(&ctx, argc, argv);
	}
	ctx.progname = "loomctl";

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--verbose") == 0)
			ctx.verbose++;
		else if (strcmp(argv[i], "--timeout") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "loomctl: --timeout needs "
				    "SECONDS\n");
				return LOOMCTL_EXIT_USAGE;
			}
			if (main_timeout(argv[++i]) == -1)
				return LOOMCTL_EXIT_USAGE;
		} else if (strncmp(argv[i], "--timeout=", 10) == 0) {
			if (main_timeout(argv[i] + 10) == -1)
				return LOOMCTL_EXIT_USAGE;
		} else if (cmd_is_help(argv[i])) {
			main_usage(stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			printf("loomctl %s\n", LOOM_VERSION);
			return LOOMCTL_EXIT_OK;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "loomctl: unknown option: %s\n",
			    argv[i]);
			main_usage(stderr);
			return LOOMCTL_EXIT_USAGE;
		} else
			break;
	}
	if (i == argc) {
		main_usage(stderr);
		return LOOMCTL_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc && (cmd = cmd_find(argv[i + 1])) != NULL) {
			cmd_print_help(cmd, stdout);
			return LOOMCTL_EXIT_OK;
		}
		main_usage(stdout);
		return LOOMCTL_EXIT_OK;
	}
	if ((cmd = cmd_find(argv[i])) == NULL) {
		fprintf(stderr, "loomctl: unknown command: %s\n", argv[i]);
		main_usage(stderr);
		return LOOMCTL_EXIT_USAGE;
	}
	ctx.cmd = cmd;
	return cmd->exec(&ctx, argc - i, argv + i);
}
