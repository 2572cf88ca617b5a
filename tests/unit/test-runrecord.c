/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the run record as text (loomd/run-json.c,
 * run_record_text) against the jansson tree loomd built before
 * (json_object_set_new member by member, then jsontext_dump): the record
 * and its summary must be byte for byte the same. A real scheduler runs
 * a run of five steps through their events, and the record is compared
 * at every event, while steps are pending, running and ended: a plain
 * step that succeeded, with names, arguments and a marker needing
 * escapes, UTF-8, a string that is not UTF-8 (left out, as jansson left
 * it out) and a log that dropped bytes; a loop step whose items
 * succeeded, failed with an exit code, and could not start; a step
 * skipped because of it; a step killed by a signal, its unit's error
 * not UTF-8; a step running with its process's start time, whose own
 * error replaces its unit's; a queued run with the run it waited for,
 * an error and a request holding reals, nulls and nested values.
 * run.status of the active run reads that text back: the same values
 * as the tree, in the same order.
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/model/graph.h"
#include "common/util/jsontext.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/record.h"
#include "loomd/rpc.h"
#include "loomd/run.h"
#include "loomd/run-int.h"
#include "loomd/sched.h"

#define NSTEPS	5
#define NITEMS	3

/* The fields of one unit into o, as loomd set them. */
static void
ref_unit(const struct run_unit *u, json_t *o)
{
	enum run_state_kind state = run_unit_state(u);
	json_t *argv = json_array();
	struct sched_times t;
	size_t i;

	sched_unit_times(u->run->s, u->step, u->item, &t);
	json_object_set_new(o, "state", json_string(runstate_name(state)));
	run_status_fields(runstate_is_final(state) ? u->status : -1, o);
	json_object_set_new(o, "started", t.started > 0 ?
	    json_real(t.started) : json_null());
	json_object_set_new(o, "finished", t.ended > 0 ? json_real(t.ended) :
	    json_null());
	json_object_set_new(o, "pid", u->pid > 0 ? json_integer(u->pid) :
	    json_null());
	if (u->job != NULL)
		json_object_set_new(o, "job", json_string(u->job));
	if (state == RUNSTATE_PENDING && u->reason != NULL)
		json_object_set_new(o, "reason", json_string(u->reason));
	if (u->cancel_sent != NULL)
		json_object_set_new(o, "cancel_sent",
		    json_string(u->cancel_sent));
	if (t.started != 0) {
		if (u->unit != 0 && u->pid > 0 && u->pid_start != 0)
			json_object_set_new(o, "pid_start",
			    json_integer((json_int_t)u->pid_start));
		if (u->marker != NULL)
			json_object_set_new(o, "marker",
			    json_string(u->marker));
		for (i = 0; i < u->argv.n; i++)
			json_array_append_new(argv,
			    json_string(u->argv.v[i]));
		json_object_set(o, "argv", argv);
		json_object_set_new(o, "log", json_string(u->log_name));
		json_object_set_new(o, "log_bytes",
		    json_integer((json_int_t)u->log_kept));
		if (u->log_dropped > 0) {
			json_object_set_new(o, "log_dropped",
			    json_integer((json_int_t)u->log_dropped));
			json_object_set_new(o, "log_error", json_string(
			    u->log_error != NULL ? u->log_error : "unknown"));
		}
	}
	json_decref(argv);
	if (u->error != NULL)
		json_object_set_new(o, "error", json_string(u->error));
}

/* The items of a loop step and their counts into o. */
static void
ref_items(const struct run_step *st, json_t *o)
{
	json_t *items = json_array(), *it;
	size_t j, ok = 0, failed = 0;

	for (j = 0; j < st->nunits; j++) {
		it = json_object();
		json_object_set_new(it, "item", json_integer((json_int_t)j));
		json_object_set_new(it, "path",
		    json_string(st->units[j].path));
		json_object_set_new(it, "name",
		    json_string(st->units[j].name));
		ref_unit(&st->units[j], it);
		json_array_append_new(items, it);
		if (run_unit_state(&st->units[j]) == RUNSTATE_SUCCEEDED)
			ok++;
		else if (runstate_is_failure(run_unit_state(&st->units[j])))
			failed++;
	}
	json_object_set_new(o, "loop", json_true());
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "items_total",
	    json_integer((json_int_t)st->nunits));
	json_object_set_new(o, "items_succeeded", json_integer(
	    (json_int_t)ok));
	json_object_set_new(o, "items_failed", json_integer(
	    (json_int_t)failed));
	if (st->failed_item >= 0 && (size_t)st->failed_item < st->nunits)
		json_object_set_new(o, "failed_item",
		    json_string(st->units[st->failed_item].name));
}

