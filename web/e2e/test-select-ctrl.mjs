// SPDX-License-Identifier: MIT
// Ctrl+click adds a node to the selection even when the click comes at
// once after the key press. React Flow learns of the held key from a key
// event through a state and an effect, which the page's Preact runs in a
// task of its own: a click handled before that task replaced the
// selection (with the CPU slowed 6 times, 3 tries in 10). The editor now
// takes the modifier keys from the pointer event itself. Twelve tries,
// each on a freshly loaded page.
export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond', 'sel');
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
	for (let i = 0; i < 12; i++) {
		await page.goto(L.openUi(env, `${dir}/experiment.yml`));
		await page.waitForSelector('[data-testid="node-step-letters"]');
		await L.clickNode(page, 'node-step-letters');
		await page.click('[data-testid="node-data-letters"]', { modifiers: ['Control'] });
		await L.waitFor(`try ${i}: both nodes selected`, async () => {
			const ids = await page.$$eval('.react-flow__node.selected', (ns) => ns.map((n) => n.getAttribute('data-id')).sort());
			return ids.join(' ') === 'data:letters step:letters';
		});
	}
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
}
