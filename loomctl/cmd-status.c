/* SPDX-License-Identifier: MIT */
/*
 * loomctl status [RUN] [--watch] [--json]: recent runs (id, pipeline,
 * state, steps done/total, duration), or one run step by step. --watch
 * keeps the view live: redrawn in place on a terminal, printed again
 * whenever it changes otherwise; watching one run ends with the run.
 * --json prints the daemon's answer as is (run.list or run.status,
 * docs/protocol.md). The overview never starts a daemon: with none
 * running it says "no daemon running"; "status RUN" may start one to
 * read the run's record, which outlives the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/error.h"
#include "common/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/freshlist.h"
#include "loomctl/items.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"

static int	cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv);
static double	cmd_status_now(void);
static void	cmd_status_span(json_t *o, char *buf, size_t len);
static void	cmd_status_runs(FILE *fp, json_t *res);
static void	cmd_status_run(FILE *fp, json_t *rec);
static bool	cmd_status_active(json_t *rec);

const struct loomctl_cmd cmd_status_entry = {
	.name = "status",
	.usage = "[RUN | FILE] [--watch] [--json]",
	.summary = "Show recent runs, or the steps of one run.",
	.help =
	    "  RUN       one run, step by step (ids as 'loomctl status' "
	    "lists them)\n"
	    "  FILE      a pipeline: each step fresh, stale or missing, and "
	    "why\n            (with --set/--var like run; no daemon needed)\n"
	    "  --watch   keep the view live (ends with the run when RUN is "
	    "given)\n"
	    "  --json    the daemon's answer as JSON (see docs/protocol.md: "
	    "run.list,\n            run.status)\n",
	.flags = CMD_REPORT_ONLY,
	.exec = cmd_status_exec,
};

static double
cmd_status_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The duration of something with "started" and "finished" times. */
static void
cmd_status_span(json_t *o, char *buf, size_t len)
{
	json_t *s = json_object_get(o, "started");
	json_t *f = json_object_get(o, "finished");

	if (!json_is_number(s)) {
		snprintf(buf, len, "-");
		return;
	}
	output_duration((json_is_number(f) ? json_number_value(f) :
	    cmd_status_now()) - json_number_value(s), buf, len);
}

static bool
cmd_status_active(json_t *rec)
{
	const char *state = json_string_value(json_object_get(rec, "state"));

	return state != NULL && (strcmp(state, "running") == 0 ||
	    strcmp(state, "queued") == 0 ||
	    strcmp(state, "pending") == 0 || strcmp(state, "cancelling") == 0);
}

static void
cmd_status_runs(FILE *fp, json_t *res)
{
	json_t *runs = json_object_get(res, "runs"), *r;
	char dur[32], steps[64];
	const char *file, *home = getenv("HOME");
	size_t i;

	if (json_array_size(runs) == 0) {
		fprintf(fp, "no runs yet\n");
		return;
	}
	fprintf(fp, "%-8s  %-11s  %-9s  %-8s  %s\n", "RUN", "STATE", "STEPS",
	    "DURATION", "PIPELINE");
	json_array_foreach(runs, i, r) {
		file = json_string_value(json_object_get(r, "file"));
		if (file == NULL)
			file = "?";
		else if (home != NULL && *home != '\0' &&
		    strncmp(file, home, strlen(home)) == 0 &&
		    file[strlen(home)] == '/')
			file += strlen(home) - 1;
		cmd_status_span(r, dur, sizeof dur);
		snprintf(steps, sizeof steps, "%lld/%lld",
		    (long long)json_integer_value(json_object_get(r,
		    "steps_done")),
		    (long long)json_integer_value(json_object_get(r,
		    "steps_total")));
		fprintf(fp, "%-8s  %-11s  %-9s  %-8s  %s%s\n",
		    json_string_value(json_object_get(r, "run")),
		    json_string_value(json_object_get(r, "state")), steps,
		    dur, file != json_string_value(json_object_get(r,
		    "file")) ? "~" : "", file);
	}
}

