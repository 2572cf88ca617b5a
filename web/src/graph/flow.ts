// SPDX-License-Identifier: MIT
// From the model, its graph, the placed nodes and the run state to React
// Flow's nodes and edges. Kept apart from the components so the mapping
// can be tested without a DOM.
import type { Edge, Node } from '@xyflow/react';
import type { PipelineModel } from '../types';
import type { RunView } from '../runs';
import type { Graph } from './build';
import type { Placed } from './layout';

export function toFlow(m: PipelineModel, g: Graph, placed: Placed[], run: RunView): { nodes: Node[]; edges: Edge[] } {
	const steps = new Map(m.steps.map((s) => [s.name, s]));
	const data = new Map(m.data.map((d) => [d.name, d]));
	const params = new Map(m.parameters.map((p) => [p.name, p]));
	// Positions may lag one render behind a newly opened model: leave out
	// whatever the model does not have (yet).
	const known = placed.filter((p) =>
		p.kind === 'step' ? steps.has(p.name) : p.kind === 'data' ? data.has(p.name) : p.kind === 'param' ? params.has(p.name) : m.groups.some((x) => x.name === p.name),
	);
	const ids = new Set(known.map((p) => p.id));
	const nodes: Node[] = known.map((p) => {
		const base = { id: p.id, position: { x: p.x, y: p.y }, type: p.kind };
		if (p.kind === 'step') {
			const s = steps.get(p.name)!;
			const r = run.steps[p.name];
			return {
				...base,
				data: {
					name: s.name,
					task: s.task,
					optional: s.optional,
					disabled: s.disabled,
					loop: s.loop !== null,
					state: r?.state ?? 'idle',
					exitCode: r?.exitCode ?? null,
					signal: r?.signal ?? null,
				},
			};
		}
		if (p.kind === 'data') {
			const d = data.get(p.name)!;
			return { ...base, data: { name: d.name, type: d.type, exists: d.exists, url: d.url, kind: d.kind } };
		}
		if (p.kind === 'param') {
			const q = params.get(p.name)!;
			return { ...base, data: { name: q.name, value: q.value } };
		}
		return {
			...base,
			data: { name: p.name, width: p.width, height: p.height },
			zIndex: -1,
			selectable: true,
			draggable: false,
			style: { width: p.width, height: p.height },
		};
	});
	const big = g.edges.length > 150;
	const edges: Edge[] = g.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => {
		const stepName = e.kind === 'output' ? e.source.slice(5) : e.target.slice(5);
		const running = run.steps[stepName]?.state === 'running';
		return {
			id: e.id,
			source: e.source,
			target: e.target,
			// Labels are measured one by one in the DOM (a forced layout
			// each): fine for a small graph, seconds for a big one.
			label: big ? undefined : e.label || undefined,
			animated: running && e.kind !== 'param',
			className: `edge-${e.kind}`,
			type: 'default',
		};
	});
	return { nodes, edges };
}
