// SPDX-License-Identifier: MIT
// Runs of part of a pipeline: after "Run all", "Run this step" on one
// step leaves the other steps in their state (marked as from an earlier
// run, also after reopening the page); while a run goes on, a run of
// steps it does not touch can start from the editor (as from the CLI),
// and buttons for steps it does touch are disabled. Steps wait for a
// file the test creates, so nothing depends on timing.
import fs from 'node:fs';
import path from 'node:path';

function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	// Waits (polling, in the step) until the test creates DIR/go-NAME.
	fs.writeFileSync(path.join(dir, 'tasks', 'gate.sh'), `#!/bin/sh\nwhile [ ! -e '${dir}/go-'"$4" ]; do sleep 0.05; done\necho "done $4" > "$2"\necho "ran $4"\n`, { mode: 0o755 });
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		['data:', '  a: {type: txt, path: out/a.txt}', '  b: {type: txt, path: out/b.txt}', 'pipeline:',
			'  - name: first', '    task: tasks/gate.sh', '    args: {--x: first}', '    outputs: {-o: $a}',
			'  - name: second', '    task: tasks/gate.sh', '    args: {--x: second}', '    outputs: {-o: $b}', ''].join('\n'),
	);
}

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'subset');
	write(dir);
	for (const n of ['first', 'second']) fs.writeFileSync(path.join(dir, `go-${n}`), '');
	const url = L.openUi(env, `${dir}/experiment.yml`);
	await page.goto(url);
	await page.waitForSelector('[data-testid="node-step-second"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="run-all"]');
	await L.waitFor('run all succeeded', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 60);

	// One step again: the other keeps its state.
	fs.rmSync(path.join(dir, 'go-first'));
	await L.clickNode(page, 'node-step-first');
	await page.click('[data-testid="run-step"]');
	await L.waitFor('first running', async () => (await L.stepState(page, 'first')) === 'running', 30);
	L.check((await L.stepState(page, 'second')) === 'succeeded', `second went to ${await L.stepState(page, 'second')}`);
	L.check((await page.getAttribute('[data-testid="node-step-second"]', 'data-earlier')) === 'true', 'second not marked as from an earlier run');
	L.check(await page.isDisabled('[data-testid="run-all"]'), 'Run all overlaps the running run');
	L.check(await page.isDisabled('[data-testid="run-step"]'), 'first is running: its button must be disabled');

	// A run that does not overlap starts while the first one goes on.
	fs.rmSync(path.join(dir, 'go-second'));
	await L.clickNode(page, 'node-step-second');
	await L.waitFor('Run this step enabled for second', async () => !(await page.isDisabled('[data-testid="run-step"]')));
	await page.click('[data-testid="run-step"]');
	await L.waitFor('second running', async () => (await L.stepState(page, 'second')) === 'running', 30);
	L.check((await L.stepState(page, 'first')) === 'running', 'first stopped being shown running');
	const st = L.loomctl(env, ['status', '--json']);
	L.check(st.status === 0, `loomctl status: ${st.stderr}`);
	fs.writeFileSync(path.join(dir, 'go-first'), '');
	fs.writeFileSync(path.join(dir, 'go-second'), '');
	for (const s of ['first', 'second']) await L.waitFor(`${s} succeeded`, async () => (await L.stepState(page, s)) === 'succeeded', 60);

	// Reopened: each step from the newest run that ran it.
	fs.rmSync(path.join(dir, 'go-first'));
	await L.clickNode(page, 'node-step-first');
	fs.writeFileSync(path.join(dir, 'go-first'), '');
	await page.click('[data-testid="run-step"]');
	await L.waitFor('the last run done', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 60);
	await page.goto(url.replace(/token=[^&]*&/, ''));
	await page.waitForSelector('[data-testid="node-step-second"][data-state="succeeded"]');
	L.check((await page.getAttribute('[data-testid="node-step-second"]', 'data-earlier')) === 'true', 'reopened: second not from an earlier run');
	L.check((await page.getAttribute('[data-testid="node-step-first"]', 'data-earlier')) === 'false', 'reopened: first is from the latest run');
	await page.click('[data-testid="tab-second"]');
	await L.waitFor('second output kept', async () => (await L.terminalText(page)).includes('ran second'));
}
