// SPDX-License-Identifier: MIT
// The simplest Editing: every change is saved at once with pipeline.save
// (no pending edits, no undo). Saves go one after the other, each based
// on the version of the previous one (or of the last pipeline.open), so
// quick changes do not conflict with each other; the daemon's file.changed
// then reloads the graph. A pipeline that does not exist yet (`loomctl ui
// --new`) is created by its first save, which nothing watches yet: onSaved
// says so, and the editor loads it then.
import { useEffect, useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import type { RpcClient } from '../rpc/client';
import { EditingContext } from './context';
import type { Edit, Editing } from './context';

export interface SaveResult {
	file: string;
	version: string;
	written: boolean;
	ok: boolean;
	diagnostics: { message: string; line: number; column: number; severity: string }[];
}

interface Props {
	rpc: RpcClient;
	/** the open pipeline file (null: nothing to edit) */
	file: string | null;
	/** its version from pipeline.open (null: it does not exist yet) */
	version: string | null;
	/** why editing is off, if it is */
	readOnly: string | null;
	/** created: the save made the file (nothing watched it yet) */
	onSaved: (r: SaveResult, label: string, created: boolean) => void;
	onError: (message: string) => void;
	children: ReactNode;
}

export function DirectEditing({ rpc, file, version, readOnly, onSaved, onError, children }: Props) {
	const base = useRef<{ file: string | null; version: string | null }>({ file, version });
	const queue = useRef<Promise<void>>(Promise.resolve());
	const cb = useRef({ onSaved, onError });
	cb.current = { onSaved, onError };
	useEffect(() => {
		base.current = { file, version };
	}, [file, version]);

	const editing = useMemo<Editing>(
		() => ({
			dirty: false,
			readOnly: file ? readOnly : 'no pipeline is open',
			apply(edits: Edit[], label: string) {
				if (!file || readOnly) return;
				queue.current = queue.current.then(async () => {
					const b = base.current;
					if (b.file !== file) return;
					try {
						const r = await rpc.call<SaveResult>('pipeline.save', {
							file,
							edits,
							...(b.version === null ? { create: true } : { base_version: b.version }),
						});
						if (base.current.file === file) base.current = { file, version: r.version };
						cb.current.onSaved(r, label, b.version === null);
					} catch (e) {
						cb.current.onError(`cannot save (${label}): ${(e as Error).message}`);
					}
				});
			},
		}),
		[rpc, file, readOnly],
	);
	return <EditingContext.Provider value={editing}>{children}</EditingContext.Provider>;
}
