/* SPDX-License-Identifier: MIT */
/*
 * run.c through the executor interface (loomd/executor.h), with a fake
 * executor whose units never run anywhere: the test says when each one
 * prints, ends (with which wait status) or cannot start. Whole runs go
 * through the real run.c, run-start.c, scheduler, step logs and records,
 * on a real event base and a real pipeline file in a temporary folder;
 * what users see (run.status, log.read) is checked at the end.
 *
 * - success, failure and output: a diamond where b fails; d is skipped
 *   because of b, the others succeed; the output of a is in its log;
 *   every unit got the run's environment, its folder and its tag; the
 *   run is swept once at its end (not forced: nothing was cancelled)
 * - a unit that cannot start: the step fails with the executor's reason
 * - cancel: the running unit is asked to stop gracefully, then ends by
 *   SIGTERM; step and run end cancelled and the run is swept forced
 * - what a client hears and reads agrees with the scheduler: the events
 *   of a run in order (states as the record has them, a step's duration
 *   in its event equal to the record's), and the record's times (a run
 *   and a step that ran have a start no later than their end; a skipped
 *   step has neither; a step cancelled before it ran has an end only)
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/executor.h"
#include "loomd/hashwork.h"
#include "loomd/loomd.h"
#include "loomd/rpc.h"
#include "loomd/run.h"

#define FAKE_MAX	16

struct fake_unit {
	uint64_t id;
	char *task;			/* argv's task file's name */
	char *tag;
	char *cwd;
	bool has_run_id;		/* LOOM_RUN_ID in envp */
	int cancels;			/* graceful cancels asked for */
	int kills;			/* forced cancels asked for */
	bool live;
	executor_output_cb on_output;
	executor_done_cb on_done;
	void *arg;
};

struct fake_executor {
	struct executor ex;
	struct fake_unit u[FAKE_MAX];
	size_t n;
	const char *refuse;		/* task name whose start fails */
	int sweeps;
	int forced_sweeps;
	char *sweep_tag;
};

static struct fake_executor *
fake_of(struct executor *ex)
{
	return (struct fake_executor *)ex;
}

static struct fake_unit *
fake_find(struct fake_executor *fx, uint64_t id)
{
	size_t i;

	for (i = 0; i < fx->n; i++)
		if (fx->u[i].id == id)
			return &fx->u[i];
	return NULL;
}

static int
fake_start(struct executor *ex, const struct executor_spec *spec,
    struct executor_started *out, struct loom_error *err)
{
	struct fake_executor *fx = fake_of(ex);
	struct fake_unit *fu;
	const char *task = NULL, *slash;
	size_t i;

	for (i = 0; spec->argv[i] != NULL; i++)
		if (strstr(spec->argv[i], "tasks/") != NULL)
			task = spec->argv[i];
	assert_non_null(task);
	slash = strrchr(task, '/');
	task = slash + 1;
	if (fx->refuse != NULL && strcmp(task, fx->refuse) == 0) {
		loom_error_set(err, "", 0, 0, "cannot execute %s: refused",
		    task);
		return -1;
	}
	assert_true(fx->n < FAKE_MAX);
	fu = &fx->u[fx->n];
	memset(fu, 0, sizeof *fu);
	fu->id = 100 + fx->n++;
	fu->task = xstrdup(task);
	fu->tag = xstrdup(spec->tag);
	fu->cwd = xstrdup(spec->cwd);
	for (i = 0; spec->envp[i] != NULL; i++)
		if (strncmp(spec->envp[i], "LOOM_RUN_ID=", 12) == 0)
			fu->has_run_id = true;
	fu->live = true;
	fu->on_output = spec->on_output;
	fu->on_done = spec->on_done;
	fu->arg = spec->arg;
	out->id = fu->id;
	out->pid = -1;
	return 0;
}

static void
fake_cancel(struct executor *ex, uint64_t id, bool force)
{
	struct fake_unit *fu = fake_find(fake_of(ex), id);

	assert_non_null(fu);
	assert_true(fu->live);
	if (force)
		fu->kills++;
	else
		fu->cancels++;
}

static void
fake_release(struct executor *ex, uint64_t id)
{
	struct fake_unit *fu = fake_find(fake_of(ex), id);

	if (fu != NULL)
		fu->live = false;
}

