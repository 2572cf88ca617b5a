/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/freshness.c on real files in a temporary
 * experiment folder. Covers: make's rule without stamps (outputs newer
 * than inputs: fresh; an input or the script newer: stale, named); a
 * missing output; after commits everything is fresh; a --set parameter
 * makes exactly its user and the user's dependents stale (status and run
 * plans), naming the parameter with old and new values; a touched input
 * re-runs exactly its dependents; an edited task script; a failed step
 * stays stale even when its output is newer than its inputs (B8); a
 * cancelled one (B9); a running marker whose writer is gone reads as
 * interrupted (B10); --force and --step; unselected upstream steps do not
 * drag their selected dependents along; a loop with one changed item has
 * exactly that item out of date; --extra changes the command; a run's
 * plan judges only the steps whose judgement decides what runs; an input
 * or task script that changed while its step ran (freshness_seen) leaves
 * the step stale, also when only its change time tells.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/fresh/freshness.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"

static const char pipeline_yml[] =
    "data:\n"
    "  raw: {path: data/raw.txt}\n"
    "  feat: {path: out/feat.txt}\n"
    "  model: {path: out/model.txt}\n"
    "  report: {path: out/report.txt}\n"
    "  side: {path: out/side.txt}\n"
    "parameters:\n"
    "  lr: 0.001\n"
    "pipeline:\n"
    "  - name: extract\n"
    "    task: tasks/extract.sh\n"
    "    inputs: {src: $raw}\n"
    "    outputs: {-o: $feat}\n"
    "  - name: train\n"
    "    task: tasks/train.sh\n"
    "    inputs: {data: $feat}\n"
    "    outputs: {-o: $model}\n"
    "    args: {--lr: $lr}\n"
    "  - name: report\n"
    "    task: tasks/report.sh\n"
    "    inputs: {m: $model}\n"
    "    outputs: {-o: $report}\n"
    "  - name: side\n"
    "    task: tasks/side.sh\n"
    "    inputs: {src: $raw}\n"
    "    outputs: {-o: $side}\n";

enum { EXTRACT, TRAIN, REPORT, SIDE, NSTEPS };

struct fixture {
	char dir[64];
	struct pipeline *p;
	struct graph *g;
	time_t base;	/* an hour ago: file times count up from here */
};

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
fx_write(struct fixture *f, const char *rel, const char *text, int age)
{
	struct timespec ts[2];
	char *path = xasprintf("%s/%s", f->dir, rel);

	write_file(path, text);
	ts[0].tv_sec = f->base + age;
	ts[0].tv_nsec = 0;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	free(path);
}

