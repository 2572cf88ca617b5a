// SPDX-License-Identifier: MIT
// A question asked inside the page (never the browser's confirm()):
// "Save and run?", "Discard your changes?". ask() resolves with the value
// of the button pressed; Escape is the last button (cancel).
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export type Choice<T> = { label: string; value: T; testid: string };
type Question = { text: ReactNode; choices: Choice<unknown>[]; done: (v: unknown) => void };

export function useAsk(): [ReactNode, <T>(text: ReactNode, choices: Choice<T>[]) => Promise<T>] {
	const [q, setQ] = useState<Question | null>(null);
	const ask = useCallback(
		<T,>(text: ReactNode, choices: Choice<T>[]) =>
			new Promise<T>((resolve) => {
				setQ({
					text,
					choices: choices as Choice<unknown>[],
					done: (v) => {
						setQ(null);
						resolve(v as T);
					},
				});
			}),
		[],
	);
	// The first button takes the focus as the question is put on the page
	// (the autofocus attribute only works once per page): Enter answers it.
	const first = useRef<HTMLButtonElement>(null);
	useLayoutEffect(() => first.current?.focus(), [q]);
	useEffect(() => {
		if (!q) return;
		const onKey = (e: KeyboardEvent) => {
			if (e.key === 'Escape') q.done(q.choices[q.choices.length - 1].value);
		};
		window.addEventListener('keydown', onKey);
		return () => window.removeEventListener('keydown', onKey);
	}, [q]);
	const el = q ? (
		<div className="ask-backdrop">
			<div className="ask" role="dialog" aria-modal="true" data-testid="ask">
				<p>{q.text}</p>
				<div className="buttons">
					{q.choices.map((c, i) => (
						<button key={c.testid} ref={i === 0 ? first : undefined} data-testid={c.testid} onClick={() => q.done(c.value)}>
							{c.label}
						</button>
					))}
				</div>
			</div>
		</div>
	) : null;
	return [el, ask];
}
