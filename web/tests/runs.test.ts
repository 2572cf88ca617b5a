// SPDX-License-Identifier: MIT
// The run-state reducer: events of the open pipeline's runs move step
// states; other pipelines' runs are ignored; a run record restores the
// last run on open.
import { describe, expect, it } from 'vitest';
import { applyEvent, busySteps, emptyRuns, fromRecord, fromRecords, isFailed, itemsText, lastRan, logRuns, queuedRun, summarize } from '../src/runs';
import { OutputStore } from '../src/terminal/store';

const F = '/x/experiment.yml';

function feed(events: [string, Record<string, unknown>][]) {
	let s = emptyRuns(F);
	for (const [m, p] of events) s = applyEvent(s, m, p);
	return s;
}

describe('applyEvent', () => {
	it('follows a run from start to finish', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }],
			['run.step_started', { run: 'r1', step: 'a', pid: 5, argv: [] }],
			['run.step_finished', { run: 'r1', step: 'a', state: 'failed', exit_code: 3, signal: null, duration: 0.5 }],
			['run.step_skipped', { run: 'r1', step: 'b', because: ['a'] }],
			['run.step_started', { run: 'r1', step: 'c', pid: 6, argv: [] }],
		]);
		expect(s.current.steps.a).toMatchObject({ state: 'failed', exitCode: 3, duration: 0.5 });
		expect(s.current.steps.b).toMatchObject({ state: 'skipped', because: ['a'] });
		expect(s.current.steps.c.state).toBe('running');
		expect(s.current.state).toBe('running');
		const done = applyEvent(s, 'run.finished', { run: 'r1', state: 'failed', steps_total: 3, steps_succeeded: 1 });
		expect(done.current.state).toBe('failed');
		expect(done.current.summary).toBe('3 steps: 1 failed, 1 skipped');
	});

	it('ignores runs of other pipelines', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }] }],
			['run.started', { run: 'r2', file: '/other.yml', steps: [{ name: 'a' }] }],
			['run.step_started', { run: 'r2', step: 'a' }],
			['run.step_finished', { run: 'r2', step: 'a', state: 'succeeded', exit_code: 0 }],
		]);
		expect(s.current.id).toBe('r1');
		expect(s.current.steps.a.state).toBe('pending');
	});

	it('ignores events of runs it knows nothing about', () => {
		const s = feed([['run.step_started', { run: 'zz', step: 'a' }]]);
		expect(s.current.id).toBeNull();
	});

	it('marks unfinished steps cancelled when the run is cancelled', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }, { name: 'b' }] }],
			['run.step_started', { run: 'r1', step: 'a' }],
			['run.finished', { run: 'r1', state: 'cancelled', steps_total: 2, steps_succeeded: 0 }],
		]);
		expect(s.current.steps.a.state).toBe('cancelled');
		expect(s.current.steps.b.state).toBe('cancelled');
	});

	it('rolls loop items into their step', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'loop' }] }],
			['run.step_started', { run: 'r1', step: 'loop', item: 0 }],
			['run.step_finished', { run: 'r1', step: 'loop', item: 0, state: 'succeeded', exit_code: 0 }],
		]);
		expect(s.current.steps.loop.state).toBe('running');
	});
});

describe('fromRecord', () => {
	it('restores the last run from run.status', () => {
		const s = fromRecord(emptyRuns(F), {
			run: 'r9',
			state: 'failed',
			steps: [
				{ name: 'a', state: 'succeeded', exit_code: 0, started: 10, finished: 12.5 },
				{ name: 'b', state: 'failed', exit_code: 1, started: 13, finished: 14 },
				{ name: 'c', state: 'skipped', because: ['b'] },
			],
		});
		expect(s.current.id).toBe('r9');
		expect(s.runFiles.r9).toBe(F);
		expect(s.current.steps.a).toMatchObject({ state: 'succeeded', duration: 2.5 });
		expect(s.current.steps.b).toMatchObject({ state: 'failed', exitCode: 1 });
		expect(s.current.steps.c.because).toEqual(['b']);
		expect(s.current.summary).toBe('3 steps: 1 succeeded, 1 failed, 1 skipped');
	});
});

