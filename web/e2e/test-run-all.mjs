// SPDX-License-Identifier: MIT
// Opens examples/diamond in the editor: counts nodes and edges, checks a
// step's details (resolved command, front matter), runs everything from
// the toolbar, sees every step succeed and its output in the terminal
// tab, data nodes turn green, and the run is visible to `loomctl
// status`. Saves docs/screenshot.png when LOOM_SCREENSHOT is set.
import fs from 'node:fs';

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const url = L.openUi(env, `${dir}/experiment.yml`);
	await page.goto(url);
	// The token moved into the cookie; it is no longer in the address.
	L.check(!page.url().includes('token='), `token still in the address bar: ${page.url()}`);
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitGraph(page);
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	// 5 data + 4 steps; edges: prepare(1 in, 1 out), letters(1,1), lengths(1,1), merge(2,1).
	const nodes = await page.locator('.react-flow__node').count();
	const edges = await page.locator('.react-flow__edge').count();
	L.check(nodes === 9, `expected 9 nodes, saw ${nodes}`);
	L.check(edges === 9, `expected 9 edges, saw ${edges}`);
	L.check((await page.getAttribute('[data-testid="node-data-words"]', 'data-exists')) === 'true', 'words.txt should exist');
	L.check((await page.getAttribute('[data-testid="node-data-summary"]', 'data-exists')) === 'false', 'summary should not exist yet');

	await L.clickNode(page, 'node-step-letters');
	const cmd = await page.textContent('[data-testid="command"]');
	L.check(cmd.includes(`${dir}/tasks/count.py`) && cmd.includes('--what letters'), `command: ${cmd}`);
	L.check((await page.textContent('[data-testid="details"]')).includes('Interface (front matter)'), 'front matter missing');

	await page.click('[data-testid="run-all"]');
	for (const s of ['prepare', 'letters', 'lengths', 'merge'])
		await L.waitFor(`${s} succeeded`, async () => (await L.stepState(page, s)) === 'succeeded', 60);
	await L.waitFor('run summary', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded');
	await L.waitFor('summary exists', async () => (await page.getAttribute('[data-testid="node-data-summary"]', 'data-exists')) === 'true');

	// The toolbar stays one row on a narrower window: the run summary is
	// cut (whole in its tooltip), the connection badge stays on the row.
	for (const width of [1400, 1100]) {
		await page.setViewportSize({ width, height: 900 });
		await L.waitFor(`one toolbar row at ${width} px`, async () => {
			const a = await page.locator('[data-testid="run-all"]').boundingBox();
			const c = await page.locator('[data-testid="conn"]').boundingBox();
			const f = await page.locator('[data-testid="fresh-summary"]').boundingBox();
			return Math.abs(a.y + a.height / 2 - (c.y + c.height / 2)) < 4 && Math.abs(a.y + a.height / 2 - (f.y + f.height / 2)) < 4 && c.x + c.width <= width;
		});
	}
	const runTitle = await page.getAttribute('[data-testid="run-summary"]', 'title');
	L.check(/^run \S+: succeeded — 4 steps/.test(runTitle ?? ''), `the run summary's tooltip: ${runTitle}`);
	await page.setViewportSize({ width: 1400, height: 900 });

	await page.click('[data-testid="tab-merge"]');
	await L.waitFor('merge output in the terminal', async () => (await L.terminalText(page)).includes('most common letter'));
	await page.click('[data-testid="tab-prepare"]');
	await L.waitFor('prepare output in the terminal', async () => /\d+ words/.test(await L.terminalText(page)));

	await L.clickNode(page, 'node-step-merge');
	await L.waitFor('exit code 0', async () => (await page.textContent('[data-testid="exit-code"]')) === '0');

	// The run started here is a run like any other.
	const st = L.loomctl(env, ['status', '--json']);
	L.check(st.status === 0 && st.stdout.includes(`${dir}/experiment.yml`), `loomctl status does not show the run: ${st.stdout} ${st.stderr}`);

	if (process.env.LOOM_SCREENSHOT) {
		await page.click('[data-testid="tab-merge"]');
		await page.screenshot({ path: process.env.LOOM_SCREENSHOT });
		L.check(fs.statSync(process.env.LOOM_SCREENSHOT).size > 10000, 'screenshot too small');
	}
}
