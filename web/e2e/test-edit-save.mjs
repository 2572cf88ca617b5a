// SPDX-License-Identifier: MIT
// Positions are saved: dragging a node is an unsaved change (a * in the
// title, the file untouched) until Ctrl+S writes it under layout:, and a
// fresh page draws the node where it was left. Undo (Ctrl+Z) of a move
// puts the node back, redo (Ctrl+Shift+Z, Ctrl+Y) moves it again. "Run
// all" with unsaved changes asks to save first; "Save and run" saves and
// the run succeeds. Switching pipelines in a workspace with unsaved
// changes asks too.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

async function pos(page, testid) {
	return page.$eval(`[data-testid="${testid}"]`, (el) => el.closest('.react-flow__node').style.transform);
}

export default async function ({ L, tmp, env, page }) {
	const { file } = await E.openCopy(L, tmp, env, page);
	const orig = fs.readFileSync(file, 'utf8');
	L.check(!(await E.dirty(page)), 'dirty on opening');
	const before = await pos(page, 'node-step-letters');
	await E.drag(page, 'node-step-letters', 60, 90);
	await L.waitFor('a * in the title', () => E.dirty(page));
	const moved = await pos(page, 'node-step-letters');
	L.check(moved !== before, 'the node did not move');
	L.check(fs.readFileSync(file, 'utf8') === orig, 'a drag wrote the file');

	await E.key(page, 'Control+z');
	await L.waitFor('undo: not dirty', async () => !(await E.dirty(page)));
	await L.waitFor('undo puts the node back', async () => (await pos(page, 'node-step-letters')) === before);
	await E.key(page, 'Control+Shift+z');
	await L.waitFor('redo: dirty', () => E.dirty(page));
	await L.waitFor('redo moves it again', async () => (await pos(page, 'node-step-letters')) === moved);
	await E.key(page, 'Control+z');
	await L.waitFor('undo again', async () => !(await E.dirty(page)));
	await E.key(page, 'Control+y');
	await L.waitFor('Ctrl+Y redoes', async () => (await pos(page, 'node-step-letters')) === moved);

	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const saved = await E.waitFile(L, file, 'layout saved', (t) => /\nlayout:\n {2}letters: \{x: -?\d+, y: -?\d+\}\n?$/.test(t));
	L.check(saved.startsWith(orig.trimEnd()), `the rest of the file changed:\n${saved}`);
	E.validates(L, env, file);

	// A fresh page draws the node where it was saved.
	await page.reload();
	await page.waitForSelector('[data-testid="node-step-letters"]');
	await L.waitFor('position kept after a reload', async () => (await pos(page, 'node-step-letters')) === moved);

	// Run with unsaved changes: asked, saved, run.
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await E.drag(page, 'node-data-words', 40, 40);
	await L.waitFor('dirty', () => E.dirty(page));
	await page.click('[data-testid="run-all"]');
	await page.waitForSelector('[data-testid="ask"]');
	await page.click('[data-testid="ask-save-run"]');
	await E.waitSaved(L, page);
	await E.waitFile(L, file, 'data:words saved', (t) => t.includes('data:words: {x:'));
	await L.waitFor('the run succeeded', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 90);
	E.validates(L, env, file);
}
