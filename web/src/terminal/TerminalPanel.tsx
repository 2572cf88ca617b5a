// SPDX-License-Identifier: MIT
// The terminal panel: one tab per step that has output, an xterm.js
// terminal showing the selected tab's bytes exactly as the step wrote
// them (colours, \r progress bars). Switching tabs replays that step's
// buffer from the OutputStore. xterm.js itself is loaded on demand.
import { useEffect, useRef, useState } from 'react';
import type { OpenTerminal } from './xterm';
import type { OutputStore } from './store';
import { isFailed } from '../runs';
import type { StepRun } from '../runs';
import type { StepState } from '../types';

/** RIS: a full terminal reset, in band. */
const RESET = '\x1bc';

interface Props {
	store: OutputStore;
	active: string | null;
	onSelect: (step: string) => void;
	states: Record<string, StepRun>;
	/** loop items' tabs (step/file): each item's own state */
	itemStates: Record<string, StepState>;
}

export function TerminalPanel({ store, active, onSelect, states, itemStates }: Props) {
	const host = useRef<HTMLDivElement>(null);
	const term = useRef<OpenTerminal | null>(null);
	const [tabs, setTabs] = useState<string[]>(store.steps());
	const activeRef = useRef(active);
	activeRef.current = active;
	// xterm.js is loaded when a tab is first shown (./xterm, a chunk of
	// its own); the terminal is created by the replay below, so no chunk
	// is written both before and by the replay.
	const [xterm, setXterm] = useState<typeof import('./xterm') | null>(null);
	const loading = useRef(false);
	useEffect(() => {
		if (!active || loading.current) return;
		loading.current = true;
		void import('./xterm').then((m) => setXterm(() => m));
	}, [active]);
	useEffect(
		() => () => {
			term.current?.dispose();
			term.current = null;
		},
		[],
	);

	// xterm parses what it is given later, from a queue; reset() acts at
	// once and would leave queued chunks to be drawn after it, then
	// drawn again by the replay. A full reset (ESC c) sent through the
	// same queue keeps the order: whatever was queued before is wiped.
	useEffect(() => {
		return store.subscribe((step, chunk) => {
			setTabs((old) => {
				const now = store.steps();
				return old.length === now.length && old.every((x, i) => x === now[i]) ? old : now;
			});
			const t = term.current?.term;
			if (step !== activeRef.current || !t) return;
			if (chunk === null) t.write(RESET);
			else t.write(chunk);
		});
	}, [store]);

	useEffect(() => {
		if (!xterm || !host.current) return;
		if (!term.current) term.current = xterm.openTerminal(host.current);
		const t = term.current.term;
		t.write(RESET);
		if (active) for (const c of store.get(active)) t.write(c);
	}, [active, store, xterm]);

	// A tab's state: a loop item's own, else its step's.
	const stateOf = (s: string): StepState => itemStates[s] ?? states[s]?.state ?? 'idle';
	return (
		<div className="terminal-panel">
			<div className="tabs" role="tablist">
				{tabs.length === 0 && <span className="hint">Output of steps appears here when they run.</span>}
				{tabs.map((s) => (
					<button
						key={s}
						role="tab"
						data-testid={`tab-${s}`}
						aria-selected={s === active}
						className={`tab state-${stateOf(s)}${isFailed(stateOf(s)) ? ' failed' : ''}${s === active ? ' active' : ''}`}
						data-state={stateOf(s)}
						onClick={() => onSelect(s)}
					>
						{s}
					</button>
				))}
			</div>
			<div className="xterm-host" data-testid="terminal" ref={host} />
		</div>
	);
}
