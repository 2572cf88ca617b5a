// SPDX-License-Identifier: MIT
// The run-state reducer: events of the open pipeline's runs move step
// states; other pipelines' runs are ignored; a run record restores the
// last run on open.
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyRuns, fromRecord } from '../src/runs';

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
		expect(done.current.summary).toBe('1/3 steps succeeded');
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
		expect(s.current.summary).toBe('1/3 steps succeeded');
	});
});
