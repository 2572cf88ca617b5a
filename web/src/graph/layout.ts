// SPDX-License-Identifier: MIT
// Positions for the graph: a node named in the pipeline's layout: section
// keeps its saved position, every other node gets one from a layered
// (Sugiyama) layout computed by dagre, left to right in the direction data
// flows. dagre's crossing reduction and positioning grow quickly with the
// graph (seconds for a thousand nodes on a small machine), so above
// DAGRE_MAX_NODES a simpler layering is used: ranks by longest path, order
// within a rank by the barycentre of the neighbours (a few sweeps), evenly
// spaced, wrapped into bands when it would be a long strip (see wrapped()).
// Groups become rectangles around their member steps. Pure: no
// React, no DOM.
import dagre from '@dagrejs/dagre';
import type { PipelineModel } from '../types';
import type { Graph, GraphNode } from './build';
import { nodeId } from './build';

export interface Placed extends GraphNode {
	x: number;
	y: number;
}

const GROUP_PAD = 24;
const GROUP_LABEL = 22;
export const DAGRE_MAX_NODES = 400;
const RANK_SEP = 70;
const NODE_SEP = 24;
/** Vertical gap between the bands of a wrapped layout. */
const BAND_SEP = 110;
/** The shape (width / height) a big layout is wrapped to: a screen's. */
const ASPECT = 1.6;
/** A layout more than this many times too wide or too tall is wrapped. */
const WRAP_AT = 4;

/** Centre positions from a fast layered layout (see the file comment). */
export function layeredFast(g: Graph): Map<string, { x: number; y: number }> {
	const real = g.nodes.filter((n) => n.kind !== 'group');
	const ids = new Set(real.map((n) => n.id));
	const succ = new Map<string, string[]>();
	const pred = new Map<string, string[]>();
	for (const n of real) {
		succ.set(n.id, []);
		pred.set(n.id, []);
	}
	for (const e of g.edges) {
		if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) continue;
		succ.get(e.source)!.push(e.target);
		pred.get(e.target)!.push(e.source);
	}
	// Longest-path ranks (Kahn's order; nodes left in a cycle keep rank 0).
	const rank = new Map<string, number>();
	const indeg = new Map<string, number>();
	for (const n of real) indeg.set(n.id, pred.get(n.id)!.length);
	const queue = real.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
	for (const id of queue) rank.set(id, 0);
	for (let i = 0; i < queue.length; i++) {
		const id = queue[i];
		for (const t of succ.get(id)!) {
			rank.set(t, Math.max(rank.get(t) ?? 0, rank.get(id)! + 1));
			indeg.set(t, indeg.get(t)! - 1);
			if (indeg.get(t) === 0) queue.push(t);
		}
	}
	const layers: string[][] = [];
	for (const n of real) {
		const r = rank.get(n.id) ?? 0;
		(layers[r] ??= []).push(n.id);
	}
	const pos = new Map<string, number>();
	const setPos = () => layers.forEach((l) => l?.forEach((id, i) => pos.set(id, i)));
	setPos();
	const bary = (id: string, nb: Map<string, string[]>) => {
		const v = nb.get(id)!.map((x) => pos.get(x)!);
		return v.length ? v.reduce((a, b) => a + b, 0) / v.length : pos.get(id)!;
	};
	for (let sweep = 0; sweep < 4; sweep++) {
		const down = sweep % 2 === 0;
		const order = down ? layers.keys() : [...layers.keys()].reverse();
		for (const r of order) {
			const l = layers[r];
			if (!l) continue;
			const b = new Map(l.map((id) => [id, bary(id, down ? pred : succ)]));
			l.sort((a, c) => b.get(a)! - b.get(c)!);
			l.forEach((id, i) => pos.set(id, i));
		}
	}
	const size = new Map(real.map((n) => [n.id, n]));
	return wrapped(layers.filter((l) => l), size);
}

