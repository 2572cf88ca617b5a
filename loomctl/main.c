/* SPDX-License-Identifier: MIT */
/*
 * loomctl's entry point: global flags, exact-name command lookup (a
 * typo gets "did you mean"), usage and exit statuses (0 ok, 1 a step
 * failed or its daemon died, 2 usage error or invalid pipeline, 130 the
 * run was cancelled). -v logs what loomctl does to stderr, -vv more.
 * Started as "loom" or "loom-ui" it hands over to legacy.c, which speaks
 * the seed's original flags.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LOOM_MIMALLOC
#include <mimalloc.h>
#endif

#include "common/util/log.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/legacy.h"
#include "common/model/suggest.h"
#include "common/util/xmalloc.h"

/*
 * The heap's growth step: a 10,000-step pipeline's model takes about
 * 30 MiB. Address space only; pages count when they are used.
 */
#define LOOMCTL_HEAP_PAD	(64 * 1024 * 1024)

static void	main_heap(void);
static void	main_usage(FILE *fp);
static int	main_timeout(const char *text);
static int	main_unknown(const char *what, const char *word,
		    const char *best);

/*
 * Set up the heap before the first allocation. With mimalloc (the
 * release build's allocator, CMakeLists.txt) its memory comes in 2 MiB
 * pages where the kernel offers them, so that a 10,000-step model costs
 * about a hundred page faults instead of ten thousand; with glibc's
 * malloc the heap grows LOOMCTL_HEAP_PAD at a time (xmalloc.h).
 */
static void
main_heap(void)
{
#ifdef LOOM_MIMALLOC
	mi_option_set(mi_option_large_os_pages, 1);
	/*
	 * Also for a thread's first segment, which mimalloc otherwise
	 * commits a 4 KiB page at a time: libyaml's thread (yamlpipe.c)
	 * took 730 page faults more over a 10,000-step file, and the
	 * loader as many again for the model's strings it allocated.
	 */
	mi_option_set(mi_option_eager_commit_delay, 0);
#else
	xmalloc_heap_reserve(LOOMCTL_HEAP_PAD);
#endif
}

/* An unknown global option or command: say so, offer the closest. */
static int
main_unknown(const char *what, const char *word, const char *best)
{
	if (best != NULL)
		fprintf(stderr, "loomctl: error: unknown %s: %s (did you mean "
		    "%s?)\n", what, word, best);
	else {
		fprintf(stderr, "loomctl: error: unknown %s: %s\n", what,
		    word);
		main_usage(stderr);
	}
	return LOOMCTL_EXIT_USAGE;
}


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
		fprintf(stderr, "loomctl: error: invalid --timeout \"%s\" (seconds "
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
	    "  -v, --verbose  say what loomctl does on stderr (-vv: more)\n"
	    "  -h, --help     this help; 'loomctl COMMAND --help' for one "
	    "command\n"
	    "  -V, --version  print the version\n"
	    "  --timeout SECONDS\n"
	    "                 how long to wait for loomd to answer (default "
	    "%g, 0: forever)\n\n"
	    "Loom runs pipelines of research scripts described in one YAML "
	    "file.\n\nCommands:\n", CONNECT_DEFAULT_TIMEOUT);
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(fp, "  %-9s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(fp, "\n'loomctl COMMAND --help' describes a command.\n"
	    "Exit status: 0 success, 1 a step failed (or its daemon died), "
	    "2 usage\nerror or invalid pipeline, 130 the run was cancelled "
	    "(Ctrl-C, 'loomctl cancel').\n"
	    "Manual: man loomctl, man loom-pipeline, man loomd.\n");
}

int
main(int argc, char **argv)
{
	const char *base;
	const struct loomctl_cmd *cmd;
	struct cmd_ctx ctx;
	int i;

	main_heap();
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
				fprintf(stderr, "loomctl: error: --timeout "
				    "needs SECONDS\n");
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
			struct suggest s;

			suggest_init(&s, argv[i]);
			suggest_add(&s, "--verbose");
			suggest_add(&s, "--help");
			suggest_add(&s, "--version");
			suggest_add(&s, "--timeout");
			return main_unknown("option", argv[i],
			    suggest_best(&s));
		} else
			break;
	}
	if (i == argc) {
		main_usage(stderr);
		return LOOMCTL_EXIT_USAGE;
	}
	if (ctx.verbose > 0)
		(void)log_open("loomctl", NULL, ctx.verbose > 1 ?
		    LOG_LVL_DEBUG : LOG_LVL_INFO, NULL);
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc && (cmd = cmd_find(argv[i + 1])) != NULL) {
			cmd_print_help(cmd, stdout);
			return LOOMCTL_EXIT_OK;
		}
		main_usage(stdout);
		return LOOMCTL_EXIT_OK;
	}
	if ((cmd = cmd_find(argv[i])) == NULL)
		return main_unknown("command", argv[i], cmd_suggest(argv[i]));
	ctx.cmd = cmd;
	log_info("command %s, %d argument(s)", cmd->name, argc - i - 1);
	return cmd->exec(&ctx, argc - i, argv + i);
}
