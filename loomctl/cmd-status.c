/* SPDX-License-Identifier: MIT */
/*
 * loomctl status [RUN] [--watch] [--json]: recent runs (id, state,
 * steps succeeded/total with failed and skipped apart, start time,
 * duration, pipeline), or one run step by step. RUN may be a unique
 * prefix of an id or "last". --watch keeps the view live: redrawn in
 * place on a terminal, printed again whenever it changes otherwise;
 * watching one run ends with the run, and with its exit status (as
 * 'loomctl wait'). --json prints the daemon's answer as is (run.list or
 * run.status, docs/protocol.md).
 *
 * Run records outlive the daemon, so status starts one when none runs,
 * as 'run' does: the daemon reads the run index, and on start marks the
 * runs of a daemon that died (its pid and start time no longer match a
 * live process) as interrupted. History is thus the same with or without
 * a daemon, and after a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/protocol.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/freshlist.h"
#include "loomctl/items.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runref.h"

static int	cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv);
static double	cmd_status_now(void);
static void	cmd_status_span(json_t *o, char *buf, size_t len);
static void	cmd_status_when(json_t *o, char *buf, size_t len);
static void	cmd_status_counts(json_t *r, char *buf, size_t len);
static const char *cmd_status_file(json_t *r, const char **tilde);
static void	cmd_status_runs(FILE *fp, json_t *res, size_t width);
static void	cmd_status_run(FILE *fp, json_t *rec);
static int	cmd_status_loop(struct rpcclient *c, const char *run,
		    bool watch, bool json);

const struct loomctl_cmd cmd_status_entry = {
	.name = "status",
	.usage = "[RUN | FILE] [-w | --watch] [--json]",
	.summary = "Show recent runs, or the steps of one run.",
	.help =
	    "  RUN       one run, step by step: an id as 'loomctl status' "
	    "lists it,\n            a unique prefix of one, or 'last'\n"
	    "  FILE      a pipeline: each step fresh, stale or missing, and "
	    "why\n            (with --set/--var like run; asks a daemon that "
	    "runs,\n            starts none)\n"
	    "  -w, --watch  keep the view live (with RUN: ends with the run, "
	    "and exits\n            0 succeeded, 1 failed, 130 cancelled)\n"
	    "  --json    the daemon's answer as JSON (see docs/protocol.md: "
	    "run.list,\n            run.status)\n"
	    "Run records outlive the daemon: with none running, status "
	    "starts one to\nread them; a run whose daemon died shows as "
	    "interrupted.\n",
	.flags = CMD_NEEDS_DAEMON,
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

/* Local start time: "14:03:07" today, "2026-12-01 14:03" before. */
static void
cmd_status_when(json_t *o, char *buf, size_t len)
{
	json_t *s = json_object_get(o, "started");
	struct tm tm, today;
	time_t t, now = time(NULL);

	if (!json_is_number(s)) {
		snprintf(buf, len, "-");
		return;
	}
	t = (time_t)json_number_value(s);
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* "3/4" succeeded of total, then failed and skipped when there are any. */
static void
cmd_status_counts(json_t *r, char *buf, size_t len)
{
	long long ok, total, failed, skipped;
	int n;

	ok = json_integer_value(json_object_get(r, "steps_succeeded"));
	total = json_integer_value(json_object_get(r, "steps_total"));
	failed = json_integer_value(json_object_get(r, "steps_failed"));
	skipped = json_integer_value(json_object_get(r, "steps_skipped"));
	n = snprintf(buf, len, "%lld/%lld", ok, total);
	if (failed > 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", %lld failed", failed);
	if (skipped > 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %lld skipped", skipped);
}

/* The pipeline file with the home folder as "~" (*tilde "~" or ""). */
static const char *
cmd_status_file(json_t *r, const char **tilde)
{
	const char *file, *home = getenv("HOME");
	size_t hl = home != NULL ? strlen(home) : 0;

	*tilde = "";
	file = json_string_value(json_object_get(r, "file"));
	if (file == NULL)
		return "?";
	if (hl > 1 && strncmp(file, home, hl) == 0 && file[hl] == '/') {
		*tilde = "~";
		return file + hl;
	}
	return file;
}

/*
 * The list of runs, its SUCCEEDED and STARTED columns as wide as their
 * widest entry; width: the terminal's (0: not one), where a pipeline
 * path too long for the line keeps its end.
 */
static void
cmd_status_runs(FILE *fp, json_t *res, size_t width)
{
	struct cmd_status_row {
		char steps[64], when[32];
	} *rows;
	json_t *runs = json_object_get(res, "runs"), *r;
	char dur[32];
	const char *file, *tilde, *state, *cut;
	size_t i, room, left, ws = strlen("SUCCEEDED"), ww = strlen("STARTED");
	int cs, cw;

	if (json_array_size(runs) == 0) {
		fprintf(fp, "no runs yet\n");
		return;
	}
	rows = xcalloc(json_array_size(runs), sizeof *rows);
	json_array_foreach(runs, i, r) {
		cmd_status_when(r, rows[i].when, sizeof rows[i].when);
		cmd_status_counts(r, rows[i].steps, sizeof rows[i].steps);
		ws = strlen(rows[i].steps) > ws ? strlen(rows[i].steps) : ws;
		ww = strlen(rows[i].when) > ww ? strlen(rows[i].when) : ww;
	}
	cs = (int)ws;
	cw = (int)ww;
	left = 8 + 2 + 11 + 2 + ws + 2 + ww + 2 + 8 + 2;
	room = width > left + 8 ? width - left : (size_t)-1;
	fprintf(fp, "%-8s  %-11s  %-*s  %-*s  %-8s  %s\n", "RUN", "STATE",
	    cs, "SUCCEEDED", cw, "STARTED", "DURATION", "PIPELINE");
	json_array_foreach(runs, i, r) {
		file = cmd_status_file(r, &tilde);
		state = json_string_value(json_object_get(r, "state"));
		cmd_status_span(r, dur, sizeof dur);
		cut = "";
		if (strlen(tilde) + strlen(file) > room) {
			cut = "...";
			file += strlen(tilde) + strlen(file) - (room - 3);
			tilde = "";
		}
		fprintf(fp, "%-8s  %-11s  %-*s  %-*s  %-8s  %s%s%s\n",
		    json_string_value(json_object_get(r, "run")),
		    state != NULL ? state : "?", cs, rows[i].steps, cw,
		    rows[i].when, dur, cut, tilde, file);
	}
	free(rows);
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
	cmd_status_when(rec, detail, sizeof detail);
	fprintf(fp, "Run %s: %s (started %s, %s)\n  pipeline: %s\n",
	    json_string_value(json_object_get(rec, "run")),
	    json_string_value(json_object_get(rec, "state")), detail, dur,
	    json_string_value(json_object_get(rec, "file")));
	cmd_status_counts(rec, detail, sizeof detail);
	if (json_is_integer(json_object_get(rec, "steps_total")))
		fprintf(fp, "  steps succeeded: %s\n", detail);
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
		else if (json_is_string(json_object_get(s, "reason")))
			snprintf(detail, sizeof detail, "in Slurm's queue: %s",
			    json_string_value(json_object_get(s, "reason")));
		else if (json_is_string(sig))
			snprintf(detail, sizeof detail, "killed by %s",
			    json_string_value(sig));
		else if (json_is_integer(code) && state != NULL &&
		    runstate_parse(state) != RUNSTATE_SUCCEEDED)
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
	bool watch = false, json = false;
	const char *arg = NULL;
	char *run = NULL;
	int i, rc;

	/*
	 * status FILE: freshness of its steps, from files (freshlist.c),
	 * whatever comes before the file (status --json FILE).
	 */
	for (i = 1; i < argc; i++)
		if (freshlist_is_file(argv[i]))
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
			return cmd_unknown_option(&cmd_status_entry, argv[i]);
		else if (arg == NULL)
			arg = argv[i];
		else
			return cmd_usage_error(&cmd_status_entry,
			    "unexpected argument: %s", argv[i]);
	}
	loom_error_clear(&err);
	if ((c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	if (arg != NULL && (rc = runref_resolve(c, arg, &run)) != 0) {
		rpcclient_free(c);
		return rc;
	}
	rc = cmd_status_loop(c, run, watch, json);
	free(run);
	rpcclient_free(c);
	return rc;
}

/*
 * Print the overview or one run; with watch, again on every change until
 * the run ends. Returns the exit status.
 */
static int
cmd_status_loop(struct rpcclient *c, const char *run, bool watch, bool json)
{
	struct loom_error err;
	bool tty = output_is_tty(stdout);
	json_t *res, *msg;
	char *text = NULL, *last = NULL;
	const char *state;
	size_t len;
	FILE *mem;
	int i, code, rc = LOOMCTL_EXIT_OK;

	if (watch) {
		loom_error_clear(&err);
		res = rpcclient_call(c, LOOM_METHOD_RUN_SUBSCRIBE, run != NULL ?
		    json_pack("{s:s, s:b}", "run", run, "output", 0) :
		    json_pack("{s:b}", "output", 0), &code, &err);
		if (res == NULL && code != LOOM_ERR_NO_RUN) {
			output_fail("%s", err.message);
			return LOOMCTL_EXIT_FAILED;
		}
		json_decref(res);
	}
	for (;;) {
		loom_error_clear(&err);
		if (run != NULL)
			res = rpcclient_call(c, LOOM_METHOD_RUN_STATUS,
			    json_pack("{s:s}",
			    "run", run), &code, &err);
		else
			res = rpcclient_call(c, LOOM_METHOD_RUN_LIST,
			    json_pack("{s:i}",
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
			cmd_status_runs(mem, res, output_width(stdout));
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
		state = json_string_value(json_object_get(res, "state"));
		if (watch && run != NULL && !runref_active(state))
			rc = runref_exit_status(state);
		if (!watch || (run != NULL && !runref_active(state))) {
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
	return rc;
}
