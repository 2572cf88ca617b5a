/* SPDX-License-Identifier: MIT */
/*
 * loomctl wait RUN...: block until every named run has ended, print one
 * line per run as it ends, and exit with the runs' outcome: 0 all
 * succeeded, 1 one failed or was interrupted, 130 one was cancelled (the
 * largest status wins). Run ids may be prefixes or "last". A run's
 * record outlives its daemon, so wait may start a daemon to read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "common/util/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runref.h"

static int	cmd_wait_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int	cmd_wait_poll(struct rpcclient *c, char **ids, int n,
		    bool quiet, int *rc);

const struct loomctl_cmd cmd_wait_entry = {
	.name = "wait",
	.usage = "RUN... [-q]",
	.summary = "Wait until runs end; exit with their outcome.",
	.help =
	    "  RUN       a run id, a unique prefix of one, 'last', or a "
	    "pipeline file\n            (its newest run)\n"
	    "  -q, --quiet  print nothing, only exit with the outcome\n"
	    "Exit status: 0 every run succeeded, 1 a run failed or was "
	    "interrupted,\n130 a run was cancelled (the largest wins), 2 no "
	    "such run.\n",
	.flags = CMD_NEEDS_DAEMON,
	.exec = cmd_wait_exec,
};

/*
 * Ask for the state of every run still waited for; an ended run is
 * printed, folded into *rc and dropped (ids[i] set to NULL). Returns the
 * number still running, or -1 when the daemon cannot be asked.
 */
static int
cmd_wait_poll(struct rpcclient *c, char **ids, int n, bool quiet, int *rc)
{
	struct loom_error err;
	const char *state;
	json_t *res;
	int i, left = 0, st;

	for (i = 0; i < n; i++) {
		if (ids[i] == NULL)
			continue;
		loom_error_clear(&err);
		res = rpcclient_call(c, LOOM_METHOD_RUN_STATUS,
		    json_pack("{s:s}", "run",
		    ids[i]), NULL, &err);
		if (res == NULL) {
			output_fail("%s", err.message);
			return -1;
		}
		state = json_string_value(json_object_get(res, "state"));
		if (runref_active(state)) {
			left++;
			json_decref(res);
			continue;
		}
		st = runref_exit_status(state);
		if (st > *rc)
			*rc = st;
		if (!quiet)
			printf("Run %s: %s\n", ids[i], state != NULL ? state :
			    "?");
		fflush(stdout);
		json_decref(res);
		free(ids[i]);
		ids[i] = NULL;
	}
	return left;
}

static int
cmd_wait_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	char **ids;
	json_t *msg;
	bool quiet = false;
	int i, n = 0, rc = LOOMCTL_EXIT_OK, left, got;

	for (i = 1; i < argc; i++) {
		if (cmd_is_help(argv[i])) {
			cmd_print_help(&cmd_wait_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[i], "-q") == 0 ||
		    strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (argv[i][0] == '-')
			return cmd_unknown_option(&cmd_wait_entry, argv[i]);
	}
	ids = xcalloc((size_t)argc, sizeof *ids);
	loom_error_clear(&err);
	if ((c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		free(ids);
		return LOOMCTL_EXIT_FAILED;
	}
	for (i = 1; i < argc && rc == LOOMCTL_EXIT_OK; i++) {
		if (argv[i][0] != '-')
			rc = runref_resolve(c, argv[i], &ids[n++]);
	}
	if (n == 0 && rc == LOOMCTL_EXIT_OK)
		rc = cmd_usage_error(&cmd_wait_entry, "a run id is needed");
	if (rc != LOOMCTL_EXIT_OK)
		goto out;
	/* Subscribe first, then look: no end can fall between the two. */
	loom_error_clear(&err);
	msg = rpcclient_call(c, LOOM_METHOD_RUN_SUBSCRIBE,
	    json_pack("{s:b}", "output", 0), NULL, &err);
	if (msg == NULL) {
		output_fail("%s", err.message);
		rc = LOOMCTL_EXIT_FAILED;
		goto out;
	}
	json_decref(msg);
	while ((left = cmd_wait_poll(c, ids, n, quiet, &rc)) > 0) {
		/* Wake on any event, and at least every second. */
		loom_error_clear(&err);
		got = rpcclient_next(c, 1000, &msg, &err);
		while (got == 1) {
			json_decref(msg);
			got = rpcclient_next(c, 0, &msg, &err);
		}
		if (got == -1) {
			output_fail("%s", err.message);
			left = -1;
			break;
		}
	}
	if (left == -1)
		rc = LOOMCTL_EXIT_FAILED;
out:
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	rpcclient_free(c);
	return rc;
}
