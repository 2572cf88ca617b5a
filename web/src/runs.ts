// SPDX-License-Identifier: MIT
// The state of the runs the editor watches, driven by the daemon's run.*
// notifications (docs/protocol.md) and by run.status records. A run
// belongs to the open pipeline when its file is that pipeline's file;
// events of other pipelines' runs are ignored. Each step keeps its last
// known state, with the run it comes from: a run of a subset changes
// only the steps it selected, and the others are marked as being from an
// earlier run. Several runs of one pipeline may go on at once (runs of
// steps that do not overlap); `active` lists them with their steps. A
// run of steps that overlap a running one waits in the daemon's queue
// (run.start answers state "queued", and every watcher gets run.queued,
// wherever it was started): its steps show as queued until its
// run.started. A loop step counts its items (3/20) and names the one
// that runs by its file.
// Pure reducer: no React, no I/O, so tests can feed it event sequences.
import type { StepState } from './types';

export interface StepRun {
	state: StepState;
	exitCode: number | null;
	signal: string | null;
	duration: number | null;
	started: number | null;
	because: string[];
	/** the run this state comes from */
	run: string | null;
	/** true when that run is not the latest one of the pipeline */
	earlier: boolean;
	/** a loop step: its items so far (null for other steps) */
	items: LoopItems | null;
	/** pending in a batch queue (Slurm): why it waits, e.g. "Resources" */
	reason: string | null;
}

export interface LoopItems {
	/** the loop's number of items, once known */
	total: number | null;
	done: number;
	failed: number;
	/** file name of the item running last */
	current: string | null;
}

export type RunState = 'none' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface RunView {
	/** the latest run of the pipeline */
	id: string | null;
	state: RunState;
	/** last known state of every step that ever ran */
	steps: Record<string, StepRun>;
	summary: string;
}

export interface RunsState {
	file: string;
	/** run id -> pipeline file, for events that do not carry the file */
	runFiles: Record<string, string>;
	current: RunView;
	/** runs of this pipeline going on (or queued) now -> the steps they selected */
	active: Record<string, string[]>;
	/** queued runs -> the run each waits for */
	queued: Record<string, string | null>;
}

export function emptyRuns(file: string): RunsState {
	return { file, runFiles: {}, current: { id: null, state: 'none', steps: {}, summary: '' }, active: {}, queued: {} };
}

export function emptyStep(): StepRun {
	return { state: 'idle', exitCode: null, signal: null, duration: null, started: null, because: [], run: null, earlier: false, items: null, reason: null };
}

/** Steps that some active run of the pipeline selected. */
export function busySteps(s: RunsState): Set<string> {
	return new Set(Object.values(s.active).flat());
}

/**
 * How a unit can fail: its command failed, or the batch system ended it
 * (Slurm: time limit, memory, a node lost, or gone without a status).
 */
export const FAILED_STATES: readonly StepState[] = ['failed', 'timeout', 'out_of_memory', 'node_failure', 'lost'];

/** Whether a step's state is one of the ways of failing. */
export function isFailed(st: StepState): boolean {
	return FAILED_STATES.includes(st);
}

/** States a step ends a run with that count as done well. */
export function isGood(st: StepState): boolean {
	return st === 'succeeded' || st === 'uptodate';
}

type Params = Record<string, unknown>;

function str(v: unknown): string | null {
	return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
	return typeof v === 'number' ? v : null;
}

/** How a state reads in a summary. */
const STATE_WORDS: Partial<Record<StepState, string>> = {
	uptodate: 'up to date',
	out_of_memory: 'out of memory',
	node_failure: 'node failure',
};

/**
 * "4 steps: 2 succeeded, 2 up to date": the counts of a run's steps by
 * final state (zero counts left out). Every way of failing counts as
 * failed, with the batch system's ones named ("2 failed (1 timeout)");
 * steps still waiting (pending in a queue, queued) count as waiting.
 */
