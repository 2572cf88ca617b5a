/* SPDX-License-Identifier: MIT */
/*
 * The pure scheduling core: two small state machines (one per step, one
 * per unit, i.e. per process to run) driven by events from run.c, with
 * actions appended to a caller-owned list. Every transition of a step
 * happens in sched_step_event and every transition of a unit in
 * sched_unit_event; anything else is a programming error and aborts.
 *
 * Ready steps wait in a min-heap on their topological rank and queued
 * units in a min-heap on (rank, item), which makes the order of actions
 * a function of the inputs alone. Dependents are settled through a FIFO
 * worklist rather than recursion, so a failure at the head of a chain of
 * 100,000 steps does not grow the stack.
 *
 * The action list and the text form of actions are sched-action.c's;
 * this file only appends to the list. No I/O, no clock, no processes:
 * see sched.h and STYLE.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/model/graph.h"
#include "common/util/log.h"
#include "common/util/xmalloc.h"
#include "loomd/sched-action.h"
#include "loomd/sched.h"

enum sched_unit_state {
	SCHED_UNIT_IDLE,	/* not queued yet (sequential loop items) */
	SCHED_UNIT_QUEUED,	/* waiting for a worker */
	SCHED_UNIT_SPAWNING,	/* SPAWN asked for, no answer yet */
	SCHED_UNIT_RUNNING,	/* neither exit nor EOF seen */
	SCHED_UNIT_EXITED,	/* exit seen, waiting for EOF */
	SCHED_UNIT_CLOSED,	/* EOF seen, waiting for exit */
	SCHED_UNIT_DONE,
};

enum sched_unit_event {
	SCHED_UEV_QUEUE,
	SCHED_UEV_DISPATCH,
	SCHED_UEV_SPAWNED,
	SCHED_UEV_SPAWN_FAILED,
	SCHED_UEV_EXITED,
	SCHED_UEV_CLOSED,
	SCHED_UEV_DROP,		/* cancelled before it ran */
};

enum sched_unit_outcome {
	SCHED_OUTCOME_NONE,
	SCHED_OUTCOME_OK,
	SCHED_OUTCOME_FAILED,
	SCHED_OUTCOME_CANCELLED,
	SCHED_OUTCOME_SKIPPED,	/* submitted ahead; a dependency failed */
};

enum sched_step_event {
	SCHED_SEV_UPTODATE,
	SCHED_SEV_DEPS_MET,
	SCHED_SEV_DEPS_FAILED,
	SCHED_SEV_ACTIVATE,
	SCHED_SEV_ITEMS_SET,
	SCHED_SEV_ITEMS_FAILED,
	SCHED_SEV_UNITS_DONE,
	SCHED_SEV_CANCEL,
};

struct sched_unit {
	enum sched_unit_state state;
	enum sched_unit_outcome outcome;
	int status;		/* wait status once exited, -1 before */
	bool term_sent;
	bool kill_sent;
	struct sched_times t;
};

struct sched_step {
	enum sched_step_state state;
	bool loop;
	bool items_parallel;
	bool uptodate;
	size_t npending;	/* selected dependencies not yet ended */
	size_t nunreleased;	/* ahead: ... neither handed out nor ended */
	bool released;		/* ahead: its units are all handed out */
	bool parked;		/* ahead: units done, dependencies not */
	size_t nspawned;	/* units the caller has started */
	struct sched_unit *units;
	size_t nunits;
	size_t next_unit;	/* sequential loop: next item to queue */
	size_t nstarted;	/* units SPAWN was asked for */
	size_t ndone;		/* units done */
	size_t *because;	/* failed root steps (skip reason) */
	size_t nbecause;
	struct sched_times t;
};

/* A heap entry: a ready step (item 0) or a queued unit. */
struct sched_qent {
	size_t rank;
	size_t item;
	size_t step;
};

/* A min-heap of entries by (rank, item); ranks are unique per step. */
struct sched_heap {
	struct sched_qent *v;
	size_t n;
	size_t cap;
};

struct sched {
	const struct graph *g;
	size_t n;
	struct sched_step *steps;
	bool parallel;
	bool ahead;		/* sched_set_ahead */
	size_t max_workers;
	uint64_t grace_ms;

	enum run_state_kind run_state;
	enum run_state_kind run_result;	/* RUN_FINISHED's, until told */
	struct sched_times t;
	double queued_at;
	double now;		/* sched_set_time: wall clock */
	uint64_t now_ms;	/* and monotonic */

	bool started;
	bool cancelled;
	bool kill_phase;	/* the grace period has passed */
	bool finished;
	uint64_t kill_at;

	size_t busy;		/* units holding a worker */
	size_t nactive;		/* steps listing or running */
	size_t nselected;
	size_t nterminal;
	struct sched_counts counts;

	struct sched_heap ready; /* ready steps by rank */
	struct sched_heap queue; /* queued units by (rank, item) */
	size_t *work;		/* FIFO of steps that just ended */
	size_t work_head;
	size_t work_tail;
};

static bool	sched_qent_less(const struct sched_qent *,
		    const struct sched_qent *);
static void	sched_heap_push(struct sched_heap *, size_t, size_t, size_t);
static struct sched_qent sched_heap_pop(struct sched_heap *);
static void	sched_step_event(struct sched *, size_t,
		    enum sched_step_event, struct sched_actions *);
static bool	sched_step_running_event(struct sched *, size_t,
		    enum sched_step_event, struct sched_actions *);
static void	sched_unit_event(struct sched *, size_t, size_t,
		    enum sched_unit_event, int, struct sched_actions *);
