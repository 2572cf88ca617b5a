// SPDX-License-Identifier: MIT
// Graph gestures as pipeline.save edits: moving a node, deleting nodes and
// edges. Pure functions of the model (tests/edit.test.ts).
import type { PipelineModel, PortInfo, StepInfo } from '../types';
import type { Edit } from './context';

/** The layout: key of a node id ("step:S" is saved as "S"). */
export function layoutKey(id: string): string {
	return id.startsWith('step:') ? id.slice(5) : id;
}

export function moveEdit(id: string, x: number, y: number): Edit {
	return { op: 'move', node: layoutKey(id), x: Math.round(x), y: Math.round(y) };
}

/** The path of a step's port (inputs, outputs, args, loop.over/into). */
export function portPath(step: string, list: 'inputs' | 'outputs' | 'args', key: string): string[] {
	if (key === 'loop.over') return ['pipeline', step, 'loop', 'over'];
	if (key === 'loop.into') return ['pipeline', step, 'loop', 'into'];
	return ['pipeline', step, list, key];
}

/** A value that is exactly one reference to name ($name or ${name}). */
export function isRefTo(value: string, name: string): boolean {
	return value === `$${name}` || value === `\${${name}}`;
}

type PortRef = { step: StepInfo; list: 'inputs' | 'outputs' | 'args'; port: PortInfo };

function ports(s: StepInfo): PortRef[] {
	return (['inputs', 'outputs', 'args'] as const).flatMap((list) => s[list].map((port) => ({ step: s, list, port })));
}

/** Removals of the ports that refer to name; the rest cannot be cut. */
function cutRefs(m: PipelineModel, name: string, steps: StepInfo[], kind: 'data' | 'params', keep: (p: PortRef) => boolean): { edits: Edit[]; left: string[] } {
	const edits: Edit[] = [];
	const left: string[] = [];
	for (const s of steps)
		for (const p of ports(s)) {
			if (!p.port[kind].includes(name) || !keep(p)) continue;
			if (isRefTo(p.port.value, name) && !p.port.key.startsWith('loop.')) edits.push({ op: 'remove', path: portPath(s.name, p.list, p.port.key) });
			else left.push(`${s.name}.${p.port.key}`);
		}
	void m;
	return { edits, left };
}

/**
 * Edits that delete the given nodes and edges (ids as in graph/build.ts).
 * Deleting a data entry or parameter also removes the inputs, outputs and
 * arguments that are nothing but a reference to it; deleting a group
 * keeps its steps (moved to the top level). Returns what cannot be
 * deleted (a reference inside a longer value, a loop's over/into) in
 * refused.
 */
export function deleteEdits(m: PipelineModel, nodes: string[], edges: string[]): { edits: Edit[]; refused: string[] } {
	const gone = new Set(nodes.filter((n) => n.startsWith('step:')).map((n) => n.slice(5)));
	const live = m.steps.filter((s) => !gone.has(s.name));
	const edits: Edit[] = [];
	const refused: string[] = [];
	const add = (r: { edits: Edit[]; left: string[] }, what: string) => {
		edits.push(...r.edits);
		if (r.left.length) refused.push(`${what} is also used in ${r.left.join(', ')}: edit those values in the properties panel`);
	};
	for (const e of edges) {
		let mm: RegExpExecArray | null;
		if ((mm = /^in:(.*)->(.*)$/.exec(e))) {
			const [, d, s] = mm;
			if (!gone.has(s)) add(cutRefs(m, d, live.filter((x) => x.name === s), 'data', (p) => p.list === 'inputs'), `$${d}`);
		} else if ((mm = /^out:(.*)->(.*)$/.exec(e))) {
			const [, s, d] = mm;
			if (!gone.has(s)) add(cutRefs(m, d, live.filter((x) => x.name === s), 'data', (p) => p.list === 'outputs'), `$${d}`);
		} else if ((mm = /^param:(.*)->(.*)$/.exec(e))) {
			const [, p, s] = mm;
			if (!gone.has(s)) add(cutRefs(m, p, live.filter((x) => x.name === s), 'params', () => true), `$${p}`);
		}
	}
	for (const n of nodes) {
		const [kind, ...rest] = n.split(':');
		const name = rest.join(':');
		if (kind === 'data') {
			add(cutRefs(m, name, live, 'data', () => true), `$${name}`);
			edits.push({ op: 'remove', path: ['data', name] });
		} else if (kind === 'param') {
			add(cutRefs(m, name, live, 'params', () => true), `$${name}`);
			edits.push({ op: 'remove', path: ['parameters', name] });
		}
	}
	for (const name of gone) edits.push({ op: 'remove', path: ['pipeline', name] });
	for (const n of nodes) {
		const [kind, ...rest] = n.split(':');
		const name = rest.join(':');
		if (kind === 'group') {
			const g = m.groups.find((x) => x.name === name);
			for (const s of g?.steps ?? []) if (!gone.has(s)) edits.push({ op: 'group', step: s, group: null });
			edits.push({ op: 'remove', path: ['pipeline', name] });
		}
	}
	return { edits, refused };
}