static void
fx_load(struct fixture *f, const char *yml)
{
	struct diags d;

	pipeline_free(f->p);
	graph_free(f->g);
	diags_init(&d);
	f->p = pipeline_load_string("exp.yml", f->dir, yml, strlen(yml), &d);
	assert_non_null(f->p);
	if (d.nerrors > 0)
		diags_print(&d, stderr);
	assert_int_equal(d.nerrors, 0);
	f->g = graph_build(f->p, &d);
	assert_non_null(f->g);
	diags_free(&d);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *p;

	snprintf(f->dir, sizeof f->dir, "/tmp/loom-test-fresh-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->base = time(NULL) - 3600;
	p = xasprintf("%s/data", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/out", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/tasks", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	fx_write(f, "tasks/extract.sh", "echo extract\n", 0);
	fx_write(f, "tasks/train.sh", "echo train\n", 0);
	fx_write(f, "tasks/report.sh", "echo report\n", 0);
	fx_write(f, "tasks/side.sh", "echo side\n", 0);
	fx_write(f, "data/raw.txt", "raw\n", 10);
	fx_load(f, pipeline_yml);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	pipeline_free(f->p);
	graph_free(f->g);
	free(f);
	return 0;
}

static struct fresh_plan *
fx_plan(struct fixture *f, const bool *selected, const bool *always,
    bool force, const char *extra)
{
	struct fresh_opts o;
	struct loom_error err;
	struct fresh_plan *plan;

	memset(&o, 0, sizeof o);
	o.selected = selected;
	o.always = always;
	o.force = force;
	o.extra = extra;
	loom_error_clear(&err);
	plan = freshness_plan(f->p, f->g, &o, &err);
	assert_non_null(plan);
	return plan;
}

/* Commit step as a runner would after success (argv built as a run). */
static void
fx_commit(struct fixture *f, size_t step)
{
	struct command_env env = { NULL };
	struct loom_error err;
	struct strv argv;

	strv_init(&argv);
	loom_error_clear(&err);
	assert_int_equal(command_build(f->p, step, &env, NULL, NULL, NULL,
	    &argv, &err), 0);
	assert_int_equal(freshness_begin(f->p, step, NULL, NULL, &argv,
	    NULL, &err), 0);
	assert_int_equal(freshness_commit(f->p, step, NULL, NULL, &argv,
	    &err), 0);
	strv_free(&argv);
}

/* Outputs exist and all four steps succeeded. */
static void
fx_all_done(struct fixture *f)
{
	fx_write(f, "out/feat.txt", "feat\n", 20);
	fx_write(f, "out/model.txt", "model\n", 30);
	fx_write(f, "out/report.txt", "report\n", 40);
	fx_write(f, "out/side.txt", "side\n", 20);
	fx_commit(f, EXTRACT);
	fx_commit(f, TRAIN);
	fx_commit(f, REPORT);
	fx_commit(f, SIDE);
}

static void
expect(const struct fresh_plan *plan, size_t step, enum freshness_state state,
    const char *reason_part)
{
	const struct fresh_step *fs = &plan->steps[step];

	if (fs->state != state)
		fail_msg("step %zu: state %s, expected %s (%s)", step,
		    freshness_state_name(fs->state),
		    freshness_state_name(state),
		    fs->reason != NULL ? fs->reason : "no reason");
	if (reason_part == NULL)
		assert_null(fs->reason);
	else if (fs->reason == NULL || strstr(fs->reason, reason_part) == NULL)
		fail_msg("step %zu: reason \"%s\" lacks \"%s\"", step,
		    fs->reason != NULL ? fs->reason : "(none)", reason_part);
}

/* A string JSON cannot carry is written as log lines write it. */
static void
test_freshness_text(void **state)
{
	const char *ok = "input in/caf\xc3\xa9.txt changed";
	char *copy;

	(void)state;
	assert_ptr_equal(freshness_text(ok, &copy), ok);
	assert_null(copy);
	assert_null(freshness_text(NULL, &copy));
	assert_null(copy);
	assert_string_equal(freshness_text("in/caf\xe9.txt \\ \xc3\xa9\n",
	    &copy), "in/caf\\xe9.txt \\\\ \xc3\xa9\\n");
	free(copy);
}

static void
test_freshness_make_rule(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;

	/* Nothing produced yet. */
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_MISSING, "output out/feat.txt does not "
	    "exist");
	expect(plan, SIDE, FRESH_MISSING, "out/side.txt");
	freshness_plan_free(plan);

	/* Outputs newer than inputs and scripts, no stamps: fresh. */
	fx_write(f, "out/feat.txt", "feat\n", 20);
	fx_write(f, "out/model.txt", "model\n", 30);
	fx_write(f, "out/report.txt", "report\n", 40);
	fx_write(f, "out/side.txt", "side\n", 20);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	expect(plan, TRAIN, FRESH_FRESH, NULL);
	expect(plan, REPORT, FRESH_FRESH, NULL);
	expect(plan, SIDE, FRESH_FRESH, NULL);
	freshness_plan_free(plan);

	/* An input newer than the output. */
	fx_write(f, "out/feat.txt", "feat\n", 35);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	expect(plan, TRAIN, FRESH_STALE, "input out/feat.txt is newer than "
	    "output out/model.txt");
	expect(plan, REPORT, FRESH_STALE, "upstream step train is stale");
	freshness_plan_free(plan);

	/* The task script newer than the output. */
	fx_write(f, "tasks/side.sh", "echo side2\n", 50);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, SIDE, FRESH_STALE, "task script tasks/side.sh is newer");
	freshness_plan_free(plan);
}

