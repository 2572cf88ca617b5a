// SPDX-License-Identifier: MIT
// How editor features change the pipeline: they compute pipeline.save
// edit objects (docs/protocol.md, "pipeline.save") and hand them to the
// Editing of the context as one change. Who applies them (at once, or
// kept as pending, undoable edits until saved) is the provider's affair;
// features only call apply().
import { createContext, useContext } from 'react';

export type Edit = { op: 'set' | 'add' | 'remove' | 'rename' | 'move' | 'group'; [k: string]: unknown }; // pipeline.save edit objects

export interface Editing {
	apply(edits: Edit[], label: string): void; // one undoable change (not yet saved)
	readonly dirty: boolean;
	readonly readOnly: string | null; // why editing is off (null when allowed)
}

export const EditingContext = createContext<Editing | null>(null);

export function useEditing(): Editing | null {
	return useContext(EditingContext);
}