describe('states the editor used to get wrong', () => {
	it('draws and counts up-to-date steps', () => {
		const s = feed([
			['run.started', { run: 'r2', file: F, steps: [{ name: 'a' }, { name: 'b' }] }],
			['run.step_finished', { run: 'r2', step: 'a', state: 'uptodate', exit_code: null, signal: null, duration: null }],
			['run.step_finished', { run: 'r2', step: 'b', state: 'uptodate', exit_code: null, signal: null, duration: null }],
			['run.finished', { run: 'r2', state: 'succeeded', steps_total: 2, steps_succeeded: 2 }],
		]);
		expect(s.current.steps.a.state).toBe('uptodate');
		expect(s.current.summary).toBe('2 steps: 2 up to date');
		const r = fromRecords(emptyRuns(F), [{ run: 'r2', state: 'succeeded', steps: [{ name: 'a', state: 'uptodate' }, { name: 'b', state: 'uptodate' }] }]);
		expect(r.current.summary).toBe('2 steps: 2 up to date');
	});

	it('keeps the other steps of a subset run, marked as earlier', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }, { name: 'b' }] }],
			['run.step_finished', { run: 'r1', step: 'a', state: 'succeeded', exit_code: 0 }],
			['run.step_finished', { run: 'r1', step: 'b', state: 'succeeded', exit_code: 0 }],
			['run.finished', { run: 'r1', state: 'succeeded' }],
			['run.started', { run: 'r2', file: F, steps: [{ name: 'b' }] }],
		]);
		expect(s.current.steps.a).toMatchObject({ state: 'succeeded', run: 'r1', earlier: true });
		expect(s.current.steps.b).toMatchObject({ state: 'pending', run: 'r2', earlier: false });
		expect([...busySteps(s)]).toEqual(['b']);
		const done = applyEvent(s, 'run.finished', { run: 'r2', state: 'succeeded' });
		expect(busySteps(done).size).toBe(0);
	});

	it('restores each step from the newest run that selected it', () => {
		const r = fromRecords(emptyRuns(F), [
			{ run: 'r3', state: 'succeeded', steps: [{ name: 'b', state: 'succeeded' }] },
			{ run: 'r1', state: 'failed', steps: [{ name: 'a', state: 'failed', exit_code: 1 }, { name: 'b', state: 'failed' }] },
		]);
		expect(r.current.id).toBe('r3');
		expect(r.current.steps.a).toMatchObject({ state: 'failed', run: 'r1', earlier: true });
		expect(r.current.steps.b).toMatchObject({ state: 'succeeded', run: 'r3', earlier: false });
		expect(logRuns([{ run: 'r4', steps: [{ name: 'b', state: 'uptodate' }] }, { run: 'r3', steps: [{ name: 'b', state: 'succeeded' }] }]).get('b')).toBe('r3');
	});
	it('picks the step that ran last, though an older run is read after it', () => {
		// r2 ran big only (prepare up to date); r1 ran both, earlier.
		const recs = [
			{ run: 'r2', steps: [{ name: 'prepare', state: 'uptodate' }, { name: 'big', state: 'succeeded', started: 20, finished: 30 }] },
			{ run: 'r1', steps: [{ name: 'prepare', state: 'succeeded', started: 1, finished: 2 }, { name: 'big', state: 'succeeded', started: 2, finished: 9 }] },
		];
		const logs = logRuns(recs);
		expect([...logs.keys()]).toEqual(['big', 'prepare']);
		expect(lastRan(recs, logs)).toBe('big');
		// A step still running wins over one that finished later.
		const live = [{ run: 'r3', steps: [{ name: 'a', state: 'running', started: 5, finished: null }, { name: 'b', state: 'succeeded', started: 1, finished: 8 }] }];
		expect(lastRan(live, logRuns(live))).toBe('a');
		expect(lastRan([{ run: 'r', steps: [{ name: 'a', state: 'failed' }] }], new Map([['a', 'r']]))).toBe(null);
	});
});