static void
test_freshness_after_commit(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	bool all[NSTEPS] = { true, true, true, true };
	size_t i;

	fx_all_done(f);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	for (i = 0; i < NSTEPS; i++)
		expect(plan, i, FRESH_FRESH, NULL);
	freshness_plan_free(plan);
	/* A run: nothing to do. */
	plan = fx_plan(f, all, NULL, false, NULL);
	for (i = 0; i < NSTEPS; i++) {
		assert_false(plan->steps[i].will_run);
		assert_null(plan->steps[i].run_reason);
	}
	freshness_plan_free(plan);
	/* --force runs everything selected. */
	plan = fx_plan(f, all, NULL, true, NULL);
	for (i = 0; i < NSTEPS; i++) {
		assert_true(plan->steps[i].will_run);
		assert_string_equal(plan->steps[i].run_reason,
		    "forced (--force)");
	}
	freshness_plan_free(plan);
}

static void
test_freshness_set_parameter(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	struct loom_error err;
	bool all[NSTEPS] = { true, true, true, true };

	fx_all_done(f);
	loom_error_clear(&err);
	assert_int_equal(pipeline_set_param(f->p, "lr", "0.01", &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	expect(plan, TRAIN, FRESH_STALE,
	    "parameter lr changed (0.001 -> 0.01)");
	expect(plan, REPORT, FRESH_STALE, "upstream step train is stale");
	expect(plan, SIDE, FRESH_FRESH, NULL);
	freshness_plan_free(plan);

	plan = fx_plan(f, all, NULL, false, NULL);
	assert_false(plan->steps[EXTRACT].will_run);
	assert_true(plan->steps[TRAIN].will_run);
	assert_string_equal(plan->steps[TRAIN].run_reason,
	    "parameter lr changed (0.001 -> 0.01)");
	assert_true(plan->steps[REPORT].will_run);
	assert_string_equal(plan->steps[REPORT].run_reason,
	    "upstream step train will run");
	assert_false(plan->steps[SIDE].will_run);
	freshness_plan_free(plan);

	/* Back to the recorded value: fresh again. */
	assert_int_equal(pipeline_set_param(f->p, "lr", "0.001", &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, TRAIN, FRESH_FRESH, NULL);
	expect(plan, REPORT, FRESH_FRESH, NULL);
	freshness_plan_free(plan);
}

/* Plan with run_only set (what a run asks for). */
static struct fresh_plan *
fx_run_plan(struct fixture *f, const bool *selected, const bool *always,
    bool force)
{
	struct fresh_opts o;
	struct loom_error err;
	struct fresh_plan *plan;

	memset(&o, 0, sizeof o);
	o.selected = selected;
	o.always = always;
	o.force = force;
	o.run_only = true;
	loom_error_clear(&err);
	plan = freshness_plan(f->p, f->g, &o, &err);
	assert_non_null(plan);
	return plan;
}

/* What a run reads of two plans is the same. */
static void
expect_same_run(const struct fresh_plan *a, const struct fresh_plan *b)
{
	size_t i;

	for (i = 0; i < NSTEPS; i++) {
		assert_int_equal(a->steps[i].will_run, b->steps[i].will_run);
		assert_int_equal(a->steps[i].all_items, b->steps[i].all_items);
		if (a->steps[i].run_reason == NULL)
			assert_null(b->steps[i].run_reason);
		else
			assert_string_equal(a->steps[i].run_reason,
			    b->steps[i].run_reason);
	}
}

/*
 * A run's plan (run_only) judges only the selected steps whose judgement
 * decides whether they run: not the unselected ones, not those forced or
 * named with --step (state stale, no reason: no stamp or file looked
 * at), and it runs exactly what the full plan runs, for the same reasons.
 */
static void
test_freshness_run_only(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *full, *run;
	struct loom_error err;
	bool all[NSTEPS] = { true, true, true, true };
	bool some[NSTEPS] = { false, true, true, false };
	bool named[NSTEPS] = { false, false, true, false };

	fx_all_done(f);
	loom_error_clear(&err);
	assert_int_equal(pipeline_set_param(f->p, "lr", "0.01", &err), 0);
	full = fx_plan(f, some, named, false, NULL);
	run = fx_run_plan(f, some, named, false);
	expect_same_run(full, run);
	expect(run, TRAIN, FRESH_STALE, "parameter lr changed");
	expect(run, EXTRACT, FRESH_STALE, NULL);
	expect(run, SIDE, FRESH_STALE, NULL);
	expect(run, REPORT, FRESH_STALE, NULL);
	assert_string_equal(run->steps[REPORT].run_reason,
	    "named with --step");
	freshness_plan_free(full);
	freshness_plan_free(run);

	full = fx_plan(f, all, NULL, true, NULL);
	run = fx_run_plan(f, all, NULL, true);
	expect_same_run(full, run);
	expect(full, EXTRACT, FRESH_FRESH, NULL);
	expect(run, EXTRACT, FRESH_STALE, NULL);
	expect(run, TRAIN, FRESH_STALE, NULL);
	freshness_plan_free(full);
	freshness_plan_free(run);

	/* Nothing forced: the same judgement as the full plan. */
	full = fx_plan(f, all, NULL, false, NULL);
	run = fx_run_plan(f, all, NULL, false);
	expect_same_run(full, run);
	expect(run, EXTRACT, FRESH_FRESH, NULL);
	expect(run, SIDE, FRESH_FRESH, NULL);
	freshness_plan_free(full);
	freshness_plan_free(run);
}

static void
test_freshness_touched_input(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	bool all[NSTEPS] = { true, true, true, true };

	fx_all_done(f);
	fx_write(f, "out/feat.txt", "feat\n", 100);
	plan = fx_plan(f, all, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	expect(plan, TRAIN, FRESH_STALE, "input out/feat.txt changed");
	expect(plan, REPORT, FRESH_STALE, "upstream step train");
	expect(plan, SIDE, FRESH_FRESH, NULL);
	assert_false(plan->steps[EXTRACT].will_run);
	assert_true(plan->steps[TRAIN].will_run);
	assert_true(plan->steps[REPORT].will_run);
	assert_false(plan->steps[SIDE].will_run);
	freshness_plan_free(plan);

	/* The source data: everything reading it. */
	fx_all_done(f);
	fx_write(f, "data/raw.txt", "raw v2\n", 200);
	plan = fx_plan(f, all, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_STALE, "input data/raw.txt changed");
	expect(plan, SIDE, FRESH_STALE, "input data/raw.txt changed");
	expect(plan, TRAIN, FRESH_STALE, "upstream step extract is stale");
	assert_true(plan->steps[EXTRACT].will_run);
	assert_true(plan->steps[TRAIN].will_run);
	assert_true(plan->steps[REPORT].will_run);
	assert_true(plan->steps[SIDE].will_run);
	freshness_plan_free(plan);
}

static void
test_freshness_script_edit(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;

	fx_all_done(f);
	/* Same size, same time: the content hash still tells. */
	fx_write(f, "tasks/side.sh", "echo SIDE\n", 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, SIDE, FRESH_STALE, "task script tasks/side.sh changed");
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	freshness_plan_free(plan);
}

/* The change a test makes while a step runs. */
typedef void (*fx_change_fn)(struct fixture *f);

/*
 * Run step as the daemon does: its files noted as it starts, change made
 * meanwhile, the quick stamp taken at its end with what changed marked,
 * hashed and written. Returns what freshness_seen_apply said.
 */
static bool
fx_run_seen(struct fixture *f, size_t step, fx_change_fn change)
{
	struct command_env env = { NULL };
	struct fresh_seen seen;
	struct loom_error err;
	struct stamp *s;
	struct strv argv;
	char *script;
	bool changed;

	strv_init(&argv);
	loom_error_clear(&err);
	assert_int_equal(command_build(f->p, step, &env, NULL, NULL, NULL,
	    &argv, &err), 0);
	assert_int_equal(freshness_begin(f->p, step, NULL, NULL, &argv,
	    NULL, &err), 0);
	freshness_seen(f->p, step, NULL, NULL, &seen);
	assert_true(seen.taken);
	if (change != NULL)
		change(f);
	s = freshness_succeeded_quick(f->p, step, NULL, NULL, &argv, &script,
	    &err);
	assert_non_null(s);
	if ((changed = freshness_seen_apply(&seen, s, script))) {
		free(script);
		script = NULL;
	}
	assert_int_equal(stamp_hash_fill(s, script, &err), 0);
	assert_int_equal(freshness_write(f->p, step, NULL, NULL, -1, s, &err),
	    0);
	free(script);
	stamp_free(s);
	freshness_seen_free(&seen);
	strv_free(&argv);
	return changed;
}

/* The same bytes written again, the time put back: only ctime tells. */
static void
fx_rewrite_feat(struct fixture *f)
{
	fx_write(f, "out/feat.txt", "FEAT\n", 20);
}

/* The task replaced by a new file, older than the old one. */
static void
fx_replace_train(struct fixture *f)
{
	char *tmp = xasprintf("%s/tasks/new.sh", f->dir);
	char *dst = xasprintf("%s/tasks/train.sh", f->dir);

	fx_write(f, "tasks/new.sh", "echo train v2\n", -100);
	assert_int_equal(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

/* A plan of every step made now: step as expected. */
static void
fx_expect_now(struct fixture *f, size_t step, enum freshness_state state,
    const char *reason_part)
{
	struct fresh_plan *plan = fx_plan(f, NULL, NULL, false, NULL);

	expect(plan, step, state, reason_part);
	freshness_plan_free(plan);
}

static void
test_freshness_changed_while_running(void **state)
{
	struct fixture *f = *state;
	struct stamp *s;
	struct fresh_seen seen;

	fx_all_done(f);
	/* Nothing changed: fresh, as a commit leaves it. */
	assert_false(fx_run_seen(f, TRAIN, NULL));
	fx_expect_now(f, TRAIN, FRESH_FRESH, NULL);

	/*
	 * Its input rewritten with the same size and time while it ran:
	 * a stamp taken at the end alone would record the new content.
	 */
	assert_false(fx_run_seen(f, TRAIN, fx_rewrite_feat));
	fx_expect_now(f, TRAIN, FRESH_STALE, "input out/feat.txt changed");
	fx_expect_now(f, REPORT, FRESH_STALE, "upstream step train");
	/* Run again, with nothing changing: fresh. */
	assert_false(fx_run_seen(f, TRAIN, NULL));
	fx_expect_now(f, TRAIN, FRESH_FRESH, NULL);

	/* Its script replaced while it ran. */
	assert_true(fx_run_seen(f, TRAIN, fx_replace_train));
	fx_expect_now(f, TRAIN, FRESH_STALE,
	    "task script tasks/train.sh changed");
	assert_false(fx_run_seen(f, TRAIN, NULL));
	fx_expect_now(f, TRAIN, FRESH_FRESH, NULL);

	/* Only a success is marked; nothing taken, nothing marked. */
	freshness_seen(f->p, TRAIN, NULL, NULL, &seen);
	fx_replace_train(f);
	s = stamp_ended(STAMP_FAILED, "exit code 1");
	assert_false(freshness_seen_apply(&seen, s, "/x"));
	stamp_free(s);
	freshness_seen_free(&seen);
	assert_false(seen.taken);
}

static void
test_freshness_failed_never_fresh(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	struct loom_error err;
	struct command_env env = { NULL };
	struct strv argv;

	fx_all_done(f);
	/* B8: started, wrote its output, failed. */
	strv_init(&argv);
	loom_error_clear(&err);
	assert_int_equal(command_build(f->p, EXTRACT, &env, NULL, NULL, NULL,
	    &argv, &err), 0);
	assert_int_equal(freshness_begin(f->p, EXTRACT, NULL, NULL, &argv,
	    NULL, &err), 0);
	fx_write(f, "out/feat.txt", "half", 500);
	assert_int_equal(freshness_fail(f->p, EXTRACT, NULL, NULL,
	    STAMP_FAILED, "exit code 1", &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_STALE, "last run failed (exit code 1)");
	expect(plan, TRAIN, FRESH_STALE, "input out/feat.txt changed");
	freshness_plan_free(plan);
	/* The output stays for inspection. */
	{
		char *p = xasprintf("%s/out/feat.txt", f->dir);

		assert_int_equal(access(p, F_OK), 0);
		free(p);
	}
	/* B9: cancelled. */
	assert_int_equal(freshness_fail(f->p, EXTRACT, NULL, NULL,
	    STAMP_CANCELLED, NULL, &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_STALE, "last run was cancelled");
	freshness_plan_free(plan);
	/* Succeeds again: fresh. */
	assert_int_equal(freshness_commit(f->p, EXTRACT, NULL, NULL, &argv,
	    &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, EXTRACT, FRESH_FRESH, NULL);
	freshness_plan_free(plan);
	strv_free(&argv);
}

static void
test_freshness_interrupted(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	struct loom_error err;
	struct stamp s;
	pid_t pid;
	int status;

	fx_all_done(f);
	/* B10: a marker left by a daemon that is gone. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	memset(&s, 0, sizeof s);
	strv_init(&s.argv);
	s.state = STAMP_RUNNING;
	s.pid = pid;
	loom_error_clear(&err);
	assert_int_equal(freshness_write(f->p, TRAIN, NULL, NULL, -1, &s, &err),
	    0);
	fx_write(f, "out/model.txt", "new mtime", 900);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, TRAIN, FRESH_STALE, "interrupted");
	expect(plan, REPORT, FRESH_STALE, "input out/model.txt changed");
	expect(plan, SIDE, FRESH_FRESH, NULL);
	freshness_plan_free(plan);
	/* A marker of a live writer: running now. */
	assert_int_equal(freshness_begin(f->p, TRAIN, NULL, NULL, NULL, NULL,
	    &err), 0);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	expect(plan, TRAIN, FRESH_STALE, "running now");
	freshness_plan_free(plan);
}

static void
test_freshness_selection(void **state)
{
	struct fixture *f = *state;
	struct fresh_plan *plan;
	bool only_report[NSTEPS] = { false, false, true, false };
	bool train_report[NSTEPS] = { false, true, true, false };

	fx_all_done(f);
	fx_write(f, "data/raw.txt", "raw v2\n", 200);
	/* extract is stale but not selected: report stays put. */
	plan = fx_plan(f, only_report, NULL, false, NULL);
	assert_false(plan->steps[EXTRACT].will_run);
	assert_false(plan->steps[REPORT].will_run);
	expect(plan, REPORT, FRESH_STALE, "upstream step train is stale");
	freshness_plan_free(plan);
	/* --step report: runs anyway. */
	plan = fx_plan(f, only_report, only_report, false, NULL);
	assert_true(plan->steps[REPORT].will_run);
	assert_string_equal(plan->steps[REPORT].run_reason,
	    "named with --step");
	assert_false(plan->steps[TRAIN].will_run);
	freshness_plan_free(plan);
	/* --extra changes the selected steps' commands. */
	fx_all_done(f);
	plan = fx_plan(f, train_report, NULL, false, "--fast");
	assert_true(plan->steps[TRAIN].will_run);
	assert_non_null(strstr(plan->steps[TRAIN].run_reason, "--fast"));
	assert_true(plan->steps[REPORT].will_run);
	assert_false(plan->steps[EXTRACT].will_run);
	freshness_plan_free(plan);
}

static void
test_freshness_loop_items(void **state)
{
	struct fixture *f = *state;
	static const char yml[] =
	    "data:\n"
	    "  raw_dir: {path: in}\n"
	    "  out_dir: {path: conv}\n"
	    "pipeline:\n"
	    "  - name: convert\n"
	    "    task: tasks/side.sh\n"
	    "    loop: {over: $raw_dir, into: $out_dir, filter: \"*.wav\"}\n"
	    "    inputs: {src: $loop_item}\n"
	    "    outputs: {-o: $loop_output}\n";
	static const char *names[] = { "a.wav", "b.wav", "c.wav" };
	struct command_env env = { NULL };
	struct fresh_plan *plan;
	struct loom_error err;
	struct strv argv;
	bool all[1] = { true };
	char *in, *out, *d;
	size_t i;

	d = xasprintf("%s/in", f->dir);
	assert_int_equal(mkdir(d, 0755), 0);
	free(d);
	d = xasprintf("%s/conv", f->dir);
	assert_int_equal(mkdir(d, 0755), 0);
	free(d);
	fx_load(f, yml);
	for (i = 0; i < 3; i++) {
		in = xasprintf("in/%s", names[i]);
		fx_write(f, in, "sound", 10);
		free(in);
	}
	fx_write(f, "in/notes.txt", "ignored", 10);
	plan = fx_plan(f, NULL, NULL, false, NULL);
	assert_int_equal(plan->steps[0].nitems, 3);
	assert_int_equal(plan->steps[0].stale_items.n, 3);
	expect(plan, 0, FRESH_MISSING, "3 of 3 items out of date");
	freshness_plan_free(plan);

	/* Run every item. */
	for (i = 0; i < 3; i++) {
		in = xasprintf("%s/in/%s", f->dir, names[i]);
		out = xasprintf("%s/conv/%s", f->dir, names[i]);
		strv_init(&argv);
		loom_error_clear(&err);
		assert_int_equal(command_build(f->p, 0, &env, in, out, NULL,
		    &argv, &err), 0);
		assert_int_equal(freshness_begin(f->p, 0, in, out, &argv,
		    NULL, &err), 0);
		write_file(out, "converted");
		assert_int_equal(freshness_commit(f->p, 0, in, out, &argv,
		    &err), 0);
		strv_free(&argv);
		free(in);
		free(out);
	}
	plan = fx_plan(f, all, NULL, false, NULL);
	expect(plan, 0, FRESH_FRESH, NULL);
	assert_false(plan->steps[0].will_run);
	freshness_plan_free(plan);

	/* One item changes: one item re-runs. */
	fx_write(f, "in/b.wav", "louder", 300);
	plan = fx_plan(f, all, NULL, false, NULL);
	expect(plan, 0, FRESH_STALE, "1 of 3 items out of date (b.wav: input "
	    "in/b.wav changed)");
	assert_true(plan->steps[0].will_run);
	assert_false(plan->steps[0].all_items);
	assert_int_equal(plan->steps[0].stale_items.n, 1);
	assert_string_equal(plan->steps[0].stale_items.v[0], "b.wav");
	freshness_plan_free(plan);

	/* A new item: only it. */
	fx_write(f, "in/b.wav", "sound", 10);
	fx_write(f, "in/d.wav", "new", 10);
	plan = fx_plan(f, all, NULL, false, NULL);
	assert_int_equal(plan->steps[0].nitems, 4);
	assert_true(plan->steps[0].stale_items.n >= 1);
	assert_string_equal(plan->steps[0].stale_items.v[
	    plan->steps[0].stale_items.n - 1], "d.wav");
	freshness_plan_free(plan);
}

static void
test_freshness_check_single(void **state)
{
	struct fixture *f = *state;
	struct command_env env = { NULL };
	struct loom_error err;
	enum freshness_state st;
	struct strv argv;
	char *reason = NULL;

	fx_all_done(f);
	strv_init(&argv);
	loom_error_clear(&err);
	assert_int_equal(command_build(f->p, TRAIN, &env, NULL, NULL, NULL,
	    &argv, &err), 0);
	assert_int_equal(freshness_check(f->p, TRAIN, &argv, NULL, NULL, &st,
	    &reason, &err), 0);
	assert_int_equal(st, FRESH_FRESH);
	assert_null(reason);
	strv_push(&argv, "--verbose");
	assert_int_equal(freshness_check(f->p, TRAIN, &argv, NULL, NULL, &st,
	    &reason, &err), 0);
	assert_int_equal(st, FRESH_STALE);
	assert_string_equal(reason, "command changed (argument --verbose "
	    "added)");
	free(reason);
	strv_free(&argv);
	assert_string_equal(freshness_state_name(FRESH_MISSING), "missing");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freshness_text),
		cmocka_unit_test_setup_teardown(test_freshness_make_rule,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_after_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_set_parameter,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_run_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_touched_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_freshness_changed_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_script_edit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_freshness_failed_never_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_interrupted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_selection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_loop_items,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness_check_single,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
