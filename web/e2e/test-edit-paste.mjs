// SPDX-License-Identifier: MIT
// Copy and paste from one pipeline to another: a step and the
// data entry it writes, multi-selected with Ctrl+click in one, pasted
// into the other under suffixed names (both taken there) with the
// connection between them kept and the other reference unchanged. A
// value that breaks the pipeline shows its diagnostic on the node and in
// the properties panel, and saving it anyway warns; fixed, it saves and
// validates. Auto-layout is one undoable change that saves every node's
// position.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

export default async function ({ L, tmp, env, page }) {
	const a = L.copyExample(tmp, 'diamond', 'a');
	const b = L.copyExample(tmp, 'diamond', 'b');
	const fileB = `${b}/experiment.yml`;
	await page.goto(L.openUi(env, `${a}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-letters"]');

	// Select two nodes in A (Ctrl+click adds one) and copy them.
	await L.clickNode(page, 'node-step-letters');
	await page.click('[data-testid="node-data-letters"]', { modifiers: ['Control'] });
	await L.waitFor('two selected', async () => (await page.locator('.react-flow__node.selected').count()) === 2);
	await page.keyboard.press('Control+c');
	// The other pipeline, in the same editor (the copy is kept by the page's origin).
	const pb = page;
	await pb.setViewportSize({ width: 2300, height: 1000 });
	await pb.goto(L.openUi(env, fileB));
	await pb.waitForSelector('[data-testid="node-step-letters"]');
	await L.waitFor('connected', async () => (await pb.textContent('[data-testid="conn"]')) === 'connected');
	await pb.click('[data-testid="graph"] .react-flow__pane', { position: { x: 5, y: 5 } });
	await pb.keyboard.press('Control+v');
	await pb.waitForSelector('[data-testid="node-step-letters_2"]');
	await pb.waitForSelector('[data-testid="node-data-letters_2"]');
	await pb.waitForSelector('[data-testid="rf__edge-out:letters_2->letters_2"]');
	await pb.waitForSelector('[data-testid="rf__edge-in:normal->letters_2"]');

	// Broken on purpose: the diagnostic is on the node and in the panel.
	await L.clickNode(pb, 'node-step-letters_2');
	await pb.fill('[data-testid="prop-in-words"]', '$nosuch');
	await pb.press('[data-testid="prop-in-words"]', 'Enter');
	await pb.waitForSelector('.react-flow__node.has-error [data-testid="node-step-letters_2"]');
	await pb.waitForSelector('[data-testid="props-diags"]');
	L.check((await pb.textContent('[data-testid="props-diags"]')).includes('nosuch'), 'the panel does not show the diagnostic');
	// LOOM_SCREENSHOT_EDIT=docs/editing.png refreshes the picture in docs/editor.md.
	if (process.env.LOOM_SCREENSHOT_EDIT) await pb.screenshot({ path: process.env.LOOM_SCREENSHOT_EDIT });
	await pb.keyboard.press('Control+s');
	await pb.waitForSelector('[data-testid="save-notice"]');
	L.check((await pb.textContent('[data-testid="save-notice"]')).includes('invalid'), 'no warning after saving an invalid pipeline');
	L.check(fs.readFileSync(fileB, 'utf8').includes('$nosuch'), 'the invalid pipeline was not saved');
	await pb.fill('[data-testid="prop-in-words"]', '$normal');
	await pb.press('[data-testid="prop-in-words"]', 'Enter');
	await L.waitFor('no error drawn', async () => (await pb.locator('.react-flow__node.has-error').count()) === 0);

	await pb.click('[data-testid="auto-layout"]');
	await L.waitFor('auto-layout is a change', async () => Number(await pb.getAttribute('[data-testid="undo"]', 'data-count')) === 2);
	await pb.keyboard.press('Control+s');
	await E.waitSaved(L, pb);
	const t = fs.readFileSync(fileB, 'utf8');
	L.check(/ {2}- name: letters_2\n {4}task: tasks\/count.py\n {4}inputs: \{words: \$normal\}\n {4}outputs: \{-o: \$letters_2\}\n {4}args: \{--what: letters\}\n/.test(t), `pasted step:\n${t}`);
	L.check(t.includes('  letters_2: {type: json, path: out/letters.json}\n'), `pasted data:\n${t}`);
	for (const n of ['prepare', 'letters', 'lengths', 'merge', 'letters_2', 'data:words', 'data:letters_2'])
		L.check(new RegExp(`\\n  ${n}: \\{x: -?\\d+, y: -?\\d+\\}`).test(t.slice(t.indexOf('\nlayout:'))), `no auto-layout position for ${n}:\n${t}`);
	E.validates(L, env, fileB);
	L.check(fs.readFileSync(`${a}/experiment.yml`, 'utf8') === fs.readFileSync(`${L.SRC}/examples/diamond/experiment.yml`, 'utf8'), 'copying changed the source');
}
