/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the pure scheduler (loomd/sched.c). Scripted event
 * sequences go in, and the actions that come out are compared as text.
 * Covers: sequential and parallel order, file order among independent
 * steps, exit before EOF and EOF before exit, diamond failure with skip
 * reasons (direct and transitive, one and two failed roots), independent
 * branches continuing, spawn failure, unselected dependencies, up-to-date
 * steps, loops (parallel, sequential, sequential in a parallel run,
 * parallel items in a sequential run, item failure, no items, listing
 * failure), cancel (while spawning, running, with queued and waiting
 * steps, during listing, TERM then KILL after the grace period, early
 * wake-ups, a step that survives TERM with exit 0), the empty run,
 * a property test over random graphs and random completion orders
 * (max_workers never exceeded, every step ends once, counts add up;
 * random cancels and grace periods in a third of the rounds), an
 * impossible transition aborting, and the run's own state and the times
 * of run, steps and units (the scheduler's alone: stamped with the time
 * the caller gives, none for a skipped step or a unit refused after a
 * cancel, a zero-length duration for a step that ends without running;
 * the run running until the caller tells its end); steps handed out
 * ahead (sched_set_ahead): spawned once their dependencies are started,
 * skipped (not failed) after a failed dependency even when their units
 * end first, loops still waiting for their dependencies to end.
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
#include <unistd.h>

#include <cmocka.h>

#include "common/model/graph.h"
#include "common/util/xmalloc.h"
#include "loomd/sched.h"

#define EXIT(n)		((n) << 8)	/* a wait status for exit code n */

struct h {
	struct graph *g;
	struct sched *s;
	struct sched_actions acts;
	const char *const *names;
	size_t n;
	char *text;
};

/*
 * A harness over steps named by names[0..n): edges is "b<a c<a" (b
 * depends on a, ...); sel is NULL (all selected) or a string of 0/1.
 */
static struct h *
h_new(const char *const *names, size_t n, const char *edges, const char *sel,
    bool parallel, size_t max_workers)
{
	struct h *h;
	char *copy, *tok, *save, *lt;
	size_t i, a, b;
	bool *selected;

	h = xcalloc(1, sizeof *h);
	h->names = names;
	h->n = n;
	h->g = graph_create(n);
	copy = xstrdup(edges);
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		lt = strchr(tok, '<');
		assert_non_null(lt);
		*lt = '\0';
		a = b = SIZE_MAX;
		for (i = 0; i < n; i++) {
			if (strcmp(names[i], tok) == 0)
				a = i;
			if (strcmp(names[i], lt + 1) == 0)
				b = i;
		}
		assert_true(a != SIZE_MAX && b != SIZE_MAX);
		graph_add_dep(h->g, a, b);
	}
	free(copy);
	assert_int_equal(graph_seal(h->g), 0);
	selected = xcalloc(n + 1, sizeof *selected);
	for (i = 0; i < n; i++)
		selected[i] = sel == NULL || sel[i] == '1';
	h->s = sched_create(h->g, selected, parallel, max_workers, 5000);
	free(selected);
	sched_actions_init(&h->acts);
	return h;
}

static void
h_free(struct h *h)
{
	sched_actions_free(&h->acts);
	sched_free(h->s);
	graph_free(h->g);
	free(h->text);
	free(h);
}

static size_t
h_step(struct h *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->names[i], name) == 0)
			return i;
	fail_msg("no step %s", name);
	return 0;
}

/* The actions so far as lines; clears them. Borrowed until next call. */
static const char *
h_take(struct h *h)
{
	char *line, *tmp;
	size_t i;

	free(h->text);
	h->text = xstrdup("");
	for (i = 0; i < h->acts.n; i++) {
		line = sched_action_format(&h->acts.v[i], h->names);
		tmp = xasprintf("%s%s%s", h->text, i == 0 ? "" : "\n", line);
		free(line);
		free(h->text);
		h->text = tmp;
	}
	sched_actions_clear(&h->acts);
	return h->text;
}

#define EXPECT(h, text)	assert_string_equal(h_take(h), (text))

/*
 * The state of unit (step, item) as records and events spell it
 * (common/util/runstate.c): what users see comes from the scheduler alone.
 */
#define SEES(h, step, item, text) assert_string_equal(runstate_name( \
    sched_unit_view((h)->s, h_step((h), (step)), (item))), (text))
#define STEP_SEES(h, step, text) assert_string_equal(runstate_name( \
    sched_step_view((h)->s, h_step((h), (step)))), (text))

/* Unit events by name. */
static void
h_spawned(struct h *h, const char *step, size_t item)
{
	sched_spawned(h->s, h_step(h, step), item, &h->acts);
}

static void
h_exit(struct h *h, const char *step, size_t item, int status)
{
	sched_exited(h->s, h_step(h, step), item, status, &h->acts);
}

static void
h_eof(struct h *h, const char *step, size_t item)
{
	sched_output_closed(h->s, h_step(h, step), item, &h->acts);
}

/* Spawned, exit with status, then EOF. */
static void
h_run(struct h *h, const char *step, size_t item, int status)
{
	h_exit(h, step, item, status);
	h_eof(h, step, item);
}

static const char *const abc[] = { "a", "b", "c", "d", "e", "f" };

