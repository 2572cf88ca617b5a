// SPDX-License-Identifier: MIT
// A run that finds everything up to date: examples/diamond run twice
// from the editor. The second run draws every step "up to date" (a state
// of its own, never unstyled), summarises "4 steps: 4 up to date", and
// leaves every terminal tab with the output of the run that did the
// work; reopening the page later shows the same states, summary and
// output (from the run records).
export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const url = L.openUi(env, `${dir}/experiment.yml`);
	const steps = ['prepare', 'letters', 'lengths', 'merge'];
	await page.goto(url);
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="run-all"]');
	await L.waitFor('first run', async () => (await page.textContent('[data-testid="run-summary"]')).includes('4 steps: 4 succeeded'), 60);

	await L.waitFor('Run all enabled', async () => !(await page.isDisabled('[data-testid="run-all"]')));
	await page.click('[data-testid="run-all"]');
	const summary = '4 steps: 4 up to date';
	await L.waitFor('second run summary', async () => (await page.textContent('[data-testid="run-summary"]')).endsWith(summary), 60);
	L.check((await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 'the run should be succeeded');

	const check = async (when) => {
		for (const s of steps) {
			L.check((await L.stepState(page, s)) === 'uptodate', `${when}: ${s} is ${await L.stepState(page, s)}`);
			const label = await page.textContent(`[data-testid="state-${s}"]`);
			L.check(label === 'up to date', `${when}: ${s} label "${label}"`);
			// The success colour (--ok), dotted: not the idle grey.
			const border = await page.$eval(`[data-testid="node-step-${s}"]`, (el) => `${getComputedStyle(el).borderTopColor} ${getComputedStyle(el).borderTopStyle}`);
			L.check(border === 'rgb(31, 157, 85) dotted', `${when}: ${s} border ${border}`);
		}
		await page.click('[data-testid="tab-merge"]');
		await L.waitFor(`${when}: merge output kept`, async () => (await L.terminalText(page)).includes('most common letter'));
		await page.click('[data-testid="tab-prepare"]');
		await L.waitFor(`${when}: prepare output kept`, async () => /\d+ words/.test(await L.terminalText(page)));
	};
	await check('live');

	await page.goto(url.replace(/token=[^&]*&/, ''));
	await page.waitForSelector('[data-testid="node-step-merge"][data-state="uptodate"]');
	await L.waitFor('summary on reopening', async () => (await page.textContent('[data-testid="run-summary"]')).endsWith(summary));
	await check('reopened');
}