static void
fake_sweep(struct executor *ex, const char *tag, bool always)
{
	struct fake_executor *fx = fake_of(ex);

	fx->sweeps++;
	if (always)
		fx->forced_sweeps++;
	free(fx->sweep_tag);
	fx->sweep_tag = xstrdup(tag);
}

static void
fake_free(struct executor *ex)
{
	struct fake_executor *fx = fake_of(ex);
	size_t i;

	for (i = 0; i < fx->n; i++) {
		free(fx->u[i].task);
		free(fx->u[i].tag);
		free(fx->u[i].cwd);
	}
	free(fx->sweep_tag);
	memset(fx, 0, sizeof *fx);
}

static const struct executor_ops fake_ops = {
	.name = "fake",
	.start = fake_start,
	.cancel = fake_cancel,
	.release = fake_release,
	.sweep = fake_sweep,
	.free = fake_free,
};

struct fixture {
	char root[64];
	char *file;
	struct loomd loomd;
	struct fake_executor fx;
	struct rpc_client listener;	/* hears every run's events */
	json_t *heard;			/* the notifications it was sent */
};

static int
listen_send(void *ctx, const char *text, size_t len)
{
	struct fixture *f = ctx;
	json_t *msg = json_loadb(text, len, 0, NULL);

	assert_non_null(msg);
	json_array_append_new(f->heard, msg);
	return 0;
}

static size_t
listen_queued(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
listen_close(void *ctx, bool flush)
{
	(void)ctx;
	(void)flush;
}

static const struct rpc_transport listen_transport = {
	.name = "test",
	.send = listen_send,
	.queued = listen_queued,
	.close = listen_close,
};

static void
fix_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int
setup(void **state)
{
	static const char *const tasks[] = { "a.sh", "b.sh", "c.sh", "d.sh",
	    "e.sh", "slow.sh" };
	struct fixture *f = xcalloc(1, sizeof *f);
	struct loom_error err;
	char *path;
	size_t i;

	strcpy(f->root, "/tmp/loom-test-executor-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	path = xasprintf("%s/tasks", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
	for (i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		path = xasprintf("%s/tasks/%s", f->root, tasks[i]);
		fix_write(path, "exit 0\n");
		free(path);
	}
	path = xasprintf("%s/state", f->root);
	assert_int_equal(mkdir(path, 0700), 0);
	f->loomd.state_dir = path;
	f->loomd.pid_path = xasprintf("%s/loomd.pid", f->root);
	f->file = xasprintf("%s/p.yml", f->root);
	f->loomd.base = event_base_new();
	assert_non_null(f->loomd.base);
	TAILQ_INIT(&f->loomd.clients);
	f->loomd.opt.idle_timeout = 3600;
	f->loomd.opt.kill_grace = 10;
	f->loomd.ev_idle = evtimer_new(f->loomd.base, idle_cb, NULL);
	f->fx.ex.ops = &fake_ops;
	f->loomd.executor = &f->fx.ex;
	f->heard = json_array();
	f->listener.loomd = &f->loomd;
	f->listener.transport = &listen_transport;
	f->listener.ctx = f;
	f->listener.sub_all = true;
	LIST_INIT(&f->listener.deferred);
	TAILQ_INSERT_TAIL(&f->loomd.clients, &f->listener, entry);
	loom_error_clear(&err);
	assert_int_equal(run_module_init(&f->loomd, &err), 0);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < LOOMD_HASHWORKS; i++)
		hashwork_free(f->loomd.hashwork[i]);
	run_module_free(&f->loomd);
	loomd_run_deferred(&f->loomd);
	TAILQ_REMOVE(&f->loomd.clients, &f->listener, entry);
	json_decref(f->heard);
	executor_free(f->loomd.executor);
	event_free(f->loomd.ev_idle);
	event_base_free(f->loomd.base);
	(void)nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->loomd.state_dir);
	free(f->loomd.pid_path);
	free(f->file);
	free(f);
	return 0;
}

/* The reply the listener got (taken out of heard), or NULL. */
static json_t *
take_reply(struct fixture *f)
{
	json_t *msg;
	size_t i;

	json_array_foreach(f->heard, i, msg) {
		if (json_object_get(msg, "id") != NULL) {
			json_incref(msg);
			json_array_remove(f->heard, i);
			return msg;
		}
	}
	return NULL;
}