describe('queued runs and loop items', () => {
	it('shows a queued run queued, then running when its turn comes, then cancelled if taken out', () => {
		let s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }] }],
			['run.step_started', { run: 'r1', step: 'a', pid: 5, argv: [] }],
		]);
		s = queuedRun(s, 'r2', 'r1', ['a', 'b']);
		expect(s.current).toMatchObject({ id: 'r2', state: 'queued', summary: 'waits for run r1' });
		expect(s.current.steps.a).toMatchObject({ state: 'running', run: 'r1' });
		expect(s.current.steps.b).toMatchObject({ state: 'queued', run: 'r2' });
		expect(busySteps(s)).toEqual(new Set(['a', 'b']));
		s = applyEvent(s, 'run.step_finished', { run: 'r1', step: 'a', state: 'succeeded', exit_code: 0 });
		s = applyEvent(s, 'run.finished', { run: 'r1', state: 'succeeded' });
		expect(s.current.state).toBe('queued');
		const go = applyEvent(s, 'run.started', { run: 'r2', file: F, steps: [{ name: 'a' }, { name: 'b' }] });
		expect(go.current).toMatchObject({ id: 'r2', state: 'running' });
		expect(go.current.steps.b.state).toBe('pending');
		expect(go.queued).toEqual({});
		const out = applyEvent(s, 'run.finished', { run: 'r2', state: 'cancelled' });
		expect(out.current.steps.b.state).toBe('cancelled');
		expect(out.active).toEqual({});
	});

	it('shows a run queued elsewhere (run.queued) as queued, and ignores other files\' queued runs', () => {
		let s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'a' }] }],
			['run.step_started', { run: 'r1', step: 'a', pid: 5, argv: [] }],
		]);
		const other = applyEvent(s, 'run.queued', { run: 'x', file: '/else.yml', steps: [{ name: 'a' }], queued_behind: 'r0' });
		expect(other.current).toBe(s.current);
		s = applyEvent(s, 'run.queued', { run: 'r2', file: F, steps: [{ name: 'a' }, { name: 'b' }], queued_behind: 'r1' });
		expect(s.current).toMatchObject({ id: 'r2', state: 'queued', summary: 'waits for run r1' });
		expect(s.current.steps.a).toMatchObject({ state: 'running', run: 'r1' });
		expect(s.current.steps.b).toMatchObject({ state: 'queued', run: 'r2' });
		expect(s.queued).toEqual({ r2: 'r1' });
		// The answer to run.start coming after the event changes nothing.
		expect(queuedRun(s, 'r2', 'r1', ['a', 'b']).current).toMatchObject({ id: 'r2', state: 'queued' });
		const go = applyEvent(s, 'run.started', { run: 'r2', file: F, steps: [{ name: 'a' }, { name: 'b' }] });
		expect(go.current).toMatchObject({ id: 'r2', state: 'running' });
	});

	it('restores a queued run from its record', () => {
		const s = fromRecords(emptyRuns(F), [
			{ run: 'r2', state: 'queued', queued_behind: 'r1', steps: [{ name: 'a', state: 'pending' }, { name: 'b', state: 'pending' }] },
			{ run: 'r1', state: 'running', steps: [{ name: 'a', state: 'running' }] },
		]);
		expect(s.current).toMatchObject({ id: 'r2', state: 'queued', summary: 'waits for run r1' });
		expect(s.current.steps.a.state).toBe('running');
		expect(s.current.steps.b.state).toBe('queued');
		expect(s.queued).toEqual({ r2: 'r1' });
	});

	it('counts loop items and names the one running by its file', () => {
		let s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'loop' }] }],
			['run.step_started', { run: 'r1', step: 'loop', item: 0, item_name: 'a.txt', items: 3 }],
			['run.step_finished', { run: 'r1', step: 'loop', item: 0, item_name: 'a.txt', state: 'succeeded' }],
			['run.step_started', { run: 'r1', step: 'loop', item: 1, item_name: 'b.txt', items: 3 }],
		]);
		expect(s.current.steps.loop.state).toBe('running');
		expect(s.current.steps.loop.items).toMatchObject({ total: 3, done: 1, current: 'b.txt' });
		expect(itemsText(s.current.steps.loop.items)).toBe('1/3');
		s = applyEvent(s, 'run.step_finished', { run: 'r1', step: 'loop', item: 1, item_name: 'b.txt', state: 'failed' });
		s = applyEvent(s, 'run.step_finished', { run: 'r1', step: 'loop', state: 'failed', items_total: 3, items_succeeded: 1, items_failed: 1, failed_item: 'b.txt' });
		expect(s.current.steps.loop.state).toBe('failed');
		expect(itemsText(s.current.steps.loop.items)).toBe('2/3, 1 failed');
	});

	it('shows no item counts for a loop found up to date as a whole', () => {
		const s = feed([
			['run.started', { run: 'r1', file: F, steps: [{ name: 'loop' }, { name: 'empty' }] }],
			['run.step_finished', { run: 'r1', step: 'loop', state: 'uptodate', items_total: 0, items_succeeded: 0, items_failed: 0 }],
			['run.step_finished', { run: 'r1', step: 'empty', state: 'succeeded', items_total: 0, items_succeeded: 0, items_failed: 0 }],
		]);
		expect(s.current.steps.loop.state).toBe('uptodate');
		expect(s.current.steps.loop.items).toBeNull();
		expect(itemsText(s.current.steps.empty.items)).toBe('0/0');
	});
});

