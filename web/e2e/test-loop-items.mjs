// SPDX-License-Identifier: MIT
// A loop step shows its items by file name: while it runs, the node
// names the item running (item_name of run.step_started) and counts the
// items done ("running 1/3"); each item's output goes to a terminal tab
// of its own, named by its file ("shout/b.txt"); at the end the node
// says "succeeded 3/3", and a reopened page has the items' tabs back,
// read from their logs, the last one shown. Each item's tab has the
// item's own state (a.txt succeeded while b.txt runs), live and from the
// record. Items run one at a time and each waits for a file the test
// creates, so nothing depends on timing.
import fs from 'node:fs';
import path from 'node:path';

function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.mkdirSync(path.join(dir, 'data', 'raw'), { recursive: true });
	for (const f of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(path.join(dir, 'data', 'raw', f), `${f}\n`);
	fs.writeFileSync(
		path.join(dir, 'tasks', 'shout.sh'),
		`#!/bin/sh\nname=$(basename "$1")\necho "item $name"\nwhile [ ! -e '${dir}/go-'"$name" ]; do sleep 0.05; done\ntr a-z A-Z < "$1" > "$3"\n`,
		{ mode: 0o755 },
	);
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		['data:', '  raw: {path: data/raw}', '  upper: {path: out/upper}', 'pipeline:', '  - name: shout', '    task: tasks/shout.sh',
			'    loop: {over: $raw, into: $upper, filter: "*.txt"}', '    inputs: {src: $loop_item}', '    outputs: {-o: $loop_output}', ''].join('\n'),
	);
}

const label = async (page) => (await page.textContent('[data-testid="state-shout"]')).trim();
const tabState = (page, f) => page.getAttribute(`[data-testid="tab-shout/${f}"]`, 'data-state');

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'loop');
	write(dir);
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-shout"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="run-all"]');

	await L.waitFor('a.txt running', async () => (await page.locator('[data-testid="item-shout"]').count()) === 1 && (await page.textContent('[data-testid="item-shout"]')).trim() === 'a.txt', 30);
	L.check((await label(page)) === 'running 0/3', `the loop reads "${await label(page)}"`);
	await L.waitFor('the tab of a.txt', async () => (await page.locator('[data-testid="tab-shout/a.txt"]').count()) === 1, 30);
	await L.waitFor('a.txt output', async () => (await L.terminalText(page)).includes('item a.txt'), 30);

	fs.writeFileSync(path.join(dir, 'go-a.txt'), '');
	await L.waitFor('b.txt running', async () => (await page.textContent('[data-testid="item-shout"]')).trim() === 'b.txt', 30);
	await L.waitFor('1 of 3 done', async () => (await label(page)) === 'running 1/3', 30);
	await L.waitFor('the tab of b.txt', async () => (await page.locator('[data-testid="tab-shout/b.txt"]').count()) === 1, 30);
	await L.waitFor('a.txt succeeded, b.txt running, in their tabs', async () => (await tabState(page, 'a.txt')) === 'succeeded' && (await tabState(page, 'b.txt')) === 'running', 30);
	await page.click('[data-testid="tab-shout/b.txt"]');
	await L.waitFor('b.txt output', async () => (await L.terminalText(page)).includes('item b.txt'), 30);
	L.check(!(await L.terminalText(page)).includes('item a.txt'), 'the tab of b.txt shows the output of a.txt');

	fs.writeFileSync(path.join(dir, 'go-b.txt'), '');
	fs.writeFileSync(path.join(dir, 'go-c.txt'), '');
	await L.waitFor('loop succeeded', async () => (await L.stepState(page, 'shout')) === 'succeeded', 60);
	L.check((await label(page)) === 'succeeded 3/3', `the finished loop reads "${await label(page)}"`);
	L.check((await page.locator('[data-testid="tab-shout/c.txt"]').count()) === 1, 'no tab for c.txt');
	await L.waitFor('every item tab succeeded', async () => (await tabState(page, 'a.txt')) === 'succeeded' && (await tabState(page, 'b.txt')) === 'succeeded' && (await tabState(page, 'c.txt')) === 'succeeded', 30);

	// Reopened: the items' tabs come back from their logs.
	await page.reload();
	await page.waitForSelector('[data-testid="node-step-shout"]');
	await L.waitFor('the tab of c.txt after reopening', async () => (await page.locator('[data-testid="tab-shout/c.txt"]').count()) === 1, 30);
	// The last item's output is shown without a click, each tab with its state.
	await L.waitFor('c.txt output shown after reopening', async () => (await L.terminalText(page)).includes('item c.txt'), 30);
	L.check((await page.getAttribute('[data-testid="tab-shout/c.txt"]', 'aria-selected')) === 'true', 'the shown tab is not the selected one');
	for (const f of ['a.txt', 'b.txt', 'c.txt']) L.check((await tabState(page, f)) === 'succeeded', `the tab of ${f} after reopening: ${await tabState(page, f)}`);
	await page.click('[data-testid="tab-shout/a.txt"]');
	await L.waitFor('a.txt output after reopening', async () => (await L.terminalText(page)).includes('item a.txt'), 30);
	await page.click('[data-testid="tab-shout/c.txt"]');
	await L.waitFor('c.txt output after reopening', async () => (await L.terminalText(page)).includes('item c.txt'), 30);
	L.check((await page.locator('[data-testid^="tab-shout/"]').count()) === 3, 'not one tab per item after reopening');
}
