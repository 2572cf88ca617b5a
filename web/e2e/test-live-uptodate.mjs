// SPDX-License-Identifier: MIT
// An up-to-date run started by an attached `loomctl run` (which asks the
// daemon to fold the steps up to date into one run.steps_fresh) shows up
// live in an open editor, which does not ask: it still gets one
// run.step_finished per step and draws every step "up to date".
export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const steps = ['prepare', 'letters', 'lengths', 'merge'];
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	let r = L.loomctl(env, ['run', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `first loomctl run failed: ${r.stderr}`);
	for (const s of steps)
		await L.waitFor(`${s} succeeded (live)`, async () => (await L.stepState(page, s)) === 'succeeded', 60);

	r = L.loomctl(env, ['run', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `second loomctl run failed: ${r.stderr}`);
	for (const s of steps)
		L.check(r.stdout.includes(`[UP-TO-DATE] ${s}\n`), `loomctl output lacks ${s}: ${r.stdout}`);
	for (const s of steps)
		await L.waitFor(`${s} up to date (live)`, async () => (await L.stepState(page, s)) === 'uptodate', 60);
}