export function summarize(states: StepState[]): string {
	const count = (ks: readonly StepState[]) => states.filter((x) => ks.includes(x)).length;
	const word = (k: StepState) => STATE_WORDS[k] ?? k;
	const how = FAILED_STATES.filter((k) => k !== 'failed' && count([k]) > 0).map((k) => `${count([k])} ${word(k)}`);
	const parts: [number, string][] = [
		[count(['succeeded']), 'succeeded'],
		[count(['uptodate']), word('uptodate')],
		[count(FAILED_STATES), how.length > 0 ? `failed (${how.join(', ')})` : 'failed'],
		[count(['skipped']), 'skipped'],
		[count(['cancelled']), 'cancelled'],
		[count(['interrupted']), 'interrupted'],
		[count(['pending', 'queued']), 'waiting'],
	];
	const shown = parts.filter(([c]) => c > 0);
	const n = states.length;
	return `${n} step${n === 1 ? '' : 's'}: ${shown.map(([c, l]) => `${c} ${l}`).join(', ') || 'none finished'}`;
}

/**
 * A new run of the pipeline: its steps pending (queued while it waits
 * for another run), every other step earlier.
 */
function started(s: RunsState, run: string, names: string[], behind?: string | null): RunsState {
	const wait = behind !== undefined;
	const steps: Record<string, StepRun> = {};
	for (const [k, v] of Object.entries(s.current.steps))
		steps[k] = v.earlier || (v.run !== null && s.active[v.run] !== undefined && v.run !== run) ? v : { ...v, earlier: true };
	for (const name of names) {
		// A step that a run going on is running stays shown running.
		const o = steps[name];
		if (wait && o && o.state === 'running' && o.run !== run && s.active[o.run!] !== undefined) continue;
		steps[name] = { ...emptyStep(), state: wait ? 'queued' : 'pending', run };
	}
	const queued = { ...s.queued };
	if (wait) queued[run] = behind;
	else delete queued[run];
	return {
		...s,
		active: { ...s.active, [run]: names },
		queued,
		current: { id: run, state: wait ? 'queued' : 'running', steps, summary: wait ? queuedSummary(behind) : '' },
	};
}

function queuedSummary(behind: string | null): string {
	return behind ? `waits for run ${behind}` : 'waits for another run';
}

/**
 * run.start answered "queued" (a run of this pipeline overlaps it): its
 * steps show as queued until its run.started comes.
 */
export function queuedRun(s: RunsState, run: string, behind: string | null, names: string[]): RunsState {
	if (s.active[run] !== undefined && s.queued[run] === undefined) return s; // started already
	return started({ ...s, runFiles: { ...s.runFiles, [run]: s.file } }, run, names, behind);
}

/** "3/20", "3/20, 1 failed": a loop step's progress. */
export function itemsText(it: LoopItems | null): string {
	if (!it) return '';
	return `${it.done}/${it.total ?? '?'}${it.failed ? `, ${it.failed} failed` : ''}`;
}

/**
 * Whether a loop step's counts say something: a loop found up to date as
 * a whole ran no item, and its "0/0" would read as a loop over nothing.
 */
function hasItems(total: number | null, state: string | null): boolean {
	return total !== null && !(total === 0 && state === 'uptodate');
}

/** Items a loop ran to their end (its step_finished or record counts). */
function doneItems(p: Params, total: number): number {
	const ok = num(p.items_succeeded);
	return ok === null ? total : ok + (num(p.items_failed) ?? 0);
}

/** A loop item started or ended (the loop's own events carry no item). */
function itemEvent(old: StepRun, run: string, method: string, p: Params): StepRun {
	const fresh = old.run !== run || old.items === null;
	const it: LoopItems = fresh ? { total: null, done: 0, failed: 0, current: null } : { ...old.items! };
	it.total = num(p.items) ?? it.total;
	if (method === 'run.step_started') it.current = str(p.item_name) ?? it.current;
	else {
		it.done++;
		if (str(p.state) === 'failed') it.failed++;
	}
	const base = fresh ? { ...emptyStep(), started: Date.now() } : old;
	return { ...base, run, earlier: false, state: 'running', items: it };
}

