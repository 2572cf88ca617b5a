// SPDX-License-Identifier: MIT
// The graph's node components: steps (state colours, dashed when
// optional, animated border while running), data (green when the file
// exists, grey when not, a link mark for URLs), parameters and groups
// (labelled rectangles drawn behind their steps).
import { Handle, Position } from '@xyflow/react';
import type { NodeProps, Node } from '@xyflow/react';
import type { StepState } from '../types';

export type StepNodeData = {
	name: string;
	task: string;
	optional: boolean;
	disabled: boolean;
	loop: boolean;
	state: StepState;
	exitCode: number | null;
	signal: string | null;
};
export type DataNodeData = {
	name: string;
	type: string | null;
	exists: boolean;
	url: boolean;
	kind: string;
};
export type ParamNodeData = { name: string; value: string };
export type GroupNodeData = { name: string; width: number; height: number };

function stateLabel(d: StepNodeData): string {
	if (d.disabled) return 'disabled';
	if (d.state === 'failed' && d.exitCode !== null) return `failed (exit ${d.exitCode})`;
	if (d.state === 'failed' && d.signal) return `failed (${d.signal})`;
	return d.state;
}

export function StepNode({ data, selected }: NodeProps<Node<StepNodeData>>) {
	const cls = ['node', 'step-node', `state-${data.state}`];
	if (data.optional) cls.push('optional');
	if (data.disabled) cls.push('disabled');
	if (selected) cls.push('selected');
	return (
		<div className={cls.join(' ')} data-testid={`node-step-${data.name}`} data-state={data.state}>
			<Handle type="target" position={Position.Left} />
			<div className="title">
				{data.loop && <span className="badge" title="runs once per file">⟳</span>}
				{data.name}
			</div>
			<div className="sub" title={data.task}>{data.task}</div>
			<div className="state" data-testid={`state-${data.name}`}>{stateLabel(data)}</div>
			<Handle type="source" position={Position.Right} />
		</div>
	);
}

export function DataNode({ data, selected }: NodeProps<Node<DataNodeData>>) {
	const cls = ['node', 'data-node', data.url ? 'url' : data.exists ? 'exists' : 'missing'];
	if (selected) cls.push('selected');
	return (
		<div className={cls.join(' ')} data-testid={`node-data-${data.name}`} data-exists={String(data.exists)}>
			<Handle type="target" position={Position.Left} />
			<div className="title">
				{data.url && <span className="badge" title="URL">🔗</span>}
				{data.name}
			</div>
			<div className="sub">{data.type ?? (data.kind === 'dir' ? 'folder' : 'data')}</div>
			<Handle type="source" position={Position.Right} />
		</div>
	);
}

export function ParamNode({ data, selected }: NodeProps<Node<ParamNodeData>>) {
	return (
		<div className={`node param-node${selected ? ' selected' : ''}`} data-testid={`node-param-${data.name}`}>
			<div className="title">
				{data.name} = <span className="value">{data.value}</span>
			</div>
			<Handle type="source" position={Position.Right} />
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

export const nodeTypes = { step: StepNode, data: DataNode, param: ParamNode, group: GroupNode };
