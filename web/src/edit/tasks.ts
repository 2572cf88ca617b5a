// SPDX-License-Identifier: MIT
// The task scripts the pipeline can use (task.list), asked again when the
// pipeline is reloaded (version changes), and the drag-and-drop format
// that carries one onto the canvas.
import { useEffect, useState } from 'react';
import type { RpcClient } from '../rpc/client';
import type { TaskItem } from './names';

/** dataTransfer type of a task dragged from the task browser. */
export const TASK_MIME = 'application/x-loom-task';

export interface TaskList {
	tasks: TaskItem[];
	truncated: boolean;
	error: string | null;
}

export function useTasks(rpc: RpcClient, file: string | null, version: number | string | null): TaskList {
	const [list, setList] = useState<TaskList>({ tasks: [], truncated: false, error: null });
	useEffect(() => {
		if (!file) return;
		let live = true;
		rpc
			.call<{ tasks: TaskItem[]; truncated: boolean }>('task.list', { file })
			.then((r) => live && setList({ tasks: r.tasks, truncated: r.truncated, error: null }))
			.catch((e: Error) => live && setList({ tasks: [], truncated: false, error: e.message }));
		return () => {
			live = false;
		};
	}, [rpc, file, version]);
	return list;
}
