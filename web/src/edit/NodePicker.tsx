// SPDX-License-Identifier: MIT
// The keyboard node picker: Tab on the canvas opens it at the pointer; it
// searches (fuzzy) over the task scripts and the two other kinds of node
// ("data node", "parameter"); arrows move, Enter creates, Esc closes. A
// combobox with a listbox of options, so screen readers follow it.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Database, FileCode, SlidersHorizontal } from 'lucide-react';
import { fuzzyScore } from './names';
import type { TaskItem } from './names';

export type PickerChoice = { kind: 'task'; task: TaskItem } | { kind: 'data' } | { kind: 'param' };

interface Props {
	/** where it opens, in the canvas pane's pixels */
	at: { x: number; y: number };
	tasks: TaskItem[];
	onPick: (c: PickerChoice) => void;
	onClose: () => void;
}

type Option = { id: string; label: string; sub: string; choice: PickerChoice };

/** Options for query, best first (tasks, then the two node kinds). */
export function pickerOptions(tasks: TaskItem[], query: string): Option[] {
	const all: Option[] = [
		...tasks.map((t): Option => ({ id: `task:${t.path}`, label: t.path, sub: t.description ?? t.language, choice: { kind: 'task', task: t } })),
		{ id: 'new:data', label: 'data node', sub: 'a file or folder the steps read or write', choice: { kind: 'data' } },
		{ id: 'new:param', label: 'parameter', sub: 'a named value steps use as $name', choice: { kind: 'param' } },
	];
	if (query === '') return all;
	return all
		.map((o) => ({ o, s: fuzzyScore(query, o.label) }))
		.filter((x) => x.s !== null)
		.sort((a, b) => b.s! - a.s!)
		.map((x) => x.o);
}

export function NodePicker({ at, tasks, onPick, onClose }: Props) {
	const [query, setQuery] = useState('');
	const [active, setActive] = useState(0);
	const input = useRef<HTMLInputElement>(null);
	const options = useMemo(() => pickerOptions(tasks, query), [tasks, query]);
	// Focused as it is put on the page: an effect would run in a task
	// after painting, and keys typed at once after Tab would be lost.
	useLayoutEffect(() => input.current?.focus(), []);
	useEffect(() => setActive(0), [query]);
	useEffect(() => {
		document.getElementById(`picker-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
	}, [active]);

	const onKey = (e: React.KeyboardEvent) => {
		if (e.key === 'ArrowDown' || (e.key === 'Tab' && !e.shiftKey)) {
			e.preventDefault();
			setActive((a) => Math.min(a + 1, options.length - 1));
		} else if (e.key === 'ArrowUp' || (e.key === 'Tab' && e.shiftKey)) {
			e.preventDefault();
			setActive((a) => Math.max(a - 1, 0));
		} else if (e.key === 'Enter') {
			e.preventDefault();
			if (options[active]) onPick(options[active].choice);
		} else if (e.key === 'Escape') {
			e.preventDefault();
			onClose();
		}
		e.stopPropagation();
	};
	return (
		<div className="node-picker" style={{ left: at.x, top: at.y }} data-testid="node-picker" onMouseDown={(e) => e.stopPropagation()}>
			<input
				ref={input}
				role="combobox"
				aria-expanded="true"
				aria-controls="node-picker-list"
				aria-activedescendant={options[active] ? `picker-opt-${active}` : undefined}
				aria-label="Add a node: type to search"
				placeholder="Add: task, data node, parameter…"
				value={query}
				onChange={(e) => setQuery(e.target.value)}
				onKeyDown={onKey}
				onBlur={onClose}
			/>
			<ul id="node-picker-list" role="listbox" aria-label="Nodes to add">
				{options.map((o, i) => (
					<li
						key={o.id}
						id={`picker-opt-${i}`}
						role="option"
						aria-selected={i === active}
						className={i === active ? 'active' : ''}
						onMouseDown={(e) => {
							e.preventDefault();
							onPick(o.choice);
						}}
						onMouseEnter={() => setActive(i)}
					>
						{o.choice.kind === 'task' ? <FileCode size={13} className="icon" /> : o.choice.kind === 'data' ? <Database size={13} className="icon" /> : <SlidersHorizontal size={13} className="icon" />}
						<span className="picker-label">{o.label}</span>
						<span className="picker-sub hint">{o.sub}</span>
					</li>
				))}
				{options.length === 0 && <li className="hint">nothing matches</li>}
			</ul>
		</div>
	);
}