describe('OutputStore', () => {
	const enc = (t: string) => new TextEncoder().encode(t);

	it('keeps each byte once when history and live output overlap', () => {
		const st = new OutputStore();
		st.live('a', 'r1', 0, enc('line 1\n'));
		expect(st.historyStart('a', 'r1')).toBe(true);
		st.live('a', 'r1', 7, enc('line 2\n'));
		st.live('a', 'r1', 14, enc('line 3\n'));
		st.historyEnd('a', 'r1', 0, enc('line 1\nline 2\n'));
		st.live('a', 'r1', 21, enc('line 4\n'));
		expect(st.text('a')).toBe('line 1\nline 2\nline 3\nline 4\n');
	});

	it('a new run of the step replaces the old output; old history is dropped', () => {
		const st = new OutputStore();
		st.live('a', 'r1', 0, enc('old\n'));
		st.begin('a', 'r2');
		st.live('a', 'r2', 0, enc('new\n'));
		expect(st.historyStart('a', 'r1')).toBe(false);
		expect(st.text('a')).toBe('new\n');
	});
});

describe('Slurm states', () => {
	it('counts every way of failing as failed, naming the batch system ones', () => {
		expect(summarize(['succeeded', 'timeout', 'out_of_memory', 'failed', 'node_failure', 'lost', 'skipped'])).toBe(
			'7 steps: 1 succeeded, 5 failed (1 timeout, 1 out of memory, 1 node failure, 1 lost), 1 skipped',
		);
		expect(summarize(['timeout'])).toBe('1 step: 1 failed (1 timeout)');
		for (const st of ['failed', 'timeout', 'out_of_memory', 'node_failure', 'lost'] as const) expect(isFailed(st)).toBe(true);
		for (const st of ['succeeded', 'uptodate', 'pending', 'cancelled', 'interrupted'] as const) expect(isFailed(st)).toBe(false);
	});

	it('counts steps pending in a queue as waiting', () => {
		expect(summarize(['succeeded', 'pending', 'queued'])).toBe('3 steps: 1 succeeded, 2 waiting');
	});

	it('keeps a pending step\'s reason from its record, and ends a run with timeouts failed', () => {
		const pending = fromRecord(emptyRuns(F), {
			run: 'r9',
			file: F,
			state: 'running',
			steps: [
				{ name: 'a', state: 'pending', reason: 'Resources', job: '17' },
				{ name: 'b', state: 'running', job: '18' },
			],
		});
		expect(pending.current.steps.a).toMatchObject({ state: 'pending', reason: 'Resources' });
		expect(pending.current.steps.b).toMatchObject({ state: 'running', reason: null });
		const ended = fromRecord(emptyRuns(F), {
			run: 'r9',
			file: F,
			state: 'failed',
			steps: [
				{ name: 'a', state: 'timeout', exit_code: 143 },
				{ name: 'b', state: 'out_of_memory', exit_code: null },
			],
		});
		expect(ended.current).toMatchObject({ state: 'failed', summary: '2 steps: 2 failed (1 timeout, 1 out of memory)' });
		expect(ended.current.steps.a).toMatchObject({ state: 'timeout', exitCode: 143, reason: null });
	});
});
