// SPDX-License-Identifier: MIT
// While a run goes on, the terminal shows the step that started last:
// in a chain first -> second -> third, second's tab comes up by itself
// when second starts. Once the user picks a tab, it stays when third
// starts. A new run of the file follows again. Every step waits for a
// file the test creates (go-<step>), so nothing depends on timing. A
// running step shows no freshness badge (it read "missing" on its first
// run, "fresh" on the next, or "stale: running now", beside "running");
// it has one again once done.
import fs from 'node:fs';
import path from 'node:path';

function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	const step = (name, input) => [`  - name: ${name}`, '    task: tasks/wait.sh', ...(input ? [`    inputs: {in: $${input}}`] : []),
		`    args: {--name: ${name}}`, `    outputs: {-o: $${name}}`];
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		['data:', '  first: {path: out/first.txt}', '  second: {path: out/second.txt}', '  third: {path: out/third.txt}', 'pipeline:',
			...step('first'), ...step('second', 'first'), ...step('third', 'second'), ''].join('\n'),
	);
	// wait.sh: says when it begins, waits for go-<its step>, writes -o.
	fs.writeFileSync(
		path.join(dir, 'tasks', 'wait.sh'),
		['#!/bin/bash', 'name=; out=', 'while [ $# -gt 0 ]; do case $1 in --name) name=$2; shift 2;; -o) out=$2; shift 2;; *) shift;; esac; done',
			'echo "step $name began"', `while [ ! -e '${dir}/go-'"$name" ]; do sleep 0.05; done`, 'echo "step $name ended"', 'echo done > "$out"', ''].join('\n'),
		{ mode: 0o755 },
	);
}

const selected = async (page, step) => (await page.getAttribute(`[data-testid="tab-${step}"]`, 'aria-selected')) === 'true';

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'follow');
	write(dir);
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-third"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	const r = L.loomctl(env, ['run', '-d', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `loomctl run -d: ${r.status} ${r.stderr}`);
	await L.waitFor('first shown', async () => (await selected(page, 'first')) && (await L.terminalText(page)).includes('step first began'), 30);

	// second starts: its tab comes up without a click.
	fs.writeFileSync(path.join(dir, 'go-first'), '');
	await L.waitFor('second running', async () => (await L.stepState(page, 'second')) === 'running', 30);
	await L.waitFor('second shown by itself', async () => (await selected(page, 'second')) && (await L.terminalText(page)).includes('step second began'), 30);
	L.check(!(await L.terminalText(page)).includes('step first'), 'the tab of second shows the output of first');
	// Its output is missing, but it is being made: no badge while it runs.
	L.check((await page.getAttribute('[data-testid="node-step-second"]', 'data-fresh')) === 'missing', 'second is not missing before its first run');
	L.check((await page.locator('[data-testid="fresh-second"]').count()) === 0, 'the running step second shows a freshness badge');
	if (process.env.LOOM_SCREENSHOT_FOLLOW) await page.screenshot({ path: process.env.LOOM_SCREENSHOT_FOLLOW });

	// The user looks at first: third's start leaves it there.
	await page.click('[data-testid="tab-first"]');
	await L.waitFor('first picked', async () => (await selected(page, 'first')) && (await L.terminalText(page)).includes('step first ended'), 30);
	fs.writeFileSync(path.join(dir, 'go-second'), '');
	await L.waitFor('third running', async () => (await L.stepState(page, 'third')) === 'running', 30);
	await L.waitFor('the tab of third', async () => (await page.locator('[data-testid="tab-third"]').count()) === 1, 30);
	// Longer than the terminal's follow interval: a switch would be seen.
	await page.waitForTimeout(1000);
	L.check(await selected(page, 'first'), 'the tab the user picked did not stay when third started');
	L.check((await L.terminalText(page)).includes('step first ended'), 'the terminal no longer shows first');
	fs.writeFileSync(path.join(dir, 'go-third'), '');
	await L.waitFor('third succeeded', async () => (await L.stepState(page, 'third')) === 'succeeded', 30);
	await L.waitFor('second fresh again', async () => (await page.locator('[data-testid="fresh-second"]').getAttribute('data-fresh').catch(() => null)) === 'fresh', 30);

	// A new run follows again: second's tab when second starts.
	for (const s of ['first', 'second', 'third']) fs.rmSync(path.join(dir, `go-${s}`));
	const r2 = L.loomctl(env, ['run', '-d', '--force', '--from', 'second', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r2.status === 0, `loomctl run -d --from second: ${r2.status} ${r2.stderr}`);
	await L.waitFor('second shown in the new run', async () => (await selected(page, 'second')) && (await L.stepState(page, 'second')) === 'running', 30);
	// Run again, it has no badge either: the last answer said fresh (and
	// one asked now would say stale, "running now"); it is being remade.
	L.check((await page.locator('[data-testid="fresh-second"]').count()) === 0, 'the step second, running again, shows a freshness badge');
	fs.writeFileSync(path.join(dir, 'go-second'), '');
	await L.waitFor('third shown in the new run', async () => (await selected(page, 'third')) && (await L.terminalText(page)).includes('step third began'), 30);
	fs.writeFileSync(path.join(dir, 'go-third'), '');
	await L.waitFor('third succeeded again', async () => (await L.stepState(page, 'third')) === 'succeeded', 30);
}
