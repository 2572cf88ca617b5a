// SPDX-License-Identifier: MIT
// Changes made to the pipeline file outside the editor show up without a
// reload (the daemon's file.changed): a step renamed in the YAML, saved
// by rename-over as editors do, appears under its new name in the old
// one's place, the open details panel stays open, and "Run all" runs the
// renamed step; a file broken on disk shows the validation banner with
// file:line:col and disables running while the graph stays; repairing
// it clears the banner.
import fs from 'node:fs';

function saveByRename(file, text) {
	fs.writeFileSync(`${file}.tmp`, text);
	fs.renameSync(`${file}.tmp`, file);
}

async function box(page, testid) {
	return page.$eval(`[data-testid="${testid}"]`, (el) => {
		const n = el.closest('.react-flow__node');
		return n.style.transform;
	});
}

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const file = `${dir}/experiment.yml`;
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	const where = await box(page, 'node-step-merge');
	await L.clickNode(page, 'node-data-summary');
	await page.waitForSelector('[data-testid="details"]');

	const text = fs.readFileSync(file, 'utf8');
	saveByRename(file, text.replace('name: merge', 'name: combine'));
	await page.waitForSelector('[data-testid="node-step-combine"]', { timeout: 15000 });
	L.check((await page.locator('[data-testid="node-step-merge"]').count()) === 0, 'the old name is still drawn');
	L.check((await box(page, 'node-step-combine')) === where, 'the renamed step moved');
	L.check((await page.textContent('[data-testid="details"]')).includes('written by') && (await page.textContent('[data-testid="details"]')).includes('combine'), 'the details panel did not follow');

	await page.click('[data-testid="run-all"]');
	await L.waitFor('combine succeeded', async () => (await L.stepState(page, 'combine')) === 'succeeded', 60);
	await page.click('[data-testid="tab-combine"]');
	await L.waitFor('combine output', async () => (await L.terminalText(page)).includes('most common letter'));

	// Broken on disk: a step mapping without its colon.
	const good = fs.readFileSync(file, 'utf8');
	saveByRename(file, good.replace('  - name: prepare\n    task: tasks/prepare.py\n', '  - name: prepare\n    task tasks/prepare.py\n'));
	await page.waitForSelector('[data-testid="diagnostics"]', { timeout: 15000 });
	const diag = await page.textContent('[data-testid="diagnostics"]');
	L.check(diag.includes(`${file}:`) && /:\d+:\d+:/.test(diag), `diagnostics without file:line:col: ${diag}`);
	L.check(await page.isDisabled('[data-testid="run-all"]'), 'Run all is enabled on a broken file');
	L.check((await page.locator('[data-testid="node-step-combine"]').count()) === 1, 'the graph went away');

	saveByRename(file, good);
	await L.waitFor('banner gone', async () => (await page.locator('[data-testid="diagnostics"]').count()) === 0, 15);
	await L.waitFor('Run all enabled again', async () => !(await page.isDisabled('[data-testid="run-all"]')));
}
