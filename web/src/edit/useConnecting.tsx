// SPDX-License-Identifier: MIT
// React Flow's connection gestures turned into edits (connect.ts): a new
// connection, a reconnected edge end, an edge end dropped on empty space
// (the connection is removed), a step's output dropped on empty space (a
// new data entry there). A refused connection shows its reason beside
// the handle where it was dropped, never in a browser alert.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { Connection, Edge, FinalConnectionState, HandleType } from '@xyflow/react';
import type { PipelineModel } from '../types';
import type { Editing } from './context';
import { connectEdits, newOutput, withoutEdge } from './connect';
import type { Connected } from './connect';
import { deleteEdits, moveEdit } from './graph';

type Pointer = MouseEvent | TouchEvent;

function point(e: Pointer): { x: number; y: number } {
	const t = 'changedTouches' in e ? e.changedTouches[0] : (e as MouseEvent);
	return { x: t.clientX, y: t.clientY };
}

export function useConnecting(model: PipelineModel | null, editing: Editing, select: (id: string | null) => void) {
	const flow = useReactFlow();
	const [refusal, setRefusal] = useState<{ text: string; x: number; y: number } | null>(null);
	const pending = useRef<string | null>(null);
	const reconnected = useRef(true);

	const take = useCallback(
		(r: Connected) => {
			if ('refused' in r) {
				pending.current = r.refused;
				return;
			}
			editing.apply(r.edits, r.label);
			if (r.data) select(`data:${r.data}`);
		},
		[editing, select],
	);
	const onConnect = useCallback(
		(c: Connection) => {
			if (!model) return;
			if (editing.readOnly) pending.current = editing.readOnly;
			else take(connectEdits(model, c));
		},
		[model, editing, take],
	);
	const onConnectStart = useCallback(() => {
		pending.current = null;
		setRefusal(null);
	}, []);
	const onConnectEnd = useCallback(
		(e: Pointer, st: FinalConnectionState) => {
			const at = point(e);
			if (pending.current) {
				setRefusal({ text: pending.current, ...at });
				pending.current = null;
				return;
			}
			// A step's output dropped on empty space makes a data entry there.
			if (!st.isValid && !st.toNode && model && !editing.readOnly && st.fromNode?.type === 'step' && st.fromHandle?.type === 'source') {
				const r = newOutput(model, st.fromNode.id.slice(5));
				if ('refused' in r) return setRefusal({ text: r.refused, ...at });
				const p = flow.screenToFlowPosition(at);
				editing.apply([...r.edits, moveEdit(`data:${r.data}`, p.x, p.y - 22)], r.label);
				select(`data:${r.data}`);
			}
		},
		[model, editing, flow, select],
	);
	const onReconnectStart = useCallback(() => {
		reconnected.current = false;
		setRefusal(null);
	}, []);
	const onReconnect = useCallback(
		(old: Edge, c: Connection) => {
			reconnected.current = true;
			if (!model || editing.readOnly) return;
			if (old.source === c.source && old.target === c.target && old.sourceHandle === c.sourceHandle && old.targetHandle === c.targetHandle) return;
			const cut = deleteEdits(model, [], [old.id]);
			const r = connectEdits(withoutEdge(model, old.id), c);
			if ('refused' in r || cut.refused.length) pending.current = 'refused' in r ? r.refused : cut.refused[0];
			else editing.apply([...cut.edits, ...r.edits], `reconnect ${old.id.replace(/^[a-z]+:/, '')}`);
		},
		[model, editing],
	);
	const onReconnectEnd = useCallback(
		(e: Pointer, old: Edge, _h: HandleType, st: FinalConnectionState) => {
			const at = point(e);
			if (pending.current) {
				setRefusal({ text: pending.current, ...at });
				pending.current = null;
				return;
			}
			// An edge end dropped on empty space: the connection goes.
			if (!reconnected.current && !st.toNode && model && !editing.readOnly) {
				const cut = deleteEdits(model, [], [old.id]);
				if (cut.refused.length) setRefusal({ text: cut.refused[0], ...at });
				else if (cut.edits.length) editing.apply(cut.edits, `disconnect ${old.id.replace(/^[a-z]+:/, '')}`);
			}
			reconnected.current = true;
		},
		[model, editing],
	);
	const handlers = useMemo(
		() => ({ onConnect, onConnectStart, onConnectEnd, onReconnect, onReconnectStart, onReconnectEnd, edgesReconnectable: !editing.readOnly, nodesConnectable: !editing.readOnly }),
		[onConnect, onConnectStart, onConnectEnd, onReconnect, onReconnectStart, onReconnectEnd, editing.readOnly],
	);
	const el: ReactNode = refusal ? (
		<div className="refusal" data-testid="connect-refused" style={{ left: refusal.x + 12, top: refusal.y - 10 }}>
			{refusal.text}
		</div>
	) : null;
	return { handlers, refusal: el, clear: () => setRefusal(null) };
}
