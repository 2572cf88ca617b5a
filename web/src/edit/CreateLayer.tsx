// SPDX-License-Identifier: MIT
// Creating nodes on the canvas: a task dropped from the task browser
// becomes a step at the drop point; Tab with the pointer over the canvas
// opens the node picker there; the buttons at the canvas's top left (and
// the picker's "data node" and "parameter") open the dialogs that add
// those. Everything goes through useEditing().apply as one change.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { useReactFlow } from '@xyflow/react';
import { Database, SlidersHorizontal } from 'lucide-react';
import type { RpcClient } from '../rpc/client';
import type { PipelineModel } from '../types';
import { NODE_SIZE } from '../graph/build';
import { useEditing } from './context';
import { addStepEdits, freeSpot } from './names';
import type { Point, TaskItem } from './names';
import { TASK_MIME } from './tasks';
import { NodePicker } from './NodePicker';
import type { PickerChoice } from './NodePicker';
import { DataForm, ParamForm } from './AddForms';

interface Props {
	rpc: RpcClient;
	model: PipelineModel;
	tasks: TaskItem[];
	pane: RefObject<HTMLElement | null>;
}

type Open = { what: 'picker'; px: Point; at: Point } | { what: 'data' | 'param'; at: Point } | null;

/** Is the focus in a field (where Tab means what it always means)? */
function typing(): boolean {
	const el = document.activeElement;
	return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || (el as HTMLElement).isContentEditable);
}

/** The centre of a free w x h place near the middle of the pane's view. */
export function freeNear(flow: ReturnType<typeof useReactFlow>, pane: HTMLElement, w: number, h: number): Point {
	const r = pane.getBoundingClientRect();
	const c = flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 3 });
	const boxes = flow
		.getNodes()
		.filter((n) => n.type !== 'group')
		.map((n) => ({ x: n.position.x, y: n.position.y, width: n.measured?.width ?? n.width ?? 200, height: n.measured?.height ?? n.height ?? 60 }));
	return freeSpot(c, w, h, boxes);
}

/** Adds a step for a task at a graph point, centred there. */
export function useAddStep(model: PipelineModel) {
	const editing = useEditing();
	return useCallback(
		(task: TaskItem, centre: Point) => {
			if (!editing || editing.readOnly) return;
			const { name, edits } = addStepEdits(model, task, { x: centre.x - NODE_SIZE.step.width / 2, y: centre.y - NODE_SIZE.step.height / 2 });
			editing.apply(edits, `add step ${name}`);
		},
		[editing, model],
	);
}

export function CreateLayer({ rpc, model, tasks, pane }: Props) {
	const editing = useEditing();
	const flow = useReactFlow();
	const [open, setOpen] = useState<Open>(null);
	const isOpen = useRef(false);
	isOpen.current = open !== null;
	const pointer = useRef<{ x: number; y: number; inside: boolean }>({ x: 0, y: 0, inside: false });
	const addStep = useAddStep(model);
	const canEdit = !!editing && !editing.readOnly;

	/** A free place near the middle of the visible canvas (graph coordinates, top left of a w x h node). */
	const middle = useCallback(
		(w: number, h: number): Point => {
			const c = freeNear(flow, pane.current!, w, h);
			return { x: c.x - w / 2, y: c.y - h / 2 };
		},
		[flow, pane],
	);

	useEffect(() => {
		const el = pane.current;
		if (!el || !canEdit) return;
		const move = (e: MouseEvent) => (pointer.current = { x: e.clientX, y: e.clientY, inside: true });
		const leave = () => (pointer.current.inside = false);
		const over = (e: DragEvent) => {
			if (e.dataTransfer?.types.includes(TASK_MIME)) {
				e.preventDefault();
				e.dataTransfer.dropEffect = 'copy';
			}
		};
		const drop = (e: DragEvent) => {
			const raw = e.dataTransfer?.getData(TASK_MIME);
			if (!raw) return;
			e.preventDefault();
			addStep(JSON.parse(raw) as TaskItem, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
		};
		const key = (e: KeyboardEvent) => {
			if (e.key !== 'Tab' || e.ctrlKey || e.metaKey || e.altKey || typing() || isOpen.current) return;
			const inPane = el.contains(document.activeElement);
			if (!pointer.current.inside && !inPane) return;
			e.preventDefault();
			const r = el.getBoundingClientRect();
			const p = pointer.current.inside ? pointer.current : { x: r.left + r.width / 2, y: r.top + r.height / 2 };
			// The picker stays inside the pane; the node goes where the pointer is.
			const px = { x: Math.max(0, Math.min(p.x - r.left, r.width - 350)), y: Math.max(0, Math.min(p.y - r.top, r.height - 310)) };
			setOpen({ what: 'picker', px, at: flow.screenToFlowPosition({ x: p.x, y: p.y }) });
		};
		el.addEventListener('mousemove', move);
		el.addEventListener('mouseleave', leave);
		el.addEventListener('dragover', over);
		el.addEventListener('drop', drop);
		document.addEventListener('keydown', key);
		return () => {
			el.removeEventListener('mousemove', move);
			el.removeEventListener('mouseleave', leave);
			el.removeEventListener('dragover', over);
			el.removeEventListener('drop', drop);
			document.removeEventListener('keydown', key);
		};
	}, [pane, flow, addStep, canEdit]);

	const pick = (c: PickerChoice) => {
		if (!open || open.what !== 'picker') return;
		if (c.kind === 'task') {
			addStep(c.task, open.at);
			setOpen(null);
		} else setOpen({ what: c.kind, at: open.at });
	};
	if (!canEdit) return null;
	return (
		<>
			<div className="create-bar">
				<button data-testid="add-data-button" onClick={() => setOpen({ what: 'data', at: middle(NODE_SIZE.data.width, NODE_SIZE.data.height) })} title="Add a data node (a file or folder)">
					<Database size={13} className="icon" /> Data
				</button>
				<button data-testid="add-param-button" onClick={() => setOpen({ what: 'param', at: middle(NODE_SIZE.param.width, NODE_SIZE.param.height) })} title="Add a parameter">
					<SlidersHorizontal size={13} className="icon" /> Parameter
				</button>
			</div>
			{open?.what === 'picker' && <NodePicker at={open.px} tasks={tasks} onPick={pick} onClose={() => setOpen((o) => (o?.what === 'picker' ? null : o))} />}
			{open?.what === 'data' && <DataForm rpc={rpc} model={model} at={open.at} onClose={() => setOpen(null)} />}
			{open?.what === 'param' && <ParamForm rpc={rpc} model={model} at={open.at} onClose={() => setOpen(null)} />}
		</>
	);
}
