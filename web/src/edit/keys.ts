// SPDX-License-Identifier: MIT
// The editing keys: Ctrl/Cmd+S saves, Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z
// and Ctrl/Cmd+Y redo, Delete and Backspace delete the selection,
// Ctrl/Cmd+C and Ctrl/Cmd+V copy and paste the selected nodes. Keys
// typed into a field (properties panel) stay the field's, except
// Ctrl/Cmd+S, which saves from anywhere.
import { useEffect, useRef } from 'react';

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

// The listener is added once and calls the actions of the latest render
// (kept in a ref during the render). Set again by an effect after each
// render instead, a key pressed right after a click could reach the
// listener of the render before, which Preact replaces only in a task of
// its own: Delete then removed the node selected before the click.
export function useEditKeys(actions: EditKeys): void {
	const latest = useRef(actions);
	latest.current = actions;
	useEffect(() => {
		const onKey = (e: KeyboardEvent) => {
			const k = latest.current;
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
	}, []);
}