/*
 * Start a sequential run of the fixture's pipeline, as a client would:
 * its reply comes once the hashing worker has decided what is up to
 * date. Its id, owned.
 */
static char *
start(struct fixture *f, const char *yaml)
{
	json_t *req, *reply, *res;
	char *text, *id;

	fix_write(f->file, yaml);
	req = json_pack("{s:s, s:i, s:s, s:{s:s, s:{s:s}, s:b, s:i}}",
	    "jsonrpc", "2.0", "id", 1, "method", "run.start", "params",
	    "file", f->file, "env", "PATH", "/usr/bin:/bin", "parallel", 0,
	    "max_workers", 1);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rpc_dispatch_line(&f->loomd, &f->listener, text, strlen(text));
	free(text);
	while ((reply = take_reply(f)) == NULL)
		event_base_loop(f->loomd.base, EVLOOP_ONCE);
	if ((res = json_object_get(reply, "result")) == NULL)
		fail_msg("run.start: %s", json_string_value(json_object_get(
		    json_object_get(reply, "error"), "message")));
	id = xstrdup(json_string_value(json_object_get(res, "run")));
	json_decref(reply);
	return id;
}

/* Let the loop carry out what is due (timers at zero, deferred frees). */
static void
settle(struct fixture *f)
{
	int i;

	for (i = 0; i < 4; i++) {
		event_base_loop(f->loomd.base, EVLOOP_NONBLOCK);
		loomd_run_deferred(&f->loomd);
	}
}

/* The one live unit, which must run task. */
static struct fake_unit *
live(struct fixture *f, const char *task)
{
	struct fake_unit *found = NULL;
	size_t i;

	settle(f);
	for (i = 0; i < f->fx.n; i++) {
		if (!f->fx.u[i].live)
			continue;
		assert_null(found);
		found = &f->fx.u[i];
	}
	assert_non_null(found);
	assert_string_equal(found->task, task);
	return found;
}

/* The unit prints text (may be NULL) and ends with wait status. */
static void
finish(struct fake_unit *fu, const char *text, int status)
{
	if (text != NULL)
		fu->on_output(fu->arg, text, strlen(text));
	fu->live = false;
	fu->on_done(fu->arg, status);
}

static json_t *
status_of(struct fixture *f, const char *id)
{
	struct rpc_error rerr;
	json_t *rec;

	settle(f);
	memset(&rerr, 0, sizeof rerr);
	rec = run_status(&f->loomd, id, &rerr);
	if (rec == NULL)
		fail_msg("run.status: %s", rerr.message);
	return rec;
}

/*
 * The record of run id once it has ended: its end is told when the
 * hashing worker has handed back its last stamp (a pipe event), so the
 * loop runs until then.
 */
static json_t *
final_status_of(struct fixture *f, const char *id)
{
	settle(f);
	while (run_is_active(&f->loomd, id)) {
		event_base_loop(f->loomd.base, EVLOOP_ONCE);
		loomd_run_deferred(&f->loomd);
	}
	return status_of(f, id);
}

static json_t *
step_of(json_t *rec, const char *name)
{
	json_t *st;
	size_t i;

	json_array_foreach(json_object_get(rec, "steps"), i, st)
		if (strcmp(json_string_value(json_object_get(st, "name")),
		    name) == 0)
			return st;
	fail_msg("no step %s", name);
	return NULL;
}

