// SPDX-License-Identifier: MIT
// A step's terminal tab replays and then follows its output without
// loss or duplication. The step writes 400 numbered tokens ([001] ...
// [400]) one write at a time, in two halves. The first half (a write
// every few ms) arrives live as the tab opens by itself when the step
// starts; then the page is reloaded while the step waits between the
// halves, so the tab is rebuilt from the log (log.read) while live
// output is subscribed, and the second half arrives live. Each time the
// tab must hold every token exactly once, in order. The step waits for
// a file the test creates: nothing depends on timing. (The byte-range
// bookkeeping that makes history and live output meet without overlap
// is also tested directly in tests/runs.test.ts.)
import fs from 'node:fs';
import path from 'node:path';

function write(dir) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	const gate = (n) => `while [ ! -e '${dir}/go-${n}' ]; do sleep 0.05; done`;
	fs.writeFileSync(
		path.join(dir, 'tasks', 'count.sh'),
		['#!/bin/bash', 'for i in $(seq 1 200); do printf "[%03d] " $i; sleep 0.005; done', `touch '${dir}/half'`, gate(2),
			'for i in $(seq 201 400); do printf "[%03d] " $i; done', 'echo', 'echo done > "$2"', ''].join('\n'),
		{ mode: 0o755 },
	);
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		['data:', '  a: {type: txt, path: out/a.txt}', 'pipeline:',
			'  - name: count', '    task: tasks/count.sh', '    outputs: {-o: $a}', ''].join('\n'),
	);
}

/** The tokens in the terminal, rows joined (a token may wrap). */
async function tokens(L, page) {
	const rows = await page.evaluate(() => [...document.querySelectorAll('[data-testid="terminal"] .xterm-rows > div')].map((r) => r.textContent.replace(/\s+$/, '')));
	return rows.join('').match(/\[\d{3}\]/g) ?? [];
}

function expectTokens(L, got, n, when) {
	const want = Array.from({ length: n }, (_, i) => `[${String(i + 1).padStart(3, '0')}]`);
	L.check(got.join(' ') === want.join(' '), `${when}: expected [001]..[${n}] once each, got ${got.length} tokens: ${got.join(' ').slice(0, 300)}...`);
}

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'term');
	write(dir);
	const url = L.openUi(env, `${dir}/experiment.yml`);
	await page.goto(url);
	await page.waitForSelector('[data-testid="node-step-count"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	const r = L.loomctl(env, ['run', '-d', `${dir}/experiment.yml`], { cwd: dir });
	L.check(r.status === 0, `loomctl run -d: ${r.status} ${r.signal} ${r.error} ${r.stderr}`);
	await L.waitFor('count running', async () => (await L.stepState(page, 'count')) === 'running', 60);
	// The tab opened when the step started; output comes a write every
	// few ms.
	await L.waitFor('first half written', async () => fs.existsSync(path.join(dir, 'half')), 30);
	L.check((await page.getAttribute('[data-testid="tab-count"]', 'aria-selected')) === 'true', 'the tab did not open by itself');
	await L.waitFor('first half in the tab', async () => (await tokens(L, page)).length >= 200, 30);
	expectTokens(L, await tokens(L, page), 200, 'live');

	// Reopened mid-run: history from the log, then live.
	await page.goto(url.replace(/token=[^&]*&/, ''));
	await page.waitForSelector('[data-testid="tab-count"]');
	await page.click('[data-testid="tab-count"]');
	await L.waitFor('history in the tab', async () => (await tokens(L, page)).length >= 200, 30);
	fs.writeFileSync(path.join(dir, 'go-2'), '');
	await L.waitFor('count succeeded', async () => (await L.stepState(page, 'count')) === 'succeeded', 60);
	await L.waitFor('second half in the tab', async () => (await tokens(L, page)).length >= 400, 30);
	expectTokens(L, await tokens(L, page), 400, 'reopened');
}
