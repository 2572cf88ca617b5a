/* SPDX-License-Identifier: MIT */
/*
 * loomctl show FILE STEP: one step in full: its task and the interface
 * the task declares in its front matter, its inputs, outputs and
 * arguments as written and as resolved, what it runs after and before,
 * and the command it runs, shell-quoted. No daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/model/frontmatter.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "loomctl/cmd.h"
#include "loomctl/describe.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static int	cmd_show_exec(struct cmd_ctx *ctx, int argc, char **argv);
static void	cmd_show_kvlist(const struct pipeline *p, const char *title,
		    const struct kvlist *l,
		    const struct frontmatter_list *declared);
static void	cmd_show_interface(const char *title,
		    const struct frontmatter_list *l);
static void	cmd_show_steps(const char *title, const struct pipeline *p,
		    const size_t *v, size_t n);

const struct loomctl_cmd cmd_show_entry = {
	.name = "show",
	.usage = "FILE STEP [--set NAME=VALUE] [--var NAME=PATH] "
	    "[--extra ARGS] [--json]",
	.summary = "Describe one step: its interface and its command.",
	.help =
	    "Shows the task's interface from its front matter, the step's\n"
	    "inputs, outputs and arguments, and the command it runs,\n"
	    "shell-quoted so that it can be pasted into a terminal.\n\n"
	    "Options:\n"
	    "  --set NAME=VALUE  override a parameter (repeatable)\n"
	    "  --var NAME=PATH   override a data path (repeatable)\n"
	    "  --extra ARGS      extra arguments for the command\n"
	    "  --json            one JSON object on stdout\n",
	.exec = cmd_show_exec,
};

/*
 * Print a step's inputs, outputs or args as written; a whole data
 * reference also shows the path it resolves to.
 */
static void
cmd_show_kvlist(const struct pipeline *p, const char *title,
    const struct kvlist *l, const struct frontmatter_list *declared)
{
	const struct frontmatter_item *fi;
	const struct data_entry *d;
	const struct param *pm;
	struct loom_error err;
	size_t i;
	char *v, *path;

	if (l->n == 0)
		return;
	printf("%s:\n", title);
	for (i = 0; i < l->n; i++) {
		v = describe_value(l->v[i].value);
		printf("  %-16s %s", l->v[i].key, v);
		free(v);
		loom_error_clear(&err);
		if ((d = pipeline_value_ref(p, l->v[i].value)) != NULL &&
		    (path = pipeline_data_path(p, d, &err)) != NULL) {
			printf(" = %s", path);
			free(path);
		} else if (l->v[i].value != NULL &&
		    l->v[i].value->text != NULL &&
		    l->v[i].value->text[0] == '$' &&
		    (pm = pipeline_param(p, l->v[i].value->text + 1)) != NULL &&
		    pm->value != NULL && pm->value->text != NULL)
			printf(" = %s", pm->value->text);
		fi = declared != NULL ? frontmatter_find(declared,
		    l->v[i].key) : NULL;
		if (fi != NULL && (fi->type != NULL || fi->description != NULL))
			printf("   # %s%s%s", fi->type != NULL ? fi->type : "",
			    fi->type != NULL && fi->description != NULL ?
			    ": " : "", fi->description != NULL ?
			    fi->description : "");
		putchar('\n');
	}
}

static void
cmd_show_interface(const char *title, const struct frontmatter_list *l)
{
	const struct frontmatter_item *fi;
	size_t i, k;

	if (l->n == 0)
		return;
	printf("  %s:\n", title);
	for (i = 0; i < l->n; i++) {
		fi = &l->v[i];
		printf("    %-16s", fi->name);
		if (fi->type != NULL)
			printf(" %s", fi->type);
		if (fi->required)
			printf(" (required)");
		if (fi->default_text != NULL)
			printf(" default %s", fi->default_text);
		if (fi->choices.n > 0) {
			printf(" choices [");
			for (k = 0; k < fi->choices.n; k++)
				printf("%s%s", k > 0 ? ", " : "",
				    fi->choices.v[k]);
			printf("]");
		}
		if (fi->description != NULL)
			printf(" - %s", fi->description);
		putchar('\n');
	}
}

static void
cmd_show_steps(const char *title, const struct pipeline *p, const size_t *v,
    size_t n)
{
	size_t i;

	if (n == 0)
		return;
	printf("%-10s", title);
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? ", " : "", p->steps[v[i]].name);
	putchar('\n');
}

/* "no step named ..." with the nearest name, or how to list them. */
static void
cmd_show_no_step(const struct pipeline *p, const char *name,
    const char *file)
{
	const char **names = xcalloc(p->nsteps + 1, sizeof *names);
	struct loom_error err;
	const char *near;
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		names[i] = p->steps[i].name;
	near = pipeline_suggest(name, names, p->nsteps);
	loom_error_clear(&err);
	loom_error_set(&err, NULL, 0, 0, "no step named '%s' in %s", name,
	    file);
	if (near != NULL)
		loom_error_hint(&err, "did you mean '%s'?", near);
	else
		loom_error_hint(&err, "'loomctl list %s' shows the steps",
		    file);
	output_error(&err, stderr);
	free(names);
}