static void
cmd_status_run(FILE *fp, json_t *rec)
{
	json_t *steps = json_object_get(rec, "steps"), *s, *code, *sig;
	json_t *because, *items;
	char dur[32], detail[256];
	const char *state;
	size_t i, k, n;

	cmd_status_span(rec, dur, sizeof dur);
	fprintf(fp, "Run %s: %s (%s)\n  pipeline: %s\n",
	    json_string_value(json_object_get(rec, "run")),
	    json_string_value(json_object_get(rec, "state")), dur,
	    json_string_value(json_object_get(rec, "file")));
	fprintf(fp, "%-24s  %-11s  %-8s  %s\n", "STEP", "STATE", "DURATION",
	    "DETAIL");
	json_array_foreach(steps, i, s) {
		state = json_string_value(json_object_get(s, "state"));
		code = json_object_get(s, "exit_code");
		sig = json_object_get(s, "signal");
		because = json_object_get(s, "because");
		items = json_object_get(s, "items");
		detail[0] = '\0';
		if (json_array_size(items) > 0)
			items_summary(s, detail, sizeof detail);
		else if (json_is_string(sig))
			snprintf(detail, sizeof detail, "killed by %s",
			    json_string_value(sig));
		else if (json_is_integer(code) && state != NULL &&
		    strcmp(state, "succeeded") != 0)
			snprintf(detail, sizeof detail, "exit code %lld",
			    (long long)json_integer_value(code));
		else if (json_array_size(because) > 0) {
			n = (size_t)snprintf(detail, sizeof detail,
			    "dependencies failed:");
			for (k = 0; k < json_array_size(because) &&
			    n < sizeof detail; k++)
				n += (size_t)snprintf(detail + n,
				    sizeof detail - n, "%s %s",
				    k > 0 ? "," : "",
				    json_string_value(json_array_get(because,
				    k)));
		}
		if (json_is_number(json_object_get(s, "started")))
			cmd_status_span(s, dur, sizeof dur);
		else
			snprintf(dur, sizeof dur, "-");
		fprintf(fp, "%-24s  %-11s  %-8s  %s\n",
		    json_string_value(json_object_get(s, "name")),
		    state != NULL ? state : "?", dur, detail);
	}
}

static int
cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	bool watch = false, json = false, not_running, tty;
	const char *run = NULL;
	json_t *res, *msg;
	char *text = NULL, *last = NULL;
	size_t len;
	FILE *mem;
	int i, code, rc = LOOMCTL_EXIT_OK;

	(void)ctx;
	/* status FILE: freshness of its steps, from files (freshlist.c). */
	if (argc > 1 && freshlist_is_file(argv[1]))
		return freshlist_status(argc, argv);
	for (i = 1; i < argc; i++) {
		if (cmd_is_help(argv[i])) {
			cmd_print_help(&cmd_status_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--watch") == 0 ||
		    strcmp(argv[i], "-w") == 0)
			watch = true;
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_status_entry,
			    "unknown option: %s", argv[i]);
		else if (run == NULL)
			run = argv[i];
		else
			return cmd_usage_error(&cmd_status_entry,
			    "unexpected argument: %s", argv[i]);
	}
	loom_error_clear(&err);
	/*
	 * A run's record outlives the daemon, so asking about one run may
	 * start a daemon to read it; the overview never does.
	 */
	if ((c = connect_daemon(run != NULL ? CONNECT_START :
	    CONNECT_EXISTING, &not_running, &err)) == NULL) {
		if (!not_running) {
			output_error(&err, stderr);
			return LOOMCTL_EXIT_FAILED;
		}
		if (run != NULL) {
			output_fail("no daemon running, so no run %s is "
			    "active", run);
			return LOOMCTL_EXIT_FAILED;
		}
		if (json)
			printf("{\"daemon\":false,\"runs\":[]}\n");
		else
			printf("no daemon running\n");
		return LOOMCTL_EXIT_OK;
	}
	if (watch) {
		loom_error_clear(&err);
		res = rpcclient_call(c, "run.subscribe", run != NULL ?
		    json_pack("{s:s}", "run", run) : json_object(), &code,
		    &err);
		if (res == NULL && code != LOOM_ERR_NO_RUN) {
			output_error(&err, stderr);
			rpcclient_free(c);
			return LOOMCTL_EXIT_FAILED;
		}
		json_decref(res);
	}
	tty = output_is_tty(stdout);
	for (;;) {
		loom_error_clear(&err);
		if (run != NULL)
			res = rpcclient_call(c, "run.status", json_pack("{s:s}",
			    "run", run), &code, &err);
		else
			res = rpcclient_call(c, "run.list", json_pack("{s:i}",
			    "limit", 20), &code, &err);
		if (res == NULL) {
			output_fail("%s", err.message);
			rc = code == LOOM_ERR_NO_RUN ? LOOMCTL_EXIT_USAGE :
			    LOOMCTL_EXIT_FAILED;
			break;
		}
		mem = open_memstream(&text, &len);
		if (json)
			output_json(res, mem);
		else if (run != NULL)
			cmd_status_run(mem, res);
		else
			cmd_status_runs(mem, res);
		fclose(mem);
		if (!watch || last == NULL || strcmp(last, text) != 0 || tty) {
			if (watch && tty)
				fputs("\033[H\033[2J", stdout);
			fputs(text, stdout);
			if (watch && !tty && !json)
				fputc('\n', stdout);
			fflush(stdout);
		}
		free(last);
		last = text;
		text = NULL;
		if (!watch || (run != NULL && !cmd_status_active(res))) {
			json_decref(res);
			break;
		}
		json_decref(res);
		/* Wake on any event, and at least every second. */
		loom_error_clear(&err);
		i = rpcclient_next(c, 1000, &msg, &err);
		while (i == 1) {
			json_decref(msg);
			i = rpcclient_next(c, 0, &msg, &err);
		}
		if (i == -1) {
			output_fail("%s", err.message);
			rc = LOOMCTL_EXIT_FAILED;
			break;
		}
	}
	free(last);
	rpcclient_free(c);
	return rc;
}