/**
 * Centre positions of ordered layers, left to right, wrapped so that the
 * whole is about as wide as a screen is (ASPECT): a rank taller than
 * `rows` nodes is cut into several columns, and when the columns would
 * make a long strip they go in bands, one under the other, read like
 * lines of text. A 500-step chain is then some 30 bands of 30 nodes, not
 * one row of a thousand, and "Fit" can show it whole at a zoom where
 * every node is still a box of some pixels. A graph of normal shape is
 * one band of one column per rank: the plain layered layout.
 */
function wrapped(layers: string[][], size: Map<string, GraphNode>): Map<string, { x: number; y: number }> {
	const nodes = [...size.values()];
	const cellW = Math.max(...nodes.map((n) => n.width)) + RANK_SEP;
	const cellH = nodes.reduce((a, n) => a + n.height, 0) / Math.max(nodes.length, 1) + NODE_SEP;
	const rows = Math.max(8, Math.ceil(Math.sqrt((nodes.length * cellW) / (ASPECT * cellH))));
	const cols: string[][] = [];
	for (const l of layers) {
		const k = Math.ceil(l.length / rows);
		const per = Math.ceil(l.length / k);
		for (let i = 0; i < l.length; i += per) cols.push(l.slice(i, i + per));
	}
	const colH = cols.map((c) => c.reduce((a, id) => a + size.get(id)!.height + NODE_SEP, 0));
	const colW = cols.map((c) => Math.max(...c.map((id) => size.get(id)!.width)));
	// How far bands of k columns are from the wanted shape (0: exactly).
	const shape = (k: number) => {
		let w = 0, h = 0;
		for (let i = 0; i < cols.length; i += k) {
			let bw = 0, bh = 0;
			for (let c = i; c < Math.min(i + k, cols.length); c++) {
				bw += colW[c] + RANK_SEP;
				bh = Math.max(bh, colH[c]);
			}
			w = Math.max(w, bw);
			h += bh + BAND_SEP;
		}
		return Math.abs(Math.log(w / h / ASPECT));
	};
	// One band unless a strip would be far wider than a screen.
	let perBand = cols.length;
	if (shape(cols.length) > Math.log(WRAP_AT)) {
		let best = Infinity;
		for (let k = 1; k <= cols.length; k++) {
			const d = shape(k);
			if (d < best) [best, perBand] = [d, k];
		}
	}
	const out = new Map<string, { x: number; y: number }>();
	let top = 0;
	for (let i = 0; i < cols.length; i += perBand) {
		const band = cols.slice(i, i + perBand).map((_, j) => i + j);
		const tallest = Math.max(...band.map((c) => colH[c]));
		let x = 0;
		for (const c of band) {
			let y = top + (tallest - colH[c]) / 2;
			for (const id of cols[c]) {
				const n = size.get(id)!;
				out.set(id, { x: x + colW[c] / 2, y: y + n.height / 2 });
				y += n.height + NODE_SEP;
			}
			x += colW[c] + RANK_SEP;
		}
		top += tallest + BAND_SEP;
	}
	return out;
}

/** Centre positions from dagre. */
function layeredDagre(g: Graph): Map<string, { x: number; y: number }> {
	const dg = new dagre.graphlib.Graph({ multigraph: true });
	dg.setGraph({ rankdir: 'LR', nodesep: NODE_SEP, ranksep: RANK_SEP, edgesep: 10, marginx: 20, marginy: 20 });
	dg.setDefaultEdgeLabel(() => ({}));
	const real = g.nodes.filter((n) => n.kind !== 'group');
	for (const n of real) dg.setNode(n.id, { width: n.width, height: n.height });
	for (const e of g.edges) dg.setEdge(e.source, e.target, {}, e.id);
	dagre.layout(dg);
	const out = new Map<string, { x: number; y: number }>();
	for (const n of real) {
		const p = dg.node(n.id);
		out.set(n.id, { x: p.x, y: p.y });
	}
	return out;
}

/**
 * Place every node. auto = true ignores saved positions (the "auto-layout"
 * button). Returns top-left coordinates, as React Flow expects.
 */