/** Apply one notification; returns a new state (or the same one). */
export function applyEvent(s: RunsState, method: string, p: Params): RunsState {
	const run = str(p.run);
	if (run === null) return s;
	if (method === 'run.started' || method === 'run.queued') {
		const file = str(p.file);
		const runFiles = { ...s.runFiles, [run]: file ?? '' };
		if (file !== s.file) return { ...s, runFiles };
		const names = ((p.steps as Params[] | undefined) ?? []).map((st) => str(st.name)).filter((n): n is string => n !== null);
		if (method === 'run.queued') return queuedRun({ ...s, runFiles }, run, str(p.queued_behind), names);
		return started({ ...s, runFiles }, run, names);
	}
	const item = p.item !== undefined && p.item !== null;
	if (s.runFiles[run] !== s.file) return s;
	if (s.active[run] === undefined && method !== 'run.finished') {
		// A run of this file we did not see start (the editor connected
		// after it began, its file known from run.list).
		s = { ...s, active: { ...s.active, [run]: [] } };
		if (s.current.id === null || s.current.state !== 'running') s = { ...s, current: { ...s.current, id: run, state: 'running' } };
	}
	const cur = s.current;
	const step = str(p.step);
	const steps = { ...cur.steps };
	const old = step ? steps[step] ?? emptyStep() : emptyStep();
	const mine = { run, earlier: false };
	switch (method) {
		case 'run.step_started':
			if (!step) return s;
			if (item) steps[step] = itemEvent(old, run, method, p);
			else steps[step] = { ...old, ...mine, state: 'running', exitCode: null, signal: null, duration: null, started: Date.now(), because: [], items: null, reason: null };
			break;
		case 'run.step_finished': {
			if (!step) return s;
			// Items roll up into the step's own event, which ends the loop.
			if (item) {
				steps[step] = itemEvent(old, run, method, p);
				break;
			}
			const total = num(p.items_total);
			steps[step] = {
				...old,
				...mine,
				state: (str(p.state) ?? 'failed') as StepState,
				exitCode: num(p.exit_code),
				signal: str(p.signal),
				duration: num(p.duration),
				reason: null,
				items:
					hasItems(total, str(p.state))
						? { total: total!, done: doneItems(p, total!), failed: num(p.items_failed) ?? 0, current: str(p.failed_item) ?? old.items?.current ?? null }
						: old.items,
			};
			break;
		}
		case 'run.step_skipped':
			if (!step) return s;
			steps[step] = { ...old, ...mine, state: 'skipped', because: Array.isArray(p.because) ? (p.because as string[]) : [] };
			break;
		case 'run.finished':
			return finished(s, run, p);
		default:
			return s;
	}
	return { ...s, current: { ...cur, steps } };
}

/** run.finished: the run's unfinished steps take its end state. */
function finished(s: RunsState, run: string, p: Params): RunsState {
	const st = (str(p.state) ?? 'failed') as RunState;
	const steps = { ...s.current.steps };
	const mine: StepState[] = [];
	for (const [k, v] of Object.entries(steps)) {
		if (v.run !== run) continue;
		if (v.state === 'pending' || v.state === 'running' || v.state === 'queued')
			steps[k] = { ...v, state: st === 'cancelled' ? 'cancelled' : st === 'interrupted' ? 'interrupted' : v.state };
		mine.push(steps[k].state);
	}
	const active = { ...s.active };
	delete active[run];
	const queued = { ...s.queued };
	delete queued[run];
	const latest = s.current.id === run;
	return {
		...s,
		active,
		queued,
		current: {
			...s.current,
			steps,
			state: latest ? st : s.current.state,
			summary: latest ? summarize(mine) : s.current.summary,
		},
	};
}

/** A step's state in a run record. */
function recordStep(st: Params, run: string, earlier: boolean): StepRun {
	const started = num(st.started);
	const finished = num(st.finished);
	return {
		state: (str(st.state) ?? 'idle') as StepState,
		exitCode: num(st.exit_code),
		signal: str(st.signal),
		duration: num(st.duration) ?? (started !== null && finished !== null ? finished - started : null),
		started: started !== null ? started * 1000 : null,
		because: Array.isArray(st.because) ? (st.because as string[]) : [],
		run,
		earlier,
		reason: str(st.state) === 'pending' ? str(st.reason) : null,
		items:
			hasItems(num(st.items_total), str(st.state))
				? { total: num(st.items_total), done: doneItems(st, num(st.items_total)!), failed: num(st.items_failed) ?? 0, current: str(st.failed_item) }
				: null,
	};
}

