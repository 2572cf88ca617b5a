// SPDX-License-Identifier: MIT
// examples/failing in the editor: after "Run all", the failing step is
// shown failed with its exit code, its dependent is skipped (naming the
// failed step), the independent branch still succeeded, and the failed
// step's output is in its terminal tab.
export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'failing');
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-check"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="run-all"]');
	await L.waitFor('run finished', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'failed', 60);
	const states = {};
	for (const s of ['prepare', 'letters', 'check', 'merge']) states[s] = await L.stepState(page, s);
	L.check(states.prepare === 'succeeded' && states.letters === 'succeeded', `states: ${JSON.stringify(states)}`);
	L.check(states.check === 'failed', `check: ${states.check}`);
	L.check(states.merge === 'skipped', `merge: ${states.merge}`);
	const label = await page.textContent('[data-testid="state-check"]');
	L.check(/exit 1/.test(label), `failed step label: ${label}`);
	// Drawn in the failure colour, the node and its tab alike, and only
	// they: the same as any other way of failing (isFailed).
	const colour = (sel, prop) => page.$eval(sel, (el, p) => getComputedStyle(el)[p], prop);
	const fail = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--fail').trim());
	const rgb = await page.evaluate((c) => {
		const el = document.createElement('div');
		el.style.color = c;
		document.body.append(el);
		const v = getComputedStyle(el).color;
		el.remove();
		return v;
	}, fail);
	L.check((await colour('[data-testid="node-step-check"]', 'borderTopColor')) === rgb, 'the failed node is not drawn in the failure colour');
	L.check((await colour('[data-testid="node-step-prepare"]', 'borderTopColor')) !== rgb, 'a succeeded node is drawn in the failure colour');
	await L.waitFor('the tab of check', async () => (await page.$('[data-testid="tab-check"]')) !== null);
	L.check((await colour('[data-testid="tab-check"]', 'borderTopColor')) === rgb, 'the failed tab is not drawn in the failure colour');
	L.check((await colour('[data-testid="tab-prepare"]', 'borderTopColor')) !== rgb, 'a succeeded tab is drawn in the failure colour');

	await L.clickNode(page, 'node-step-check');
	L.check((await page.textContent('[data-testid="exit-code"]')) === '1', 'exit code not shown');
	await L.waitFor('check output', async () => (await L.terminalText(page)).includes('more than 3'));
	await L.clickNode(page, 'node-step-merge');
	const details = await page.textContent('[data-testid="details"]');
	L.check(details.includes('skipped') && details.includes('check failed'), `merge details: ${details}`);
}
