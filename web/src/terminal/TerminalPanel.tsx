// SPDX-License-Identifier: MIT
// The terminal panel: one tab per step that has output, an xterm.js
// terminal showing the selected tab's bytes exactly as the step wrote
// them (colours, \r progress bars). Switching tabs replays that step's
// buffer from the OutputStore.
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { OutputStore } from './store';
import type { StepRun } from '../runs';

/** RIS: a full terminal reset, in band. */
const RESET = '\x1bc';

interface Props {
	store: OutputStore;
	active: string | null;
	onSelect: (step: string) => void;
	states: Record<string, StepRun>;
}

export function TerminalPanel({ store, active, onSelect, states }: Props) {
	const host = useRef<HTMLDivElement>(null);
	const term = useRef<Terminal | null>(null);
	const fit = useRef<FitAddon | null>(null);
	const [tabs, setTabs] = useState<string[]>(store.steps());
	const activeRef = useRef(active);
	activeRef.current = active;

	useEffect(() => {
		const t = new Terminal({
			convertEol: true,
			scrollback: 5000,
			fontSize: 12,
			fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
			theme: { background: '#11151c' },
			disableStdin: true,
		});
		const f = new FitAddon();
		t.loadAddon(f);
		t.open(host.current!);
		term.current = t;
		fit.current = f;
		try {
			f.fit();
		} catch {
			/* not laid out yet */
		}
		const ro = new ResizeObserver(() => {
			try {
				f.fit();
			} catch {
				/* hidden */
			}
		});
		ro.observe(host.current!);
		return () => {
			ro.disconnect();
			t.dispose();
			term.current = null;
		};
	}, []);

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
			if (step !== activeRef.current || !term.current) return;
			if (chunk === null) term.current.write(RESET);
			else term.current.write(chunk);
		});
	}, [store]);

	useEffect(() => {
		const t = term.current;
		if (!t) return;
		t.write(RESET);
		if (active) for (const c of store.get(active)) t.write(c);
	}, [active, store]);

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
						className={`tab state-${states[s]?.state ?? 'idle'}${s === active ? ' active' : ''}`}
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
