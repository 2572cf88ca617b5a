// SPDX-License-Identifier: MIT
// A run started in a terminal (`loomctl run -d`) shows up live in an open
// editor: states change without any click, and the output arrives in
// the terminal panel.
export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	L.check((await L.stepState(page, 'merge')) === 'idle', 'merge should be idle before any run');

	const r = L.loomctl(env, ['run', '-d', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `loomctl run -d failed: ${r.stderr}`);
	for (const s of ['prepare', 'letters', 'lengths', 'merge'])
		await L.waitFor(`${s} succeeded (live)`, async () => (await L.stepState(page, s)) === 'succeeded', 60);
	await L.waitFor('merge tab', async () => (await page.locator('[data-testid="tab-merge"]').count()) === 1);
	await page.click('[data-testid="tab-merge"]');
	await L.waitFor('merge output', async () => (await L.terminalText(page)).includes('most common letter'));
}
