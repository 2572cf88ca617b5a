// SPDX-License-Identifier: MIT
// "Fit" on a 500-step chain shows the whole graph as an overview: every
// one of its 1001 nodes (500 steps, 501 data) has its box inside the
// graph pane, each a plain box of several pixels (no names; React
// Flow's full nodes are not drawn, nor the minimap, which the overview
// stands for); a click on a step's box zooms to it (back to a legible zoom,
// the step drawn in full in the middle of the pane). Saves overview.png
// in the build folder.
import fs from 'node:fs';
import path from 'node:path';

const STEPS = 500;

function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'tasks', 't.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
	const lines = ['data:', '  d0: {type: txt, path: data/d0.txt}'];
	for (let i = 1; i <= STEPS; i++) lines.push(`  d${i}: {type: txt, path: out/d${i}.txt}`);
	lines.push('pipeline:');
	for (let i = 1; i <= STEPS; i++) lines.push(`  - name: s${i}`, '    task: tasks/t.sh', `    inputs: {x: $d${i - 1}}`, `    outputs: {-o: $d${i}}`);
	fs.writeFileSync(path.join(dir, 'experiment.yml'), lines.join('\n') + '\n');
}

/** Nodes whose boxes lie (at least in part) inside the graph pane. */
async function onScreen(page, sel = '.react-flow__node-step, .react-flow__node-data') {
	return page.evaluate((sel) => {
		const pane = document.querySelector('[data-testid="graph"]').getBoundingClientRect();
		let n = 0;
		for (const el of document.querySelectorAll(sel)) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > pane.left && r.left < pane.right && r.bottom > pane.top && r.top < pane.bottom) n++;
		}
		return n;
	}, sel);
}

const BOXES = '[data-testid="overview"] rect[data-node^="step:"], [data-testid="overview"] rect[data-node^="data:"]';

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'big');
	write(dir);
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-s1"]', { timeout: 60000 });
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await L.waitFor('the whole minimap', async () => (await page.locator('.react-flow__minimap-node').count()) === 2 * STEPS + 1, 30);
	const before = await onScreen(page);
	L.check(before < 200, `a big graph opens at its start, at full size, yet ${before} nodes are on screen`);

	await page.click('[data-testid="fit"]');
	await L.waitFor('overview', async () => (await page.getAttribute('[data-testid="fit"]', 'data-fit')) === 'overview');
	await L.waitFor('every node on screen', async () => (await onScreen(page, BOXES)) === 2 * STEPS + 1, 30);
	L.check((await page.getAttribute('[data-testid="graph"]', 'data-lod')) === 'true', 'the graph is not drawn as an overview');
	const full = await page.locator('.react-flow__node-step').count();
	L.check(full === 0, `${full} full step nodes are drawn in the overview`);
	const box = await page.$eval('[data-node="step:s250"]', (el) => el.getBoundingClientRect().width);
	L.check(box >= 10, `steps in the overview are ${box.toFixed(1)} px wide: not recognisable`);
	L.check((await page.locator('.react-flow__minimap').count()) === 0, 'the minimap is drawn over the overview');
	await page.screenshot({ path: path.join(process.env.LOOM_BUILD || tmp, 'overview.png') });

	// A click on a step of the overview zooms to it.
	await page.click('[data-node="step:s250"]');
	await L.waitFor('zoomed in', async () => (await page.getAttribute('[data-testid="graph"]', 'data-lod')) === 'false');
	await page.waitForSelector('[data-testid="node-step-s250"]');
	const centred = await page.evaluate(() => {
		const pane = document.querySelector('[data-testid="graph"]').getBoundingClientRect();
		const r = document.querySelector('[data-testid="node-step-s250"]').getBoundingClientRect();
		return Math.abs((r.left + r.right) / 2 - (pane.left + pane.right) / 2) < 20 && Math.abs((r.top + r.bottom) / 2 - (pane.top + pane.bottom) / 2) < 20;
	});
	L.check(centred, 'the clicked step is not in the middle of the pane');
	await L.waitFor('the minimap back', async () => (await page.locator('.react-flow__minimap-node').count()) === 2 * STEPS + 1, 30);
	L.check((await page.textContent('[data-testid="node-step-s250"] .title')).trim() === 's250', 'the step zoomed to does not show its name');
	L.check((await page.textContent('[data-testid="details"] h3')).includes('s250'), 'the step clicked in the overview is not selected');
}
