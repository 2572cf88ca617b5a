// SPDX-License-Identifier: MIT
// The task browser: every task script task.list offers (any language
// Loom runs), with its description and the interface from its front
// matter (inputs, outputs, args with types and defaults). A task is
// dragged onto the canvas to create a step there (see edit/drop.ts), or
// added with its button at the middle of the view.
import { useState } from 'react';
import { FileCode, Plus } from 'lucide-react';
import type { TaskItem, TaskPort } from '../edit/names';
import { TASK_MIME } from '../edit/tasks';
import type { TaskList } from '../edit/tasks';

interface Props {
	list: TaskList;
	/** null when editing is off: tasks can be looked at, not added */
	onAdd: ((t: TaskItem) => void) | null;
	readOnly: string | null;
}

function PortList({ title, ports }: { title: string; ports: TaskPort[] }) {
	if (ports.length === 0) return null;
	return (
		<div className="task-ports">
			<span className="task-ports-title">{title}</span>
			{ports.map((p) => (
				<span key={p.name} className="task-port" title={p.description ?? undefined}>
					{p.name}
					{p.type && <span className="hint">: {p.type}</span>}
					{p.default !== null && <span className="hint"> = {p.default}</span>}
					{p.required && <span className="warn">*</span>}
				</span>
			))}
		</div>
	);
}

export function TaskBrowser({ list, onAdd, readOnly }: Props) {
	const [filter, setFilter] = useState('');
	const f = filter.toLowerCase();
	const shown = list.tasks.filter((t) => t.path.toLowerCase().includes(f) || (t.description ?? '').toLowerCase().includes(f));
	return (
		<div className="details task-browser" data-testid="task-browser">
			<h3>Tasks</h3>
			<p className="hint">{readOnly ?? 'Drag a task onto the canvas to add a step (or press Tab on the canvas).'}</p>
			<input className="task-filter" placeholder="Filter tasks" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter tasks" />
			{list.error && <p className="warn">cannot list the tasks: {list.error}</p>}
			{!list.error && list.tasks.length === 0 && <p className="hint">No task scripts in tasks/ beside the pipeline yet.</p>}
			<ul className="task-list">
				{shown.map((t) => (
					<li
						key={t.path}
						className="task-item"
						data-testid={`task-${t.path}`}
						draggable={onAdd !== null}
						onDragStart={(e) => {
							e.dataTransfer.setData(TASK_MIME, JSON.stringify(t));
							e.dataTransfer.effectAllowed = 'copy';
						}}
					>
						<div className="task-head">
							<FileCode size={14} className="icon" />
							<span className="task-path">{t.path}</span>
							<span className="task-lang hint">{t.language}</span>
							{onAdd && (
								<button className="task-add" title={`Add a step running ${t.path}`} aria-label={`Add ${t.path}`} onClick={() => onAdd(t)}>
									<Plus size={12} />
								</button>
							)}
						</div>
						{t.description && <div className="task-desc">{t.description}</div>}
						{t.interface && (
							<>
								<PortList title="in" ports={t.interface.inputs} />
								<PortList title="out" ports={t.interface.outputs} />
								<PortList title="args" ports={t.interface.args} />
							</>
						)}
					</li>
				))}
			</ul>
			{list.truncated && <p className="hint">Only the first 1,000 scripts are listed.</p>}
		</div>
	);
}