static void	sched_unit_done(struct sched *, size_t, size_t,
		    struct sched_actions *);
static void	sched_make_units(struct sched *, size_t, size_t,
		    struct sched_actions *);
static void	sched_end_step(struct sched *, size_t, enum sched_step_state,
		    struct sched_actions *);
static void	sched_settle(struct sched *, struct sched_actions *);
static void	sched_settle_ahead(struct sched *, size_t,
		    struct sched_actions *);
static void	sched_release(struct sched *, size_t, struct sched_actions *);
static void	sched_consider(struct sched *, size_t, struct sched_actions *);
static void	sched_step_units_done(struct sched *, size_t,
		    struct sched_actions *);
static void	sched_merge_because(struct sched_step *, const size_t *,
		    size_t);
static void	sched_pump(struct sched *, struct sched_actions *);
static void	sched_check_finished(struct sched *, struct sched_actions *);
static void	sched_run_ended(struct sched *, enum run_state_kind);
static void	sched_signal(struct sched *, size_t, size_t,
		    enum sched_signal, struct sched_actions *);
static struct sched_unit *sched_unit(struct sched *, size_t, size_t);
static void	sched_stamp_start(struct sched *, size_t, struct sched_unit *);

/* A scheduler for the selected steps of g (borrowed). */
struct sched *
sched_create(const struct graph *g, const bool *selected, bool parallel,
    size_t max_workers, uint64_t grace_ms)
{
	struct sched *s;
	size_t i, k, ndeps;
	const size_t *deps;

	LOOM_ASSERT(max_workers >= 1);
	s = xcalloc(1, sizeof *s);
	s->g = g;
	s->n = graph_nsteps(g);
	s->parallel = parallel;
	s->max_workers = max_workers;
	s->grace_ms = grace_ms;
	s->steps = xcalloc(s->n + 1, sizeof *s->steps);
	s->work = xcalloc(s->n + 1, sizeof *s->work);
	for (i = 0; i < s->n; i++) {
		if (!selected[i]) {
			s->steps[i].state = SCHED_STEP_UNSELECTED;
			continue;
		}
		s->steps[i].state = SCHED_STEP_WAITING;
		s->nselected++;
		deps = graph_deps(g, i, &ndeps);
		for (k = 0; k < ndeps; k++)
			if (selected[deps[k]])
				s->steps[i].npending++;
		s->steps[i].nunreleased = s->steps[i].npending;
	}
	s->counts.total = s->nselected;
	return s;
}

/* Free s; NULL is fine. */
void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->steps[i].units);
		free(s->steps[i].because);
	}
	free(s->steps);
	free(s->ready.v);
	free(s->queue.v);
	free(s->work);
	free(s);
}

/* Mark step as a loop step, before the start. */
void
sched_set_loop(struct sched *s, size_t step, bool items_parallel)
{
	LOOM_ASSERT(!s->started && step < s->n);
	s->steps[step].loop = true;
	s->steps[step].items_parallel = items_parallel;
}

/* Hand steps out once their dependencies are handed out, before the start. */
void
sched_set_ahead(struct sched *s)
{
	LOOM_ASSERT(!s->started);
	s->ahead = true;
}

/* Mark step as up to date, before the start. */
void
sched_set_uptodate(struct sched *s, size_t step)
{
	LOOM_ASSERT(!s->started && step < s->n);
	LOOM_ASSERT(s->steps[step].state == SCHED_STEP_WAITING);
	s->steps[step].uptodate = true;
}

static bool
sched_qent_less(const struct sched_qent *a, const struct sched_qent *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank;
	return a->item < b->item;
}

/* Add (rank, item) for step to heap h. */
static void
sched_heap_push(struct sched_heap *h, size_t rank, size_t item, size_t step)
{
	struct sched_qent e;
	size_t i, parent;

	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 64 : h->cap * 2;
		h->v = xreallocarray(h->v, h->cap, sizeof *h->v);
	}
	e.rank = rank;
	e.item = item;
	e.step = step;
	i = h->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!sched_qent_less(&e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
}