/* show --json: one object. */
static void
cmd_show_json(const struct step *s, const char *task,
    const struct strv *cmdv, const char *quoted,
    const struct frontmatter *fm)
{
	json_t *out, *a = json_array();
	size_t i;

	for (i = 0; i < cmdv->n; i++)
		json_array_append_new(a, json_string(cmdv->v[i]));
	out = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:s}",
	    "name", s->name, "task", s->task, "task_path", task,
	    "optional", s->optional, "disabled", s->disabled,
	    "loop", s->loop != NULL, "argv", a, "command", quoted);
	if (fm != NULL && fm->summary != NULL)
		json_object_set_new(out, "summary", json_string(fm->summary));
	output_json(out, stdout);
	json_decref(out);
}

/* show, for people: the step, its neighbours, ports and command. */
static void
cmd_show_text(const struct prepared *pr, size_t idx, const char *quoted,
    const struct frontmatter *fm)
{
	const struct step *s = &pr->p->steps[idx];
	const size_t *dv;
	size_t nd;

	printf("%sstep %s%s", output_sgr(stdout, OUTPUT_BOLD), s->name,
	    output_sgr(stdout, OUTPUT_RESET));
	if (s->group >= 0)
		printf("  [group: %s]", pr->p->groups[s->group].name);
	if (s->disabled)
		printf("  (disabled)");
	else if (s->optional)
		printf("  (optional)");
	printf("\ntask:     %s\n", s->task);
	if (fm != NULL && fm->summary != NULL)
		printf("          %s\n", fm->summary);
	if (s->description != NULL)
		printf("about:    %s\n", s->description);
	dv = graph_deps(pr->g, idx, &nd);
	cmd_show_steps("after:", pr->p, dv, nd);
	dv = graph_dependents(pr->g, idx, &nd);
	cmd_show_steps("before:", pr->p, dv, nd);
	if (s->loop != NULL) {
		char *over = describe_value(s->loop->over);
		char *into = describe_value(s->loop->into);

		printf("loop:     each file of %s%s%s into %s\n", over,
		    s->loop->filter != NULL ? " matching " : "",
		    s->loop->filter != NULL ? s->loop->filter : "", into);
		free(over);
		free(into);
	}
	cmd_show_kvlist(pr->p, "inputs", &s->inputs,
	    fm != NULL ? &fm->inputs : NULL);
	cmd_show_kvlist(pr->p, "outputs", &s->outputs,
	    fm != NULL ? &fm->outputs : NULL);
	cmd_show_kvlist(pr->p, "args", &s->args,
	    fm != NULL ? &fm->args : NULL);
	if (fm != NULL && fm->found) {
		printf("interface (front matter of %s):\n", s->task);
		if (fm->description != NULL)
			printf("  %s\n", fm->description);
		cmd_show_interface("inputs", &fm->inputs);
		cmd_show_interface("outputs", &fm->outputs);
		cmd_show_interface("args", &fm->args);
	} else if (fm != NULL)
		printf("interface: none declared (no front matter in %s)\n",
		    s->task);
	printf("command%s:\n  %s\n", s->loop != NULL ?
	    " (for each item)" : "", quoted);
}

static int
cmd_show_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_opts o;
	struct prepared pr;
	struct loom_error err;
	struct command_env env;
	struct frontmatter *fm = NULL;
	struct strv cmdv;
	const struct step *s;
	char *task = NULL, *quoted = NULL;
	const char *name;
	ssize_t idx;
	int rc;

	(void)ctx;
	runopts_init(&o);
	strv_init(&cmdv);
	rc = runopts_parse(&o, &cmd_show_entry,
	    RUNOPTS_OVERRIDE | RUNOPTS_JSON | RUNOPTS_EXEC, argc, argv);
	if (rc != 0 || o.help) {
		if (o.help)
			cmd_print_help(&cmd_show_entry, stdout);
		runopts_free(&o);
		return rc;
	}
	if (o.file == NULL || o.positional.n != 1) {
		/* Said before o is freed: the file is o's. */
		rc = o.file != NULL && o.positional.n == 0 ?
		    cmd_usage_error(&cmd_show_entry, "which step of %s? "
		    "('loomctl list %s' shows them)", o.file, o.file) :
		    cmd_usage_error(&cmd_show_entry,
		    "a pipeline file and one step name are needed");
		runopts_free(&o);
		return rc;
	}
	name = o.positional.v[0];
	if ((rc = prepare_pipeline(&pr, &o, false, false)) != 0)
		goto out;
	if ((idx = pipeline_step_index(pr.p, name)) < 0) {
		cmd_show_no_step(pr.p, name, o.file);
		rc = LOOMCTL_EXIT_USAGE;
		goto out;
	}
	s = &pr.p->steps[idx];
	task = pipeline_abspath(pr.p, s->task);
	loom_error_clear(&err);
	fm = frontmatter_parse_file(task, &err);
	if (fm == NULL)
		output_error(&err, stderr);

	memset(&env, 0, sizeof env);
	env.virtual_env = getenv("VIRTUAL_ENV");
	loom_error_clear(&err);
	if (command_build(pr.p, (size_t)idx, &env, s->loop != NULL ?
	    "$loop_item" : NULL, s->loop != NULL ? "$loop_output" : NULL,
	    o.extra, &cmdv, &err) == -1) {
		output_error(&err, stderr);
		rc = LOOMCTL_EXIT_USAGE;
		goto out;
	}
	quoted = command_quote(&cmdv);
	if (o.json)
		cmd_show_json(s, task, &cmdv, quoted, fm);
	else
		cmd_show_text(&pr, (size_t)idx, quoted, fm);
out:
	free(quoted);
	free(task);
	strv_free(&cmdv);
	frontmatter_free(fm);
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
