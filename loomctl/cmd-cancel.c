/* SPDX-License-Identifier: MIT */
/*
 * loomctl cancel RUN: asks the daemon to cancel a run (SIGTERM to each
 * running step's process group, SIGKILL after the grace period) and
 * returns; 'loomctl status RUN' shows when it is over. Never starts a
 * daemon: with none running there is nothing to cancel.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runref.h"

static int	cmd_cancel_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct loomctl_cmd cmd_cancel_entry = {
	.name = "cancel",
	.usage = "RUN",
	.summary = "Cancel a running pipeline run.",
	.help = "  RUN       a run id, a unique prefix of one, 'last', or a "
	    "pipeline file\n            (its newest run still going)\n"
	    "Exit status: 0 the cancel was sent, 1 no daemon or the "
	    "daemon failed,\n2 no such run.\n",
	.flags = CMD_REPORT_ONLY,
	.exec = cmd_cancel_exec,
};

static int
cmd_cancel_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	json_t *res;
	char *run;
	int code, rc;

	if (argc > 1 && cmd_is_help(argv[1])) {
		cmd_print_help(&cmd_cancel_entry, stdout);
		return LOOMCTL_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(&cmd_cancel_entry, "one run id is "
		    "needed");
	loom_error_clear(&err);
	if ((c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_fail("%s: nothing to cancel", err.message);
		return LOOMCTL_EXIT_FAILED;
	}
	if ((rc = runref_resolve_going(c, argv[1], &run)) != 0) {
		rpcclient_free(c);
		return rc;
	}
	loom_error_clear(&err);
	res = rpcclient_call(c, LOOM_METHOD_RUN_CANCEL,
	    json_pack("{s:s}", "run", run),
	    &code, &err);
	rpcclient_free(c);
	if (res == NULL) {
		output_fail("%s", err.message);
		free(run);
		return code == LOOM_ERR_NO_RUN ? LOOMCTL_EXIT_USAGE :
		    LOOMCTL_EXIT_FAILED;
	}
	json_decref(res);
	printf("cancelling run %s\n", run);
	free(run);
	return LOOMCTL_EXIT_OK;
}
