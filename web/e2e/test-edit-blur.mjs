// SPDX-License-Identifier: MIT
// A property typed and committed with Enter is one change, even when the
// field then loses focus before the daemon's dry run of it has come back
// (the panel still shows the old value): a click on the pane right after
// Enter removes the field, whose blur used to commit the same value a
// second time, so that one Ctrl+Z seemed to do nothing (seen at random in
// e2e/test-edit-undo). The daemon's answers are held back while the
// value is typed, committed and the pane clicked, so the order is forced.
import * as E from './edit-lib.mjs';

export default async function ({ L, tmp, env, page }) {
	let hold = false;
	const held = [];
	await page.routeWebSocket(/\/ws/, (ws) => {
		const server = ws.connectToServer();
		ws.onMessage((m) => server.send(m));
		server.onMessage((m) => (hold ? held.push(m) : ws.send(m)));
		page.release = () => {
			hold = false;
			for (const m of held.splice(0)) ws.send(m);
		};
	});
	await E.openCopy(L, tmp, env, page);
	const undos = async () => Number(await page.getAttribute('[data-testid="undo"]', 'data-count'));
	await E.select(L, page, 'node-step-merge');

	hold = true;
	await E.setField(page, 'prop-step-description', 'Merge the counts');
	await page.click('[data-testid="graph"] .react-flow__pane', { position: { x: 5, y: 5 } });
	const n = await undos();
	page.release();
	L.check(n === 1, `Enter and then a click elsewhere made ${n} changes, not 1`);

	await E.key(page, 'Control+z');
	await L.waitFor('undone', async () => (await undos()) === 0);
	await L.waitFor('not dirty', async () => !(await E.dirty(page)));
}
