// SPDX-License-Identifier: MIT
// Turns the pipeline.open model into graph nodes and edges: one node per
// data entry, step and parameter, edges data -> step for what a step reads
// (inputs, loop.over), step -> data for what it writes (outputs,
// loop.into) and parameter -> step for the parameters a step uses. Groups
// are not parents of their steps: they are drawn as rectangles around
// their members after layout (see layout.ts), so moving or laying out a
// step never has to deal with coordinates relative to a group.
// Pure functions, no React: tests/graph.test.ts covers them.
import type { PipelineModel, StepInfo } from '../types';

export type NodeKind = 'data' | 'step' | 'param' | 'group';

export interface GraphNode {
	id: string;
	kind: NodeKind;
	name: string;
	width: number;
	height: number;
}

export interface GraphEdge {
	id: string;
	source: string;
	target: string;
	kind: 'input' | 'output' | 'param';
	label: string;
}

export interface Graph {
	nodes: GraphNode[];
	edges: GraphEdge[];
}

export const NODE_SIZE: Record<NodeKind, { width: number; height: number }> = {
	data: { width: 180, height: 44 },
	step: { width: 200, height: 58 },
	param: { width: 150, height: 36 },
	group: { width: 0, height: 0 },
};

export function nodeId(kind: NodeKind, name: string): string {
	return `${kind}:${name}`;
}

/** Data entries a step reads: its inputs' references and loop.over. */
export function stepReads(s: StepInfo): string[] {
	const out: string[] = [];
	for (const p of s.inputs) out.push(...p.data);
	return unique(out);
}

/** Data entries a step writes: its outputs' references and loop.into. */
export function stepWrites(s: StepInfo): string[] {
	const out: string[] = [];
	for (const p of s.outputs) out.push(...p.data);
	return unique(out);
}

/** Parameters a step uses anywhere (inputs, outputs, args). */
export function stepParams(s: StepInfo): string[] {
	const out: string[] = [];
	for (const p of [...s.inputs, ...s.outputs, ...s.args]) out.push(...p.params);
	return unique(out);
}

function unique(v: string[]): string[] {
	return [...new Set(v)];
}

/** Build the graph of a model. Unknown references are left out. */
export function buildGraph(m: PipelineModel): Graph {
	const nodes: GraphNode[] = [];
	const edges: GraphEdge[] = [];
	const dataNames = new Set(m.data.map((d) => d.name));
	const paramNames = new Set(m.parameters.map((p) => p.name));

	for (const d of m.data)
		nodes.push({ id: nodeId('data', d.name), kind: 'data', name: d.name, ...NODE_SIZE.data });
	for (const s of m.steps) {
		nodes.push({ id: nodeId('step', s.name), kind: 'step', name: s.name, ...NODE_SIZE.step });
		for (const d of stepReads(s)) {
			if (!dataNames.has(d)) continue;
			edges.push({
				id: `in:${d}->${s.name}`,
				source: nodeId('data', d),
				target: nodeId('step', s.name),
				kind: 'input',
				label: portLabel(s.inputs, d),
			});
		}
		for (const d of stepWrites(s)) {
			if (!dataNames.has(d)) continue;
			edges.push({
				id: `out:${s.name}->${d}`,
				source: nodeId('step', s.name),
				target: nodeId('data', d),
				kind: 'output',
				label: portLabel(s.outputs, d),
			});
		}
		for (const p of stepParams(s)) {
			if (!paramNames.has(p)) continue;
			edges.push({
				id: `param:${p}->${s.name}`,
				source: nodeId('param', p),
				target: nodeId('step', s.name),
				kind: 'param',
				label: '',
			});
		}
	}
	for (const p of m.parameters)
		nodes.push({ id: nodeId('param', p.name), kind: 'param', name: p.name, width: paramWidth(p.name, p.value), height: NODE_SIZE.param.height });
	for (const g of m.groups)
		nodes.push({ id: nodeId('group', g.name), kind: 'group', name: g.name, ...NODE_SIZE.group });
	return { nodes, edges };
}

/** A parameter node wide enough for "name = value" (up to PARAM_MAX_WIDTH). */
export const PARAM_MAX_WIDTH = 420;
export function paramWidth(name: string, value: string): number {
	return Math.min(PARAM_MAX_WIDTH, Math.max(NODE_SIZE.param.width, Math.ceil((name.length + value.length + 3) * 7.2) + 28));
}

function portLabel(ports: { key: string; data: string[] }[], d: string): string {
	const p = ports.find((x) => x.data.includes(d));
	if (!p) return '';
	return p.key.startsWith('-') ? p.key : '';
}

/**
 * Step dependencies derived from the graph: step A -> step B when B reads
 * a data entry A writes. Used for "from here" / "until here" highlights.
 */
export function stepDependencies(m: PipelineModel): Map<string, string[]> {
	const producer = new Map<string, string>();
	for (const s of m.steps) for (const d of stepWrites(s)) producer.set(d, s.name);
	const deps = new Map<string, string[]>();
	for (const s of m.steps) {
		const ds = new Set<string>();
		for (const d of stepReads(s)) {
			const p = producer.get(d);
			if (p !== undefined && p !== s.name) ds.add(p);
		}
		deps.set(s.name, [...ds]);
	}
	return deps;
}
