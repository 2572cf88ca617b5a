/* SPDX-License-Identifier: MIT */
/*
 * loomctl logs RUN [STEP] [-f] [--item FILE]: the output of a run's
 * steps, byte for byte as the step wrote it (read from the daemon's step
 * logs by offset with log.read). Without STEP every step's log is printed
 * in order under a "==> step <==" header ("==> step[file] <==" for a loop
 * item; --item takes the item's file name, or its 0-based number). -f follows until the step (or
 * each step in turn) has finished. The log file itself is read when the
 * daemon passes it (log.open; logread.h), log.read otherwise. Run
 * records outlive the daemon, so this command starts one when needed to
 * read them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/protocol.h"
#include "common/util/runstate.h"
#include "common/model/suggest.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/items.h"
#include "loomctl/logread.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runref.h"

static int	cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv);
static json_t	*cmd_logs_find_step(json_t *steps, const char *run,
		    const char *step);
static void	cmd_logs_write(void *arg, const unsigned char *data,
		    size_t len);
static int	cmd_logs_one(struct rpcclient *c, const char *run,
		    const char *step, long item, bool follow);
static int	cmd_logs_items(struct rpcclient *c, const char *run,
		    const json_t *s, bool follow, bool gap);

const struct loomctl_cmd cmd_logs_entry = {
	.name = "logs",
	.usage = "RUN [STEP] [-f|--follow] [--item FILE]",
	.summary = "Print the output of a run's steps.",
	.help =
	    "  RUN           a run id, a unique prefix of one, 'last', or a "
	    "pipeline\n                file (its newest run)\n"
	    "  STEP          only this step (default: every step, in order)\n"
	    "  -f, --follow  keep printing until the step has finished\n"
	    "  --item FILE   one item of a loop step, by its file's name "
	    "(a number N\n                is the N-th item, 0 being the "
	    "first)\n",
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
 * Print one log from the start; with follow, until the step has
 * finished: its file grows (the wake fd) or an event comes, and
 * run.step_finished of this step (or run.finished) says it is whole.
 * Returns an exit status.
 */
static int
cmd_logs_one(struct rpcclient *c, const char *run, const char *step,
    long item, bool follow)
{
	struct logread r;
	struct loom_error err;
	json_t *msg;
	int code, rc, wake;

	logread_init(&r, run, step, item, 0);
	fflush(stdout);
	logread_set_copy(&r, STDOUT_FILENO);
	wake = follow ? logread_wake_fd(c) : -1;
	for (;;) {
		loom_error_clear(&err);
		rc = logread_drain(c, &r, cmd_logs_write, NULL, &code, &err);
		if (rc == -1) {
			logread_close(&r);
			output_fail("%s", err.message);
			return code == LOOM_ERR_NO_RUN ||
			    code == LOOM_ERR_NO_STEP ? LOOMCTL_EXIT_USAGE :
			    LOOMCTL_EXIT_FAILED;
		}
		if (rc == 1 || !follow)
			break;
		/* Nothing new yet: wait for growth, an event or 0.5 s. */
		loom_error_clear(&err);
		if (rpcclient_next(c, wake == -1 || r.wd == -1 ? 500 : -1,
		    &msg, &err) == 1) {
			if (logread_is_end(&r, msg))
				logread_ended(&r);
			json_decref(msg);
		}
		logread_wake_clear(c);
		if (err.set) {
			logread_close(&r);
			output_fail("%s", err.message);
			return LOOMCTL_EXIT_FAILED;
		}
	}
	logread_close(&r);
	return LOOMCTL_EXIT_OK;
}

/* The step called name, or NULL after an error with "did you mean". */
static json_t *
cmd_logs_find_step(json_t *steps, const char *run, const char *step)
{
	struct suggest sg;
	const char *name, *best;
	json_t *s;
	size_t i;

	suggest_init(&sg, step);
	json_array_foreach(steps, i, s) {
		name = json_string_value(json_object_get(s, "name"));
		if (name != NULL && strcmp(name, step) == 0)
			return s;
		suggest_add(&sg, name);
	}
	if ((best = suggest_best(&sg)) != NULL)
		output_fail("run %s has no step named '%s' (did you mean "
		    "'%s'?)", run, step, best);
	else
		output_fail("run %s has no step named '%s' ('loomctl status "
		    "%s' lists them)", run, step, run);
	return NULL;
}

/*
 * Print every item's log of loop step s, each under "==> step[file] <==";
 * gap puts an empty line before the first header.
 */
