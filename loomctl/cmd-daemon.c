/* SPDX-License-Identifier: MIT */
/*
 * loomctl daemon status|start|stop: the daemon itself. "status" starts a
 * daemon when none runs and reports on it (so that it doubles as "make
 * sure one is up": 20 of them racing start exactly one); "start" says the
 * same in one line; "stop" never starts one: with none running it says
 * so and succeeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/protocol.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"

/*
 * How long "stop" waits for the daemon to be gone (socket and pid lock):
 * a stop takes at most the kill grace (10 s by default) and 5 s more.
 */
#define CMD_DAEMON_STOP_WAIT_MS	30000

static int	cmd_daemon_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct loomctl_cmd cmd_daemon_entry = {
	.name = "daemon",
	.usage = "status|start|stop [--json]",
	.summary = "Show, start or stop the per-user daemon (loomd).",
	.help =
	    "  status   start loomd when none runs, then describe it\n"
	    "  start    start loomd when none runs\n"
	    "  stop     stop loomd (running steps are cancelled first); "
	    "with none\n           running, says so and exits 0\n"
	    "  --json   status as one JSON object (daemon.status)\n",
	.flags = CMD_NEEDS_DAEMON,
	.exec = cmd_daemon_exec,
};

static int
cmd_daemon_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rpcclient *c;
	struct loom_error err;
	bool json = false, not_running;
	const char *verb = NULL;
	char *socket;
	json_t *res;
	int i, waited;

	for (i = 1; i < argc; i++) {
		if (cmd_is_help(argv[i])) {
			cmd_print_help(&cmd_daemon_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cmd_unknown_option(&cmd_daemon_entry, argv[i]);
		else if (verb == NULL)
			verb = argv[i];
		else
			return cmd_usage_error(&cmd_daemon_entry,
			    "unexpected argument: %s", argv[i]);
	}
	if (verb == NULL)
		return cmd_usage_error(&cmd_daemon_entry, "status, start or "
		    "stop?");
	if (strcmp(verb, "status") != 0 && strcmp(verb, "start") != 0 &&
	    strcmp(verb, "stop") != 0)
		return cmd_usage_error(&cmd_daemon_entry, "unknown action: %s",
		    verb);

	loom_error_clear(&err);
	/* Stopping never starts a daemon, whatever the entry's flag. */
	c = strcmp(verb, "stop") == 0 ? connect_daemon(CONNECT_EXISTING,
	    &not_running, &err) : cmd_connect(ctx, &not_running, &err);
	if (c == NULL && not_running) {
		printf("no daemon running\n");
		return LOOMCTL_EXIT_OK;
	}
	if (c == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	loom_error_clear(&err);
	res = rpcclient_call(c, strcmp(verb, "stop") == 0 ?
	    LOOM_METHOD_DAEMON_STOP : LOOM_METHOD_DAEMON_STATUS, json_object(),
	    NULL, &err);
	rpcclient_free(c);
	if (res == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	if (strcmp(verb, "stop") == 0) {
		json_decref(res);
		loom_error_clear(&err);
		if ((socket = connect_socket_path(&err)) == NULL)
			return LOOMCTL_EXIT_FAILED;
		for (waited = 0; waited < CMD_DAEMON_STOP_WAIT_MS;
		    waited += 20) {
			struct timespec ts = { 0, 20000000L };

			if (connect_daemon_gone(socket))
				break;
			nanosleep(&ts, NULL);
		}
		free(socket);
		if (waited >= CMD_DAEMON_STOP_WAIT_MS) {
			output_fail("loomd is still answering after %d s",
			    CMD_DAEMON_STOP_WAIT_MS / 1000);
			return LOOMCTL_EXIT_FAILED;
		}
		printf("loomd stopped\n");
		return LOOMCTL_EXIT_OK;
	}
	if (json)
		output_json(res, stdout);
	else if (strcmp(verb, "start") == 0)
		printf("loomd running (pid %lld)\n", (long long)
		    json_integer_value(json_object_get(res, "pid")));
	else {
		char dur[32];

		output_duration((double)json_integer_value(json_object_get(res,
		    "uptime_ms")) / 1000.0, dur, sizeof dur);
		printf("loomd %s running\n  pid:          %lld\n"
		    "  socket:       %s\n  uptime:       %s\n"
		    "  clients:      %lld\n  active runs:  %lld\n"
		    "  idle timeout: %gs\n",
		    json_string_value(json_object_get(res, "version")) != NULL ?
		    json_string_value(json_object_get(res, "version")) : "?",
		    (long long)json_integer_value(json_object_get(res, "pid")),
		    json_string_value(json_object_get(res, "socket")) != NULL ?
		    json_string_value(json_object_get(res, "socket")) : "?",
		    dur,
		    (long long)json_integer_value(json_object_get(res,
		    "clients")),
		    (long long)json_integer_value(json_object_get(res,
		    "active_runs")),
		    json_number_value(json_object_get(res, "idle_timeout")));
	}
	json_decref(res);
	return LOOMCTL_EXIT_OK;
}
