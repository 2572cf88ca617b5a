// SPDX-License-Identifier: MIT
// The graph's node components: steps (state colours, dashed when
// optional, pulsing border while running, the last run's state and the
// step's freshness), data (green when the file exists, grey when not, a
// link mark for URLs, freshness), parameters (name = value, linked from
// above) and groups (labelled rectangles drawn behind their steps).
// Icons come from lucide-react (bundled SVG), never from emoji, which
// not every system's fonts draw.
import { memo, useEffect, useRef } from 'react';
import { Handle, Position, useUpdateNodeInternals } from '@xyflow/react';
import type { NodeProps, Node } from '@xyflow/react';
import { Link, Repeat } from 'lucide-react';
import type { StepState } from '../types';
import type { NodeFresh } from '../freshness';
import { isFailed } from '../runs';

export type StepNodeData = {
	name: string;
	task: string;
	optional: boolean;
	disabled: boolean;
	loop: boolean;
	state: StepState;
	exitCode: number | null;
	signal: string | null;
	/** pending in a batch queue: why it waits (Slurm's reason) */
	reason: string | null;
	earlier: boolean;
	run: string | null;
	/** a loop step's items so far ("3/20"), else "" */
	items: string;
	/** file name of the loop item running now */
	current: string | null;
	fresh: NodeFresh | null;
};
export type DataNodeData = {
	name: string;
	type: string | null;
	exists: boolean;
	url: boolean;
	kind: string;
	fresh: NodeFresh | null;
};
export type ParamNodeData = { name: string; value: string; width: number };
export type GroupNodeData = { name: string; width: number; height: number };

/** Chromium's Element Timing reports when a step's title is first painted. */
const ELEMENT_TIMING = { elementtiming: 'step' } as Record<string, string>;

/** How a state reads on screen. */
export function stateText(st: StepState): string {
	return st === 'uptodate' ? 'up to date' : st.replace(/_/g, ' ');
}

function stateLabel(d: StepNodeData): string {
	if (d.disabled) return 'disabled';
	if (d.state === 'failed' && d.exitCode !== null) return `failed (exit ${d.exitCode})`;
	if (d.state === 'failed' && d.signal) return `failed (${d.signal})`;
	if (d.state === 'pending' && d.reason) return `pending (${d.reason})`;
	return d.items ? `${stateText(d.state)} ${d.items}` : stateText(d.state);
}

function FreshBadge({ id, fresh }: { id: string; fresh: NodeFresh | null }) {
	if (!fresh) return null;
	return (
		<span className={`fresh fresh-${fresh.state}`} data-testid={`fresh-${id}`} data-fresh={fresh.state} title={fresh.reason ?? 'up to date with its inputs'}>
			{fresh.state}
		</span>
	);
}

/**
 * React Flow measures a node's handles when the node first appears and
 * when its size changes; the editor keeps those measures across updates
 * (App.tsx). A step that becomes a loop step, or stops being one, gains
 * or loses its loop handles without a change of size: it asks to be
 * measured again.
 */
function useHandlesChanged(id: string, loop: boolean): void {
	const update = useUpdateNodeInternals();
	const was = useRef(loop);
	useEffect(() => {
		if (was.current === loop) return;
		was.current = loop;
		update(id);
	}, [id, loop, update]);
}

