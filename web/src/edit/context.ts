// SPDX-License-Identifier: MIT
// The editing API that every editing feature uses: a change is a list of
// pipeline.save edits (docs/protocol.md) applied as one undoable step.
// The provider is the editor (App.tsx, from an EditStore); features call
// useEditing() and never talk to the daemon about edits themselves.
import { createContext, useContext } from 'react';

/** One pipeline.save edit object (docs/protocol.md, "Edits"). */
export type Edit = { op: 'set' | 'add' | 'remove' | 'rename' | 'move' | 'group'; [k: string]: unknown };

export interface Editing {
	/** One undoable change (not yet saved). */
	apply(edits: Edit[], label: string): void;
	/** There are changes not saved yet. */
	readonly dirty: boolean;
	/** Why editing is off (null when allowed). */
	readonly readOnly: string | null;
	/** How many changes the daemon refused so far (each one taken back). */
	readonly refused: number;
}

export const EditingContext = createContext<Editing | null>(null);

export function useEditing(): Editing | null {
	return useContext(EditingContext);
}