/* Remove and return the least entry of h, which is not empty. */
static struct sched_qent
sched_heap_pop(struct sched_heap *h)
{
	struct sched_qent top = h->v[0], last;
	size_t i = 0, c;

	last = h->v[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && sched_qent_less(&h->v[c + 1], &h->v[c]))
			c++;
		if (!sched_qent_less(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
	return top;
}

static struct sched_unit *
sched_unit(struct sched *s, size_t step, size_t item)
{
	LOOM_ASSERT(step < s->n);
	LOOM_ASSERT(item < s->steps[step].nunits);
	return &s->steps[step].units[item];
}

/* Unit u of step starts now, and so does step when it is the first. */
static void
sched_stamp_start(struct sched *s, size_t step, struct sched_unit *u)
{
	struct sched_step *st = &s->steps[step];

	u->t.started = s->now;
	u->t.started_ms = s->now_ms;
	if (st->t.started == 0 && st->t.started_ms == 0)
		st->t = u->t;
}

static void
sched_signal(struct sched *s, size_t step, size_t item,
    enum sched_signal sig, struct sched_actions *out)
{
	struct sched_unit *u = sched_unit(s, step, item);
	struct sched_action *a;

	if (sig == SCHED_SIGNAL_TERM)
		u->term_sent = true;
	else
		u->kill_sent = true;
	a = sched_action_push(out, SCHED_ACTION_SIGNAL, step);
	a->item = item;
	a->loop = s->steps[step].loop;
	a->sig = sig;
}

/*
 * Every transition of a unit. Units hold a worker from DISPATCH until
 * DONE; DONE comes after both exit and EOF (or a failed spawn).
 */
static void
sched_unit_event(struct sched *s, size_t step, size_t item,
    enum sched_unit_event ev, int status, struct sched_actions *out)
{
	struct sched_unit *u = sched_unit(s, step, item);
	struct sched_action *a;

	switch (u->state) {
	case SCHED_UNIT_IDLE:
		if (ev == SCHED_UEV_QUEUE) {
			u->state = SCHED_UNIT_QUEUED;
			sched_heap_push(&s->queue, graph_rank(s->g, step), item,
			    step);
			return;
		}
		if (ev == SCHED_UEV_DROP) {
			u->state = SCHED_UNIT_DONE;
			u->outcome = SCHED_OUTCOME_CANCELLED;
			s->steps[step].ndone++;
			return;
		}
		break;
	case SCHED_UNIT_QUEUED:
		if (ev == SCHED_UEV_DISPATCH) {
			u->state = SCHED_UNIT_SPAWNING;
			s->busy++;
			s->steps[step].nstarted++;
			a = sched_action_push(out, SCHED_ACTION_SPAWN, step);
			a->item = item;
			a->loop = s->steps[step].loop;
			return;
		}
		if (ev == SCHED_UEV_DROP) {
			/* The caller empties the queue itself. */
			u->state = SCHED_UNIT_DONE;
			u->outcome = SCHED_OUTCOME_CANCELLED;
			s->steps[step].ndone++;
			return;
		}
		break;
	case SCHED_UNIT_SPAWNING:
		if (ev == SCHED_UEV_SPAWNED) {
			u->state = SCHED_UNIT_RUNNING;
			sched_stamp_start(s, step, u);
			if (++s->steps[step].nspawned == s->steps[step].nunits)
				sched_release(s, step, out);
			/* Cancelled while it was being started. */
			if (s->cancelled)
				sched_signal(s, step, item, SCHED_SIGNAL_TERM,
				    out);
			if (s->cancelled && s->kill_phase)
				sched_signal(s, step, item, SCHED_SIGNAL_KILL,
				    out);
			return;
		}
		if (ev == SCHED_UEV_SPAWN_FAILED) {
			u->state = SCHED_UNIT_DONE;
			/* Refused after a cancel: it never started at all. */
			if (!s->cancelled)
				sched_stamp_start(s, step, u);
			u->outcome = s->cancelled ? SCHED_OUTCOME_CANCELLED :
			    SCHED_OUTCOME_FAILED;
			sched_unit_done(s, step, item, out);
			return;
		}
		break;
	case SCHED_UNIT_RUNNING:
		if (ev == SCHED_UEV_EXITED) {
			u->state = SCHED_UNIT_EXITED;
			u->status = status;
			return;
		}
		if (ev == SCHED_UEV_CLOSED) {
			u->state = SCHED_UNIT_CLOSED;
			return;
		}
		break;
	case SCHED_UNIT_EXITED:
		if (ev == SCHED_UEV_CLOSED) {
			u->state = SCHED_UNIT_DONE;
			sched_unit_done(s, step, item, out);
			return;
		}
		break;
	case SCHED_UNIT_CLOSED:
		if (ev == SCHED_UEV_EXITED) {
			u->state = SCHED_UNIT_DONE;
			u->status = status;
			sched_unit_done(s, step, item, out);
			return;
		}
		break;
	case SCHED_UNIT_DONE:
		break;
	}
	fatalx("sched: unit %zu[%zu]: event %d in state %d", step, item,
	    (int)ev, (int)u->state);
}

/* A unit that held a worker is done: free the worker, maybe end its step. */
static void
sched_unit_done(struct sched *s, size_t step, size_t item,
    struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	struct sched_unit *u = &st->units[item];

	LOOM_ASSERT(s->busy > 0);
	s->busy--;
	st->ndone++;
	if (u->t.started_ms != 0 || u->t.started != 0) {
		u->t.ended = s->now;
		u->t.ended_ms = s->now_ms;
	}
	if (u->outcome == SCHED_OUTCOME_NONE) {
		/* Stopped by a cancel, even gracefully: its work is not done. */
		if (s->cancelled && (u->term_sent || u->kill_sent))
			u->outcome = SCHED_OUTCOME_CANCELLED;
		else if (WIFEXITED(u->status) && WEXITSTATUS(u->status) == 0)
			u->outcome = SCHED_OUTCOME_OK;
		else if (u->term_sent || u->kill_sent)
			u->outcome = SCHED_OUTCOME_CANCELLED;
		else
			u->outcome = SCHED_OUTCOME_FAILED;
	}
	/* Handed out ahead of a dependency that failed: Slurm ended it. */
	if (s->ahead && st->nbecause > 0 && u->outcome != SCHED_OUTCOME_OK)
		u->outcome = SCHED_OUTCOME_SKIPPED;
	/* A sequential loop queues its next item when one ends. */
	if (!s->cancelled && st->loop && !st->items_parallel &&
	    st->next_unit < st->nunits)
		sched_unit_event(s, step, st->next_unit++, SCHED_UEV_QUEUE, 0,
		    out);
	if (st->ndone == st->nunits)
		sched_step_event(s, step, SCHED_SEV_UNITS_DONE, out);
}

/* Give step n units and queue them (all, or the first of a sequence). */
static void
sched_make_units(struct sched *s, size_t step, size_t n,
    struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	size_t i;

	st->units = xcalloc(n + 1, sizeof *st->units);
	st->nunits = n;
	for (i = 0; i < n; i++)
		st->units[i].status = -1;
	if (st->loop && !st->items_parallel) {
		if (n > 0) {
			sched_unit_event(s, step, 0, SCHED_UEV_QUEUE, 0, out);
			st->next_unit = 1;
		}
	} else {
		for (i = 0; i < n; i++)
			sched_unit_event(s, step, i, SCHED_UEV_QUEUE, 0, out);
		st->next_unit = n;
	}
}

/*
 * Move step into terminal state, with its action, and put it on the
 * worklist so its dependents are settled by sched_settle.
 */
static void
sched_end_step(struct sched *s, size_t step, enum sched_step_state state,
    struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	struct sched_action *a;
	size_t i;

	st->state = state;
	s->nterminal++;
	/* Skipped without being handed out: no times at all. */
	if (state != SCHED_STEP_SKIPPED || st->t.started_ms != 0) {
		st->t.ended = s->now;
		st->t.ended_ms = s->now_ms;
		if (st->t.started_ms == 0)
			st->t.started_ms = st->t.ended_ms;
	}
	switch (state) {
	case SCHED_STEP_SKIPPED:
		s->counts.skipped++;
		a = sched_action_push(out, SCHED_ACTION_STEP_SKIPPED, step);
		a->result = SCHED_RESULT_SKIPPED;
		a->because = xcalloc(st->nbecause + 1, sizeof *a->because);
		memcpy(a->because, st->because,
		    st->nbecause * sizeof *a->because);
		a->nbecause = st->nbecause;
		break;
	case SCHED_STEP_SUCCEEDED:
	case SCHED_STEP_UPTODATE:
	case SCHED_STEP_FAILED:
	case SCHED_STEP_CANCELLED:
		a = sched_action_push(out, SCHED_ACTION_STEP_FINISHED, step);
		if (state == SCHED_STEP_SUCCEEDED) {
			a->result = SCHED_RESULT_SUCCEEDED;
			s->counts.succeeded++;
		} else if (state == SCHED_STEP_UPTODATE) {
			a->result = SCHED_RESULT_UPTODATE;
			s->counts.succeeded++;
			s->counts.uptodate++;
		} else if (state == SCHED_STEP_FAILED) {
			a->result = SCHED_RESULT_FAILED;
			s->counts.failed++;
			for (i = 0; i < st->nunits; i++) {
				if (st->units[i].outcome ==
				    SCHED_OUTCOME_FAILED) {
					a->status = st->units[i].status;
					a->failed_item = i;
					break;
				}
			}
		} else {
			a->result = SCHED_RESULT_CANCELLED;
			s->counts.cancelled++;
		}
		break;
	default:
		fatalx("sched: step %zu cannot end in state %d", step,
		    (int)state);
	}
	s->work[s->work_tail++] = step;
}

/*
 * The units of a running step are all done: it ends as the worst of
 * them. Handed out ahead, it waits (parked) until its dependencies have
 * ended too, and is skipped when one of them failed.
 */
static void
sched_step_units_done(struct sched *s, size_t step, struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	size_t i;
	bool failed = false, cancelled = false;

	if (s->ahead && st->npending > 0) {
		st->parked = true;
		return;
	}
	st->parked = false;
	s->nactive--;
	if (s->ahead && st->nbecause > 0) {
		for (i = 0; i < st->nunits; i++)
			if (st->units[i].outcome != SCHED_OUTCOME_OK)
				st->units[i].outcome = SCHED_OUTCOME_SKIPPED;
		sched_end_step(s, step, SCHED_STEP_SKIPPED, out);
		return;
	}
	for (i = 0; i < st->nunits; i++) {
		if (st->units[i].outcome == SCHED_OUTCOME_FAILED)
			failed = true;
		if (st->units[i].outcome == SCHED_OUTCOME_CANCELLED)
			cancelled = true;
	}
	sched_end_step(s, step, failed ? SCHED_STEP_FAILED :
	    cancelled ? SCHED_STEP_CANCELLED : SCHED_STEP_SUCCEEDED, out);
}

/*
 * The events of a running step: its units are all done (it ends as the
 * worst of them), or the run is cancelled. False for any other event.
 */
static bool
sched_step_running_event(struct sched *s, size_t step,
    enum sched_step_event ev, struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	size_t i;

	if (ev == SCHED_SEV_UNITS_DONE) {
		sched_step_units_done(s, step, out);
		return true;
	}
	if (ev == SCHED_SEV_CANCEL) {
		/*
		 * Units not started are dropped; the ones in flight get
		 * SIGTERM (or will, once spawned) and end the step when
		 * they are done.
		 */
		for (i = 0; i < st->nunits; i++) {
			switch (st->units[i].state) {
			case SCHED_UNIT_IDLE:
			case SCHED_UNIT_QUEUED:
				sched_unit_event(s, step, i, SCHED_UEV_DROP, 0,
				    out);
				break;
			case SCHED_UNIT_RUNNING:
			case SCHED_UNIT_EXITED:
			case SCHED_UNIT_CLOSED:
				sched_signal(s, step, i, SCHED_SIGNAL_TERM,
				    out);
				break;
			case SCHED_UNIT_SPAWNING:
			case SCHED_UNIT_DONE:
				break;
			}
		}
		if (st->ndone == st->nunits)
			sched_step_event(s, step, SCHED_SEV_UNITS_DONE, out);
		return true;
	}
	return false;
}

/*
 * Every transition of a step. The caller has checked nothing: an event
 * that makes no sense in the current state is a programming error.
 */
static void
sched_step_event(struct sched *s, size_t step, enum sched_step_event ev,
    struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];

	switch (st->state) {
	case SCHED_STEP_WAITING:
		if (ev == SCHED_SEV_UPTODATE) {
			sched_end_step(s, step, SCHED_STEP_UPTODATE, out);
			return;
		}
		if (ev == SCHED_SEV_DEPS_MET) {
			st->state = SCHED_STEP_READY;
			sched_heap_push(&s->ready, graph_rank(s->g, step), 0,
			    step);
			return;
		}
		if (ev == SCHED_SEV_DEPS_FAILED) {
			sched_end_step(s, step, SCHED_STEP_SKIPPED, out);
			return;
		}
		if (ev == SCHED_SEV_CANCEL) {
			sched_end_step(s, step, SCHED_STEP_CANCELLED, out);
			return;
		}
		break;
	case SCHED_STEP_READY:
		if (ev == SCHED_SEV_ACTIVATE) {
			s->nactive++;
			if (st->loop) {
				st->state = SCHED_STEP_LISTING;
				sched_action_push(out, SCHED_ACTION_LIST_ITEMS,
				    step);
			} else {
				st->state = SCHED_STEP_RUNNING;
				sched_make_units(s, step, 1, out);
			}
			return;
		}
		if (ev == SCHED_SEV_CANCEL) {
			/* The caller empties the ready heap itself. */
			sched_end_step(s, step, SCHED_STEP_CANCELLED, out);
			return;
		}
		break;
	case SCHED_STEP_LISTING:
		if (ev == SCHED_SEV_ITEMS_SET) {
			st->state = SCHED_STEP_RUNNING;
			if (st->nunits == 0) {
				s->nactive--;
				sched_end_step(s, step, SCHED_STEP_SUCCEEDED,
				    out);
			}
			return;
		}
		if (ev == SCHED_SEV_ITEMS_FAILED || ev == SCHED_SEV_CANCEL) {
			s->nactive--;
			sched_end_step(s, step, ev == SCHED_SEV_CANCEL ?
			    SCHED_STEP_CANCELLED : SCHED_STEP_FAILED, out);
			return;
		}
		break;
	case SCHED_STEP_RUNNING:
		if (sched_step_running_event(s, step, ev, out))
			return;
		break;
	case SCHED_STEP_UNSELECTED:
	case SCHED_STEP_SUCCEEDED:
	case SCHED_STEP_FAILED:
	case SCHED_STEP_SKIPPED:
	case SCHED_STEP_CANCELLED:
	case SCHED_STEP_UPTODATE:
		break;
	}
	fatalx("sched: step %zu: event %d in state %s", step, (int)ev,
	    sched_step_state_name(st->state));
}

/* Add the sorted set add[0..n) to st's skip reasons (kept sorted). */
static void
sched_merge_because(struct sched_step *st, const size_t *add, size_t n)
{
	size_t *merged, i = 0, j = 0, k = 0;

	if (n == 0)
		return;
	merged = xcalloc(st->nbecause + n + 1, sizeof *merged);
	while (i < st->nbecause || j < n) {
		if (j >= n || (i < st->nbecause && st->because[i] < add[j]))
			merged[k++] = st->because[i++];
		else if (i >= st->nbecause || add[j] < st->because[i])
			merged[k++] = add[j++];
		else {
			merged[k++] = st->because[i++];
			j++;
		}
	}
	free(st->because);
	st->because = merged;
	st->nbecause = k;
}

/*
 * Settle the dependents of steps that just ended: a dependent whose last
 * pending dependency ended is skipped (some failed), cancelled (the run
 * was) or ready.
 */
static void
sched_settle(struct sched *s, struct sched_actions *out)
{
	size_t step, k, ndeps, d;
	const size_t *deps;
	struct sched_step *st, *dt;

	while (s->work_head < s->work_tail) {
		step = s->work[s->work_head++];
		if (s->ahead) {
			sched_settle_ahead(s, step, out);
			continue;
		}
		st = &s->steps[step];
		deps = graph_dependents(s->g, step, &ndeps);
		for (k = 0; k < ndeps; k++) {
			d = deps[k];
			dt = &s->steps[d];
			if (dt->state != SCHED_STEP_WAITING)
				continue;
			LOOM_ASSERT(dt->npending > 0);
			if (st->state == SCHED_STEP_FAILED)
				sched_merge_because(dt, &step, 1);
			else if (st->state == SCHED_STEP_SKIPPED)
				sched_merge_because(dt, st->because,
				    st->nbecause);
			if (--dt->npending > 0)
				continue;
			if (dt->nbecause > 0)
				sched_step_event(s, d, SCHED_SEV_DEPS_FAILED,
				    out);
			else if (s->cancelled)
				sched_step_event(s, d, SCHED_SEV_CANCEL, out);
			else
				sched_step_event(s, d, SCHED_SEV_DEPS_MET, out);
		}
	}
	/* Every step ends once, so the FIFO never needs more than n slots. */
	s->work_head = s->work_tail = 0;
}

/*
 * Handed out ahead (sched_set_ahead): step's units are all started, or
 * it ended before they were. Its dependents need not wait for it to be
 * submitted any more.
 */
static void
sched_release(struct sched *s, size_t step, struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step];
	const size_t *deps;
	size_t k, ndeps;

	if (!s->ahead || st->released)
		return;
	st->released = true;
	deps = graph_dependents(s->g, step, &ndeps);
	for (k = 0; k < ndeps; k++) {
		if (s->steps[deps[k]].state == SCHED_STEP_UNSELECTED)
			continue;
		LOOM_ASSERT(s->steps[deps[k]].nunreleased > 0);
		s->steps[deps[k]].nunreleased--;
		sched_consider(s, deps[k], out);
	}
}

