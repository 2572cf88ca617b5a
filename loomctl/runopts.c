/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the selection and run options. "--step A B" takes words up
 * to the next option, so "loomctl run FILE --step a b --set x=1" reads
 * naturally; a pipeline file given after such a list ("--step a x.yml")
 * is recognised by its .yml/.yaml name. "--name=value" is accepted for
 * every option that takes a value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loomctl/cmd.h"
#include "loomctl/runopts.h"

enum runopts_kind {
	RUNOPTS_MULTI,		/* one or more words */
	RUNOPTS_ASSIGN,		/* one or more k=v words */
	RUNOPTS_ONE,		/* exactly one word */
	RUNOPTS_FLAG,		/* no value */
};

struct runopts_def {
	const char *name;
	const char *alias;
	int group;
	enum runopts_kind kind;
};

static const struct runopts_def runopts_defs[] = {
	{ "--step", "-s", RUNOPTS_SELECT, RUNOPTS_MULTI },
	{ "--from", NULL, RUNOPTS_SELECT, RUNOPTS_MULTI },
	{ "--until", NULL, RUNOPTS_SELECT, RUNOPTS_MULTI },
	{ "--group", "-g", RUNOPTS_SELECT, RUNOPTS_MULTI },
	{ "--include", NULL, RUNOPTS_SELECT, RUNOPTS_MULTI },
	{ "--set", NULL, RUNOPTS_OVERRIDE, RUNOPTS_ASSIGN },
	{ "--var", NULL, RUNOPTS_OVERRIDE, RUNOPTS_ASSIGN },
	{ "--extra", NULL, RUNOPTS_EXEC, RUNOPTS_ONE },
	{ "--parallel", NULL, RUNOPTS_EXEC, RUNOPTS_FLAG },
	{ "--sequential", NULL, RUNOPTS_EXEC, RUNOPTS_FLAG },
	{ "--max-workers", "-j", RUNOPTS_EXEC, RUNOPTS_ONE },
	{ "--force", "-f", RUNOPTS_EXEC, RUNOPTS_FLAG },
	{ "--executor", NULL, RUNOPTS_EXEC, RUNOPTS_ONE },
	{ "--slurm-dependencies", NULL, RUNOPTS_EXEC, RUNOPTS_ONE },
	{ "--dry-run", "-n", RUNOPTS_RUN, RUNOPTS_FLAG },
	{ "--detach", "-d", RUNOPTS_RUN, RUNOPTS_FLAG },
	{ "--no-progress", NULL, RUNOPTS_RUN, RUNOPTS_FLAG },
	{ "--no-wait", NULL, RUNOPTS_RUN, RUNOPTS_FLAG },
	{ "--json", NULL, RUNOPTS_JSON, RUNOPTS_FLAG },
};

static int	runopts_store(struct run_opts *o, const struct loomctl_cmd *cmd,
		    const char *name, const char *value);

void
runopts_init(struct run_opts *o)
{
	memset(o, 0, sizeof *o);
	strv_init(&o->positional);
	strv_init(&o->steps);
	strv_init(&o->from);
	strv_init(&o->until);
	strv_init(&o->groups);
	strv_init(&o->include);
	strv_init(&o->set);
	strv_init(&o->var);
	o->parallel = -1;
}

void
runopts_free(struct run_opts *o)
{
	strv_free(&o->positional);
	strv_free(&o->steps);
	strv_free(&o->from);
	strv_free(&o->until);
	strv_free(&o->groups);
	strv_free(&o->include);
	strv_free(&o->set);
	strv_free(&o->var);
}

bool
runopts_is_file_name(const char *s)
{
	size_t n = strlen(s);

	return (n > 4 && strcmp(s + n - 4, ".yml") == 0) ||
	    (n > 5 && strcmp(s + n - 5, ".yaml") == 0);
}

