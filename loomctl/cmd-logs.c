/* SPDX-License-Identifier: MIT */
/*
 * loomctl logs RUN [STEP] [-f] [--item N]: the output of a run's steps,
 * byte for byte as the step wrote it (read from the daemon's step logs
 * by offset with log.read). Without STEP every step's log is printed in
 * order under a "==> step <==" header. -f follows until the step (or
 * each step in turn) has finished. Run records outlive the daemon, so
 * this command starts one when needed to read them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "common/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/logread.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"

static int	cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv);
static void	cmd_logs_write(void *arg, const unsigned char *data,
		    size_t len);
static int	cmd_logs_one(struct rpcclient *c, const char *run,
		    const char *step, long item, bool follow);

const struct loomctl_cmd cmd_logs_entry = {
	.name = "logs",
	.usage = "RUN [STEP] [-f|--follow] [--item N]",
	.summary = "Print the output of a run's steps.",
	.help =
	    "  STEP          only this step (default: every step, in order)\n"
	    "  -f, --follow  keep printing until the step has finished\n"
	    "  --item N      one item of a loop step (0 is the first)\n",
	.flags = CMD_NEEDS_DAEMON,
	.exec = cmd_logs_exec,
};

/* Write a piece of a log to stdout as it comes. */
static void
cmd_logs_write(void *arg, const unsigned char *data, size_t len)
{
	(void)arg;
	fwrite(data, 1, len, stdout);
	fflush(stdout);
}

/*
 * Print one log from the start; with follow, until the daemon says the
 * step has finished. Returns an exit status.
 */
static int
cmd_logs_one(struct rpcclient *c, const char *run, const char *step,
    long item, bool follow)
{
	struct logread r = { run, step, item, 0, 65536 };
	struct loom_error err;
	json_t *msg;
	int code, rc;

	for (;;) {
		loom_error_clear(&err);
		rc = logread_drain(c, &r, cmd_logs_write, NULL, &code, &err);
		if (rc == -1) {
			output_fail("%s", err.message);
			return code == LOOM_ERR_NO_RUN ||
			    code == LOOM_ERR_NO_STEP ? LOOMCTL_EXIT_USAGE :
			    LOOMCTL_EXIT_FAILED;
		}
		if (rc == 1 || !follow)
			return LOOMCTL_EXIT_OK;
		/* Nothing new yet: wait for an event or half a second. */
		loom_error_clear(&err);
		if (rpcclient_next(c, 500, &msg, &err) == 1)
			json_decref(msg);
		if (err.set) {
			output_fail("%s", err.message);
			return LOOMCTL_EXIT_FAILED;
		}
	}
}

static int
cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	const char *run = NULL, *step = NULL, *name;
	bool follow = false;
	long item = -1;
	char *end;
	json_t *rec, *steps, *s = NULL, *sub;
	size_t i, k, nitems;
	int a, code, rc = LOOMCTL_EXIT_OK;

	(void)ctx;
	for (a = 1; a < argc; a++) {
		if (cmd_is_help(argv[a])) {
			cmd_print_help(&cmd_logs_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[a], "-f") == 0 ||
		    strcmp(argv[a], "--follow") == 0)
			follow = true;
		else if (strcmp(argv[a], "--item") == 0) {
			if (a + 1 >= argc)
				return cmd_usage_error(&cmd_logs_entry,
				    "--item wants a number");
			errno = 0;
			item = strtol(argv[++a], &end, 10);
			if (errno != 0 || *end != '\0' || item < 0)
				return cmd_usage_error(&cmd_logs_entry,
				    "--item wants a number, not '%s'", argv[a]);
		} else if (argv[a][0] == '-')
			return cmd_usage_error(&cmd_logs_entry,
			    "unknown option: %s", argv[a]);
		else if (run == NULL)
			run = argv[a];
		else if (step == NULL)
			step = argv[a];
		else
			return cmd_usage_error(&cmd_logs_entry,
			    "unexpected argument: %s", argv[a]);
	}
	if (run == NULL)
		return cmd_usage_error(&cmd_logs_entry, "a run id is needed");
	if (item >= 0 && step == NULL)
		return cmd_usage_error(&cmd_logs_entry, "--item needs a STEP");

	loom_error_clear(&err);
	if ((c = connect_daemon(CONNECT_START, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	loom_error_clear(&err);
	rec = rpcclient_call(c, "run.status", json_pack("{s:s}", "run", run),
	    &code, &err);
	if (rec == NULL) {
		output_fail("%s", err.message);
		rpcclient_free(c);
		return code == LOOM_ERR_NO_RUN ? LOOMCTL_EXIT_USAGE :
		    LOOMCTL_EXIT_FAILED;
	}
	if (follow) {
		loom_error_clear(&err);
		sub = rpcclient_call(c, "run.subscribe", json_pack("{s:s}",
		    "run", run), NULL, &err);
		json_decref(sub);
	}
	steps = json_object_get(rec, "steps");
	if (step != NULL) {
		json_array_foreach(steps, i, s) {
			name = json_string_value(json_object_get(s, "name"));
			if (name != NULL && strcmp(name, step) == 0)
				break;
		}
		if (i == json_array_size(steps)) {
			output_fail("run %s has no step named '%s'", run, step);
			rc = LOOMCTL_EXIT_USAGE;
		} else if (item >= 0 || json_array_size(json_object_get(s,
		    "items")) == 0)
			rc = cmd_logs_one(c, run, step, item, follow);
		else {
			nitems = json_array_size(json_object_get(s, "items"));
			for (k = 0; k < nitems && rc == 0; k++) {
				printf("==> %s item %zu <==\n", step, k);
				rc = cmd_logs_one(c, run, step, (long)k,
				    follow);
			}
		}
	} else {
		json_array_foreach(steps, i, s) {
			const char *state = json_string_value(
			    json_object_get(s, "state"));

			name = json_string_value(json_object_get(s, "name"));
			if (name == NULL || (state != NULL &&
			    strcmp(state, "skipped") == 0))
				continue;
			if (!follow && state != NULL &&
			    strcmp(state, "pending") == 0)
				continue;
			nitems = json_array_size(json_object_get(s, "items"));
			if (nitems == 0) {
				printf("%s==> %s <==\n", i > 0 ? "\n" : "",
				    name);
				fflush(stdout);
				rc = cmd_logs_one(c, run, name, -1, follow);
			}
			for (k = 0; k < nitems && rc == 0; k++) {
				printf("%s==> %s item %zu <==\n",
				    i > 0 || k > 0 ? "\n" : "", name, k);
				fflush(stdout);
				rc = cmd_logs_one(c, run, name, (long)k,
				    follow);
			}
			if (rc != 0)
				break;
		}
	}
	json_decref(rec);
	rpcclient_free(c);
	return rc;
}
