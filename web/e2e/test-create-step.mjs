// SPDX-License-Identifier: MIT
// Creating steps from tasks. The task browser lists the scripts of
// tasks/ in any language (a bash script beside the Python ones) with
// their description and front-matter interface; dragging merge.py onto
// the canvas adds a step "merge_2" (merge exists) at the drop point,
// with its inputs and outputs present but unconnected (null) and its
// args at their defaults; the keyboard picker (Tab at the pointer,
// fuzzy search, arrows, Enter; Esc closes without a change) adds
// "count". The saved file keeps every original line, has the new steps
// and their layout: entries, and `loomctl validate` passes.
import fs from 'node:fs';
import path from 'node:path';

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const file = `${dir}/experiment.yml`;
	fs.writeFileSync(path.join(dir, 'tasks', 'shout.sh'), '#!/bin/bash\n# Shout a word list in capitals.\ntr a-z A-Z < "$1" > "$2"\n', { mode: 0o755 });
	const original = fs.readFileSync(file, 'utf8');
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	// The browser: every language, description and interface.
	await page.click('[data-testid="side-tasks"]');
	const count = '[data-testid="task-tasks/count.py"]';
	await page.waitForSelector(count);
	const item = await page.textContent(count);
	L.check(item.includes('Count letters or word lengths') && item.includes('--what') && item.includes('= letters') && item.includes('words'), `count.py's entry lacks its interface: ${item}`);
	const shout = await page.textContent('[data-testid="task-tasks/shout.sh"]');
	L.check(shout.includes('bash') && shout.includes('Shout a word list'), `shout.sh's entry: ${shout}`);

	// Drag merge.py onto the canvas.
	const pane = await page.locator('.react-flow__pane').boundingBox();
	const drop = { x: 320, y: pane.height - 120 };
	await page.dragAndDrop('[data-testid="task-tasks/merge.py"]', '.react-flow__pane', { targetPosition: drop });
	await page.waitForSelector('[data-testid="node-step-merge_2"]', { timeout: 15000 });
	const placed = await page.locator('[data-testid="node-step-merge_2"]').boundingBox();
	const cx = placed.x + placed.width / 2 - pane.x;
	const cy = placed.y + placed.height / 2 - pane.y;
	L.check(Math.abs(cx - drop.x) < 30 && Math.abs(cy - drop.y) < 30, `merge_2 is at (${cx}, ${cy}), dropped at (${drop.x}, ${drop.y})`);
	await page.keyboard.press('Control+s'); // changes stay pending until saved

	let text = await L.waitForFile('merge_2 saved', file, (t) => t.includes('merge_2'));
	L.check(/- name: merge_2\n\s+task: tasks\/merge.py\n\s+inputs: \{letters: null, lengths: null\}\n\s+outputs: \{-o: null\}\n/.test(text), `merge_2 is not written as expected:\n${text}`);
	L.check(/layout:\n(.*\n)*\s+merge_2: \{x: -?\d+, y: -?\d+\}/.test(text), `no layout entry for merge_2:\n${text}`);
	L.check(L.keptLines(original, text), `the save lost original lines:\n${text}`);

	// The picker: Esc closes it and changes nothing.
	await page.mouse.move(pane.x + 700, pane.y + pane.height - 100);
	await page.keyboard.press('Tab');
	await page.waitForSelector('[data-testid="node-picker"] [role="listbox"]');
	await page.keyboard.press('Escape');
	await L.waitFor('picker closed', async () => (await page.locator('[data-testid="node-picker"]').count()) === 0);

	// Tab, "cnt", arrows, Enter: a step for count.py at the pointer.
	await page.keyboard.press('Tab');
	await page.waitForSelector('[data-testid="node-picker"]');
	const all = await page.locator('[role="option"]').count();
	L.check(all >= 5, `the picker offers ${all} options (4 tasks, data node, parameter expected)`);
	await page.keyboard.type('cnt');
	const first = () => page.textContent('[role="option"][aria-selected="true"]');
	L.check((await first()).includes('tasks/count.py'), `"cnt" does not pick count.py first: ${await first()}`);
	// LOOM_SCREENSHOT=docs/creating.png refreshes the editor.md picture.
	if (process.env.LOOM_SCREENSHOT) await page.screenshot({ path: process.env.LOOM_SCREENSHOT });
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowUp');
	L.check((await first()).includes('tasks/count.py'), 'arrows did not come back to count.py');
	await page.keyboard.press('Enter');
	await page.waitForSelector('[data-testid="node-step-count"]', { timeout: 15000 });
	await page.keyboard.press('Control+s'); // changes stay pending until saved

	text = await L.waitForFile('count saved', file, (t) => /- name: count\n/.test(t));
	L.check(/- name: count\n\s+task: tasks\/count.py\n\s+inputs: \{words: null\}\n\s+outputs: \{-o: null\}\n\s+args: \{--what: letters\}\n/.test(text), `count is not written as expected:\n${text}`);
	L.check(L.keptLines(original, text), 'the second save lost original lines');
	L.validates(env, file);
}