/* One step, as loomd built it. */
static json_t *
ref_step(const struct run *r, const struct run_step *st, size_t *done)
{
	enum run_state_kind state = run_step_state(r, st);
	json_t *o = json_object(), *because;
	struct sched_times t;
	size_t j;

	sched_step_times(r->s, st->index, &t);
	json_object_set_new(o, "name", json_string(st->name));
	json_object_set_new(o, "state", json_string(runstate_name(state)));
	if (runstate_is_final(state))
		(*done)++;
	if (!st->loop && st->nunits == 1) {
		ref_unit(&st->units[0], o);
		json_object_set_new(o, "state",
		    json_string(runstate_name(state)));
	} else {
		run_status_fields(runstate_is_failure(state) ? st->status :
		    state == RUNSTATE_SUCCEEDED ? 0 : -1, o);
		json_object_set_new(o, "started", t.started > 0 ?
		    json_real(t.started) : json_null());
		json_object_set_new(o, "finished", t.ended > 0 ?
		    json_real(t.ended) : json_null());
	}
	if (st->loop)
		ref_items(st, o);
	if (st->because.n > 0) {
		because = json_array();
		for (j = 0; j < st->because.n; j++)
			json_array_append_new(because,
			    json_string(st->because.v[j]));
		json_object_set_new(o, "because", because);
	}
	if (st->error != NULL)
		json_object_set_new(o, "error", json_string(st->error));
	if (t.ended_ms > 0 && t.started_ms > 0)
		json_object_set_new(o, "duration", json_real(
		    (double)(t.ended_ms - t.started_ms) / 1000.0));
	return o;
}

/* The whole record, as loomd built it. */
static json_t *
ref_record(const struct run *r)
{
	struct sched_counts cnt;
	struct sched_times t;
	json_t *rec = json_object(), *steps = json_array();
	double queued_at;
	size_t i, done = 0;

	run_counts(r, &cnt);
	sched_run_times(r->s, &t, &queued_at);
	json_object_set_new(rec, "run", json_string(r->id));
	json_object_set_new(rec, "file", json_string(r->file));
	json_object_set_new(rec, "dir", json_string(r->dir));
	json_object_set_new(rec, "state",
	    json_string(runstate_name(sched_run_view(r->s))));
	json_object_set_new(rec, "started", t.started > 0 ?
	    json_real(t.started) : json_null());
	if (queued_at > 0) {
		json_object_set_new(rec, "queued_at", json_real(queued_at));
		if (r->behind != NULL)
			json_object_set_new(rec, "queued_behind",
			    json_string(r->behind));
	}
	if (r->error != NULL)
		json_object_set_new(rec, "error", json_string(r->error));
	json_object_set_new(rec, "finished", t.ended > 0 ?
	    json_real(t.ended) : json_null());
	json_object_set_new(rec, "daemon_pid", json_integer(getpid()));
	json_object_set_new(rec, "daemon_lock",
	    json_string(r->loomd->pid_path));
	json_object_set_new(rec, "daemon_start", json_integer((json_int_t)
	    run_state_get(r->loomd)->daemon_start));
	json_object_set_new(rec, "parallel", json_boolean(r->parallel));
	json_object_set_new(rec, "max_workers",
	    json_integer((json_int_t)r->max_workers));
	json_object_set_new(rec, "request", json_deep_copy(r->request));
	for (i = 0; i < r->nsteps; i++)
		json_array_append_new(steps, ref_step(r, &r->steps[i], &done));
	json_object_set_new(rec, "steps_total",
	    json_integer((json_int_t)cnt.total));
	json_object_set_new(rec, "steps_done", json_integer((json_int_t)done));
	json_object_set_new(rec, "steps_succeeded",
	    json_integer((json_int_t)cnt.succeeded));
	json_object_set_new(rec, "steps_failed",
	    json_integer((json_int_t)cnt.failed));
	json_object_set_new(rec, "steps_skipped",
	    json_integer((json_int_t)cnt.skipped));
	json_object_set_new(rec, "steps_cancelled",
	    json_integer((json_int_t)cnt.cancelled));
	json_object_set_new(rec, "steps", steps);
	return rec;
}

struct h {
	struct loomd loomd;
	struct run_state rs;
	struct run run;
	struct graph *g;
	struct sched_actions acts;
	bool selected[NSTEPS];
	double wall;
	uint64_t ms;
	size_t compared;
};