static const char *
str_at(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

/*
 * The run events heard so far, one line each: "started", "a started",
 * "a succeeded", "d skipped (b)", "finished failed"; each step's duration
 * goes into durations (an object by step name).
 */
static char *
heard_text(struct fixture *f, json_t *durations)
{
	const char *m, *step;
	char *text = xstrdup(""), *line, *tmp;
	json_t *msg, *p;
	size_t i;

	json_array_foreach(f->heard, i, msg) {
		m = json_string_value(json_object_get(msg, "method"));
		p = json_object_get(msg, "params");
		step = json_string_value(json_object_get(p, "step"));
		if (strcmp(m, "run.started") == 0)
			line = xstrdup("started");
		else if (strcmp(m, "run.step_started") == 0)
			line = xasprintf("%s started", step);
		else if (strcmp(m, "run.step_finished") == 0) {
			line = xasprintf("%s %s", step, json_string_value(
			    json_object_get(p, "state")));
			json_object_set(durations, step,
			    json_object_get(p, "duration"));
		} else if (strcmp(m, "run.step_skipped") == 0)
			line = xasprintf("%s skipped (%s)", step,
			    json_string_value(json_array_get(json_object_get(p,
			    "because"), 0)));
		else if (strcmp(m, "run.finished") == 0)
			line = xasprintf("finished %s", json_string_value(
			    json_object_get(p, "state")));
		else
			continue;
		tmp = xasprintf("%s%s%s", text, *text != '\0' ? "\n" : "",
		    line);
		free(line);
		free(text);
		text = tmp;
	}
	return text;
}

/* A time of the record: a number, or 0 for null. */
static double
time_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_real(v) || json_is_null(v));
	return json_is_real(v) ? json_real_value(v) : 0;
}

static const char diamond[] =
    "variables: {a: out/a, b: out/b, c: out/c, d: out/d, e: out/e}\n"
    "pipeline:\n"
    "  - {name: a, task: tasks/a.sh, outputs: {-o: $a}}\n"
    "  - {name: b, task: tasks/b.sh, inputs: {x: $a}, outputs: {-o: $b}}\n"
    "  - {name: c, task: tasks/c.sh, inputs: {x: $a}, outputs: {-o: $c}}\n"
    "  - {name: d, task: tasks/d.sh, inputs: {x: $b, y: $c},\n"
    "     outputs: {-o: $d}}\n"
    "  - {name: e, task: tasks/e.sh, outputs: {-o: $e}}\n";

/*
 * The events heard are want, and agree with record rec: the run's state,
 * each step's duration; the record's times are in order.
 */
static void
check_heard(struct fixture *f, json_t *rec, const char *want)
{
	json_t *durations = json_object(), *st, *d;
	const char *name;
	char *text;
	size_t i;

	text = heard_text(f, durations);
	assert_string_equal(text, want);
	free(text);
	assert_true(time_at(rec, "started") > 0);
	assert_true(time_at(rec, "finished") >= time_at(rec, "started"));
	json_array_foreach(json_object_get(rec, "steps"), i, st) {
		name = str_at(st, "name");
		d = json_object_get(durations, name);
		if (strcmp(str_at(st, "state"), "skipped") == 0) {
			assert_null(d);
			assert_null(json_object_get(st, "duration"));
			assert_true(time_at(st, "started") == 0);
			assert_true(time_at(st, "finished") == 0);
			continue;
		}
		assert_non_null(d);
		assert_true(json_real_value(d) == json_real_value(
		    json_object_get(st, "duration")));
		/* A unit that never ran has no times, its step an end. */
		if (time_at(st, "started") > 0)
			assert_true(time_at(st, "finished") >=
			    time_at(st, "started"));
	}
	json_decref(durations);
}

