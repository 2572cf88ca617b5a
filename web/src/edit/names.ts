// SPDX-License-Identifier: MIT
// Pure helpers for creating things: free names (train, train_2, ...),
// a step pre-filled from a task's front matter, the edits that add a
// step, a data entry or a parameter at a place on the canvas, and the
// fuzzy match of the node picker. No React: tests/names.test.ts covers
// them.
import type { PipelineModel } from '../types';
import type { Edit } from './context';

/** One entry of task.list (docs/protocol.md). */
export interface TaskItem {
	path: string;
	name: string;
	language: string;
	description: string | null;
	interface: TaskInterface | null;
}

export interface TaskPort {
	name: string;
	type: string | null;
	default: string | null;
	description: string | null;
	choices: string[];
	required: boolean;
}

export interface TaskInterface {
	found?: boolean;
	description?: string | null;
	inputs: TaskPort[];
	outputs: TaskPort[];
	args: TaskPort[];
}

/** A name Loom accepts for a step, data entry, parameter or group. */
export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why name cannot be used (null when it can). */
export function nameProblem(name: string, taken: Set<string>): string | null {
	if (name === '') return 'a name is needed';
	if (!NAME_RE.test(name)) return 'letters, digits and _ only, not starting with a digit';
	if (taken.has(name)) return `${name} is taken`;
	return null;
}

