/* SPDX-License-Identifier: MIT */
/*
 * loomctl list FILE: the steps of a pipeline in execution order, with
 * their group, optional/disabled marks, task, and what each consumes and
 * produces. No daemon. --json gives the same as one object.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "loomctl/cmd.h"
#include "loomctl/describe.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static int	cmd_list_exec(struct cmd_ctx *ctx, int argc, char **argv);
static json_t	*cmd_list_strv(const struct strv *sv);

const struct loomctl_cmd cmd_list_entry = {
	.name = "list",
	.usage = "FILE [--set NAME=VALUE] [--var NAME=PATH] [--json]",
	.summary = "List the steps of a pipeline in execution order.",
	.help =
	    "Each step shows its group, whether it is optional or disabled,\n"
	    "its task, and the data it consumes and produces.\n\n"
	    "Options:\n"
	    "  --set NAME=VALUE  override a parameter (repeatable)\n"
	    "  --var NAME=PATH   override a data path (repeatable)\n"
	    "  --json            one JSON object on stdout\n",
	.exec = cmd_list_exec,
};

static json_t *
cmd_list_strv(const struct strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static int
cmd_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_opts o;
	struct prepared pr;
	struct strv cons, prod, deps;
	const size_t *order, *dv;
	json_t *out = NULL, *steps = NULL;
	char *c, *q, *dd;
	size_t i, k, nd;
	int rc;

	(void)ctx;
	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_list_entry,
	    RUNOPTS_OVERRIDE | RUNOPTS_JSON, argc, argv);
	if (rc != 0 || o.help) {
		if (o.help)
			cmd_print_help(&cmd_list_entry, stdout);
		runopts_free(&o);
		return rc;
	}
	if (o.file == NULL || o.positional.n > 0) {
		runopts_free(&o);
		return cmd_usage_error(&cmd_list_entry, o.file == NULL ?
		    "a pipeline file is needed" : "one file at a time");
	}
	if ((rc = prepare_pipeline(&pr, &o, false, false)) != 0)
		goto out;

	order = graph_order(pr.g);
	if (o.json) {
		steps = json_array();
		out = json_pack("{s:s, s:o}", "file", o.file, "steps", steps);
	} else
		printf("Pipeline: %s (%zu step(s)%s)\n", o.file, pr.p->nsteps,
		    pr.p->exec.parallel == 1 ? ", parallel" : "");
	for (i = 0; i < pr.p->nsteps; i++) {
		const struct step *s = &pr.p->steps[order[i]];
		const char *group = s->group >= 0 ?
		    pr.p->groups[s->group].name : NULL;

		strv_init(&cons);
		strv_init(&prod);
		strv_init(&deps);
		describe_consumes(pr.p, order[i], &cons);
		describe_produces(pr.p, order[i], &prod);
		dv = graph_deps(pr.g, order[i], &nd);
		for (k = 0; k < nd; k++)
			strv_push(&deps, pr.p->steps[dv[k]].name);
		if (o.json) {
			json_array_append_new(steps, json_pack(
			    "{s:s, s:s?, s:s, s:b, s:b, s:b, s:o, s:o, s:o}",
			    "name", s->name, "group", group, "task", s->task,
			    "optional", s->optional, "disabled", s->disabled,
			    "loop", s->loop != NULL,
			    "consumes", cmd_list_strv(&cons),
			    "produces", cmd_list_strv(&prod),
			    "depends_on", cmd_list_strv(&deps)));
		} else {
			printf("%3zu. %s%s%s", i + 1,
			    output_sgr(stdout, OUTPUT_BOLD), s->name,
			    output_sgr(stdout, OUTPUT_RESET));
			if (group != NULL)
				printf("  [group: %s]", group);
			if (s->disabled)
				printf("  %s(disabled: never runs)%s",
				    output_sgr(stdout, OUTPUT_DIM),
				    output_sgr(stdout, OUTPUT_RESET));
			else if (s->optional)
				printf("  %s(optional: runs with --include "
				    "%s or --step %s)%s",
				    output_sgr(stdout, OUTPUT_DIM), s->name,
				    s->name, output_sgr(stdout, OUTPUT_RESET));
			if (s->loop != NULL)
				printf("  (loop)");
			printf("\n       task:     %s\n", s->task != NULL ?
			    s->task : "");
			c = describe_join(&cons, ", ");
			q = describe_join(&prod, ", ");
			dd = describe_join(&deps, ", ");
			if (cons.n > 0)
				printf("       consumes: %s\n", c);
			if (prod.n > 0)
				printf("       produces: %s\n", q);
			if (deps.n > 0)
				printf("       after:    %s\n", dd);
			free(c);
			free(q);
			free(dd);
		}
		strv_free(&cons);
		strv_free(&prod);
		strv_free(&deps);
	}
	if (o.json)
		output_json(out, stdout);
	json_decref(out);
out:
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