/*
 * What a dependent of a step that was handed out or ended can do now.
 * Waiting: skipped, cancelled or ready once its dependencies have all
 * ended, as always; ready before that once they have all been handed
 * out (never a loop: its items are listed from what they make). Parked
 * (its units done before its dependencies): it ends.
 */
static void
sched_consider(struct sched *s, size_t d, struct sched_actions *out)
{
	struct sched_step *dt = &s->steps[d];

	if (dt->state == SCHED_STEP_WAITING) {
		if (dt->npending == 0 && dt->nbecause > 0)
			sched_step_event(s, d, SCHED_SEV_DEPS_FAILED, out);
		else if (dt->npending == 0 && s->cancelled)
			sched_step_event(s, d, SCHED_SEV_CANCEL, out);
		else if (dt->npending == 0 || (dt->nunreleased == 0 &&
		    dt->nbecause == 0 && !s->cancelled && !dt->loop))
			sched_step_event(s, d, SCHED_SEV_DEPS_MET, out);
	} else if (dt->state == SCHED_STEP_RUNNING && dt->parked &&
	    dt->npending == 0)
		sched_step_units_done(s, d, out);
}

/*
 * sched_settle when steps are handed out ahead: step ended, and its
 * dependents, in any state but unselected, have one dependency less to
 * wait for. A dependency cancelled (not by the run's cancel) counts as
 * failed: Slurm ends what was submitted after it.
 */
