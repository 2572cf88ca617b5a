// SPDX-License-Identifier: MIT
// Keys typed at once after Tab opens the node picker go into its search
// field; so do keys typed at once after a button opens a dialog or a
// question (the name field, its suggestion selected; the first answer).
// Each took the focus with the autofocus attribute, which only works
// once per page, or in an effect. The field took the focus in an effect, which the page's Preact
// runs in a task of its own after painting: a key arriving first went to
// the canvas and was lost ("param" typed, the picker still offering the
// first task). The field now takes the focus as it is put on the page.
// Ten tries with the CPU slowed 6 times: Tab, "param", Enter must open
// the parameter dialog; Escape closes it before the next try.
import * as E from './edit-lib.mjs';

export default async function ({ L, tmp, env, page }) {
	await E.openCopy(L, tmp, env, page);
	const pane = await page.locator('.react-flow__pane').boundingBox();
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
	for (let i = 0; i < 10; i++) {
		await page.mouse.move(pane.x + 300, pane.y + 60);
		await page.keyboard.press('Tab');
		await page.keyboard.type('param');
		await page.keyboard.press('Enter');
		await L.waitFor(`try ${i}: the parameter dialog`, async () =>
			(await page.locator('[data-testid="add-param"]').count()) === 1);
		await page.click('[data-testid="add-param"] button[type="button"]');
		await L.waitFor(`try ${i}: the dialog closed`, async () =>
			(await page.locator('[data-testid="add-param"]').count()) === 0);
	}
	// The parameter dialog: the name typed replaces the suggested one.
	await page.click('[data-testid="add-param-button"]');
	await page.keyboard.type('epochs');
	L.check((await page.inputValue('[data-testid="add-param"] [name="name"]')) === 'epochs',
		`the name field did not take the typing: "${await page.inputValue('[data-testid="add-param"] [name="name"]')}"`);
	await page.fill('[data-testid="add-param"] [name="value"]', '3');
	await page.click('[data-testid="add-param-ok"]');
	await page.waitForSelector('[data-testid="node-param-epochs"]');
	// Unsaved: Run all asks first, its first answer focused.
	await page.click('[data-testid="run-all"]');
	await page.waitForSelector('[data-testid="ask"]');
	const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
	L.check(focused === 'ask-save-run', `the question's first answer is not focused: ${focused}`);
	await page.keyboard.press('Escape');
	await L.waitFor('the question closed', async () => (await page.locator('[data-testid="ask"]').count()) === 0);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
}
