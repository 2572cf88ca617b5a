// SPDX-License-Identifier: MIT
// An experiment folder moved after its runs (the daemon's index names
// the old place) opens with its history: each step's last state and
// the output of the step that ran last, read from the runs kept beside
// it in .loom/runs.
import fs from 'node:fs';
import path from 'node:path';

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const r = L.loomctl(env, ['run', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `loomctl run: ${r.status} ${r.stderr}`);
	const moved = path.join(tmp, 'moved', 'diamond');
	fs.mkdirSync(path.dirname(moved), { recursive: true });
	fs.renameSync(dir, moved);

	await page.goto(L.openUi(env, `${moved}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	for (const s of ['prepare', 'letters', 'lengths', 'merge'])
		await L.waitFor(`${s} succeeded, from the moved folder's runs`, async () => (await L.stepState(page, s)) === 'succeeded', 30);
	await L.waitFor('the output of merge', async () => (await L.terminalText(page)).includes('most common letter'), 30);
}
