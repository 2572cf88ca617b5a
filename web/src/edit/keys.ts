// SPDX-License-Identifier: MIT
// The editing keys: Ctrl/Cmd+S saves, Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z
// and Ctrl/Cmd+Y redo, Delete and Backspace delete the selection,
// Ctrl/Cmd+C and Ctrl/Cmd+V copy and paste the selected nodes. Keys
// typed into a field (properties panel) stay the field's, except
// Ctrl/Cmd+S, which saves from anywhere.
import { useEffect } from 'react';

export interface EditKeys {
	save(): void;
	undo(): void;
	redo(): void;
	remove(): void;
	copy(): void;
	paste(): void;
}

function inField(t: EventTarget | null): boolean {
	const el = t as HTMLElement | null;
	return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function useEditKeys(k: EditKeys): void {
	useEffect(() => {
		const onKey = (e: KeyboardEvent) => {
			const mod = e.ctrlKey || e.metaKey;
			const key = e.key.toLowerCase();
			if (mod && key === 's') {
				e.preventDefault();
				k.save();
				return;
			}
			if (inField(e.target) || document.querySelector('[data-testid="ask"]')) return;
			if (mod && key === 'z') {
				e.preventDefault();
				if (e.shiftKey) k.redo();
				else k.undo();
			} else if (mod && key === 'c' && !window.getSelection()?.toString()) {
				k.copy();
			} else if (mod && key === 'v') {
				e.preventDefault();
				k.paste();
			} else if (mod && key === 'y') {
				e.preventDefault();
				k.redo();
			} else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
				e.preventDefault();
				k.remove();
			}
		};
		window.addEventListener('keydown', onKey);
		return () => window.removeEventListener('keydown', onKey);
	}, [k]);
}
