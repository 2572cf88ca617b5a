// SPDX-License-Identifier: MIT
// A file changed outside the editor while it has unsaved changes is never
// overwritten silently: the conflict banner appears with the line diff of
// what saving would change in the file as it is now, the file keeps the
// outside content, and Ctrl+S does nothing. "Save my changes over it"
// writes the pending edits onto the new text (the outside change stays);
// "Reload from disk" drops the edits and shows the outside content.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

function saveByRename(file, text) {
	fs.writeFileSync(`${file}.tmp`, text);
	fs.renameSync(`${file}.tmp`, file);
}

export default async function ({ L, tmp, env, page }) {
	const { file } = await E.openCopy(L, tmp, env, page);
	await E.drag(page, 'node-step-letters', 50, 80);
	await L.waitFor('dirty', () => E.dirty(page));

	const outside = fs.readFileSync(file, 'utf8').replace('out/summary.txt', 'out/summary-v2.txt') + '# changed outside\n';
	saveByRename(file, outside);
	await page.waitForSelector('[data-testid="conflict-diff"]', { timeout: 15000 });
	const diff = await page.textContent('[data-testid="conflict-diff"]');
	L.check(/\+ layout:/.test(diff) && /\+ {3}letters: \{x: -?\d+, y: -?\d+\}/.test(diff), `the diff does not show the layout lines:\n${diff}`);
	L.check(!/- .*summary-v2/.test(diff) && !/- # changed outside/.test(diff), `the diff drops the outside change:\n${diff}`);
	L.check(fs.readFileSync(file, 'utf8') === outside, 'the conflict changed the file');
	await E.key(page, 'Control+s');
	L.check(await page.isDisabled('[data-testid="save"]'), 'Save is enabled during a conflict');
	L.check(fs.readFileSync(file, 'utf8') === outside, 'Ctrl+S overwrote the outside change');
	L.check(await E.dirty(page), 'the edits were dropped');

	await page.click('[data-testid="conflict-overwrite"]');
	await E.waitSaved(L, page);
	const merged = await E.waitFile(L, file, 'saved over', (t) => t.includes('  letters: {x:'));
	L.check(merged.includes('summary-v2') && merged.includes('# changed outside'), `the outside change is gone:\n${merged}`);
	await L.waitFor('banner gone', async () => (await page.locator('[data-testid="conflict"]').count()) === 0);
	E.validates(L, env, file);

	// Again, and this time reload.
	await E.drag(page, 'node-step-lengths', 40, 60);
	await L.waitFor('dirty', () => E.dirty(page));
	const outside2 = merged.replace('{--what: lengths}', '{--what: lengths, --top: 3}');
	saveByRename(file, outside2);
	await page.waitForSelector('[data-testid="conflict-reload"]', { timeout: 15000 });
	await page.click('[data-testid="conflict-reload"]');
	await L.waitFor('not dirty', async () => !(await E.dirty(page)));
	await L.waitFor('banner gone', async () => (await page.locator('[data-testid="conflict"]').count()) === 0);
	await L.clickNode(page, 'node-step-lengths');
	await L.waitFor('the outside argument shown', async () => (await page.textContent('[data-testid="details"]')).includes('--top'));
	L.check(fs.readFileSync(file, 'utf8') === outside2, 'Reload changed the file');
}