static void
test_sched_chain_sequential(void **state)
{
	struct h *h = h_new(abc, 3, "b<a c<b", NULL, false, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	EXPECT(h, "");
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a succeeded\nspawn b");
	h_spawned(h, "b", 0);
	h_run(h, "b", 0, 0);
	EXPECT(h, "finished b succeeded\nspawn c");
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nrun succeeded 3/3/0/0/0");
	assert_true(sched_is_finished(h->s));
	h_free(h);
}

static void
test_sched_exit_before_eof(void **state)
{
	struct h *h = h_new(abc, 2, "b<a", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	h_exit(h, "a", 0, 0);
	EXPECT(h, "");
	assert_int_equal(sched_step_state(h->s, 0), SCHED_STEP_RUNNING);
	assert_int_equal(sched_busy_workers(h->s), 1);
	h_eof(h, "a", 0);
	EXPECT(h, "finished a succeeded\nspawn b");
	h_free(h);
}

static void
test_sched_eof_before_exit(void **state)
{
	struct h *h = h_new(abc, 2, "b<a", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	h_eof(h, "a", 0);
	EXPECT(h, "");
	assert_int_equal(sched_busy_workers(h->s), 1);
	/* The exit status decides, whichever event came last. */
	h_exit(h, "a", 0, EXIT(3));
	EXPECT(h, "finished a failed\nskipped b (a)\nrun failed 2/0/1/1/0");
	h_free(h);
}

static void
test_sched_file_order_among_independent(void **state)
{
	/* a depends on c: c must come first, else file order. */
	struct h *h = h_new(abc, 4, "a<c", NULL, false, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn b");
	h_spawned(h, "b", 0);
	h_run(h, "b", 0, 0);
	EXPECT(h, "finished b succeeded\nspawn c");
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nspawn a");
	h_spawned(h, "a", 0);
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a succeeded\nspawn d");
	h_spawned(h, "d", 0);
	h_run(h, "d", 0, 0);
	EXPECT(h, "finished d succeeded\nrun succeeded 4/4/0/0/0");
	h_free(h);
}

static void
test_sched_parallel_fanout(void **state)
{
	struct h *h = h_new(abc, 5, "b<a c<a d<a e<a", NULL, true, 2);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a succeeded\nspawn b\nspawn c");
	h_spawned(h, "b", 0);
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nspawn d");
	h_spawned(h, "d", 0);
	h_run(h, "b", 0, 0);
	EXPECT(h, "finished b succeeded\nspawn e");
	h_spawned(h, "e", 0);
	h_run(h, "e", 0, 0);
	h_run(h, "d", 0, 0);
	EXPECT(h, "finished e succeeded\nfinished d succeeded\n"
	    "run succeeded 5/5/0/0/0");
	h_free(h);
}

static void
test_sched_diamond_failure(void **state)
{
	/* a -> b, c -> d -> e; f independent. */
	struct h *h = h_new(abc, 6, "b<a c<a d<b d<c e<d", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a\nspawn f");
	h_spawned(h, "a", 0);
	h_spawned(h, "f", 0);
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a succeeded\nspawn b\nspawn c");
	h_spawned(h, "b", 0);
	h_spawned(h, "c", 0);
	h_run(h, "b", 0, EXIT(1));
	/* d still waits for c. */
	EXPECT(h, "finished b failed");
	assert_int_equal(sched_step_state(h->s, 3), SCHED_STEP_WAITING);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nskipped d (b)\nskipped e (b)");
	/* The independent branch is still running and ends normally. */
	assert_int_equal(sched_step_state(h->s, 5), SCHED_STEP_RUNNING);
	h_run(h, "f", 0, 0);
	EXPECT(h, "finished f succeeded\nrun failed 6/3/1/2/0");
	h_free(h);
}

static void
test_sched_diamond_two_failures(void **state)
{
	struct h *h = h_new(abc, 4, "b<a c<a d<b d<c", NULL, true, 4);
	const struct sched_action *a;
	struct sched_counts c;

	(void)state;
	sched_start(h->s, &h->acts);
	h_spawned(h, "a", 0);
	h_run(h, "a", 0, 0);
	EXPECT(h, "spawn a\nfinished a succeeded\nspawn b\nspawn c");
	h_spawned(h, "b", 0);
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, SIGSEGV);
	h_run(h, "b", 0, EXIT(2));
	assert_int_equal(h->acts.n, 4);
	a = &h->acts.v[0];
	assert_int_equal(a->type, SCHED_ACTION_STEP_FINISHED);
	assert_int_equal(a->result, SCHED_RESULT_FAILED);
	assert_int_equal(a->status, SIGSEGV);
	a = &h->acts.v[1];
	assert_int_equal(a->status, EXIT(2));
	a = &h->acts.v[2];
	assert_int_equal(a->type, SCHED_ACTION_STEP_SKIPPED);
	assert_int_equal(a->nbecause, 2);
	EXPECT(h, "finished c failed\nfinished b failed\nskipped d (b,c)\n"
	    "run failed 4/1/2/1/0");
	sched_get_counts(h->s, &c);
	assert_int_equal(c.total, 4);
	assert_int_equal(c.failed, 2);
	assert_int_equal(c.skipped, 1);
	h_free(h);
}

static void
test_sched_independent_branch_continues(void **state)
{
	struct h *h = h_new(abc, 4, "b<a d<c", NULL, false, 1);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	h_run(h, "a", 0, EXIT(1));
	EXPECT(h, "finished a failed\nskipped b (a)\nspawn c");
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nspawn d");
	h_spawned(h, "d", 0);
	h_run(h, "d", 0, 0);
	EXPECT(h, "finished d succeeded\nrun failed 4/2/1/1/0");
	h_free(h);
}

static void
test_sched_spawn_failed(void **state)
{
	struct h *h = h_new(abc, 3, "b<a", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a\nspawn c");
	sched_spawn_failed(h->s, 0, 0, &h->acts);
	EXPECT(h, "finished a failed\nskipped b (a)");
	assert_int_equal(sched_busy_workers(h->s), 1);
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nrun failed 3/1/1/1/0");
	h_free(h);
}

static void
test_sched_unselected_and_uptodate(void **state)
{
	/* b<a with a unselected: b runs at once; c up to date; d<c runs. */
	struct h *h = h_new(abc, 4, "b<a d<c", "0111", true, 4);
	struct sched_counts cnt;

	(void)state;
	sched_set_uptodate(h->s, 2);
	sched_start(h->s, &h->acts);
	EXPECT(h, "finished c up-to-date\nspawn b\nspawn d");
	assert_int_equal(sched_step_state(h->s, 0), SCHED_STEP_UNSELECTED);
	h_spawned(h, "b", 0);
	h_spawned(h, "d", 0);
	h_run(h, "d", 0, 0);
	h_run(h, "b", 0, 0);
	EXPECT(h, "finished d succeeded\nfinished b succeeded\n"
	    "run succeeded 3/3/0/0/0");
	sched_get_counts(h->s, &cnt);
	assert_int_equal(cnt.uptodate, 1);
	h_free(h);
}

static void
test_sched_empty_run(void **state)
{
	struct h *h = h_new(abc, 2, "", "00", true, 4);
	struct graph *g;
	struct sched *s;
	struct sched_actions acts;
	char *line;

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "run succeeded 0/0/0/0/0");
	assert_true(sched_is_finished(h->s));
	h_free(h);

	/* A pipeline without steps (no names to look at). */
	g = graph_create(0);
	assert_int_equal(graph_seal(g), 0);
	s = sched_create(g, NULL, false, 1, 0);
	sched_actions_init(&acts);
	sched_start(s, &acts);
	assert_int_equal(acts.n, 1);
	line = sched_action_format(&acts.v[0], (const char *const *)NULL);
	assert_string_equal(line, "run succeeded 0/0/0/0/0");
	free(line);
	sched_actions_free(&acts);
	sched_free(s);
	graph_free(g);
}

static const char *const lp[] = { "prep", "loop", "after", "other" };

static void
test_sched_loop_parallel_items(void **state)
{
	struct h *h = h_new(lp, 3, "loop<prep after<loop", NULL, true, 2);

	(void)state;
	sched_set_loop(h->s, 1, true);
	sched_start(h->s, &h->acts);
	h_spawned(h, "prep", 0);
	h_run(h, "prep", 0, 0);
	EXPECT(h, "spawn prep\nfinished prep succeeded\nlist loop");
	sched_set_items(h->s, 1, 3, &h->acts);
	/* max_workers counts processes: two items at a time. */
	EXPECT(h, "spawn loop[0]\nspawn loop[1]");
	h_spawned(h, "loop", 0);
	h_spawned(h, "loop", 1);
	h_run(h, "loop", 1, 0);
	EXPECT(h, "spawn loop[2]");
	h_spawned(h, "loop", 2);
	h_run(h, "loop", 0, 0);
	EXPECT(h, "");
	h_run(h, "loop", 2, 0);
	EXPECT(h, "finished loop succeeded\nspawn after");
	h_spawned(h, "after", 0);
	h_run(h, "after", 0, 0);
	/* The loop counts as one step. */
	EXPECT(h, "finished after succeeded\nrun succeeded 3/3/0/0/0");
	h_free(h);
}

static void
test_sched_loop_sequential_items(void **state)
{
	/* A sequential loop in a parallel run: 'other' runs beside it. */
	struct h *h = h_new(lp, 4, "loop<prep after<loop", NULL, true, 4);

	(void)state;
	sched_set_loop(h->s, 1, false);
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn prep\nspawn other");
	h_spawned(h, "prep", 0);
	h_spawned(h, "other", 0);
	h_run(h, "prep", 0, 0);
	EXPECT(h, "finished prep succeeded\nlist loop");
	sched_set_items(h->s, 1, 3, &h->acts);
	EXPECT(h, "spawn loop[0]");
	h_spawned(h, "loop", 0);
	h_run(h, "loop", 0, 0);
	EXPECT(h, "spawn loop[1]");
	h_spawned(h, "loop", 1);
	h_run(h, "other", 0, 0);
	EXPECT(h, "finished other succeeded");
	h_run(h, "loop", 1, 0);
	EXPECT(h, "spawn loop[2]");
	h_spawned(h, "loop", 2);
	h_run(h, "loop", 2, 0);
	EXPECT(h, "finished loop succeeded\nspawn after");
	h_free(h);
}

static void
test_sched_loop_parallel_in_sequential_run(void **state)
{
	/* Sequential run; the loop's own parallel flag lets items overlap,
	   but no other step starts beside it. */
	struct h *h = h_new(lp, 4, "loop<prep after<loop", NULL, false, 3);

	(void)state;
	sched_set_loop(h->s, 1, true);
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn prep");
	h_spawned(h, "prep", 0);
	h_run(h, "prep", 0, 0);
	EXPECT(h, "finished prep succeeded\nlist loop");
	sched_set_items(h->s, 1, 4, &h->acts);
	EXPECT(h, "spawn loop[0]\nspawn loop[1]\nspawn loop[2]");
	h_spawned(h, "loop", 0);
	h_spawned(h, "loop", 1);
	h_spawned(h, "loop", 2);
	h_run(h, "loop", 0, 0);
	EXPECT(h, "spawn loop[3]");
	h_spawned(h, "loop", 3);
	h_run(h, "loop", 1, 0);
	h_run(h, "loop", 2, 0);
	EXPECT(h, "");
	h_run(h, "loop", 3, 0);
	EXPECT(h, "finished loop succeeded\nspawn after");
	h_spawned(h, "after", 0);
	h_run(h, "after", 0, 0);
	EXPECT(h, "finished after succeeded\nspawn other");
	h_free(h);
}

static void
test_sched_loop_item_failure(void **state)
{
	struct h *h = h_new(lp, 4, "loop<prep after<loop", NULL, true, 4);
	const struct sched_action *a;

	(void)state;
	sched_set_loop(h->s, 1, true);
	sched_start(h->s, &h->acts);
	h_spawned(h, "prep", 0);
	h_spawned(h, "other", 0);
	h_run(h, "other", 0, 0);
	h_run(h, "prep", 0, 0);
	EXPECT(h, "spawn prep\nspawn other\nfinished other succeeded\n"
	    "finished prep succeeded\nlist loop");
	sched_set_items(h->s, 1, 3, &h->acts);
	EXPECT(h, "spawn loop[0]\nspawn loop[1]\nspawn loop[2]");
	h_spawned(h, "loop", 0);
	h_spawned(h, "loop", 1);
	h_spawned(h, "loop", 2);
	h_run(h, "loop", 1, EXIT(4));
	/* The other items still run to their end. */
	EXPECT(h, "");
	h_run(h, "loop", 0, 0);
	h_run(h, "loop", 2, 0);
	assert_int_equal(h->acts.n, 3);
	a = &h->acts.v[0];
	assert_int_equal(a->failed_item, 1);
	assert_int_equal(a->status, EXIT(4));
	EXPECT(h, "finished loop failed\nskipped after (loop)\n"
	    "run failed 4/2/1/1/0");
	h_free(h);
}

static void
test_sched_loop_no_items_and_listing_failure(void **state)
{
	struct h *h = h_new(lp, 4, "after<loop other<prep", NULL, true, 4);

	(void)state;
	sched_set_loop(h->s, 1, true);
	sched_set_loop(h->s, 0, false);
	sched_start(h->s, &h->acts);
	EXPECT(h, "list prep\nlist loop");
	sched_set_items(h->s, 1, 0, &h->acts);
	EXPECT(h, "finished loop succeeded\nspawn after");
	sched_items_failed(h->s, 0, &h->acts);
	EXPECT(h, "finished prep failed\nskipped other (prep)");
	h_spawned(h, "after", 0);
	h_run(h, "after", 0, 0);
	EXPECT(h, "finished after succeeded\nrun failed 4/2/1/1/0");
	h_free(h);
}

static void
test_sched_cancel_while_spawning(void **state)
{
	struct h *h = h_new(abc, 2, "b<a", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	sched_cancel(h->s, 1000, &h->acts);
	EXPECT(h, "finished b cancelled\nwake 6000");
	/* Started after the cancel: TERM at once. */
	h_spawned(h, "a", 0);
	EXPECT(h, "signal a TERM");
	h_run(h, "a", 0, SIGTERM);
	EXPECT(h, "finished a cancelled\nrun cancelled 2/0/0/0/2");
	/* Later events change nothing. */
	sched_cancel(h->s, 2000, &h->acts);
	sched_tick(h->s, 9000, &h->acts);
	EXPECT(h, "");
	h_free(h);
}

static void
test_sched_cancel_spawn_after_kill_phase(void **state)
{
	struct h *h = h_new(abc, 2, "", NULL, true, 4);

	(void)state;
	sched_start(h->s, &h->acts);
	h_spawned(h, "a", 0);
	EXPECT(h, "spawn a\nspawn b");
	sched_cancel(h->s, 0, &h->acts);
	EXPECT(h, "signal a TERM\nwake 5000");
	sched_tick(h->s, 5000, &h->acts);
	EXPECT(h, "signal a KILL");
	h_spawned(h, "b", 0);
	EXPECT(h, "signal b TERM\nsignal b KILL");
	h_run(h, "a", 0, SIGKILL);
	h_run(h, "b", 0, SIGKILL);
	EXPECT(h, "finished a cancelled\nfinished b cancelled\n"
	    "run cancelled 2/0/0/0/2");
	h_free(h);
}

static void
test_sched_cancel_running_with_queued(void **state)
{
	/* One worker: a runs, b queued, c waits on a. */
	struct h *h = h_new(abc, 3, "c<a", NULL, true, 1);

	(void)state;
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	assert_int_equal(sched_step_state(h->s, 1), SCHED_STEP_RUNNING);
	sched_cancel(h->s, 1000, &h->acts);
	EXPECT(h, "signal a TERM\nfinished b cancelled\nfinished c cancelled\n"
	    "wake 6000");
	assert_true(sched_is_cancelled(h->s));
	/* Woken early: ask again. */
	sched_tick(h->s, 3000, &h->acts);
	EXPECT(h, "wake 6000");
	sched_tick(h->s, 6000, &h->acts);
	EXPECT(h, "signal a KILL");
	sched_tick(h->s, 7000, &h->acts);
	EXPECT(h, "");
	h_exit(h, "a", 0, SIGKILL);
	EXPECT(h, "");
	h_eof(h, "a", 0);
	EXPECT(h, "finished a cancelled\nrun cancelled 3/0/0/0/3");
	h_free(h);
}

static void
test_sched_cancel_exit_zero_after_term(void **state)
{
	struct h *h = h_new(abc, 1, "", NULL, true, 1);

	(void)state;
	sched_start(h->s, &h->acts);
	h_spawned(h, "a", 0);
	SEES(h, "a", 0, "running");
	sched_cancel(h->s, 0, &h->acts);
	EXPECT(h, "spawn a\nsignal a TERM\nwake 5000");
	/* Stopped by the cancel, even gracefully: its work is not done. */
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a cancelled\nrun cancelled 1/0/0/0/1");
	SEES(h, "a", 0, "cancelled");
	h_free(h);
}

static void
test_sched_unit_views(void **state)
{
	/* pending -> running -> succeeded/failed; a spawn that failed is
	   failed; an item a cancel drops is cancelled, one in flight too
	   once it ends. */
	struct h *h = h_new(lp, 2, "loop<prep", NULL, true, 1);

	(void)state;
	sched_set_loop(h->s, 1, false);
	STEP_SEES(h, "prep", "pending");
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn prep");
	STEP_SEES(h, "prep", "running");
	STEP_SEES(h, "loop", "pending");
	SEES(h, "prep", 0, "running");
	h_spawned(h, "prep", 0);
	h_run(h, "prep", 0, 0);
	SEES(h, "prep", 0, "succeeded");
	EXPECT(h, "finished prep succeeded\nlist loop");
	STEP_SEES(h, "prep", "succeeded");
	STEP_SEES(h, "loop", "pending");	/* listing */
	sched_set_items(h->s, 1, 4, &h->acts);
	EXPECT(h, "spawn loop[0]");
	STEP_SEES(h, "loop", "running");
	SEES(h, "loop", 0, "running");
	SEES(h, "loop", 1, "pending");
	h_spawned(h, "loop", 0);
	h_run(h, "loop", 0, 1 << 8);
	SEES(h, "loop", 0, "failed");
	EXPECT(h, "spawn loop[1]");
	sched_spawn_failed(h->s, 1, 1, &h->acts);
	SEES(h, "loop", 1, "failed");
	EXPECT(h, "spawn loop[2]");
	h_spawned(h, "loop", 2);
	SEES(h, "loop", 3, "pending");
	sched_cancel(h->s, 0, &h->acts);
	EXPECT(h, "signal loop[2] TERM\nwake 5000");
	SEES(h, "loop", 3, "cancelled");
	SEES(h, "loop", 2, "running");
	h_run(h, "loop", 2, SIGTERM);
	SEES(h, "loop", 2, "cancelled");
	EXPECT(h, "finished loop failed\nrun cancelled 2/1/1/0/0");
	STEP_SEES(h, "loop", "failed");
	h_free(h);
}

static void
test_sched_views_unstarted_and_abandoned(void **state)
{
	/* A queued run cancelled: its steps are cancelled; one whose turn
	   failed: pending. The daemon exiting mid-run: what was started
	   and has not ended is cancelled, the rest stays as it was. */
	struct h *h = h_new(abc, 2, "b<a", NULL, true, 4);

	(void)state;
	sched_end_unstarted(h->s, true);
	STEP_SEES(h, "a", "cancelled");
	STEP_SEES(h, "b", "cancelled");
	assert_true(sched_is_cancelled(h->s));
	h_free(h);

	h = h_new(abc, 2, "b<a", NULL, true, 4);
	sched_end_unstarted(h->s, false);
	STEP_SEES(h, "a", "pending");
	assert_false(sched_is_cancelled(h->s));
	h_free(h);

	h = h_new(abc, 3, "b<a", NULL, true, 4);
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a\nspawn c");
	h_spawned(h, "a", 0);
	h_spawned(h, "c", 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded");
	sched_abandon(h->s);
	STEP_SEES(h, "a", "cancelled");
	SEES(h, "a", 0, "cancelled");
	STEP_SEES(h, "b", "pending");
	STEP_SEES(h, "c", "succeeded");
	h_free(h);
}

/* Times as "started-ended" in monotonic ms ("0-0": none). */
static const char *
h_times(struct h *h, const char *step, long item)
{
	struct sched_times t;

	if (item < 0)
		sched_step_times(h->s, h_step(h, step), &t);
	else
		sched_unit_times(h->s, h_step(h, step), (size_t)item, &t);
	free(h->text);
	h->text = xasprintf("%llu-%llu %g-%g", (unsigned long long)t.started_ms,
	    (unsigned long long)t.ended_ms, t.started, t.ended);
	return h->text;
}

#define TIMES(h, step, item, text) \
    assert_string_equal(h_times((h), (step), (item)), (text))
#define RUN_SEES(h, text) assert_string_equal(runstate_name( \
    sched_run_view((h)->s)), (text))

static void
test_sched_run_state_and_times(void **state)
{
	/* c<b<a, d up to date, e<d; b fails at 300: c skipped. */
	struct h *h = h_new(abc, 5, "b<a c<b e<d", NULL, false, 1);
	struct sched_times t;
	double queued_at;

	(void)state;
	RUN_SEES(h, "pending");
	sched_set_time(h->s, 1000.5, 50);
	sched_run_queued(h->s);
	RUN_SEES(h, "queued");
	sched_set_time(h->s, 1001, 100);
	sched_run_begin(h->s);
	RUN_SEES(h, "running");
	sched_set_uptodate(h->s, 3);
	sched_set_time(h->s, 1002, 110);
	sched_start(h->s, &h->acts);
	EXPECT(h, "finished d up-to-date\nspawn a");
	/* Up to date: ended, no wall-clock start, a duration of 0. */
	TIMES(h, "d", -1, "110-110 0-1002");
	sched_set_time(h->s, 1003, 120);
	h_spawned(h, "a", 0);
	TIMES(h, "a", 0, "120-0 1003-0");
	TIMES(h, "a", -1, "120-0 1003-0");
	sched_set_time(h->s, 1004, 200);
	h_exit(h, "a", 0, 0);
	TIMES(h, "a", 0, "120-0 1003-0");	/* EOF still to come */
	sched_set_time(h->s, 1005, 210);
	h_eof(h, "a", 0);
	EXPECT(h, "finished a succeeded\nspawn b");
	TIMES(h, "a", 0, "120-210 1003-1005");
	TIMES(h, "a", -1, "120-210 1003-1005");
	sched_set_time(h->s, 1006, 220);
	h_spawned(h, "b", 0);
	sched_set_time(h->s, 1007, 300);
	h_run(h, "b", 0, EXIT(1));
	EXPECT(h, "finished b failed\nskipped c (b)\nspawn e");
	TIMES(h, "b", -1, "220-300 1006-1007");
	/* Skipped: neither start nor end. */
	TIMES(h, "c", -1, "0-0 0-0");
	RUN_SEES(h, "running");
	/* A cancel refuses e's spawn: e never started; the run ends. */
	sched_set_time(h->s, 1008, 400);
	sched_cancel(h->s, 400, &h->acts);
	sched_spawn_failed(h->s, h_step(h, "e"), 0, &h->acts);
	EXPECT(h, "wake 5400\nfinished e cancelled\nrun cancelled 5/2/1/1/1");
	TIMES(h, "e", 0, "0-0 0-0");
	TIMES(h, "e", -1, "400-400 0-1008");
	/* Running until the caller tells the end (its stamps written). */
	RUN_SEES(h, "running");
	sched_set_time(h->s, 1008, 400);
	sched_run_end(h->s);
	RUN_SEES(h, "cancelled");
	sched_run_times(h->s, &t, &queued_at);
	assert_true(queued_at == 1000.5);
	assert_true(t.started == 1001 && t.ended == 1008);
	assert_int_equal(t.started_ms, 100);
	assert_int_equal(t.ended_ms, 400);
	h_free(h);

	/* A queued run that never starts: failed, or cancelled. */
	h = h_new(abc, 1, "", NULL, true, 1);
	sched_set_time(h->s, 7, 70);
	sched_end_unstarted(h->s, false);
	RUN_SEES(h, "failed");
	sched_run_times(h->s, &t, &queued_at);
	assert_true(t.started == 0 && t.ended == 7);
	h_free(h);
	h = h_new(abc, 1, "", NULL, true, 1);
	sched_end_unstarted(h->s, true);
	RUN_SEES(h, "cancelled");
	h_free(h);
	/* The daemon leaves mid-run: cancelled. */
	h = h_new(abc, 1, "", NULL, true, 1);
	sched_run_begin(h->s);
	sched_start(h->s, &h->acts);
	sched_abandon(h->s);
	RUN_SEES(h, "cancelled");
	h_free(h);
}

static void
test_sched_cancel_loop(void **state)
{
	/* Items in flight get TERM, queued ones are dropped; a listing
	   answered after the cancel is ignored. */
	struct h *h = h_new(lp, 4, "", NULL, true, 2);

	(void)state;
	sched_set_loop(h->s, 1, true);
	sched_set_loop(h->s, 3, true);
	sched_start(h->s, &h->acts);
	EXPECT(h, "list loop\nlist other\nspawn prep\nspawn after");
	h_spawned(h, "prep", 0);
	h_spawned(h, "after", 0);
	h_run(h, "prep", 0, 0);
	EXPECT(h, "finished prep succeeded");
	sched_set_items(h->s, 1, 3, &h->acts);
	EXPECT(h, "spawn loop[0]");
	h_spawned(h, "loop", 0);
	h_exit(h, "loop", 0, 0);
	sched_cancel(h->s, 100, &h->acts);
	EXPECT(h, "signal loop[0] TERM\nsignal after TERM\n"
	    "finished other cancelled\nwake 5100");
	sched_set_items(h->s, 3, 5, &h->acts);
	EXPECT(h, "");
	h_eof(h, "loop", 0);
	EXPECT(h, "finished loop cancelled");
	h_run(h, "after", 0, SIGTERM);
	EXPECT(h, "finished after cancelled\nrun cancelled 4/1/0/0/3");
	h_free(h);
}

static void
test_sched_cancel_sequential_loop(void **state)
{
	struct h *h = h_new(lp, 2, "", NULL, false, 4);

	(void)state;
	sched_set_loop(h->s, 1, false);
	sched_start(h->s, &h->acts);
	h_spawned(h, "prep", 0);
	h_run(h, "prep", 0, 0);
	sched_set_items(h->s, 1, 3, &h->acts);
	EXPECT(h, "spawn prep\nfinished prep succeeded\nlist loop\n"
	    "spawn loop[0]");
	h_spawned(h, "loop", 0);
	h_run(h, "loop", 0, 0);
	EXPECT(h, "spawn loop[1]");
	sched_cancel(h->s, 0, &h->acts);
	EXPECT(h, "wake 5000");
	sched_spawn_failed(h->s, 1, 1, &h->acts);
	EXPECT(h, "finished loop cancelled\nrun cancelled 2/1/0/0/1");
	h_free(h);
}

/*
 * Random DAGs (edges only to earlier steps), random loops, random
 * completion order and outcomes: the number of busy workers never passes
 * max_workers, every selected step ends exactly once, skipped steps are
 * exactly those with a failed or skipped dependency, and the totals add
 * up. A third of the rounds cancel at a random moment: nothing is
 * spawned after that, and the run ends as cancelled.
 */
static void
test_sched_property_random(void **state)
{
	unsigned int seed;
	size_t round, n, i, j, k, mw, nlive, pick, nended, ndeps;
	struct graph *g;
	struct sched *s;
	struct sched_actions acts;
	bool *selected, *isloop, parallel, gone, bad, cancelled, cancel_runs;
	enum sched_result last_result;
	size_t ncancelled = 0;
	struct sched_action a;
	size_t *endcount, *live_step, *live_item, *live_phase, *nitems;
	int *state_of;
	const size_t *deps;
	struct sched_counts c;
	size_t ai;

	(void)state;
	srand(12345);
	for (round = 0; round < 300; round++) {
		n = 1 + (size_t)rand() % 30;
		mw = 1 + (size_t)rand() % 4;
		parallel = rand() % 2;
		g = graph_create(n);
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (rand() % 5 == 0)
					graph_add_dep(g, i, j);
		assert_int_equal(graph_seal(g), 0);
		selected = xcalloc(n, sizeof *selected);
		isloop = xcalloc(n, sizeof *isloop);
		for (i = 0; i < n; i++)
			selected[i] = rand() % 6 != 0;
		s = sched_create(g, selected, parallel, mw, 100);
		/* Handed out ahead in a quarter of the rounds. */
		if (round % 4 == 1)
			sched_set_ahead(s);
		for (i = 0; i < n; i++) {
			if (selected[i] && rand() % 4 == 0) {
				isloop[i] = true;
				sched_set_loop(s, i, rand() % 2);
			}
		}
		endcount = xcalloc(n, sizeof *endcount);
		nitems = xcalloc(n, sizeof *nitems);
		state_of = xcalloc(n, sizeof *state_of);
		live_step = xcalloc(2048, sizeof *live_step);
		live_item = xcalloc(2048, sizeof *live_item);
		live_phase = xcalloc(2048, sizeof *live_phase);
		nlive = 0;
		nended = 0;
		cancelled = false;
		cancel_runs = round % 3 == 0;
		last_result = SCHED_RESULT_SKIPPED;
		sched_actions_init(&acts);
		sched_start(s, &acts);
		seed = (unsigned int)round;
		for (;;) {
			/* Carry out the actions. */
			for (ai = 0; ai < acts.n; ai++) {
				a = acts.v[ai];
				switch (a.type) {
				case SCHED_ACTION_SPAWN:
					assert_false(cancelled);
					live_step[nlive] = a.step;
					live_item[nlive] = a.item;
					live_phase[nlive] = 0;
					nlive++;
					assert_true(nlive <= mw);
					break;
				case SCHED_ACTION_LIST_ITEMS:
					assert_true(isloop[a.step]);
					nitems[a.step] = (size_t)rand_r(&seed) %
					    5;
					if (rand_r(&seed) % 10 == 0)
						sched_items_failed(s, a.step,
						    &acts);
					else
						sched_set_items(s, a.step,
						    nitems[a.step], &acts);
					break;
				case SCHED_ACTION_STEP_FINISHED:
				case SCHED_ACTION_STEP_SKIPPED:
					endcount[a.step]++;
					nended++;
					state_of[a.step] = a.type ==
					    SCHED_ACTION_STEP_SKIPPED ? 3 :
					    a.result == SCHED_RESULT_FAILED ?
					    2 : 1;
					/* Dependencies ended before (a
					   cancel ends waiting steps first). */
					deps = graph_deps(g, a.step, &ndeps);
					for (k = 0; k < ndeps && !cancelled;
					    k++)
						if (selected[deps[k]])
							assert_true(
							    endcount[deps[k]]
							    == 1);
					break;
				case SCHED_ACTION_RUN_FINISHED:
					last_result = a.result;
					break;
				default:
					break;
				}
				assert_true(sched_busy_workers(s) <= mw);
			}
			sched_actions_clear(&acts);
			if (sched_is_finished(s))
				break;
			assert_true(nlive > 0);
			/* Sometimes cancel, and later let the grace pass. */
			if (!cancelled && cancel_runs &&
			    rand_r(&seed) % 40 == 0) {
				cancelled = true;
				sched_cancel(s, 1000, &acts);
				continue;
			}
			if (cancelled && rand_r(&seed) % 10 == 0) {
				sched_tick(s, 1000 + rand_r(&seed) % 200,
				    &acts);
				continue;
			}
			/*
			 * Advance one live unit by one event. Phase 0: spawn
			 * asked; 1: running; 2: exited, EOF to come; 3: EOF
			 * seen, exit to come.
			 */
			pick = (size_t)rand_r(&seed) % nlive;
			gone = false;
			switch (live_phase[pick]) {
			case 0:
				if (rand_r(&seed) % 15 == 0) {
					sched_spawn_failed(s, live_step[pick],
					    live_item[pick], &acts);
					gone = true;
				} else {
					sched_spawned(s, live_step[pick],
					    live_item[pick], &acts);
					live_phase[pick] = 1;
				}
				break;
			case 1:
				if (rand_r(&seed) % 2) {
					sched_exited(s, live_step[pick],
					    live_item[pick],
					    rand_r(&seed) % 8 == 0 ? EXIT(1) :
					    0, &acts);
					live_phase[pick] = 2;
				} else {
					sched_output_closed(s, live_step[pick],
					    live_item[pick], &acts);
					live_phase[pick] = 3;
				}
				break;
			case 2:
				sched_output_closed(s, live_step[pick],
				    live_item[pick], &acts);
				gone = true;
				break;
			default:
				sched_exited(s, live_step[pick],
				    live_item[pick], rand_r(&seed) % 8 == 0 ?
				    SIGKILL : 0, &acts);
				gone = true;
				break;
			}
			if (gone) {
				live_step[pick] = live_step[nlive - 1];
				live_item[pick] = live_item[nlive - 1];
				live_phase[pick] = live_phase[nlive - 1];
				nlive--;
			}
		}
		/* Every selected step ended once; the rest never. */
		for (i = 0; i < n; i++) {
			assert_int_equal(endcount[i], selected[i] ? 1 : 0);
			if (!selected[i] || state_of[i] == 2 || cancelled)
				continue;
			/* Skipped exactly when a dependency failed/skipped. */
			deps = graph_deps(g, i, &ndeps);
			bad = false;
			for (k = 0; k < ndeps; k++)
				if (selected[deps[k]] && state_of[deps[k]] >= 2)
					bad = true;
			assert_int_equal(state_of[i] == 3, bad);
		}
		sched_get_counts(s, &c);
		assert_int_equal(c.total, nended);
		assert_int_equal(c.succeeded + c.failed + c.skipped +
		    c.cancelled, c.total);
		assert_int_equal(sched_busy_workers(s), 0);
		assert_int_equal(last_result, cancelled ?
		    SCHED_RESULT_CANCELLED : c.failed + c.skipped > 0 ?
		    SCHED_RESULT_FAILED : SCHED_RESULT_SUCCEEDED);
		if (cancelled)
			ncancelled++;
		sched_actions_free(&acts);
		free(live_step);
		free(live_item);
		free(live_phase);
		free(state_of);
		free(nitems);
		free(endcount);
		free(isloop);
		free(selected);
		sched_free(s);
		graph_free(g);
	}
	/* The cancel paths were really taken. */
	assert_true(ncancelled >= 10);
}

/*
 * Handed out ahead (sched_set_ahead): a step is spawned once the steps
 * it depends on have all their units started, in a sequential run too.
 */
static void
test_sched_ahead_diamond(void **state)
{
	struct h *h = h_new(abc, 4, "b<a c<a d<b d<c", NULL, false, 100);

	(void)state;
	sched_set_ahead(h->s);
	sched_start(h->s, &h->acts);
	EXPECT(h, "spawn a");
	h_spawned(h, "a", 0);
	EXPECT(h, "spawn b\nspawn c");
	h_spawned(h, "b", 0);
	EXPECT(h, "");
	h_spawned(h, "c", 0);
	EXPECT(h, "spawn d");
	h_spawned(h, "d", 0);
	h_run(h, "a", 0, 0);
	h_run(h, "b", 0, 0);
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished a succeeded\nfinished b succeeded\n"
	    "finished c succeeded");
	h_run(h, "d", 0, 0);
	EXPECT(h, "finished d succeeded\nrun succeeded 4/4/0/0/0");
	h_free(h);
}

/*
 * Ahead, a dependency fails: what was handed out after it is ended
 * (by Slurm) and is skipped, not failed, with the failed step as the
 * reason, even when its unit is seen done before the step it depends on;
 * a unit done before its dependencies waits for them (parked).
 */
static void
test_sched_ahead_failure_skips(void **state)
{
	struct h *h = h_new(abc, 4, "b<a c<b d<c", NULL, true, 100);

	(void)state;
	sched_set_ahead(h->s);
	sched_start(h->s, &h->acts);
	h_spawned(h, "a", 0);
	h_spawned(h, "b", 0);
	h_spawned(h, "c", 0);
	h_spawned(h, "d", 0);
	EXPECT(h, "spawn a\nspawn b\nspawn c\nspawn d");
	/* c's end is seen first: it waits for b. */
	h_run(h, "c", 0, SIGTERM);
	EXPECT(h, "");
	STEP_SEES(h, "c", "running");
	h_run(h, "a", 0, EXIT(1));
	EXPECT(h, "finished a failed");
	h_run(h, "b", 0, SIGTERM);
	EXPECT(h, "skipped b (a)\nskipped c (a)");
	STEP_SEES(h, "d", "running");
	h_run(h, "d", 0, SIGTERM);
	EXPECT(h, "skipped d (a)\nrun failed 4/0/1/3/0");
	SEES(h, "b", 0, "skipped");
	SEES(h, "c", 0, "skipped");
	STEP_SEES(h, "b", "skipped");
	STEP_SEES(h, "d", "skipped");
	h_free(h);
}

/* Ahead, a unit that succeeds before its dependency is seen to end. */
static void
test_sched_ahead_parked_success(void **state)
{
	struct h *h = h_new(abc, 2, "b<a", NULL, true, 100);

	(void)state;
	sched_set_ahead(h->s);
	sched_start(h->s, &h->acts);
	h_spawned(h, "a", 0);
	h_spawned(h, "b", 0);
	EXPECT(h, "spawn a\nspawn b");
	h_run(h, "b", 0, 0);
	EXPECT(h, "");
	h_run(h, "a", 0, 0);
	EXPECT(h, "finished a succeeded\nfinished b succeeded\n"
	    "run succeeded 2/2/0/0/0");
	h_free(h);
}

/*
 * Ahead, a loop step still waits for its dependencies to end (its items
 * come from what they make), and its dependents wait until all its
 * items are started; an up-to-date or unselected step holds nothing.
 */
static void
test_sched_ahead_loop_and_uptodate(void **state)
{
	struct h *h = h_new(abc, 5, "b<a c<b d<c e<d", "01111", true, 100);

	(void)state;
	sched_set_loop(h->s, h_step(h, "d"), true);
	sched_set_uptodate(h->s, h_step(h, "b"));
	sched_set_ahead(h->s);
	sched_start(h->s, &h->acts);
	EXPECT(h, "finished b up-to-date\nspawn c");
	h_spawned(h, "c", 0);
	EXPECT(h, "");
	h_run(h, "c", 0, 0);
	EXPECT(h, "finished c succeeded\nlist d");
	sched_set_items(h->s, h_step(h, "d"), 2, &h->acts);
	EXPECT(h, "spawn d[0]\nspawn d[1]");
	h_spawned(h, "d", 0);
	EXPECT(h, "");
	h_spawned(h, "d", 1);
	EXPECT(h, "spawn e");
	h_free(h);
}

/* An impossible transition is a programming error: the process aborts. */
static void
test_sched_impossible_transition_aborts(void **state)
{
	pid_t pid;
	int status;
	struct h *h;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No ASan report noise from the deliberate abort. */
		freopen("/dev/null", "w", stderr);
		h = h_new(abc, 1, "", NULL, true, 1);
		sched_start(h->s, &h->acts);
		/* Exit before the spawn was confirmed. */
		h_exit(h, "a", 0, 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_chain_sequential),
		cmocka_unit_test(test_sched_exit_before_eof),
		cmocka_unit_test(test_sched_eof_before_exit),
		cmocka_unit_test(test_sched_file_order_among_independent),
		cmocka_unit_test(test_sched_parallel_fanout),
		cmocka_unit_test(test_sched_diamond_failure),
		cmocka_unit_test(test_sched_diamond_two_failures),
		cmocka_unit_test(test_sched_independent_branch_continues),
		cmocka_unit_test(test_sched_spawn_failed),
		cmocka_unit_test(test_sched_unselected_and_uptodate),
		cmocka_unit_test(test_sched_empty_run),
		cmocka_unit_test(test_sched_loop_parallel_items),
		cmocka_unit_test(test_sched_loop_sequential_items),
		cmocka_unit_test(test_sched_loop_parallel_in_sequential_run),
		cmocka_unit_test(test_sched_loop_item_failure),
		cmocka_unit_test(test_sched_loop_no_items_and_listing_failure),
		cmocka_unit_test(test_sched_cancel_while_spawning),
		cmocka_unit_test(test_sched_cancel_spawn_after_kill_phase),
		cmocka_unit_test(test_sched_cancel_running_with_queued),
		cmocka_unit_test(test_sched_cancel_exit_zero_after_term),
		cmocka_unit_test(test_sched_unit_views),
		cmocka_unit_test(test_sched_views_unstarted_and_abandoned),
		cmocka_unit_test(test_sched_cancel_loop),
		cmocka_unit_test(test_sched_run_state_and_times),
		cmocka_unit_test(test_sched_cancel_sequential_loop),
		cmocka_unit_test(test_sched_property_random),
		cmocka_unit_test(test_sched_ahead_diamond),
		cmocka_unit_test(test_sched_ahead_failure_skips),
		cmocka_unit_test(test_sched_ahead_parked_success),
		cmocka_unit_test(test_sched_ahead_loop_and_uptodate),
		cmocka_unit_test(test_sched_impossible_transition_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
