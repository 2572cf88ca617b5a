/* SPDX-License-Identifier: MIT */
/*
 * The command table and exact-name lookup. A name must match a command
 * exactly: "stat" is not "status", so a typo never runs something else;
 * instead the error offers the closest name ("did you mean"), for
 * commands and for options alike. A command's options are read from its
 * usage and help text, so what --help lists is what is suggested.
 * Adding a command means one cmd-<verb>.c file and one line here.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/output.h"
#include "common/model/suggest.h"

static void	cmd_options_from(struct suggest *s, const char *text,
		    char **words, size_t *n, size_t max);

const struct loomctl_cmd *const cmd_table[] = {
	&cmd_run_entry,
	&cmd_status_entry,
	&cmd_logs_entry,
	&cmd_cancel_entry,
	&cmd_wait_entry,
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

/* The command closest to a mistyped name, or NULL. */
const char *
cmd_suggest(const char *name)
{
	struct suggest s;
	size_t i;

	suggest_init(&s, name);
	for (i = 0; cmd_table[i] != NULL; i++)
		suggest_add(&s, cmd_table[i]->name);
	suggest_add(&s, "help");
	return suggest_best(&s);
}

/* Offer every option word ("-x", "--name") found in text. */
static void
cmd_options_from(struct suggest *s, const char *text, char **words,
    size_t *n, size_t max)
{
	const char *p = text, *start;

	while (p != NULL && *p != '\0' && *n < max) {
		if (*p == '-' && (p == text || isspace((unsigned char)p[-1]) ||
		    p[-1] == '[' || p[-1] == '|' || p[-1] == ',' ||
		    p[-1] == '/')) {
			start = p;
			while (*p == '-')
				p++;
			while (isalnum((unsigned char)*p) || *p == '-')
				p++;
			if (p - start > 1 && isalnum((unsigned char)p[-1])) {
				words[*n] = xstrndup(start, (size_t)(p - start));
				suggest_add(s, words[(*n)++]);
			}
			continue;
		}
		p++;
	}
}

/* Report an unknown option, with the closest one the command has. */
int
cmd_unknown_option(const struct loomctl_cmd *cmd, const char *arg)
{
	struct suggest s;
	char *words[128], *name;
	const char *best, *eq;
	size_t n = 0, i;
	int rc;

	eq = arg[0] == '-' && arg[1] == '-' ? strchr(arg, '=') : NULL;
	name = eq != NULL ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
	suggest_init(&s, name);
	cmd_options_from(&s, cmd->usage, words, &n, 128);
	if (cmd->help != NULL)
		cmd_options_from(&s, cmd->help, words, &n, 128);
	suggest_add(&s, "--help");
	best = suggest_best(&s);
	if (best != NULL)
		rc = cmd_usage_error(cmd, "unknown option: %s (did you mean "
		    "%s?)", name, best);
	else
		rc = cmd_usage_error(cmd, "unknown option: %s", name);
	for (i = 0; i < n; i++)
		free(words[i]);
	free(name);
	return rc;
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

	fprintf(stderr, "loomctl: %s%serror:%s %s: ",
	    output_sgr(stderr, OUTPUT_BOLD), output_sgr(stderr, OUTPUT_RED),
	    output_sgr(stderr, OUTPUT_RESET), cmd->name);
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

/* Reach the daemon the way the command's entry says. */
struct rpcclient *
cmd_connect(const struct cmd_ctx *ctx, bool *not_running,
    struct loom_error *err)
{
	int flags = ctx->cmd->flags;

	if ((flags & (CMD_NEEDS_DAEMON | CMD_REPORT_ONLY)) == 0) {
		fprintf(stderr, "loomctl: internal error: %s does not talk to "
		    "the daemon\n", ctx->cmd->name);
		abort();
	}
	return connect_daemon((flags & CMD_REPORT_ONLY) ? CONNECT_EXISTING :
	    CONNECT_START, not_running, err);
}