export function StepNode({ id, data, selected }: NodeProps<Node<StepNodeData>>) {
	useHandlesChanged(id, data.loop);
	const cls = ['node', 'step-node', `state-${data.state}`];
	if (isFailed(data.state)) cls.push('failed');
	if (data.optional) cls.push('optional');
	if (data.disabled) cls.push('disabled');
	if (data.earlier) cls.push('earlier');
	if (selected) cls.push('selected');
	return (
		<div className={cls.join(' ')} data-testid={`node-step-${data.name}`} data-state={data.state} data-earlier={String(data.earlier)} data-fresh={data.fresh?.state ?? ''}>
			<Handle type="target" position={Position.Left} />
			<Handle type="target" position={Position.Top} id="param" className="param-handle" />
			{data.loop && <Handle type="target" position={Position.Left} id="over" className="loop-handle" style={{ top: '82%' }} title="loop over (a folder)" />}
			{data.loop && <Handle type="source" position={Position.Right} id="into" className="loop-handle" style={{ top: '82%' }} title="loop into (a folder)" />}
			{/* elementtiming: the page's first paint of a step (bench-web.mjs) */}
			<div className="title" {...ELEMENT_TIMING}>
				{data.loop && <Repeat className="icon" size={12} aria-label="runs once per file" />}
				{data.name}
			</div>
			<div className="sub" title={data.current ?? data.task} data-testid={data.current ? `item-${data.name}` : undefined}>
				{data.current ?? data.task}
			</div>
			<div className="state" data-testid={`state-${data.name}`} title={data.earlier && data.run ? `from an earlier run (${data.run})` : undefined}>
				{stateLabel(data)}
			</div>
			{/* Running, its state says it: not "stale" (its stamp says "running now"). */}
			{!(data.state === 'running' && !data.earlier) && <FreshBadge id={data.name} fresh={data.fresh} />}
			<Handle type="source" position={Position.Right} />
		</div>
	);
}

export function DataNode({ data, selected }: NodeProps<Node<DataNodeData>>) {
	const cls = ['node', 'data-node', data.url ? 'url' : data.exists ? 'exists' : 'missing'];
	if (selected) cls.push('selected');
	return (
		<div className={cls.join(' ')} data-testid={`node-data-${data.name}`} data-exists={String(data.exists)} data-fresh={data.fresh?.state ?? ''}>
			<Handle type="target" position={Position.Left} />
			<div className="title">
				{data.url && <Link className="icon" size={12} aria-label="URL" data-testid={`url-${data.name}`} />}
				{data.name}
			</div>
			<div className="sub">{data.type ?? (data.kind === 'dir' ? 'folder' : 'data')}</div>
			<FreshBadge id={`data-${data.name}`} fresh={data.fresh} />
			<Handle type="source" position={Position.Right} />
		</div>
	);
}

export function ParamNode({ data, selected }: NodeProps<Node<ParamNodeData>>) {
	return (
		<div className={`node param-node${selected ? ' selected' : ''}`} data-testid={`node-param-${data.name}`} style={{ width: data.width }} title={`${data.name} = ${data.value}`}>
			<div className="title">
				{data.name} = <span className="value">{data.value}</span>
			</div>
			<Handle type="source" position={Position.Bottom} />
		</div>
	);
}

export function GroupNode({ data }: NodeProps<Node<GroupNodeData>>) {
	return (
		<div className="group-node" data-testid={`node-group-${data.name}`} style={{ width: data.width, height: data.height }}>
			<div className="group-label">{data.name}</div>
		</div>
	);
}

/**
 * Same node, same look: toFlow makes new data objects on every change of
 * the run or freshness, so a node is drawn again only when one of its
 * fields changed (with 1000 nodes, most of them did not).
 */
function sameNode(a: NodeProps, b: NodeProps): boolean {
	if (a.selected !== b.selected || a.id !== b.id) return false;
	const x = a.data as Record<string, unknown>;
	const y = b.data as Record<string, unknown>;
	const keys = Object.keys(x);
	const same = (k: string) => {
		if (x[k] === y[k]) return true;
		const f = x[k] as NodeFresh | null, g = y[k] as NodeFresh | null;
		return k === 'fresh' && !!f && !!g && f.state === g.state && f.reason === g.reason;
	};
	return keys.length === Object.keys(y).length && keys.every(same);
}

export const nodeTypes = {
	step: memo(StepNode, sameNode),
	data: memo(DataNode, sameNode),
	param: memo(ParamNode, sameNode),
	group: memo(GroupNode, sameNode),
};
