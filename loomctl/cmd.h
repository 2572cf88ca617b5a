/* SPDX-License-Identifier: MIT */
/*
 * The loomctl command table. Each command lives in its own cmd-<verb>.c
 * file with one const entry and a static exec function; cmd.c holds the
 * table and the exact-name lookup (no prefixes, no guessing). Whether a
 * command may start the daemon is a flag of its entry, so commands that
 * only report never start one just to say nothing is there.
 */
#ifndef LOOM_LOOMCTL_CMD_H
#define LOOM_LOOMCTL_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (docs/running.md, "Exit status"). */
#define LOOMCTL_EXIT_OK		0	/* success */
#define LOOMCTL_EXIT_FAILED	1	/* a step failed, or run cancelled */
#define LOOMCTL_EXIT_USAGE	2	/* usage error or invalid pipeline */
#define LOOMCTL_EXIT_INTERRUPTED 130	/* cancelled, or Ctrl-C (128 + SIGINT) */

/*
 * Command flags: how cmd_connect reaches the daemon. A command with
 * neither never talks to the daemon (and cmd_connect refuses it).
 */
#define CMD_NEEDS_DAEMON	0x1	/* starts the daemon when none runs */
#define CMD_REPORT_ONLY		0x2	/* never starts a daemon */

struct loom_error;
struct loomctl_cmd;
struct rpcclient;

/* What every command receives besides its arguments. */
struct cmd_ctx {
	const struct loomctl_cmd *cmd;
	const char *progname;		/* "loomctl", "loom" or "loom-ui" */
	int verbose;			/* -v given before the command */
};

struct loomctl_cmd {
	const char *name;
	const char *usage;		/* arguments, after "loomctl NAME " */
	const char *summary;		/* one line */
	const char *help;		/* option descriptions, or NULL */
	int flags;
	/* argv[0] is the command name; returns an exit status. */
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct loomctl_cmd cmd_run_entry;
extern const struct loomctl_cmd cmd_status_entry;
extern const struct loomctl_cmd cmd_logs_entry;
extern const struct loomctl_cmd cmd_cancel_entry;
extern const struct loomctl_cmd cmd_wait_entry;
extern const struct loomctl_cmd cmd_validate_entry;
extern const struct loomctl_cmd cmd_list_entry;
extern const struct loomctl_cmd cmd_show_entry;
extern const struct loomctl_cmd cmd_ui_entry;
extern const struct loomctl_cmd cmd_clean_entry;
extern const struct loomctl_cmd cmd_daemon_entry;

/* Every command, in the order help lists them; NULL-terminated. */
extern const struct loomctl_cmd *const cmd_table[];

/* The command with exactly this name, or NULL. */
const struct loomctl_cmd *cmd_find(const char *name);

/* The command name closest to a mistyped one, or NULL. */
const char *cmd_suggest(const char *name);

/* Usage error for an unknown option, with "did you mean"; returns 2. */
int cmd_unknown_option(const struct loomctl_cmd *cmd, const char *arg);

/* Print "usage: loomctl NAME USAGE", the summary and the help text. */
void cmd_print_help(const struct loomctl_cmd *cmd, FILE *fp);

/* Print a one-line usage error with a pointer to --help; returns 2. */
int cmd_usage_error(const struct loomctl_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Connect to the daemon as the command's flags say: CMD_NEEDS_DAEMON
 * starts one when none runs, CMD_REPORT_ONLY does not (NULL, *not_running
 * set when not NULL). See connect_daemon.
 */
struct rpcclient *cmd_connect(const struct cmd_ctx *ctx, bool *not_running,
    struct loom_error *err);

/* True for "-h" and "--help". */
bool cmd_is_help(const char *arg);

#endif