static void
sched_settle_ahead(struct sched *s, size_t step, struct sched_actions *out)
{
	struct sched_step *st = &s->steps[step], *dt;
	const size_t *deps;
	size_t k, ndeps;

	deps = graph_dependents(s->g, step, &ndeps);
	for (k = 0; k < ndeps; k++) {
		dt = &s->steps[deps[k]];
		if (dt->state == SCHED_STEP_UNSELECTED)
			continue;
		LOOM_ASSERT(dt->npending > 0);
		dt->npending--;
		if (st->state == SCHED_STEP_FAILED ||
		    (st->state == SCHED_STEP_CANCELLED && !s->cancelled))
			sched_merge_because(dt, &step, 1);
		else if (st->state == SCHED_STEP_SKIPPED)
			sched_merge_because(dt, st->because, st->nbecause);
		if (!st->released) {
			LOOM_ASSERT(dt->nunreleased > 0);
			dt->nunreleased--;
		}
		sched_consider(s, deps[k], out);
	}
	st->released = true;
}

/* Start what may start: ready steps, then queued units up to the cap. */
static void
sched_pump(struct sched *s, struct sched_actions *out)
{
	struct sched_qent e;

	if (s->cancelled)
		return;
	while (s->ready.n > 0 && (s->parallel || s->ahead || s->nactive == 0))
		sched_step_event(s, sched_heap_pop(&s->ready).step,
		    SCHED_SEV_ACTIVATE, out);
	while (s->busy < s->max_workers && s->queue.n > 0) {
		e = sched_heap_pop(&s->queue);
		sched_unit_event(s, e.step, e.item, SCHED_UEV_DISPATCH, 0, out);
	}
}