/* Store one value of an option; returns 0 or 2 after a usage error. */
static int
runopts_store(struct run_opts *o, const struct loomctl_cmd *cmd,
    const char *name, const char *value)
{
	char *end;

	if (strcmp(name, "--step") == 0)
		strv_push(&o->steps, value);
	else if (strcmp(name, "--from") == 0)
		strv_push(&o->from, value);
	else if (strcmp(name, "--until") == 0)
		strv_push(&o->until, value);
	else if (strcmp(name, "--group") == 0)
		strv_push(&o->groups, value);
	else if (strcmp(name, "--include") == 0)
		strv_push(&o->include, value);
	else if (strcmp(name, "--set") == 0 || strcmp(name, "--var") == 0) {
		const char *eq = strchr(value, '=');

		if (eq == NULL || eq == value)
			return cmd_usage_error(cmd, "%s wants NAME=VALUE, not "
			    "'%s'", name, value);
		strv_push(name[2] == 's' ? &o->set : &o->var, value);
	} else if (strcmp(name, "--extra") == 0)
		o->extra = value;
	else if (strcmp(name, "--executor") == 0) {
		if (strcmp(value, "local") != 0 && strcmp(value, "slurm") != 0)
			return cmd_usage_error(cmd, "--executor wants local or "
			    "slurm, not '%s'", value);
		o->executor = value;
	} else if (strcmp(name, "--slurm-dependencies") == 0) {
		if (strcmp(value, "loom") != 0 && strcmp(value, "slurm") != 0)
			return cmd_usage_error(cmd, "--slurm-dependencies wants "
			    "loom or slurm, not '%s'", value);
		o->slurm_deps = value;
	}
	else if (strcmp(name, "--max-workers") == 0) {
		errno = 0;
		o->max_workers = strtol(value, &end, 10);
		if (errno != 0 || *end != '\0' || end == value ||
		    o->max_workers < 1 || o->max_workers > 100000)
			return cmd_usage_error(cmd, "--max-workers wants a "
			    "number from 1 to 100000, not '%s'", value);
	}
	return 0;
}

/* Parse the options of a command. */
int
runopts_parse(struct run_opts *o, const struct loomctl_cmd *cmd, int flags,
    int argc, char **argv)
{
	const struct runopts_def *def;
	char *name, *eq;
	const char *value;
	size_t k;
	int i, rc, nvalues;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cmd_is_help(a)) {
			o->help = true;
			return 0;
		}
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				if (o->file == NULL)
					o->file = argv[i];
				else
					strv_push(&o->positional, argv[i]);
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->file == NULL)
				o->file = a;
			else
				strv_push(&o->positional, a);
			continue;
		}
		name = xstrdup(a);
		value = NULL;
		if (name[1] == '-' && (eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			value = a + (eq - name) + 1;
		}
		def = NULL;
		for (k = 0; k < sizeof runopts_defs / sizeof runopts_defs[0];
		    k++) {
			if (strcmp(runopts_defs[k].name, name) == 0 ||
			    (runopts_defs[k].alias != NULL &&
			    strcmp(runopts_defs[k].alias, name) == 0)) {
				def = &runopts_defs[k];
				break;
			}
		}
		free(name);
		if (def == NULL || (def->group & flags) == 0)
			return cmd_unknown_option(cmd, a);
		if (def->kind == RUNOPTS_FLAG) {
			if (value != NULL)
				return cmd_usage_error(cmd, "%s takes no value",
				    def->name);
			if (strcmp(def->name, "--parallel") == 0)
				o->parallel = 1;
			else if (strcmp(def->name, "--sequential") == 0)
				o->parallel = 0;
			else if (strcmp(def->name, "--force") == 0)
				o->force = true;
			else if (strcmp(def->name, "--dry-run") == 0)
				o->dry_run = true;
			else if (strcmp(def->name, "--detach") == 0)
				o->detach = true;
			else if (strcmp(def->name, "--no-progress") == 0)
				o->no_progress = true;
			else if (strcmp(def->name, "--no-wait") == 0)
				o->no_wait = true;
			else if (strcmp(def->name, "--json") == 0)
				o->json = true;
			continue;
		}
		if (value != NULL) {
			if ((rc = runopts_store(o, cmd, def->name, value)) != 0)
				return rc;
			continue;
		}
		if (def->kind == RUNOPTS_ONE) {
			if (i + 1 >= argc)
				return cmd_usage_error(cmd, "%s wants a value",
				    def->name);
			if ((rc = runopts_store(o, cmd, def->name,
			    argv[++i])) != 0)
				return rc;
			continue;
		}
		nvalues = 0;
		while (i + 1 < argc && argv[i + 1][0] != '-') {
			const char *w = argv[i + 1];

			if (def->kind == RUNOPTS_ASSIGN && nvalues > 0 &&
			    strchr(w, '=') == NULL)
				break;
			if (def->kind == RUNOPTS_MULTI && nvalues > 0 &&
			    o->file == NULL && runopts_is_file_name(w))
				break;
			if ((rc = runopts_store(o, cmd, def->name, w)) != 0)
				return rc;
			nvalues++;
			i++;
		}
		if (nvalues == 0)
			return cmd_usage_error(cmd, "%s wants a value",
			    def->name);
	}
	/* A number of workers only means something side by side. */
	if (o->max_workers > 0 && o->parallel == -1)
		o->parallel = 1;
	return 0;
}

/* True when the caller narrowed the set of steps. */
bool
runopts_has_selection(const struct run_opts *o)
{
	return o->steps.n > 0 || o->from.n > 0 || o->until.n > 0 ||
	    o->groups.n > 0;
}
