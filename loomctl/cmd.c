/* SPDX-License-Identifier: MIT */
/*
 * The command table and exact-name lookup. A name must match a command
 * exactly: "stat" is not "status", so a typo never runs something else.
 * Adding a command means one cmd-<verb>.c file and one line here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loomctl/cmd.h"

const struct loomctl_cmd *const cmd_table[] = {
	&cmd_run_entry,
	&cmd_status_entry,
	&cmd_logs_entry,
	&cmd_cancel_entry,
	&cmd_validate_entry,
	&cmd_list_entry,
	&cmd_show_entry,
	&cmd_ui_entry,
	&cmd_clean_entry,
	&cmd_daemon_entry,
	NULL,
};

/* The command with exactly this name, or NULL. */
const struct loomctl_cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

/* Print the usage line, the summary and the option help of a command. */
void
cmd_print_help(const struct loomctl_cmd *cmd, FILE *fp)
{
	fprintf(fp, "usage: loomctl %s%s%s\n\n%s\n", cmd->name,
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage, cmd->summary);
	if (cmd->help != NULL)
		fprintf(fp, "\n%s", cmd->help);
}

/* Report a usage error on stderr; returns the usage exit status. */
int
cmd_usage_error(const struct loomctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loomctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: loomctl %s %s\n"
	    "  (see 'loomctl %s --help')\n", cmd->name, cmd->usage,
	    cmd->name);
	return LOOMCTL_EXIT_USAGE;
}

/* True for the two spellings of the help flag. */
bool
cmd_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}
