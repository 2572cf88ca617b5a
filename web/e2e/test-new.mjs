// SPDX-License-Identifier: MIT
// `loomctl ui --new FILE`: the editor opens on an empty pipeline that is
// not on disk yet; the task browser lists the folder's tasks; the first
// change (a step from the task browser's button) creates the file, the
// next ones (a data node, a parameter) save into it; the graph shows
// them after the reloads, and `loomctl validate` passes.
import fs from 'node:fs';
import path from 'node:path';

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'fresh');
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'tasks', 'hello.sh'), '#!/bin/bash\n# Say hello into a file.\necho hello > "$1"\n', { mode: 0o755 });
	const file = path.join(dir, 'new.yml');
	const r = L.loomctl(env, ['ui', '--new', file, '--no-browser']);
	L.check(r.status === 0, `loomctl ui --new failed (${r.status}): ${r.stderr}`);
	L.check(!fs.existsSync(file), 'ui --new wrote the file before any save');
	await page.goto(r.stdout.trim().split('\n').pop());
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.waitForSelector('[data-testid="add-data-button"]');
	L.check((await page.locator('[data-testid="load-error"]').count()) === 0, 'the missing file is shown as an error');

	await page.click('[data-testid="side-tasks"]');
	await page.waitForSelector('[data-testid="task-tasks/hello.sh"]');
	await page.click('[aria-label="Add tasks/hello.sh"]');
	await page.waitForSelector('[data-testid="node-step-hello"]', { timeout: 15000 });
	await page.keyboard.press('Control+s'); // changes stay pending until saved

	let text = await L.waitForFile('file created', file, (t) => t.includes('hello'));
	L.check(/^pipeline:\n\s*- name: hello\n\s+task: tasks\/hello.sh\n/.test(text), `unexpected new file:\n${text}`);
	L.check((fs.statSync(file).mode & 0o777) === 0o644, 'the new file is not 0644');

	await page.click('[data-testid="add-data-button"]');
	await page.fill('[data-testid="add-data"] [name="name"]', 'greeting');
	await page.fill('[data-testid="add-data"] [name="path"]', 'out/greeting.txt');
	await L.waitFor('path missing', async () => (await page.getAttribute('[data-testid="path-state"]', 'data-state')) === 'missing');
	await page.click('[data-testid="add-data-ok"]');
	await page.waitForSelector('[data-testid="node-data-greeting"]', { timeout: 15000 });
	await page.click('[data-testid="add-param-button"]');
	await page.fill('[data-testid="add-param"] [name="name"]', 'times');
	await page.fill('[data-testid="add-param"] [name="value"]', '3');
	await page.click('[data-testid="add-param-ok"]');
	await page.waitForSelector('[data-testid="node-param-times"]', { timeout: 15000 });
	await page.keyboard.press('Control+s'); // changes stay pending until saved

	text = await L.waitForFile('all saved', file, (t) => t.includes('greeting') && t.includes('times: 3'));
	L.validates(env, file);
}
