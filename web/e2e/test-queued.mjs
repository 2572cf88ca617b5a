// SPDX-License-Identifier: MIT
// A run that has to wait is drawn as waiting: while "Run this step" of
// `first` goes on, "Run this step" of `second` (which reads what `first`
// writes, so the two overlap) is queued by the daemon; the editor shows
// `second` as queued and the summary names the run it waits for; when
// `first` ends, the queued run starts and `second` is drawn running,
// then succeeded. Steps wait for a file the test creates, so nothing
// depends on timing.
import fs from 'node:fs';
import path from 'node:path';

/** A two-step pipeline whose steps each wait for DIR/go-NAME. */
export function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	// Waits (polling, in the step) until the test creates DIR/go-NAME.
	fs.writeFileSync(
		path.join(dir, 'tasks', 'gate.sh'),
		['#!/bin/sh', 'while [ $# -gt 0 ]; do case $1 in -o) out=$2; shift;; --x) name=$2; shift;; esac; shift; done',
			`while [ ! -e '${dir}/go-'"$name" ]; do sleep 0.05; done`, 'echo "done $name" > "$out"', ''].join('\n'),
		{ mode: 0o755 },
	);
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		['data:', '  a: {type: txt, path: out/a.txt}', '  b: {type: txt, path: out/b.txt}', 'pipeline:',
			'  - name: first', '    task: tasks/gate.sh', '    args: {--x: first}', '    outputs: {-o: $a}',
			'  - name: second', '    task: tasks/gate.sh', '    args: {--x: second}', '    inputs: {--in: $a}', '    outputs: {-o: $b}', ''].join('\n'),
	);
}

const summary = (page) => page.getAttribute('[data-testid="run-summary"]', 'data-state');

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'queued');
	write(dir);
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-second"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	await L.clickNode(page, 'node-step-first');
	await page.click('[data-testid="run-step"]');
	await L.waitFor('first running', async () => (await L.stepState(page, 'first')) === 'running', 30);
	const r1 = (await page.textContent('[data-testid="run-summary"]')).match(/^run (\S+):/)[1];

	await L.clickNode(page, 'node-step-second');
	await L.waitFor('Run this step enabled for second', async () => !(await page.isDisabled('[data-testid="run-step"]')));
	await page.click('[data-testid="run-step"]');
	await L.waitFor('second queued', async () => (await L.stepState(page, 'second')) === 'queued', 30);
	L.check((await summary(page)) === 'queued', `the summary says ${await summary(page)}`);
	const text = await page.textContent('[data-testid="run-summary"]');
	L.check(text.includes(`waits for run ${r1}`), `the summary does not name the run it waits for: ${text}`);
	L.check((await L.stepState(page, 'first')) === 'running', 'first stopped being shown running');
	L.check((await page.textContent('[data-testid="state-second"]')).trim() === 'queued', 'the node does not say queued');

	// Its turn comes when first ends.
	fs.writeFileSync(path.join(dir, 'go-first'), '');
	await L.waitFor('second running', async () => (await L.stepState(page, 'second')) === 'running', 30);
	L.check((await summary(page)) === 'running', `the queued run started, yet the summary says ${await summary(page)}`);
	L.check((await L.stepState(page, 'first')) === 'succeeded', `first is ${await L.stepState(page, 'first')}`);
	fs.writeFileSync(path.join(dir, 'go-second'), '');
	await L.waitFor('second succeeded', async () => (await L.stepState(page, 'second')) === 'succeeded', 30);
	await L.waitFor('run succeeded', async () => (await summary(page)) === 'succeeded', 30);
}
