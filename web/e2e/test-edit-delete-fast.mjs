// SPDX-License-Identifier: MIT
// Delete removes the node just clicked, even when the key comes at once
// after the click. The keys' handler is set again by an effect after each
// render, which the page's Preact runs in a task of its own: a key
// handled before that task used the handler of the render before, with
// the selection before (the node selected earlier was deleted instead;
// with the CPU slowed 6 times, most tries). The handler now reads the
// latest render's actions. Ten tries, each undone before the next.
import * as E from './edit-lib.mjs';

const count = (page, id) => page.locator(`[data-testid="${id}"]`).count();

export default async function ({ L, tmp, env, page }) {
	await page.setViewportSize({ width: 2300, height: 1000 });
	await E.openCopy(L, tmp, env, page);
	await page.click('[data-testid="fit"]');
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
	for (let i = 0; i < 10; i++) {
		await E.select(L, page, 'node-step-merge');
		await L.waitFor(`try ${i}: merge selected`, async () =>
			(await page.$$eval('.react-flow__node.selected', (ns) => ns.map((n) => n.getAttribute('data-id')).join(' '))) === 'step:merge');
		await L.clickNode(page, 'node-data-summary');
		await E.key(page, 'Delete');
		await L.waitFor(`try ${i}: summary deleted`, async () => (await count(page, 'node-data-summary')) === 0);
		if ((await count(page, 'node-step-merge')) !== 1) L.fail(`try ${i}: merge was deleted with summary or instead of it`);
		await E.key(page, 'Control+z');
		await L.waitFor(`try ${i}: summary back`, async () => (await count(page, 'node-data-summary')) === 1);
	}
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
}