/* The run ends now, in state. */
static void
sched_run_ended(struct sched *s, enum run_state_kind state)
{
	s->run_state = state;
	s->t.ended = s->now;
	s->t.ended_ms = s->now_ms;
}

/* After every event: settle, start more, and end the run when all ended. */
static void
sched_check_finished(struct sched *s, struct sched_actions *out)
{
	struct sched_action *a;

	sched_settle(s, out);
	sched_pump(s, out);
	sched_settle(s, out);
	if (s->finished || s->nterminal < s->nselected)
		return;
	s->finished = true;
	a = sched_action_push(out, SCHED_ACTION_RUN_FINISHED, 0);
	if (s->cancelled)
		a->result = SCHED_RESULT_CANCELLED;
	else if (s->counts.failed > 0 || s->counts.skipped > 0)
		a->result = SCHED_RESULT_FAILED;
	else
		a->result = SCHED_RESULT_SUCCEEDED;
	a->counts = s->counts;
	/* The run keeps running until the caller has told its end. */
	s->run_result = a->result == SCHED_RESULT_CANCELLED ?
	    RUNSTATE_CANCELLED : a->result == SCHED_RESULT_FAILED ?
	    RUNSTATE_FAILED : RUNSTATE_SUCCEEDED;
}

/* Start the run: up-to-date steps end, the first units spawn. */
void
sched_start(struct sched *s, struct sched_actions *out)
{
	const size_t *order;
	size_t i;

	LOOM_ASSERT(!s->started);
	s->started = true;
	order = graph_order(s->g);
	for (i = 0; i < s->n; i++)
		if (s->steps[order[i]].uptodate)
			sched_step_event(s, order[i], SCHED_SEV_UPTODATE, out);
	sched_settle(s, out);
	for (i = 0; i < s->n; i++)
		if (s->steps[order[i]].state == SCHED_STEP_WAITING &&
		    s->steps[order[i]].npending == 0)
			sched_step_event(s, order[i], SCHED_SEV_DEPS_MET, out);
	sched_check_finished(s, out);
}

/* Event: unit (step, item) is running. */
void
sched_spawned(struct sched *s, size_t step, size_t item,
    struct sched_actions *out)
{
	sched_unit_event(s, step, item, SCHED_UEV_SPAWNED, 0, out);
	sched_check_finished(s, out);
}