/* The record and summary as text must be those of the tree. */
static void
same_record(struct h *h)
{
	struct rpc_error rerr;
	json_t *ref, *refsum, *back;
	char *want, *wantsum, *text, *sum, *again;
	size_t len, sum_len;

	ref = ref_record(&h->run);
	refsum = record_summary(ref);
	want = jsontext_dump(ref, NULL);
	wantsum = jsontext_dump(refsum, NULL);
	text = run_record_text(&h->run, &len, &sum, &sum_len);
	assert_non_null(want);
	assert_non_null(text);
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	assert_string_equal(sum, wantsum);
	assert_int_equal(sum_len, strlen(wantsum));
	/* run.status of the active run: the text read back, the same. */
	memset(&rerr, 0, sizeof rerr);
	back = run_status(&h->loomd, h->run.id, &rerr);
	assert_non_null(back);
	assert_true(json_equal(back, ref));
	again = jsontext_dump(back, NULL);
	assert_string_equal(again, want);
	free(again);
	json_decref(back);
	h->compared++;
	free(want);
	free(wantsum);
	free(text);
	free(sum);
	json_decref(ref);
	json_decref(refsum);
}

/* The time of the next event: wall-clock reals with long fractions. */
static void
tick(struct h *h)
{
	h->wall += 0.123456789;
	h->ms += 1237;
	sched_set_time(h->run.s, h->wall, h->ms);
}

static void
unit_init(struct h *h, struct run_step *st, struct run_unit *u, size_t item)
{
	u->run = &h->run;
	u->step = st->index;
	u->item = item;
	u->pid = -1;
	u->status = -1;
	u->xstate = RUNSTATE_UNKNOWN;
	u->log_name = xasprintf("%s.%zu.log", st->name, item);
	if (st->loop) {
		u->name = xasprintf("échantillon \"%zu\".csv", item);
		u->path = xasprintf("data/%s", u->name);
	}
}

static void
setup_run(struct h *h)
{
	static const char *const names[NSTEPS] = {
		"préparer \"données\"", "loop\tstep", "train", "sig", "slow",
	};
	struct run *r = &h->run;
	struct run_step *st;
	size_t i;

	h->g = graph_create(NSTEPS);
	graph_add_dep(h->g, 1, 0);
	graph_add_dep(h->g, 2, 1);
	assert_int_equal(graph_seal(h->g), 0);
	for (i = 0; i < NSTEPS; i++)
		h->selected[i] = true;
	h->loomd.pid_path = xstrdup("/run/user/1000/loom/loomd.pid");
	h->loomd.runs = &h->rs;
	h->rs.active = &h->run;
	h->rs.daemon_start = 123456789012ULL;
	r->loomd = &h->loomd;
	r->id = xstrdup("a1b2c3");
	r->dir = xstrdup("/home/ü/exp/.loom/runs/a1b2c3");
	r->file = xstrdup("/home/ü/exp/pipe\\line.yml");
	r->behind = xstrdup("z9y8x7");
	r->error = xstrdup("a \"quoted\"\nerror");
	r->parallel = true;
	r->max_workers = 4;
	r->request = json_pack("{s:s, s:[s, s], s:f, s:n, s:{s:b, s:I}}",
	    "file", "pipe\\line.yml", "step", "a", "ü", "timeout", 2.5,
	    "until", "params", "force", 1, "n", (json_int_t)-7);
	r->s = sched_create(h->g, h->selected, true, 4, 1000);
	sched_set_loop(r->s, 1, false);
	r->nsteps = NSTEPS;
	r->steps = xcalloc(NSTEPS, sizeof *r->steps);
	for (i = 0; i < NSTEPS; i++) {
		st = &r->steps[i];
		st->index = i;
		st->name = names[i];
		st->loop = i == 1;
		st->status = -1;
		st->failed_item = -1;
		if (!st->loop) {
			st->nunits = 1;
			st->units = xcalloc(1, sizeof *st->units);
			unit_init(h, st, &st->units[0], 0);
		}
	}
	sched_actions_init(&h->acts);
}

static void
teardown_run(struct h *h)
{
	size_t i, j;

	for (i = 0; i < h->run.nsteps; i++) {
		for (j = 0; j < h->run.steps[i].nunits; j++)
			run_unit_clear(&h->run.steps[i].units[j]);
		free(h->run.steps[i].units);
		strv_free(&h->run.steps[i].because);
		free(h->run.steps[i].error);
	}
	free(h->run.steps);
	sched_free(h->run.s);
	graph_free(h->g);
	sched_actions_free(&h->acts);
	json_decref(h->run.request);
	free(h->run.id);
	free(h->run.dir);
	free(h->run.file);
	free(h->run.behind);
	free(h->run.error);
	free(h->loomd.pid_path);
}