static int
cmd_logs_items(struct rpcclient *c, const char *run, const json_t *s,
    bool follow, bool gap)
{
	const char *step = json_string_value(json_object_get(s, "name"));
	const json_t *items = json_object_get(s, "items"), *it;
	const char *name;
	size_t k;
	int rc = LOOMCTL_EXIT_OK;

	json_array_foreach(items, k, it) {
		name = items_name(it);
		if (name != NULL)
			printf("%s==> %s[%s] <==\n", gap || k > 0 ? "\n" : "",
			    step, name);
		else
			printf("%s==> %s item %zu <==\n", gap || k > 0 ?
			    "\n" : "", step, k);
		fflush(stdout);
		if ((rc = cmd_logs_one(c, run, step, (long)k, follow)) != 0)
			break;
	}
	return rc;
}

static int
cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	const char *arg = NULL, *step = NULL, *name, *item_arg = NULL;
	char *run = NULL;
	bool follow = false;
	long item = -1;
	json_t *rec, *steps, *s = NULL, *sub;
	size_t i, nitems;
	int a, code, rc = LOOMCTL_EXIT_OK;

	for (a = 1; a < argc; a++) {
		if (cmd_is_help(argv[a])) {
			cmd_print_help(&cmd_logs_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[a], "-f") == 0 ||
		    strcmp(argv[a], "--follow") == 0)
			follow = true;
		else if (strcmp(argv[a], "--item") == 0) {
			if (a + 1 >= argc || argv[a + 1][0] == '\0')
				return cmd_usage_error(&cmd_logs_entry,
				    "--item wants an item's file name");
			item_arg = argv[++a];
		} else if (argv[a][0] == '-')
			return cmd_unknown_option(&cmd_logs_entry, argv[a]);
		else if (arg == NULL)
			arg = argv[a];
		else if (step == NULL)
			step = argv[a];
		else
			return cmd_usage_error(&cmd_logs_entry,
			    "unexpected argument: %s", argv[a]);
	}
	if (arg == NULL)
		return cmd_usage_error(&cmd_logs_entry, "a run id is needed");
	if (item_arg != NULL && step == NULL)
		return cmd_usage_error(&cmd_logs_entry, "--item needs a STEP");

	loom_error_clear(&err);
	if ((c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	if ((rc = runref_resolve(c, arg, &run)) != 0) {
		rpcclient_free(c);
		return rc;
	}
	loom_error_clear(&err);
	rec = rpcclient_call(c, LOOM_METHOD_RUN_STATUS,
	    json_pack("{s:s}", "run", run),
	    &code, &err);
	if (rec == NULL) {
		output_fail("%s", err.message);
		free(run);
		rpcclient_free(c);
		return code == LOOM_ERR_NO_RUN ? LOOMCTL_EXIT_USAGE :
		    LOOMCTL_EXIT_FAILED;
	}
	if (follow) {
		loom_error_clear(&err);
		/* Only the end matters: the bytes come from the log. */
		sub = rpcclient_call(c, LOOM_METHOD_RUN_SUBSCRIBE,
		    json_pack("{s:s, s:b}", "run", run, "output", 0), NULL,
		    &err);
		json_decref(sub);
	}
	steps = json_object_get(rec, "steps");
	if (step != NULL) {
		if ((s = cmd_logs_find_step(steps, run, step)) == NULL)
			rc = LOOMCTL_EXIT_USAGE;
		else if (item_arg != NULL &&
		    (item = items_find(s, item_arg)) == -1) {
			output_fail("step %s of run %s has no item '%s'%s", step,
			    run, item_arg, json_object_get(s, "items") == NULL ?
			    " (not a loop step)" : "");
			rc = LOOMCTL_EXIT_USAGE;
		} else if (item >= 0 || json_array_size(json_object_get(s,
		    "items")) == 0)
			rc = cmd_logs_one(c, run, step, item, follow);
		else
			rc = cmd_logs_items(c, run, s, follow, false);
	} else {
		json_array_foreach(steps, i, s) {
			const char *state = json_string_value(
			    json_object_get(s, "state"));

			name = json_string_value(json_object_get(s, "name"));
			if (name == NULL ||
			    runstate_parse(state) == RUNSTATE_SKIPPED)
				continue;
			if (!follow &&
			    runstate_parse(state) == RUNSTATE_PENDING)
				continue;
			nitems = json_array_size(json_object_get(s, "items"));
			if (nitems == 0) {
				printf("%s==> %s <==\n", i > 0 ? "\n" : "",
				    name);
				fflush(stdout);
				rc = cmd_logs_one(c, run, name, -1, follow);
			}
			if (nitems > 0)
				rc = cmd_logs_items(c, run, s, follow, i > 0);
			if (rc != 0)
				break;
		}
	}
	json_decref(rec);
	free(run);
	rpcclient_free(c);
	return rc;
}
