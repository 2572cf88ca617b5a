// SPDX-License-Identifier: MIT
// Copy and paste of nodes with the connections among them, also between
// two pipelines open in the editor: the copy is JSON kept in the page
// origin's localStorage (every editor tab of this loomd shares it) and
// offered to the system clipboard as text. Pasting adds the entries under
// free names (a taken name gets a suffix: name_2, name_3...) and rewrites
// the references among the pasted nodes to the new names; references to
// nodes that were not copied stay as they were.
import type { PipelineModel, PortInfo, StepInfo } from '../types';
import type { Edit } from './context';
import { moveEdit } from './graph';

export const CLIP_KEY = 'loom.clipboard';

type Pos = { x: number; y: number };
export interface Clip {
	loom: 'nodes';
	data: { name: string; type: string | null; path: string; description: string | null; at?: Pos }[];
	parameters: { name: string; value: string; at?: Pos }[];
	steps: { name: string; task: string; description: string | null; optional: boolean; disabled: boolean; inputs: PortInfo[]; outputs: PortInfo[]; args: PortInfo[]; loop: StepInfo['loop']; at?: Pos }[];
}

/** The selected nodes (ids as in graph/build.ts) as a clip. */
export function copyNodes(m: PipelineModel, ids: string[], pos: (id: string) => Pos | undefined): Clip | null {
	const names = (kind: string) => new Set(ids.filter((i) => i.startsWith(`${kind}:`)).map((i) => i.slice(kind.length + 1)));
	const d = names('data');
	const p = names('param');
	const s = names('step');
	const clip: Clip = {
		loom: 'nodes',
		data: m.data.filter((x) => d.has(x.name)).map((x) => ({ name: x.name, type: x.type, path: x.path, description: x.description, at: pos(`data:${x.name}`) })),
		parameters: m.parameters.filter((x) => p.has(x.name)).map((x) => ({ name: x.name, value: x.value, at: pos(`param:${x.name}`) })),
		steps: m.steps
			.filter((x) => s.has(x.name))
			.map((x) => ({ name: x.name, task: x.task, description: x.description, optional: x.optional, disabled: x.disabled, inputs: x.inputs, outputs: x.outputs, args: x.args, loop: x.loop, at: pos(`step:${x.name}`) })),
	};
	return clip.data.length + clip.parameters.length + clip.steps.length > 0 ? clip : null;
}

export function parseClip(text: string | null): Clip | null {
	if (!text) return null;
	try {
		const c = JSON.parse(text) as Clip;
		return c && c.loom === 'nodes' && Array.isArray(c.data) && Array.isArray(c.steps) && Array.isArray(c.parameters) ? c : null;
	} catch {
		return null;
	}
}

function free(taken: Set<string>, base: string): string {
	let n = base;
	for (let i = 2; taken.has(n); i++) n = `${base}_${i}`;
	taken.add(n);
	return n;
}

/** A value as the model shows it, back to JSON for the saver. */
function jsonValue(v: string, rename: (t: string) => string): unknown {
	const t = rename(v);
	if (/^\[.*\]$/.test(t)) return t.slice(1, -1).split(',').map((x) => jsonValue(x.trim(), (y) => y)).filter((x) => x !== '');
	if (/^-?\d+$/.test(t)) return Number(t);
	if (/^-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(t) && Number.isFinite(Number(t))) return Number(t);
	if (t === 'true' || t === 'false') return t === 'true';
	return t;
}

function ports(list: PortInfo[], rename: (t: string) => string): Record<string, unknown> | undefined {
	if (list.length === 0) return undefined;
	return Object.fromEntries(list.filter((p) => !p.key.startsWith('loop.')).map((p) => [p.key, jsonValue(p.value, rename)]));
}

/** Edits that add the clip to m, offset by (dx, dy). */
export function pasteEdits(m: PipelineModel, c: Clip, dx = 40, dy = 40): { edits: Edit[]; names: string[] } {
	const values = new Set([...m.data.map((d) => d.name), ...m.parameters.map((p) => p.name)]);
	const steps = new Set([...m.steps.map((s) => s.name), ...m.groups.map((g) => g.name)]);
	const map = new Map<string, string>();
	for (const d of c.data) map.set(d.name, free(values, d.name));
	for (const p of c.parameters) map.set(p.name, free(values, p.name));
	const rename = (t: string) => t.replace(/\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(\})?/g, (all, o, n, cl) => (map.has(n) && (!o || cl) ? `$${o ?? ''}${map.get(n)}${cl ?? ''}` : all));
	const edits: Edit[] = [];
	const names: string[] = [];
	const at = (id: string, p?: Pos) => p && edits.push(moveEdit(id, p.x + dx, p.y + dy));
	for (const d of c.data) {
		const n = map.get(d.name)!;
		const v: Record<string, unknown> = {};
		if (d.type) v.type = d.type;
		v.path = rename(d.path);
		if (d.description) v.description = d.description;
		edits.push({ op: 'add', path: ['data', n], value: v });
		at(`data:${n}`, d.at);
		names.push(`data:${n}`);
	}
	for (const p of c.parameters) {
		const n = map.get(p.name)!;
		edits.push({ op: 'add', path: ['parameters', n], text: p.value === '' ? 'null' : p.value });
		at(`param:${n}`, p.at);
		names.push(`param:${n}`);
	}
	for (const s of c.steps) {
		const n = free(steps, s.name);
		const v: Record<string, unknown> = { name: n, task: s.task };
		if (s.description) v.description = s.description;
		if (s.loop) v.loop = Object.fromEntries(Object.entries(s.loop).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, typeof x === 'string' ? rename(x) : x]));
		for (const k of ['inputs', 'outputs', 'args'] as const) {
			const p = ports(s[k], rename);
			if (p && Object.keys(p).length) v[k] = p;
		}
		if (s.optional) v.optional = true;
		if (s.disabled) v.disabled = true;
		edits.push({ op: 'add', path: 'pipeline', value: v });
		at(`step:${n}`, s.at);
		names.push(`step:${n}`);
	}
	return { edits, names };
}
