// SPDX-License-Identifier: MIT
// Connecting by dragging between handles, as pipeline.save edits:
//   data -> step          an input (the first free one of the front matter
//                         whose type fits; else keyed by the data's name)
//   data -> step "over"   the loop's over:
//   step -> data          an output (likewise; "-o" without front matter)
//   step "into" -> data   the loop's into:
//   step -> step          a new data entry between them
//   parameter -> step     an argument (top handle)
// Refused, with the reason: data -> data, parameter -> data, anything into
// a parameter or a group, a type that does not match the front matter, a
// cycle, a data entry another step writes already, a repeated connection.
// Pure functions of the model (tests/edit.test.ts).
import type { DataInfo, PipelineModel, StepInfo } from '../types';
import { stepReads, stepWrites } from '../graph/build';
import type { Edit } from './context';
import { portPath } from './graph';

export type Conn = { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null };
export type Connected = { edits: Edit[]; label: string; data?: string } | { refused: string };
type FmItem = { name: string; type: string | null };
type Fm = { inputs?: FmItem[]; outputs?: FmItem[]; args?: FmItem[] } | null;

function split(id: string): [string, string] {
	const i = id.indexOf(':');
	return [id.slice(0, i), id.slice(i + 1)];
}

function fits(a: string | null | undefined, b: string | null | undefined): boolean {
	return !a || !b || a.toLowerCase() === b.toLowerCase();
}

/** Steps reachable downstream of a step (through what they write and others read). */
function downstream(m: PipelineModel, from: string): Set<string> {
	const seen = new Set<string>([from]);
	const todo = [from];
	while (todo.length) {
		const s = m.steps.find((x) => x.name === todo.pop());
		if (!s) continue;
		const writes = new Set(stepWrites(s));
		for (const t of m.steps) if (!seen.has(t.name) && stepReads(t).some((d) => writes.has(d))) (seen.add(t.name), todo.push(t.name));
	}
	return seen;
}

function writerOf(m: PipelineModel, d: string): StepInfo | undefined {
	return m.steps.find((s) => stepWrites(s).includes(d));
}

