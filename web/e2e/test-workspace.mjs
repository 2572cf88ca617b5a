// SPDX-License-Identifier: MIT
// Workspace mode: `loomctl ui FOLDER` lists the pipelines under it, the
// editor opens the first and switches to another from the selector; an
// invalid pipeline shows its diagnostics instead of a graph.
import fs from 'node:fs';
import path from 'node:path';

export default async function ({ L, tmp, env, page }) {
	const ws = path.join(tmp, 'ws');
	fs.mkdirSync(ws);
	L.copyExample(ws, 'diamond', 'a-diamond');
	L.copyExample(ws, 'groups', 'b-groups');
	fs.mkdirSync(path.join(ws, 'c-broken'));
	fs.writeFileSync(path.join(ws, 'c-broken', 'pipe.yml'), 'pipeline:\n  - name: x\n    task: tasks/none.py\n    inputs: {a: $nothing}\n');
	fs.writeFileSync(path.join(ws, 'notes.yml'), 'just: yaml\n');

	await page.goto(L.openUi(env, ws));
	await page.waitForSelector('[data-testid="workspace-select"]');
	const options = await page.locator('[data-testid="workspace-select"] option').allTextContents();
	L.check(
		JSON.stringify(options) === JSON.stringify(['a-diamond/experiment.yml', 'b-groups/experiment.yml', 'c-broken/pipe.yml']),
		`pipelines: ${JSON.stringify(options)}`,
	);
	await page.waitForSelector('[data-testid="node-step-merge"]');

	await page.selectOption('[data-testid="workspace-select"]', path.join(ws, 'b-groups', 'experiment.yml'));
	await page.waitForSelector('[data-testid="node-step-report"]');
	L.check((await page.locator('[data-testid="node-step-merge"]').count()) === 0, 'old graph still shown');
	for (const g of ['prepare', 'analyse'])
		L.check((await page.locator(`[data-testid="node-group-${g}"]`).count()) === 1, `group ${g} not drawn`);

	await page.selectOption('[data-testid="workspace-select"]', path.join(ws, 'c-broken', 'pipe.yml'));
	await page.waitForSelector('[data-testid="diagnostics"]');
	const diag = await page.textContent('[data-testid="diagnostics"]');
	L.check(diag.includes('pipe.yml:') && /nothing|none\.py/.test(diag), `diagnostics: ${diag}`);
	L.check(await page.isDisabled('[data-testid="run-all"]'), 'run all should be disabled for an invalid pipeline');
}