/* Event: unit (step, item) could not be started. */
void
sched_spawn_failed(struct sched *s, size_t step, size_t item,
    struct sched_actions *out)
{
	sched_unit_event(s, step, item, SCHED_UEV_SPAWN_FAILED, 0, out);
	sched_check_finished(s, out);
}

/* Event: unit (step, item) exited with wait status status. */
void
sched_exited(struct sched *s, size_t step, size_t item, int status,
    struct sched_actions *out)
{
	sched_unit_event(s, step, item, SCHED_UEV_EXITED, status, out);
	sched_check_finished(s, out);
}

/* Event: unit (step, item)'s output reached EOF. */
void
sched_output_closed(struct sched *s, size_t step, size_t item,
    struct sched_actions *out)
{
	sched_unit_event(s, step, item, SCHED_UEV_CLOSED, 0, out);
	sched_check_finished(s, out);
}

/* Answer to LIST_ITEMS: the loop step has n items. */
void
sched_set_items(struct sched *s, size_t step, size_t n,
    struct sched_actions *out)
{
	LOOM_ASSERT(step < s->n);
	/* The run was cancelled while the caller listed: nothing to do. */
	if (s->steps[step].state == SCHED_STEP_CANCELLED)
		return;
	LOOM_ASSERT(s->steps[step].state == SCHED_STEP_LISTING);
	sched_make_units(s, step, n, out);
	sched_step_event(s, step, SCHED_SEV_ITEMS_SET, out);
	sched_check_finished(s, out);
}

/* Answer to LIST_ITEMS: the items could not be listed. */
void
sched_items_failed(struct sched *s, size_t step, struct sched_actions *out)
{
	LOOM_ASSERT(step < s->n);
	if (s->steps[step].state == SCHED_STEP_CANCELLED)
		return;
	sched_step_event(s, step, SCHED_SEV_ITEMS_FAILED, out);
	sched_check_finished(s, out);
}

/* Cancel the run at now_ms: stop starting, TERM what runs. */
void
sched_cancel(struct sched *s, uint64_t now_ms, struct sched_actions *out)
{
	const size_t *order;
	size_t i, step;
	struct sched_action *a;

	LOOM_ASSERT(s->started);
	s->now_ms = now_ms;
	if (s->cancelled || s->finished)
		return;
	s->cancelled = true;
	s->kill_at = now_ms + s->grace_ms;
	s->ready.n = 0;
	s->queue.n = 0;
	order = graph_order(s->g);
	for (i = 0; i < s->n; i++) {
		step = order[i];
		switch (s->steps[step].state) {
		case SCHED_STEP_WAITING:
		case SCHED_STEP_READY:
		case SCHED_STEP_LISTING:
		case SCHED_STEP_RUNNING:
			sched_step_event(s, step, SCHED_SEV_CANCEL, out);
			break;
		default:
			break;
		}
	}
	if (s->busy > 0) {
		a = sched_action_push(out, SCHED_ACTION_WAKE, 0);
		a->at_ms = s->kill_at;
	}
	sched_check_finished(s, out);
}

/* Time passed: KILL what still runs once the grace is over. */
void
sched_tick(struct sched *s, uint64_t now_ms, struct sched_actions *out)
{
	const size_t *order;
	size_t i, j, step;
	struct sched_step *st;
	struct sched_action *a;

	s->now_ms = now_ms;
	if (!s->cancelled || s->finished || s->busy == 0)
		return;
	if (now_ms < s->kill_at) {
		/* Woken early: ask again for the deadline. */
		a = sched_action_push(out, SCHED_ACTION_WAKE, 0);
		a->at_ms = s->kill_at;
		return;
	}
	if (s->kill_phase)
		return;
	s->kill_phase = true;
	order = graph_order(s->g);
	for (i = 0; i < s->n; i++) {
		step = order[i];
		st = &s->steps[step];
		if (st->state != SCHED_STEP_RUNNING)
			continue;
		for (j = 0; j < st->nunits; j++) {
			switch (st->units[j].state) {
			case SCHED_UNIT_RUNNING:
			case SCHED_UNIT_EXITED:
			case SCHED_UNIT_CLOSED:
				if (!st->units[j].kill_sent)
					sched_signal(s, step, j,
					    SCHED_SIGNAL_KILL, out);
				break;
			default:
				break;
			}
		}
	}
}

/* The state of step. */
enum sched_step_state
sched_step_state(const struct sched *s, size_t step)
{
	LOOM_ASSERT(step < s->n);
	return s->steps[step].state;
}

/* Whether RUN_FINISHED was emitted. */
bool
sched_is_finished(const struct sched *s)
{
	return s->finished;
}

/* Whether the run was cancelled. */
bool
sched_is_cancelled(const struct sched *s)
{
	return s->cancelled;
}

/* How a unit stands, as users see it. */
enum run_state_kind
sched_unit_view(const struct sched *s, size_t step, size_t item)
{
	const struct sched_unit *u;

	LOOM_ASSERT(step < s->n);
	/* Listed after a cancel: the scheduler never took the items. */
	if (item >= s->steps[step].nunits)
		return RUNSTATE_PENDING;
	u = &s->steps[step].units[item];
	switch (u->state) {
	case SCHED_UNIT_IDLE:
	case SCHED_UNIT_QUEUED:
		return RUNSTATE_PENDING;
	case SCHED_UNIT_DONE:
		break;
	default:
		return RUNSTATE_RUNNING;
	}
	switch (u->outcome) {
	case SCHED_OUTCOME_OK:
		return RUNSTATE_SUCCEEDED;
	case SCHED_OUTCOME_FAILED:
		return RUNSTATE_FAILED;
	case SCHED_OUTCOME_CANCELLED:
		return RUNSTATE_CANCELLED;
	case SCHED_OUTCOME_SKIPPED:
		return RUNSTATE_SKIPPED;
	case SCHED_OUTCOME_NONE:
		break;
	}
	return RUNSTATE_UNKNOWN;
}