static void
test_success_failure_output(void **state)
{
	struct fixture *f = *state;
	struct rpc_error rerr;
	struct fake_unit *fu;
	json_t *rec, *st, *log;
	char *id, *tag;
	size_t i;

	id = start(f, diamond);
	fu = live(f, "a.sh");
	fu->on_output(fu->arg, "hello ", 6);
	finish(fu, "from a\n", 0);
	finish(live(f, "b.sh"), "b is failing\n", 1 << 8);
	finish(live(f, "c.sh"), NULL, 0);
	finish(live(f, "e.sh"), NULL, 0);

	rec = final_status_of(f, id);
	assert_string_equal(str_at(rec, "state"), "failed");
	assert_string_equal(str_at(step_of(rec, "a"), "state"), "succeeded");
	st = step_of(rec, "b");
	assert_string_equal(str_at(st, "state"), "failed");
	assert_int_equal(json_integer_value(json_object_get(st, "exit_code")),
	    1);
	st = step_of(rec, "d");
	assert_string_equal(str_at(st, "state"), "skipped");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(st, "because"), 0)), "b");
	assert_string_equal(str_at(step_of(rec, "c"), "state"), "succeeded");
	assert_string_equal(str_at(step_of(rec, "e"), "state"), "succeeded");
	check_heard(f, rec, "started\na started\na succeeded\nb started\n"
	    "b failed\nc started\nc succeeded\nd skipped (b)\ne started\n"
	    "e succeeded\nfinished failed");
	json_decref(rec);

	memset(&rerr, 0, sizeof rerr);
	log = run_log_read(&f->loomd, id, "a", -1, 0, 1024, &rerr);
	assert_non_null(log);
	/* base64 of "hello from a\n": both chunks, in order */
	assert_string_equal(str_at(log, "data"), "aGVsbG8gZnJvbSBhCg==");
	assert_true(json_is_true(json_object_get(log, "eof")));
	json_decref(log);

	/* Four units ran (d never), each tagged, in the pipeline's folder. */
	assert_int_equal(f->fx.n, 4);
	for (i = 0; i < f->fx.n; i++) {
		tag = xasprintf("LOOM_STEP_ID=%s-", id);
		assert_true(strncmp(f->fx.u[i].tag, tag, strlen(tag)) == 0);
		free(tag);
		assert_string_equal(f->fx.u[i].cwd, f->root);
		assert_true(f->fx.u[i].has_run_id);
		assert_int_equal(f->fx.u[i].cancels + f->fx.u[i].kills, 0);
	}
	assert_int_equal(f->fx.sweeps, 1);
	assert_int_equal(f->fx.forced_sweeps, 0);
	tag = xasprintf("LOOM_RUN_ID=%s", id);
	assert_string_equal(f->fx.sweep_tag, tag);
	free(tag);
	free(id);
}

static void
test_start_refused(void **state)
{
	struct fixture *f = *state;
	json_t *rec, *st;
	char *id;

	f->fx.refuse = "b.sh";
	id = start(f, diamond);
	finish(live(f, "a.sh"), NULL, 0);
	finish(live(f, "c.sh"), NULL, 0);
	finish(live(f, "e.sh"), NULL, 0);
	rec = final_status_of(f, id);
	assert_string_equal(str_at(rec, "state"), "failed");
	st = step_of(rec, "b");
	assert_string_equal(str_at(st, "state"), "failed");
	assert_non_null(strstr(str_at(st, "error"), "cannot execute b.sh: "
	    "refused"));
	assert_string_equal(str_at(step_of(rec, "d"), "state"), "skipped");
	json_decref(rec);
	free(id);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct rpc_error rerr;
	struct fake_unit *fu;
	json_t *rec;
	char *id;

	id = start(f, "variables: {s: out/s}\n"
	    "pipeline:\n"
	    "  - {name: slow, task: tasks/slow.sh, outputs: {-o: $s}}\n"
	    "  - {name: after, task: tasks/a.sh, inputs: {x: $s}}\n");
	fu = live(f, "slow.sh");
	memset(&rerr, 0, sizeof rerr);
	assert_int_equal(run_cancel(&f->loomd, id, &rerr), 0);
	assert_int_equal(fu->cancels, 1);
	assert_int_equal(fu->kills, 0);
	rec = status_of(f, id);
	assert_string_equal(str_at(rec, "state"), "running");
	json_decref(rec);
	finish(fu, "terminated\n", SIGTERM);

	rec = final_status_of(f, id);
	assert_string_equal(str_at(rec, "state"), "cancelled");
	assert_string_equal(str_at(step_of(rec, "slow"), "state"),
	    "cancelled");
	assert_string_equal(str_at(step_of(rec, "slow"), "signal"),
	    "SIGTERM");
	assert_string_equal(str_at(step_of(rec, "after"), "state"),
	    "cancelled");
	/* after never ran: no times, a duration of 0. */
	assert_true(time_at(step_of(rec, "after"), "started") == 0);
	assert_true(time_at(step_of(rec, "after"), "finished") == 0);
	assert_true(json_real_value(json_object_get(step_of(rec, "after"),
	    "duration")) == 0);
	check_heard(f, rec, "started\nslow started\nafter cancelled\n"
	    "slow cancelled\nfinished cancelled");
	json_decref(rec);
	assert_int_equal(f->fx.n, 1);
	assert_int_equal(f->fx.forced_sweeps, 1);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success_failure_output,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
