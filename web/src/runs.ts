// SPDX-License-Identifier: MIT
// The state of the runs the editor watches, driven by the daemon's run.*
// notifications (docs/protocol.md) and by run.status records. A run
// belongs to the open pipeline when its file is that pipeline's file;
// events of other pipelines' runs are ignored. Pure reducer: no React, no
// I/O, so tests can feed it event sequences.
import type { StepState } from './types';

export interface StepRun {
	state: StepState;
	exitCode: number | null;
	signal: string | null;
	duration: number | null;
	started: number | null;
	because: string[];
}

export interface RunView {
	id: string | null;
	state: 'none' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
	steps: Record<string, StepRun>;
	summary: string;
}

export interface RunsState {
	file: string;
	/** run id -> pipeline file, for events that do not carry the file */
	runFiles: Record<string, string>;
	current: RunView;
}

export function emptyRuns(file: string): RunsState {
	return { file, runFiles: {}, current: { id: null, state: 'none', steps: {}, summary: '' } };
}

export function emptyStep(): StepRun {
	return { state: 'idle', exitCode: null, signal: null, duration: null, started: null, because: [] };
}

type Params = Record<string, unknown>;

function str(v: unknown): string | null {
	return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
	return typeof v === 'number' ? v : null;
}

/** Apply one notification; returns a new state (or the same one). */
export function applyEvent(s: RunsState, method: string, p: Params): RunsState {
	const run = str(p.run);
	if (run === null) return s;
	if (method === 'run.started') {
		const file = str(p.file);
		const runFiles = { ...s.runFiles, [run]: file ?? '' };
		if (file !== s.file) return { ...s, runFiles };
		const steps: Record<string, StepRun> = {};
		for (const st of (p.steps as Params[] | undefined) ?? []) {
			const name = str(st.name);
			if (name) steps[name] = { ...emptyStep(), state: 'pending' };
		}
		return { ...s, runFiles, current: { id: run, state: 'running', steps, summary: '' } };
	}
	if (s.runFiles[run] !== undefined && s.runFiles[run] !== s.file) return s;
	if (s.current.id !== run) {
		// An event of a run we did not see start (the editor connected
		// after it began): adopt it only if nothing else is shown, and
		// only when we know it belongs to this file.
		if (s.runFiles[run] !== s.file) return s;
		s = { ...s, current: { id: run, state: 'running', steps: {}, summary: '' } };
	}
	const cur = s.current;
	const step = str(p.step);
	const steps = { ...cur.steps };
	const old = step ? steps[step] ?? emptyStep() : emptyStep();
	switch (method) {
		case 'run.step_started':
			if (!step || p.item !== undefined && p.item !== null && old.state === 'running') return s;
			steps[step] = { ...old, state: 'running', exitCode: null, signal: null, duration: null, started: Date.now() };
			break;
		case 'run.step_finished': {
			if (!step) return s;
			if (p.item !== undefined && p.item !== null) return s; // items roll up into the step's own event
			const st = (str(p.state) ?? 'failed') as StepState;
			steps[step] = {
				...old,
				state: st,
				exitCode: num(p.exit_code),
				signal: str(p.signal),
				duration: num(p.duration),
			};
			break;
		}
		case 'run.step_skipped':
			if (!step) return s;
			steps[step] = {
				...old,
				state: 'skipped',
				because: Array.isArray(p.because) ? (p.because as string[]) : [],
			};
			break;
		case 'run.finished': {
			const st = str(p.state) ?? 'failed';
			const total = num(p.steps_total) ?? 0;
			const ok = num(p.steps_succeeded) ?? 0;
			for (const k of Object.keys(steps))
				if (steps[k].state === 'pending' || steps[k].state === 'running')
					steps[k] = { ...steps[k], state: st === 'cancelled' ? 'cancelled' : steps[k].state };
			return {
				...s,
				current: {
					...cur,
					steps,
					state: st as RunView['state'],
					summary: `${ok}/${total} steps succeeded`,
				},
			};
		}
		default:
			return s;
	}
	return { ...s, current: { ...cur, steps } };
}

/** A run view from a run.status record (the last run, on open). */
export function fromRecord(s: RunsState, rec: Params): RunsState {
	const id = str(rec.run);
	if (!id) return s;
	const steps: Record<string, StepRun> = {};
	for (const st of (rec.steps as Params[] | undefined) ?? []) {
		const name = str(st.name);
		if (!name) continue;
		const started = num(st.started);
		const finished = num(st.finished);
		steps[name] = {
			state: ((str(st.state) ?? 'idle') as StepState),
			exitCode: num(st.exit_code),
			signal: str(st.signal),
			duration: num(st.duration) ?? (started !== null && finished !== null ? finished - started : null),
			started: started !== null ? started * 1000 : null,
			because: Array.isArray(st.because) ? (st.because as string[]) : [],
		};
	}
	const state = (str(rec.state) ?? 'none') as RunView['state'];
	const vals = Object.values(steps);
	const ok = vals.filter((v) => v.state === 'succeeded').length;
	return {
		...s,
		runFiles: { ...s.runFiles, [id]: s.file },
		current: { id, state, steps, summary: state === 'running' ? '' : `${ok}/${vals.length} steps succeeded` },
	};
}
