// SPDX-License-Identifier: MIT
// A property value the daemon's saver refuses (a parameter typed as
// broken YAML) is taken back with the reason shown, and Enter with the
// same text sends it again (it used to be ignored until Escape: the
// field took it for the commit already made, as the value shown never
// changed). The test counts the dry runs carrying the text on the wire.
import * as E from './edit-lib.mjs';

const BAD = '[1, 2';

export default async function ({ L, tmp, env, page }) {
	let sent = 0;
	await page.routeWebSocket(/\/ws/, (ws) => {
		const server = ws.connectToServer();
		ws.onMessage((m) => {
			const r = JSON.parse(m);
			if (r.method === 'pipeline.save' && JSON.stringify(r.params.edits).includes(BAD)) sent++;
			server.send(m);
		});
		server.onMessage((m) => ws.send(m));
	});
	const dir = L.copyExample(tmp, 'parameters');
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-param-learning_rate"]');
	await E.select(L, page, 'node-param-learning_rate');
	const undos = async () => Number(await page.getAttribute('[data-testid="undo"]', 'data-count'));

	await E.setField(page, 'prop-param-value', BAD);
	await L.waitFor('refused', async () => ((await page.textContent('[data-testid="edit-error"]').catch(() => '')) ?? '').includes('cannot set learning_rate'));
	L.check(sent === 1, `${sent} dry runs of the value, not 1`);
	L.check((await undos()) === 0, 'the refused change is still pending');
	L.check((await page.inputValue('[data-testid="prop-param-value"]')) === BAD, 'the field lost the typed text');

	await page.press('[data-testid="prop-param-value"]', 'Enter');
	await L.waitFor('sent again', async () => sent === 2, 10);
	await L.waitFor('refused again', async () => (await undos()) === 0);

	// A good value after it is taken as usual.
	await E.setField(page, 'prop-param-value', '0.5');
	await L.waitFor('value shown', async () => (await page.textContent('[data-testid="node-param-learning_rate"]')).includes('0.5'));
}