/* Unit u starts, as run.c fills it in. */
static void
start_unit(struct h *h, struct run_step *st, struct run_unit *u)
{
	u->pid = 4242 + (long)st->index * 10 + (long)u->item;
	u->unit = (uint64_t)u->pid;
	u->pid_start = 987654321ULL + (unsigned long long)u->pid;
	u->marker = xasprintf("LOOM_STEP_ID=a1b2c3/%zu/%zu", st->index,
	    u->item);
	strv_push(&u->argv, "/bin/sh");
	strv_push(&u->argv, "-c");
	strv_push(&u->argv, "echo \"ça\" \\ '\x01\x1f' /tmp/\x7f");
	strv_push(&u->argv, "\xff not UTF-8");
	strv_push(&u->argv, st->name);
	tick(h);
	sched_spawned(h->run.s, st->index, u->item, &h->acts);
	same_record(h);
}

/* Unit u ends with wait status status. */
static void
end_unit(struct h *h, struct run_step *st, struct run_unit *u, int status)
{
	tick(h);
	u->status = status;
	u->unit = 0;
	u->log_kept = 1000 + u->item;
	sched_exited(h->run.s, st->index, u->item, status, &h->acts);
	same_record(h);
	tick(h);
	sched_output_closed(h->run.s, st->index, u->item, &h->acts);
	same_record(h);
}

/* Unit (step, item) was asked for: how the script has it go. */
static void
spawn(struct h *h, size_t step, size_t item)
{
	struct run_step *st = &h->run.steps[step];
	struct run_unit *u = &st->units[item];

	switch (step) {
	case 0:
		start_unit(h, st, u);
		u->log_dropped = 77;
		u->log_error = xstrdup("disk \"full\"");
		end_unit(h, st, u, 0);
		break;
	case 1:
		if (item == 2) {
			u->error = xstrdup("cannot run: Permission denied");
			tick(h);
			sched_spawn_failed(h->run.s, step, item, &h->acts);
			same_record(h);
			break;
		}
		start_unit(h, st, u);
		end_unit(h, st, u, item == 1 ? 3 << 8 : 0);
		if (item == 1) {
			st->status = 3 << 8;
			st->failed_item = 1;
		}
		break;
	case 3:
		u->job = xstrdup("job-17");
		start_unit(h, st, u);
		u->cancel_sent = xstrdup("SIGTERM ⏎");
		u->error = xstrdup("the unit's \xfe error");
		st->error = xstrdup("the step's error");
		end_unit(h, st, u, SIGKILL);
		break;
	case 4:
		start_unit(h, st, u);	/* left running */
		u->error = xstrdup("the unit's error");
		st->error = xstrdup("the step's own error, in its place");
		break;
	}
}

/* Answer the actions the scheduler has asked for so far. */
static void
answer(struct h *h, size_t *next)
{
	struct run_step *st;
	struct sched_action a;
	size_t j;

	while (*next < h->acts.n) {
		a = h->acts.v[(*next)++];
		st = &h->run.steps[a.step];
		switch (a.type) {
		case SCHED_ACTION_SPAWN:
			spawn(h, a.step, a.item);
			break;
		case SCHED_ACTION_LIST_ITEMS:
			st->nunits = NITEMS;
			st->units = xcalloc(NITEMS, sizeof *st->units);
			for (j = 0; j < NITEMS; j++)
				unit_init(h, st, &st->units[j], j);
			st->listed = true;
			tick(h);
			sched_set_items(h->run.s, a.step, NITEMS, &h->acts);
			break;
		case SCHED_ACTION_STEP_SKIPPED:
			strv_push(&st->because, "loop\tstep");
			strv_push(&st->because, "\xc0\xaf overlong");
			break;
		default:
			break;
		}
		same_record(h);
	}
}

static void
test_runrecord_same_as_tree(void **state)
{
	struct h *h = xcalloc(1, sizeof *h);
	struct run_unit *slow;
	size_t next = 0;

	(void)state;
	setup_run(h);
	h->wall = 1796609585.157859;
	h->ms = 1000;
	same_record(h);			/* created */
	tick(h);
	sched_run_queued(h->run.s);
	same_record(h);			/* queued behind another run */
	tick(h);
	sched_run_begin(h->run.s);
	h->run.steps[4].units[0].reason = xstrdup("waiting for a slot");
	same_record(h);			/* pending with a reason */
	tick(h);
	sched_start(h->run.s, &h->acts);
	answer(h, &next);
	/* The slow step still runs: its pid_start is in the record. */
	slow = &h->run.steps[4].units[0];
	assert_true(run_unit_state(slow) == RUNSTATE_RUNNING);
	end_unit(h, &h->run.steps[4], slow, 0);
	answer(h, &next);
	assert_true(sched_is_finished(h->run.s));
	tick(h);
	sched_run_end(h->run.s);
	same_record(h);
	assert_true(sched_run_view(h->run.s) == RUNSTATE_FAILED);
	assert_true(run_step_state(&h->run, &h->run.steps[2]) ==
	    RUNSTATE_SKIPPED);
	assert_true(h->compared > 20);
	teardown_run(h);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runrecord_same_as_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