/**
 * The view from run.status records of the pipeline, newest first (on
 * open): each step takes its state from the newest record that selected
 * it, so the steps a later subset run left alone keep their last state.
 */
export function fromRecords(s: RunsState, recs: Params[]): RunsState {
	const steps: Record<string, StepRun> = {};
	let first: { id: string; state: RunState; names: StepState[]; behind: string | null } | null = null;
	const queued: Record<string, string | null> = {};
	for (const rec of recs) {
		const id = str(rec.run);
		if (!id) continue;
		const list = (rec.steps as Params[] | undefined) ?? [];
		const waits = str(rec.state) === 'queued';
		if (waits) queued[id] = str(rec.queued_behind);
		if (!first) first = { id, state: (str(rec.state) ?? 'none') as RunState, names: [], behind: str(rec.queued_behind) };
		for (const st of list) {
			const name = str(st.name);
			if (!name) continue;
			if (first.id === id) first.names.push((str(st.state) ?? 'idle') as StepState);
			if (steps[name] || (first.id !== id && str(st.state) === 'pending' && !waits)) continue;
			steps[name] = waits ? { ...emptyStep(), state: 'queued', run: id } : recordStep(st, id, first.id !== id);
		}
	}
	// A step that an older run going on is running shows that.
	for (const rec of recs)
		if (str(rec.state) === 'running')
			for (const st of (rec.steps as Params[] | undefined) ?? [])
				if (str(st.state) === 'running' && str(st.name) && steps[str(st.name)!]?.state === 'queued')
					steps[str(st.name)!] = recordStep(st, str(rec.run)!, false);
	if (!first) return s;
	const runFiles = { ...s.runFiles };
	for (const rec of recs) if (str(rec.run)) runFiles[str(rec.run)!] = s.file;
	const active = { ...s.active };
	for (const rec of recs)
		if (str(rec.state) === 'running' || str(rec.state) === 'queued')
			active[str(rec.run)!] = ((rec.steps as Params[] | undefined) ?? []).map((x) => str(x.name) ?? '');
	return {
		...s,
		runFiles,
		active,
		queued: { ...s.queued, ...queued },
		current: {
			id: first.id,
			state: first.state,
			steps,
			summary: first.state === 'running' ? '' : first.state === 'queued' ? queuedSummary(first.behind) : summarize(first.names),
		},
	};
}

/** Compatibility: the view from the last run's record alone. */
export function fromRecord(s: RunsState, rec: Params): RunsState {
	return fromRecords(s, [rec]);
}

/**
 * For each step, the newest run (from records newest first) in which it
 * really ran, so its terminal tab can show that output even when later
 * runs found it up to date.
 */
export function logRuns(recs: Params[]): Map<string, string> {
	const out = new Map<string, string>();
	for (const rec of recs) {
		const id = str(rec.run);
		if (!id) continue;
		for (const st of (rec.steps as Params[] | undefined) ?? []) {
			const name = str(st.name);
			const state = str(st.state);
			if (!name || out.has(name) || !state) continue;
			if (['succeeded', 'failed', 'cancelled', 'interrupted', 'running'].includes(state)) out.set(name, id);
		}
	}
	return out;
}

/**
 * Of the steps logRuns found, the one whose output is newest: a step
 * still running (the last started), else the one that finished last.
 * Null when the records give no times.
 */
export function lastRan(recs: Params[], logs: Map<string, string>): string | null {
	let best: string | null = null;
	let bestKey: [number, number] = [-1, 0];
	for (const [name, id] of logs) {
		const rec = recs.find((r) => r.run === id);
		const st = ((rec?.steps as Params[] | undefined) ?? []).find((x) => x.name === name);
		if (!st) continue;
		const running = st.state === 'running';
		const t = running ? num(st.started) : num(st.finished) ?? num(st.started);
		if (t === null) continue;
		const key: [number, number] = [running ? 1 : 0, t];
		if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
			best = name;
			bestKey = key;
		}
	}
	return best;
}
