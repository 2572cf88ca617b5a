// SPDX-License-Identifier: MIT
// Switching pipelines in a workspace with unsaved changes asks first:
// Cancel stays (changes kept, the selector back on this pipeline),
// "Save and switch" saves then switches, "Discard them" switches and
// leaves the file as it was.
import fs from 'node:fs';
import path from 'node:path';
import * as E from './edit-lib.mjs';

export default async function ({ L, tmp, env, page }) {
	const ws = path.join(tmp, 'ws');
	fs.mkdirSync(ws);
	const a = L.copyExample(ws, 'diamond', 'a');
	const b = L.copyExample(ws, 'linear', 'b');
	const fa = path.join(a, 'experiment.yml');
	const fb = path.join(b, 'experiment.yml');
	const orig = fs.readFileSync(fa, 'utf8');
	await page.goto(L.openUi(env, ws));
	await page.waitForSelector('[data-testid="node-step-letters"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	await E.drag(page, 'node-step-letters', 40, 70);
	await L.waitFor('dirty', () => E.dirty(page));
	await page.selectOption('[data-testid="workspace-select"]', fb);
	await page.waitForSelector('[data-testid="ask"]');
	await page.click('[data-testid="ask-cancel"]');
	L.check((await page.inputValue('[data-testid="workspace-select"]')) === fa, 'the selector moved on Cancel');
	L.check(await E.dirty(page), 'Cancel dropped the changes');
	L.check((await page.locator('[data-testid="node-step-letters"]').count()) === 1, 'Cancel switched');

	await page.selectOption('[data-testid="workspace-select"]', fb);
	await page.click('[data-testid="ask-save-switch"]');
	await page.waitForSelector('[data-testid="node-step-stats"]');
	L.check(/\nlayout:\n {2}letters: \{x: -?\d+, y: -?\d+\}\n$/.test(fs.readFileSync(fa, 'utf8')), 'not saved before switching');
	E.validates(L, env, fa);

	const before = fs.readFileSync(fb, 'utf8');
	await E.drag(page, 'node-step-stats', 30, 60);
	await L.waitFor('dirty', () => E.dirty(page));
	await page.selectOption('[data-testid="workspace-select"]', fa);
	await page.click('[data-testid="ask-discard"]');
	await page.waitForSelector('[data-testid="node-step-letters"]');
	await L.waitFor('not dirty', async () => !(await E.dirty(page)));
	L.check(fs.readFileSync(fb, 'utf8') === before, 'Discard wrote the file');
	L.check(orig !== fs.readFileSync(fa, 'utf8'), 'sanity');
}
