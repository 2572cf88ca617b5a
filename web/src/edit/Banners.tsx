// SPDX-License-Identifier: MIT
// What the edit store has to say above the graph: a conflict (the file
// changed on disk under unsaved changes) with the line diff of what
// saving would do to the file as it is now, and Reload / Save over it;
// a change the saver refused; a save of an invalid pipeline.
import type { EditState, EditStore } from './store';
import { hunks, lineDiff } from './diff';

export function EditBanners({ store, state }: { store: EditStore; state: EditState }) {
	const c = state.conflict;
	return (
		<>
			{c && (
				<div className="banner error conflict" data-testid="conflict">
					<strong>The file changed on disk while you had unsaved changes.</strong>{' '}
					{c.busy
						? 'Comparing…'
						: c.error
							? `Your changes cannot be applied to it (${c.error}); reload it and make them again.`
							: 'Reload it (your changes are dropped), or save your changes over it: these lines of the file on disk would change.'}
					<div className="buttons">
						<button data-testid="conflict-reload" onClick={() => store.reload()}>
							Reload from disk
						</button>
						{!c.busy && !c.error && (
							<button data-testid="conflict-overwrite" onClick={() => void store.overwrite()}>
								Save my changes over it
							</button>
						)}
					</div>
					{!c.busy && c.disk !== null && c.mine !== null && <Diff from={c.disk} to={c.mine} />}
				</div>
			)}
			{state.error && (
				<div className="banner error" data-testid="edit-error">
					{state.error}
				</div>
			)}
			{state.notice && (
				<div className="banner warn" data-testid="save-notice">
					{state.notice}
				</div>
			)}
		</>
	);
}

function Diff({ from, to }: { from: string; to: string }) {
	const h = hunks(lineDiff(from, to));
	if (h.length === 0) return <p data-testid="conflict-diff">Saving would change nothing in the file on disk.</p>;
	return (
		<pre className="diff" data-testid="conflict-diff">
			{h.map((l, i) =>
				l === null ? (
					<div key={i} className="diff-gap">
						…
					</div>
				) : (
					<div key={i} className={`diff-${l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : 'same'}`}>
						{l.kind} {l.text}
					</div>
				),
			)}
		</pre>
	);
}
