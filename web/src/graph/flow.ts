// SPDX-License-Identifier: MIT
// From the model, its graph, the placed nodes, the run state and the
// freshness to React Flow's nodes and edges. Kept apart from the
// components so the mapping can be tested without a DOM.
//
// Parameter links are drawn only when there are few of them, or on
// demand (all of them, or those of the selected node): a parameter used
// by every step of a big pipeline would otherwise draw hundreds of lines
// over the graph, and costs the browser seconds to lay out.
import { Position } from '@xyflow/react';
import type { Edge, Node } from '@xyflow/react';
import type { PipelineModel } from '../types';
import type { RunView } from '../runs';
import { itemsText } from '../runs';
import type { FreshMap } from '../freshness';
import type { Graph } from './build';
import type { Placed } from './layout';

/** Above this many nodes, sizes and handles are given (see known()). */
export const BIG_NODES = 300;

/** Up to this many parameter links are drawn without asking. */
export const PARAM_EDGES_SHOWN = 30;

export interface FlowOptions {
	fresh?: FreshMap;
	/** draw every parameter link */
	showParams?: boolean;
	/** the selected node: its parameter links are drawn */
	selected?: string | null;
}

export function paramEdgesShown(g: Graph, o: FlowOptions): (source: string, target: string) => boolean {
	const n = g.edges.filter((e) => e.kind === 'param').length;
	if (o.showParams || n <= PARAM_EDGES_SHOWN) return () => true;
	return (s, t) => o.selected !== undefined && o.selected !== null && (s === o.selected || t === o.selected);
}

/**
 * Sizes and handle places of a node, given up front. React Flow draws
 * every node once to measure its handles unless it is told where they
 * are; with a thousand nodes that first draw (and taking most of them
 * down again, when only those on screen are drawn) costs seconds. The
 * numbers match styles.css (fixed node sizes, 6 px handles centred on
 * the border).
 */
function known(p: Placed): Partial<Node> {
	const h = (type: 'source' | 'target', position: Position, x: number, y: number, id: string | null = null) => ({ type, position, x: x - 3, y: y - 3, width: 6, height: 6, id });
	const handles =
		p.kind === 'step'
			? [h('target', Position.Left, 0, p.height / 2), h('target', Position.Top, p.width / 2, 0, 'param'), h('source', Position.Right, p.width, p.height / 2)]
			: p.kind === 'data'
				? [h('target', Position.Left, 0, p.height / 2), h('source', Position.Right, p.width, p.height / 2)]
				: p.kind === 'param'
					? [h('source', Position.Bottom, p.width / 2, p.height)]
					: [];
	return { width: p.width, height: p.height, handles };
}

export function toFlow(m: PipelineModel, g: Graph, placed: Placed[], run: RunView, o: FlowOptions = {}): { nodes: Node[]; edges: Edge[] } {
	const steps = new Map(m.steps.map((s) => [s.name, s]));
	const data = new Map(m.data.map((d) => [d.name, d]));
	const params = new Map(m.parameters.map((p) => [p.name, p]));
	const fresh = o.fresh ?? {};
	// Positions may lag one render behind a newly opened model: leave out
	// whatever the model does not have (yet).
	const kept = placed.filter((p) =>
		p.kind === 'step' ? steps.has(p.name) : p.kind === 'data' ? data.has(p.name) : p.kind === 'param' ? params.has(p.name) : m.groups.some((x) => x.name === p.name),
	);
	const ids = new Set(kept.map((p) => p.id));
	const sized = placed.length > BIG_NODES;
	const nodes: Node[] = kept.map((p) => {
		const base = { id: p.id, position: { x: p.x, y: p.y }, type: p.kind, ...(sized ? known(p) : {}) };
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
					reason: r?.reason ?? null,
					earlier: r?.earlier ?? false,
					run: r?.run ?? null,
					items: itemsText(r?.items ?? null),
					current: r?.state === 'running' ? r.items?.current ?? null : null,
					fresh: fresh[p.id] ?? null,
				},
			};
		}
		if (p.kind === 'data') {
			const d = data.get(p.name)!;
			return { ...base, data: { name: d.name, type: d.type, exists: d.exists, url: d.url, kind: d.kind, fresh: fresh[p.id] ?? null } };
		}
		if (p.kind === 'param') {
			const q = params.get(p.name)!;
			return { ...base, data: { name: q.name, value: q.value, width: p.width }, style: { width: p.width } };
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
	const showParam = paramEdgesShown(g, o);
	const edges: Edge[] = g.edges
		.filter((e) => ids.has(e.source) && ids.has(e.target) && (e.kind !== 'param' || showParam(e.source, e.target)))
		.map((e) => {
			const stepName = e.kind === 'output' ? e.source.slice(5) : e.target.slice(5);
			const running = e.kind !== 'param' && !big && run.steps[stepName]?.state === 'running';
			return {
				id: e.id,
				source: e.source,
				target: e.target,
				// Labels are measured one by one in the DOM (a forced layout
				// each): fine for a small graph, seconds for a big one.
				label: big ? undefined : e.label || undefined,
				animated: running,
				className: `edge-${e.kind}`,
				type: e.kind === 'param' ? 'straight' : 'default',
				...(e.kind === 'param' ? { targetHandle: 'param', focusable: false } : {}),
			};
		});
	return { nodes, edges };
}

/**
 * What a big graph's first frame needs: the nodes within the area the
 * viewport v shows on a w x h pane (widened by half a screen on each
 * side), the edges whose box crosses that area, and the nodes at both
 * ends of those. React Flow draws no more than this of a big graph
 * (only what is on screen), but its store goes over every node and edge
 * it was handed, several times, before the first frame; the rest is
 * handed to it once that frame is on screen.
 */
export function onScreen(f: { nodes: Node[]; edges: Edge[] }, v: { x: number; y: number; zoom: number }, w: number, h: number): { nodes: Node[]; edges: Edge[] } {
	const x0 = (-v.x - w / 2) / v.zoom;
	const y0 = (-v.y - h / 2) / v.zoom;
	const x1 = x0 + (2 * w) / v.zoom;
	const y1 = y0 + (2 * h) / v.zoom;
	const box = new Map(f.nodes.map((n) => [n.id, { x: n.position.x, y: n.position.y, x2: n.position.x + (n.width ?? 0), y2: n.position.y + (n.height ?? 0) }]));
	const crosses = (b: { x: number; y: number; x2: number; y2: number }) => b.x2 >= x0 && b.x <= x1 && b.y2 >= y0 && b.y <= y1;
	const keep = new Set(f.nodes.filter((n) => crosses(box.get(n.id)!)).map((n) => n.id));
	const edges = f.edges.filter((e) => {
		const s = box.get(e.source);
		const t = box.get(e.target);
		if (!s || !t) return false;
		const hit = crosses({ x: Math.min(s.x, t.x), y: Math.min(s.y, t.y), x2: Math.max(s.x2, t.x2), y2: Math.max(s.y2, t.y2) });
		if (hit) keep.add(e.source).add(e.target);
		return hit;
	});
	return { nodes: f.nodes.filter((n) => keep.has(n.id)), edges };
}