export function layoutGraph(m: PipelineModel, g: Graph, auto = false, keep?: Map<string, { x: number; y: number }>): Placed[] {
	// Parameters are laid out apart (see placeParams): left out here, so
	// a parameter that every step uses does not pull the graph together.
	const flowGraph: Graph = { nodes: g.nodes.filter((n) => n.kind !== 'param'), edges: g.edges.filter((e) => e.kind !== 'param') };
	const real = flowGraph.nodes.filter((n) => n.kind !== 'group');
	const centres = real.length > DAGRE_MAX_NODES ? layeredFast(flowGraph) : layeredDagre(flowGraph);
	const placed: Placed[] = real.map((n) => {
		const saved = keep?.get(n.id) ?? (auto ? undefined : savedPosition(m, n));
		if (saved) return { ...n, x: saved.x, y: saved.y };
		const p = centres.get(n.id)!;
		return { ...n, x: Math.round(p.x - n.width / 2), y: Math.round(p.y - n.height / 2) };
	});
	placed.push(...placeParams(m, g, placed, auto, keep));
	const byId = new Map(placed.map((p) => [p.id, p]));
	const groups: Placed[] = [];
	for (const gr of m.groups) {
		const members = gr.steps
			.map((s) => byId.get(nodeId('step', s)))
			.filter((p): p is Placed => p !== undefined);
		if (members.length === 0) continue;
		const x0 = Math.min(...members.map((p) => p.x)) - GROUP_PAD;
		const y0 = Math.min(...members.map((p) => p.y)) - GROUP_PAD - GROUP_LABEL;
		const x1 = Math.max(...members.map((p) => p.x + p.width)) + GROUP_PAD;
		const y1 = Math.max(...members.map((p) => p.y + p.height)) + GROUP_PAD;
		groups.push({
			id: nodeId('group', gr.name),
			kind: 'group',
			name: gr.name,
			x: x0,
			y: y0,
			width: x1 - x0,
			height: y1 - y0,
		});
	}
	return [...groups, ...placed];
}

/**
 * Parameter nodes go in a row above the graph, each near the middle of
 * the steps that use it (left to right, never overlapping), so that
 * their links come from above instead of crossing the data flow.
 */
function placeParams(m: PipelineModel, g: Graph, placed: Placed[], auto: boolean, keep?: Map<string, { x: number; y: number }>): Placed[] {
	const params = g.nodes.filter((n) => n.kind === 'param');
	if (params.length === 0) return [];
	const byId = new Map(placed.map((p) => [p.id, p]));
	const top = placed.length ? Math.min(...placed.map((p) => p.y)) : 0;
	const left = placed.length ? Math.min(...placed.map((p) => p.x)) : 0;
	const want = new Map<string, number>();
	for (const n of params) {
		const xs = g.edges.filter((e) => e.source === n.id).map((e) => byId.get(e.target)).filter((p): p is Placed => p !== undefined).map((p) => p.x + p.width / 2);
		want.set(n.id, xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length - n.width / 2 : left);
	}
	let x = -Infinity;
	return [...params]
		.sort((a, b) => want.get(a.id)! - want.get(b.id)!)
		.map((n) => {
			const saved = keep?.get(n.id) ?? (auto ? undefined : savedPosition(m, n));
			if (saved) return { ...n, x: saved.x, y: saved.y };
			x = Math.max(want.get(n.id)!, x);
			const p = { ...n, x: Math.round(x), y: Math.round(top - n.height - 3 * NODE_SEP) };
			x += n.width + NODE_SEP;
			return p;
		});
}

function savedPosition(m: PipelineModel, n: GraphNode): { x: number; y: number } | undefined {
	// layout: keys are bare names for steps (the seed's format); data and
	// parameter nodes may be saved as "data:NAME" / "param:NAME".
	const l = m.layout || {};
	if (n.kind === 'step' && l[n.name]) return l[n.name];
	return l[n.id];
}

/** True when no two non-group nodes overlap (used by tests). */
export function hasOverlaps(p: Placed[]): boolean {
	const r = p.filter((n) => n.kind !== 'group');
	for (let i = 0; i < r.length; i++)
		for (let j = i + 1; j < r.length; j++) {
			const a = r[i], b = r[j];
			if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
				return true;
		}
	return false;
}
