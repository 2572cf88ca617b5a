/* SPDX-License-Identifier: MIT */
/*
 * loomctl validate FILE: every problem of a pipeline file at once, as
 * "file:line:col: error: message" with a hint, without running anything
 * and without a daemon. Exit 2 when there is an error; warnings alone
 * leave the status at 0. With --json the diagnostics come as one object.
 */
#include <stdio.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "loomctl/cmd.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/runopts.h"

static int	cmd_validate_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct loomctl_cmd cmd_validate_entry = {
	.name = "validate",
	.usage = "FILE [--set NAME=VALUE] [--var NAME=PATH] [--json]",
	.summary = "Check a pipeline file and report every problem.",
	.help =
	    "Options:\n"
	    "  --set NAME=VALUE  override a parameter (repeatable)\n"
	    "  --var NAME=PATH   override a data path (repeatable)\n"
	    "  --json            print {\"ok\", \"diagnostics\": [...]} "
	    "on stdout\n\n"
	    "Exit status: 0 valid (warnings allowed), 2 errors found.\n",
	.exec = cmd_validate_exec,
};

static int
cmd_validate_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_opts o;
	struct prepared pr;
	json_t *out, *list;
	size_t i;
	int rc;

	(void)ctx;
	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_validate_entry,
	    RUNOPTS_OVERRIDE | RUNOPTS_JSON, argc, argv);
	if (rc != 0 || o.help) {
		if (o.help)
			cmd_print_help(&cmd_validate_entry, stdout);
		runopts_free(&o);
		return rc;
	}
	if (o.file == NULL || o.positional.n > 0) {
		runopts_free(&o);
		return cmd_usage_error(&cmd_validate_entry, o.file == NULL ?
		    "a pipeline file is needed" : "one file at a time");
	}
	rc = prepare_pipeline(&pr, &o, false, o.json);
	/* Sources that are missing now may be there by the run: warnings. */
	if (rc == 0)
		(void)prepare_sources(&pr, &o, true, o.json);
	if (o.json) {
		list = json_array();
		for (i = 0; i < pr.diags.n; i++) {
			const struct diag *d = &pr.diags.v[i];

			json_array_append_new(list, json_pack(
			    "{s:s, s:s, s:i, s:i, s:s, s:s?}", "severity",
			    d->severity == DIAG_ERROR ? "error" : "warning",
			    "file", d->file != NULL ? d->file : "",
			    "line", d->line, "column", d->column,
			    "message", d->message, "hint", d->hint));
		}
		out = json_pack("{s:b, s:o}", "ok", rc == 0, "diagnostics",
		    list);
		output_json(out, stdout);
		json_decref(out);
	} else if (rc == 0)
		printf("%s: valid, %zu step(s)%s\n", o.file, pr.p->nsteps,
		    pr.diags.nwarnings > 0 ? " (with warnings)" : "");
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
