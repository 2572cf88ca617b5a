// SPDX-License-Identifier: MIT
// Ten mixed edits (two moves, a step and a data entry renamed, an
// argument chosen, a flag set, a node deleted, a path changed, a step
// moved into a new group, a description typed) each show in the graph;
// ten Ctrl+Z take them all back (the graph is as it was, the title has no
// *), Ctrl+S then leaves the file byte-identical, and redo brings every
// change back (Ctrl+Y) to be saved and validated.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

const count = (page, sel) => page.locator(sel).count();

export default async function ({ L, tmp, env, page }) {
	await page.setViewportSize({ width: 2300, height: 1000 });
	const { file } = await E.openCopy(L, tmp, env, page);
	await page.click('[data-testid="fit"]');
	const orig = fs.readFileSync(file);
	const undos = async () => Number(await page.getAttribute('[data-testid="undo"]', 'data-count'));
	const step = async (n, what) => L.waitFor(`${what} (${n} changes)`, async () => (await undos()) === n);

	await E.drag(page, 'node-step-letters', 30, 60);
	await step(1, 'move letters');
	await E.drag(page, 'node-data-words', 0, 80);
	await step(2, 'move words');
	await E.select(L, page, 'node-step-lengths');
	await E.setField(page, 'prop-step-name', 'count_lengths');
	await page.waitForSelector('[data-testid="node-step-count_lengths"]');
	await step(3, 'rename');
	await E.select(L, page, 'node-step-letters');
	await page.selectOption('[data-testid="prop-arg---what"]', 'lengths');
	await step(4, 'choice');
	await E.select(L, page, 'node-step-merge');
	await page.click('[data-testid="prop-optional"]');
	await step(5, 'optional');
	await L.clickNode(page, 'node-data-summary');
	await E.key(page, 'Delete');
	await L.waitFor('summary gone', async () => (await count(page, '[data-testid="node-data-summary"]')) === 0);
	await step(6, 'delete');
	await E.select(L, page, 'node-data-normal');
	await E.setField(page, 'prop-data-name', 'clean');
	await page.waitForSelector('[data-testid="node-data-clean"]');
	await step(7, 'rename data');
	await E.select(L, page, 'node-data-words');
	await E.setField(page, 'prop-data-path', 'data/other.txt');
	await step(8, 'path');
	await E.select(L, page, 'node-step-prepare');
	await E.setField(page, 'prop-new-group', 'prep');
	await page.waitForSelector('[data-testid="node-group-prep"]');
	await step(9, 'group');
	await E.select(L, page, 'node-step-merge');
	await E.setField(page, 'prop-step-description', 'Merge the counts');
	await step(10, 'description');
	L.check(fs.readFileSync(file).equals(orig), 'an unsaved edit wrote the file');

	await page.click('[data-testid="graph"] .react-flow__pane', { position: { x: 5, y: 5 } });
	for (let n = 9; n >= 0; n--) {
		await E.key(page, 'Control+z');
		await step(n, 'undo');
	}
	await L.waitFor('not dirty', async () => !(await E.dirty(page)));
	for (const n of ['node-step-lengths', 'node-data-normal', 'node-data-summary'])
		await L.waitFor(`${n} back`, async () => (await count(page, `[data-testid="${n}"]`)) === 1);
	L.check((await count(page, '[data-testid="node-group-prep"]')) === 0, 'the group is still drawn');
	await E.key(page, 'Control+s');
	L.check(fs.readFileSync(file).equals(orig), 'undoing everything and saving changed the file');

	for (let n = 1; n <= 10; n++) {
		await E.key(page, 'Control+y');
		await step(n, 'redo');
	}
	await page.waitForSelector('[data-testid="node-group-prep"]');
	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const t = fs.readFileSync(file, 'utf8');
	for (const want of ['name: count_lengths', '{--what: lengths}', 'optional: true', 'clean: {type: txt', 'path: data/other.txt', '- group: prep', 'description: Merge the counts', '  letters: {x:', '  data:words: {x:'])
		L.check(t.includes(want), `the redone file lacks ${want}:\n${t}`);
	L.check(!t.includes('summary'), `summary is back:\n${t}`);
	E.validates(L, env, file);
}