/** A name not taken by a data entry or parameter: base, base_2, base_3... */
export function freeName(m: PipelineModel, base: string): string {
	const taken = (n: string) => m.data.some((d) => d.name === n) || m.parameters.some((p) => p.name === n);
	if (!taken(base)) return base;
	for (let i = 2; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

/** The key of a new input or output of s for data of type t. */
function pickPort(s: StepInfo, list: 'inputs' | 'outputs', t: string | null, fallback: string): { key: string } | { refused: string } {
	const fm = ((s.frontmatter as Fm)?.[list] ?? []) as FmItem[];
	const used = new Set(s[list].map((p) => p.key));
	const what = list === 'inputs' ? 'input' : 'output';
	if (fm.length === 0) {
		let k = fallback;
		for (let i = 2; used.has(k); i++) k = `${fallback}_${i}`;
		return { key: k };
	}
	const free = fm.filter((i) => !used.has(i.name));
	const hit = free.find((i) => fits(i.type, t));
	if (hit) return { key: hit.name };
	if (free.length === 0) return { refused: `every ${what} of ${s.name} is connected already (${fm.map((i) => i.name).join(', ')})` };
	return { refused: `type mismatch: ${s.name}'s free ${what}s take ${free.map((i) => `${i.name} (${i.type})`).join(', ')}, not ${t}` };
}

function toInput(m: PipelineModel, d: DataInfo, s: StepInfo, over: boolean): Connected {
	if (stepReads(s).includes(d.name) || s.loop?.over === `$${d.name}`) return { refused: `${d.name} is already an input of ${s.name}` };
	if (downstream(m, s.name).has(writerOf(m, d.name)?.name ?? '')) return { refused: `that would make a cycle: ${d.name} is made from ${s.name}'s output` };
	if (over) return { edits: [{ op: 'set', path: portPath(s.name, 'inputs', 'loop.over'), value: `$${d.name}` }], label: `loop ${s.name} over ${d.name}` };
	const p = pickPort(s, 'inputs', d.type, d.name);
	if ('refused' in p) return p;
	return { edits: [{ op: 'set', path: portPath(s.name, 'inputs', p.key), value: `$${d.name}` }], label: `connect ${d.name} to ${s.name}` };
}

function toOutput(m: PipelineModel, s: StepInfo, d: DataInfo, into: boolean): Connected {
	const w = writerOf(m, d.name);
	if (w) return { refused: w.name === s.name ? `${s.name} writes ${d.name} already` : `${d.name} is written by ${w.name} already: a data entry has one writer` };
	const readers = m.steps.filter((t) => stepReads(t).includes(d.name));
	const down = readers.flatMap((r) => [...downstream(m, r.name)]);
	if (down.includes(s.name)) return { refused: `that would make a cycle: ${s.name} depends on ${d.name}` };
	if (into) return { edits: [{ op: 'set', path: portPath(s.name, 'outputs', 'loop.into'), value: `$${d.name}` }], label: `loop ${s.name} into ${d.name}` };
	const p = pickPort(s, 'outputs', d.type, '-o');
	if ('refused' in p) return p;
	return { edits: [{ op: 'set', path: portPath(s.name, 'outputs', p.key), value: `$${d.name}` }], label: `connect ${s.name} to ${d.name}` };
}

/** step -> step: a new data entry that a writes and b reads. */
function between(m: PipelineModel, a: StepInfo, b: StepInfo): Connected {
	if (a.name === b.name) return { refused: 'a step cannot feed itself' };
	if (downstream(m, b.name).has(a.name)) return { refused: `that would make a cycle: ${a.name} depends on ${b.name}` };
	const outs = ((a.frontmatter as Fm)?.outputs ?? []).filter((i) => !a.outputs.some((p) => p.key === i.name));
	const t = outs[0]?.type ?? null;
	const name = freeName(m, `${a.name}_out`);
	const d: DataInfo = { name, type: t, path: `out/${name}${t ? `.${t}` : ''}`, resolved: null, url: false, exists: false, kind: 'missing', description: null, line: 0 };
	const o = pickPort(a, 'outputs', t, '-o');
	if ('refused' in o) return o;
	const i = pickPort(b, 'inputs', t, name);
	if ('refused' in i) return i;
	const value: Record<string, string> = t ? { type: t, path: d.path } : { path: d.path };
	return {
		edits: [
			{ op: 'add', path: ['data', name], value },
			{ op: 'set', path: portPath(a.name, 'outputs', o.key), value: `$${name}` },
			{ op: 'set', path: portPath(b.name, 'inputs', i.key), value: `$${name}` },
		],
		label: `connect ${a.name} to ${b.name} through ${name}`,
		data: name,
	};
}

function paramArg(p: { name: string; type: string }, s: StepInfo): Connected {
	if (s.args.some((a) => a.params.includes(p.name))) return { refused: `${s.name} uses ${p.name} already` };
	const fm = ((s.frontmatter as Fm)?.args ?? []) as FmItem[];
	const free = fm.filter((i) => !s.args.some((a) => a.key === i.name));
	const want = p.type === 'string' ? 'str' : p.type;
	const ok = (t: string | null) => !t || t === want || (t === 'float' && want === 'int') || (t === 'str' && want === 'string');
	let key = `--${p.name}`;
	if (free.length > 0) {
		const hit = free.find((i) => i.name.replace(/^-+/, '') === p.name && ok(i.type)) ?? free.find((i) => ok(i.type));
		if (!hit) return { refused: `type mismatch: ${s.name}'s free arguments take ${free.map((i) => `${i.name} (${i.type})`).join(', ')}, ${p.name} is ${p.type}` };
		key = hit.name;
	} else if (s.args.some((a) => a.key === key)) return { refused: `${s.name} has an argument ${key} already` };
	return { edits: [{ op: 'set', path: portPath(s.name, 'args', key), value: `$${p.name}` }], label: `pass ${p.name} to ${s.name}` };
}

export function connectEdits(m: PipelineModel, c: Conn): Connected {
	const [sk, sn] = split(c.source);
	const [tk, tn] = split(c.target);
	const step = (n: string) => m.steps.find((s) => s.name === n);
	const data = (n: string) => m.data.find((d) => d.name === n);
	if (tk === 'param') return { refused: 'nothing connects into a parameter: it is a value' };
	if (sk === 'group' || tk === 'group') return { refused: 'groups have no connections: choose a step' };
	if (sk === 'data' && tk === 'data') return { refused: 'data connects to a step, not to another data entry' };
	if (sk === 'param' && tk === 'data') return { refused: "a parameter connects to a step's arguments (its top handle), not to data" };
	if (sk === 'param' && tk === 'step') {
		const p = m.parameters.find((x) => x.name === sn);
		const s = step(tn);
		return p && s ? paramArg(p, s) : { refused: 'unknown node' };
	}
	if (c.targetHandle === 'param') return { refused: "a step's top handle takes parameters" };
	if (sk === 'data' && tk === 'step') {
		const d = data(sn);
		const s = step(tn);
		if (!d || !s) return { refused: 'unknown node' };
		return toInput(m, d, s, c.targetHandle === 'over');
	}
	if (sk === 'step' && tk === 'data') {
		const s = step(sn);
		const d = data(tn);
		if (!d || !s) return { refused: 'unknown node' };
		return toOutput(m, s, d, c.sourceHandle === 'into');
	}
	if (sk === 'step' && tk === 'step') {
		const a = step(sn);
		const b = step(tn);
		return a && b ? between(m, a, b) : { refused: 'unknown node' };
	}
	return { refused: 'these cannot be connected' };
}

/** A step's output dropped on empty space: a new data entry there. */
export function newOutput(m: PipelineModel, stepName: string): Connected {
	const s = m.steps.find((x) => x.name === stepName);
	if (!s) return { refused: 'unknown step' };
	const outs = ((s.frontmatter as Fm)?.outputs ?? []).filter((i) => !s.outputs.some((p) => p.key === i.name));
	const t = outs[0]?.type ?? null;
	const name = freeName(m, `${s.name}_out`);
	const o = pickPort(s, 'outputs', t, '-o');
	if ('refused' in o) return o;
	const path = `out/${name}${t ? `.${t}` : ''}`;
	return {
		edits: [
			{ op: 'add', path: ['data', name], value: t ? { type: t, path } : { path } },
			{ op: 'set', path: portPath(s.name, 'outputs', o.key), value: `$${name}` },
		],
		label: `new output ${name} of ${s.name}`,
		data: name,
	};
}

/** The model without one edge's reference (for a reconnect). */
export function withoutEdge(m: PipelineModel, edge: string): PipelineModel {
	const r = /^(in|out|param):(.*)->(.*)$/.exec(edge);
	if (!r) return m;
	const [, kind, a, b] = r;
	const stepName = kind === 'out' ? a : b;
	const ref = kind === 'out' ? b : a;
	const strip = (ps: StepInfo['inputs']) => ps.filter((p) => !(p.data.includes(ref) || p.params.includes(ref)));
	return {
		...m,
		steps: m.steps.map((s) =>
			s.name !== stepName ? s : { ...s, inputs: kind === 'in' ? strip(s.inputs) : s.inputs, outputs: kind === 'out' ? strip(s.outputs) : s.outputs, args: kind === 'param' ? strip(s.args) : s.args },
		),
	};
}
