// SPDX-License-Identifier: MIT
// xterm.js and its fit addon, loaded on demand: TerminalPanel imports
// this module with import() when a tab is first shown, so the page's
// first bundle (and its first frame) does not carry the terminal.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

export interface OpenTerminal {
	term: Terminal;
	dispose(): void;
}

/** A read-only terminal in host, kept fitted to its size. */
export function openTerminal(host: HTMLElement): OpenTerminal {
	const term = new Terminal({
		convertEol: true,
		scrollback: 5000,
		fontSize: 12,
		fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
		theme: { background: '#11151c' },
		disableStdin: true,
	});
	const fit = new FitAddon();
	term.loadAddon(fit);
	term.open(host);
	const refit = () => {
		try {
			fit.fit();
		} catch {
			/* not laid out yet, or hidden */
		}
	};
	refit();
	const ro = new ResizeObserver(refit);
	ro.observe(host);
	return {
		term,
		dispose() {
			ro.disconnect();
			term.dispose();
		},
	};
}