/** base when it is free, else base_2, base_3, ... */
export function uniqueName(base: string, taken: Set<string>): string {
	if (!taken.has(base)) return base;
	for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A step name from a task path: tasks/train-model.py -> train_model. */
export function stepBaseName(taskPath: string): string {
	const file = taskPath.split('/').pop() ?? taskPath;
	const dot = file.lastIndexOf('.');
	let n = (dot > 0 ? file.slice(0, dot) : file).replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
	if (n === '') n = 'step';
	return /^[0-9]/.test(n) ? `step_${n}` : n;
}

/** Step and group names (one namespace in pipeline:). */
export function stepNames(m: PipelineModel): Set<string> {
	return new Set([...m.steps.map((s) => s.name), ...m.groups.map((g) => g.name)]);
}

/** Data entry and parameter names (one namespace for $references). */
export function valueNames(m: PipelineModel): Set<string> {
	return new Set([...m.data.map((d) => d.name), ...m.parameters.map((p) => p.name)]);
}

/**
 * A new step running task: every input and output of its front matter
 * present but unconnected (null: the loader reads an empty value as "not
 * given yet", and validation says which ones still need a data entry),
 * every argument that has a default at its default, the others left
 * out. A typed default (number, boolean) is a JSON value here; see
 * defaultTexts for keeping its spelling.
 */
export function stepFromTask(task: TaskItem, name: string): Record<string, unknown> {
	const step: Record<string, unknown> = { name, task: task.path };
	const i = task.interface;
	if (!i) return step;
	const ports = (l: TaskPort[]) => Object.fromEntries(l.map((p) => [p.name, null]));
	if (i.inputs.length) step.inputs = ports(i.inputs);
	if (i.outputs.length) step.outputs = ports(i.outputs);
	const args = i.args.filter((a) => a.default !== null);
	if (args.length) step.args = Object.fromEntries(args.map((a) => [a.name, typedDefault(a)]));
	return step;
}

/**
 * The args of stepFromTask whose JSON value would not spell the default
 * as the front matter does (1e-3 written as 0.001, False as false): set
 * again with the edit's text form so the file says what the task says.
 */
export function defaultTexts(task: TaskItem, name: string): Edit[] {
	const args = task.interface?.args ?? [];
	return args
		.filter((a) => a.default !== null && typeof typedDefault(a) !== 'string' && String(typedDefault(a)) !== a.default)
		.map((a) => ({ op: 'set', path: ['pipeline', name, 'args', a.name], text: a.default! }));
}

/** A default as JSON: numbers and booleans typed when the type says so. */
function typedDefault(a: TaskPort): unknown {
	const d = a.default!;
	const t = (a.type ?? '').toLowerCase();
	if ((t === 'int' || t === 'float' || t === 'number') && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(d)) return Number(d);
	if ((t === 'bool' || t === 'boolean') && /^(true|false)$/i.test(d)) return d.toLowerCase() === 'true';
	return d;
}

export type Point = { x: number; y: number };

const at = (p: Point) => ({ x: Math.round(p.x), y: Math.round(p.y) });

/** Edits that add a step for task at p (its name made free). */
export function addStepEdits(m: PipelineModel, task: TaskItem, p: Point): { name: string; edits: Edit[] } {
	const name = uniqueName(stepBaseName(task.path), stepNames(m));
	return { name, edits: [{ op: 'add', path: 'pipeline', value: stepFromTask(task, name) }, ...defaultTexts(task, name), { op: 'move', node: name, ...at(p) }] };
}

export interface NewData {
	name: string;
	type: string;
	path: string;
	description: string;
}

/** Edits that add a data entry at p. */
export function addDataEdits(d: NewData, p: Point): Edit[] {
	const v: Record<string, string> = {};
	if (d.type.trim()) v.type = d.type.trim();
	v.path = d.path;
	if (d.description.trim()) v.description = d.description.trim();
	return [{ op: 'add', path: ['data', d.name], value: v }, { op: 'move', node: `data:${d.name}`, ...at(p) }];
}

export type ParamKind = 'number' | 'bool' | 'string';

/** Why text is not a value of kind (null when it is). */
export function paramProblem(kind: ParamKind, text: string): string | null {
	if (kind === 'number' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return 'not a number (e.g. 10, 0.5, 1.0e-3)';
	if (kind === 'bool' && !/^(true|false)$/.test(text)) return 'true or false';
	return null;
}

/**
 * Edits that add a parameter at p. A string goes in as a JSON value,
 * which the saver quotes when it would otherwise read back as something
 * else ("true", "10", "a: b"). A number or boolean is added as a JSON
 * value too (that creates a missing parameters: section, which the text
 * form does not), then set to what was typed with the edit's text form,
 * so 1.0e-3 stays 1.0e-3.
 */
export function addParamEdits(name: string, kind: ParamKind, text: string, p: Point): Edit[] {
	const path = ['parameters', name];
	const t = text.trim();
	const edits: Edit[] =
		kind === 'string' ? [{ op: 'add', path, value: text }] : [{ op: 'add', path, value: kind === 'bool' ? t === 'true' : Number(t) }, { op: 'set', path, text: t }];
	return [...edits, { op: 'move', node: `param:${name}`, ...at(p) }];
}

/**
 * Fuzzy score of query against text: every query character in order
 * (case-insensitive); higher is better (consecutive runs and word starts
 * count more, shorter texts win ties). null when it does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
	const q = query.toLowerCase();
	const t = text.toLowerCase();
	if (q === '') return 0;
	let score = 0;
	let run = 0;
	let j = 0;
	for (let i = 0; i < t.length && j < q.length; i++) {
		if (t[i] !== q[j]) {
			run = 0;
			continue;
		}
		run++;
		score += run * 2 + (i === 0 || /[^a-z0-9]/.test(t[i - 1]) ? 3 : 0);
		j++;
	}
	return j === q.length ? score - t.length * 0.01 : null;
}

export type Box = { x: number; y: number; width: number; height: number };

/**
 * The first place at or below centre (then to its right) where a node of
 * size w x h overlaps none of boxes: nodes added with a button all go
 * to the middle of the view and would otherwise pile up. Returns the
 * centre of that place.
 */
export function freeSpot(centre: Point, w: number, h: number, boxes: Box[], gap = 16): Point {
	const hits = (x: number, y: number) => boxes.some((b) => x - w / 2 < b.x + b.width + gap && b.x - gap < x + w / 2 && y - h / 2 < b.y + b.height + gap && b.y - gap < y + h / 2);
	for (let col = 0; col < 20; col++)
		for (let row = 0; row < 12; row++) {
			const x = centre.x + col * (w + gap);
			const y = centre.y + row * (h + gap);
			if (!hits(x, y)) return { x, y };
		}
	return centre;
}
