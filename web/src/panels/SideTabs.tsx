// SPDX-License-Identifier: MIT
// The side panel's two faces: the selected node's details, and the task
// browser. Selecting a node shows its details.
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';

interface Props {
	selected: string | null;
	details: ReactNode;
	tasks: ReactNode;
}

export function SideTabs({ selected, details, tasks }: Props) {
	const [tab, setTab] = useState<'details' | 'tasks'>('details');
	useEffect(() => {
		if (selected) setTab('details');
	}, [selected]);
	return (
		<>
			<div className="side-tabs" role="tablist">
				<button role="tab" aria-selected={tab === 'details'} data-testid="side-details" onClick={() => setTab('details')}>
					Details
				</button>
				<button role="tab" aria-selected={tab === 'tasks'} data-testid="side-tasks" onClick={() => setTab('tasks')}>
					Tasks
				</button>
			</div>
			<div role="tabpanel">{tab === 'details' ? details : tasks}</div>
		</>
	);
}