/* How a step stands, as users see it. */
enum run_state_kind
sched_step_view(const struct sched *s, size_t step)
{
	const struct sched_step *st;

	LOOM_ASSERT(step < s->n);
	st = &s->steps[step];
	switch (st->state) {
	case SCHED_STEP_UNSELECTED:
	case SCHED_STEP_WAITING:
	case SCHED_STEP_READY:
	case SCHED_STEP_LISTING:
		return RUNSTATE_PENDING;
	case SCHED_STEP_RUNNING:
		return st->nstarted > 0 ? RUNSTATE_RUNNING : RUNSTATE_PENDING;
	case SCHED_STEP_SUCCEEDED:
		return RUNSTATE_SUCCEEDED;
	case SCHED_STEP_FAILED:
		return RUNSTATE_FAILED;
	case SCHED_STEP_SKIPPED:
		return RUNSTATE_SKIPPED;
	case SCHED_STEP_CANCELLED:
		return RUNSTATE_CANCELLED;
	case SCHED_STEP_UPTODATE:
		return RUNSTATE_UPTODATE;
	}
	return RUNSTATE_UNKNOWN;
}

/* A run that never started ends: cancelled, or left pending. */
void
sched_end_unstarted(struct sched *s, bool cancelled)
{
	size_t i;

	LOOM_ASSERT(!s->started);
	s->started = s->finished = true;
	s->cancelled = cancelled;
	sched_run_ended(s, cancelled ? RUNSTATE_CANCELLED : RUNSTATE_FAILED);
	for (i = 0; cancelled && i < s->n; i++)
		if (s->steps[i].state != SCHED_STEP_UNSELECTED)
			s->steps[i].state = SCHED_STEP_CANCELLED;
}

/*
 * Steps and units that were started and have not ended are cancelled:
 * no actions.
 */
void
sched_abandon(struct sched *s)
{
	struct sched_unit *u;
	size_t i, j;

	sched_run_ended(s, RUNSTATE_CANCELLED);
	for (i = 0; i < s->n; i++) {
		if (s->steps[i].state == SCHED_STEP_RUNNING &&
		    s->steps[i].nstarted > 0)
			s->steps[i].state = SCHED_STEP_CANCELLED;
		for (j = 0; j < s->steps[i].nunits; j++) {
			u = &s->steps[i].units[j];
			if (u->state == SCHED_UNIT_DONE ||
			    u->state == SCHED_UNIT_IDLE ||
			    u->state == SCHED_UNIT_QUEUED)
				continue;
			u->state = SCHED_UNIT_DONE;
			u->outcome = SCHED_OUTCOME_CANCELLED;
		}
	}
}

/* The number of units holding a worker. */
size_t
sched_busy_workers(const struct sched *s)
{
	return s->busy;
}

/* The step counts so far. */
void
sched_get_counts(const struct sched *s, struct sched_counts *c)
{
	*c = s->counts;
}

/* The time of the events that follow. */
void
sched_set_time(struct sched *s, double wall, uint64_t now_ms)
{
	s->now = wall;
	s->now_ms = now_ms;
}

/* The run waits behind another. */
void
sched_run_queued(struct sched *s)
{
	s->run_state = RUNSTATE_QUEUED;
	s->queued_at = s->now;
}

/* The caller has told the run's end (after RUN_FINISHED). */
void
sched_run_end(struct sched *s)
{
	LOOM_ASSERT(s->finished);
	sched_run_ended(s, s->run_result);
}

/* The run has begun. */
void
sched_run_begin(struct sched *s)
{
	s->run_state = RUNSTATE_RUNNING;
	s->t.started = s->now;
	s->t.started_ms = s->now_ms;
}

/* How the run stands. */
enum run_state_kind
sched_run_view(const struct sched *s)
{
	return s->run_state;
}

void
sched_run_times(const struct sched *s, struct sched_times *t,
    double *queued_at)
{
	*t = s->t;
	*queued_at = s->queued_at;
}

void
sched_step_times(const struct sched *s, size_t step, struct sched_times *t)
{
	LOOM_ASSERT(step < s->n);
	*t = s->steps[step].t;
}

void
sched_unit_times(const struct sched *s, size_t step, size_t item,
    struct sched_times *t)
{
	LOOM_ASSERT(step < s->n);
	if (item < s->steps[step].nunits)
		*t = s->steps[step].units[item].t;
	else
		memset(t, 0, sizeof *t);
}

/* The name of a step state, for messages. */
const char *
sched_step_state_name(enum sched_step_state st)
{
	switch (st) {
	case SCHED_STEP_UNSELECTED:
		return "unselected";
	case SCHED_STEP_WAITING:
		return "waiting";
	case SCHED_STEP_READY:
		return "ready";
	case SCHED_STEP_LISTING:
		return "listing";
	case SCHED_STEP_RUNNING:
		return "running";
	case SCHED_STEP_SUCCEEDED:
		return "succeeded";
	case SCHED_STEP_FAILED:
		return "failed";
	case SCHED_STEP_SKIPPED:
		return "skipped";
	case SCHED_STEP_CANCELLED:
		return "cancelled";
	case SCHED_STEP_UPTODATE:
		return "up-to-date";
	}
	return "unknown";
}
