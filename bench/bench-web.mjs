// SPDX-License-Identifier: MIT
// Benchmark: open a 500-step pipeline in the editor (headless Chromium)
// and report the time to first render (the first step node on screen)
// and to the full graph (every step in the minimap; a big graph draws
// only the nodes on screen, see web/src/App.tsx), plus the
// pipeline.open round trip the editor waits for. The reference in the
// same run is the time to load a near-empty pipeline (one step) the same
// way, so the figures are also given as ratios. Not a test: run by
// bench/bench-web.sh, which builds nothing and needs a built editor.
//
//   node bench/bench-web.mjs [STEPS] [RUNS]
import fs from 'node:fs';
import path from 'node:path';
import * as L from '../web/e2e/lib.mjs';

const STEPS = Number(process.argv[2] || 500);
const RUNS = Number(process.argv[3] || 5);

/** A chain with fan-out: step i reads d(i/2) so the graph is layered. */
function writePipeline(dir, n) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'tasks', 't.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
	const lines = ['data:', '  d0: {type: txt, path: data/d0.txt}'];
	for (let i = 1; i <= n; i++) lines.push(`  d${i}: {type: txt, path: out/d${i}.txt}`);
	lines.push('parameters:', '  size: 3', 'pipeline:');
	for (let i = 1; i <= n; i++) {
		lines.push(`  - name: s${i}`, '    task: tasks/t.sh', `    inputs: {x: $d${Math.floor(i / 2)}}`, `    outputs: {-o: $d${i}}`);
		if (i % 10 === 0) lines.push('    args: {--size: $size}');
	}
	fs.writeFileSync(path.join(dir, 'experiment.yml'), lines.join('\n') + '\n');
}

function median(v) {
	const s = [...v].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

async function measure(page, url, n, file) {
	const t0 = Date.now();
	await page.goto(url);
	await page.waitForSelector('.react-flow__node-step', { timeout: 120000 });
	const first = Date.now() - t0;
	await page.waitForFunction((k) => document.querySelectorAll('.react-flow__minimap-node').length >= k, n, { timeout: 120000 });
	const full = Date.now() - t0;
	const rpc = await page.evaluate(async (file) => {
		const ws = new WebSocket(`ws://${location.host}/ws`);
		await new Promise((r) => (ws.onopen = r));
		const t = performance.now();
		ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'pipeline.open', params: { file } }));
		await new Promise((r) => (ws.onmessage = r));
		const d = performance.now() - t;
		ws.close();
		return d;
	}, file);
	return { first, full, rpc };
}

const { tmp, env } = L.makeEnv();
const b = await L.launch();
try {
	const big = path.join(tmp, 'big');
	const small = path.join(tmp, 'small');
	writePipeline(big, STEPS);
	writePipeline(small, 1);
	const bigFile = path.join(big, 'experiment.yml');
	const smallFile = path.join(small, 'experiment.yml');
	const urlBig = L.openUi(env, bigFile);
	const urlSmall = L.openUi(env, smallFile);
	const res = { big: [], small: [] };
	for (let r = 0; r < RUNS + 1; r++) {
		for (const [k, url, n, file] of [['small', urlSmall, 1, smallFile], ['big', urlBig, STEPS, bigFile]]) {
			const ctx = await b.browser.newContext({ viewport: { width: 1400, height: 900 } });
			const page = await ctx.newPage();
			const m = await measure(page, url, n, file);
			if (r > 0) res[k].push(m); // the first round warms caches
			await ctx.close();
		}
	}
	const f = (k, key) => median(res[k].map((m) => m[key]));
	console.log(`editor, ${STEPS}-step pipeline (median of ${RUNS}, headless Chromium, loomd from ${L.BIN}):`);
	console.log(`  first render:    ${f('big', 'first')} ms   (1-step reference ${f('small', 'first')} ms, ratio ${(f('big', 'first') / f('small', 'first')).toFixed(2)})`);
	console.log(`  full graph:      ${f('big', 'full')} ms   (reference ${f('small', 'full')} ms, ratio ${(f('big', 'full') / f('small', 'full')).toFixed(2)})`);
	console.log(`  pipeline.open:   ${f('big', 'rpc').toFixed(1)} ms   (reference ${f('small', 'rpc').toFixed(1)} ms)`);
} finally {
	await b.close();
	L.cleanup(env, tmp);
}
