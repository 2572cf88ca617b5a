// SPDX-License-Identifier: MIT
// Benchmark: add one step to a STEPS-step pipeline in the editor
// (headless Chromium, bench/gen-pipeline.py's "layers" shape) with the
// keyboard picker, and report the median time from Enter to the new
// node drawn on the canvas: the edit saved by pipeline.save, the file
// reloaded with pipeline.open, laid out and drawn. The pipeline.save and
// pipeline.open round trips of the same edit are reported beside it
// (from the page, over the bridge), and a one-step pipeline is the
// reference. Not a test.
//
//   LOOM_BIN=build-rel/bin LOOM_WEB_DIR=build-rel/web/dist \
//       node bench/bench-create.mjs [STEPS] [RUNS]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as L from '../web/e2e/lib.mjs';

const STEPS = Number(process.argv[2] || 1000);
const RUNS = Number(process.argv[3] || 5);

function generate(dir, n) {
	const r = spawnSync('python3', [path.join(L.SRC, 'bench', 'gen-pipeline.py'), '--steps', String(n), '--shape', 'layers', dir], { encoding: 'utf8' });
	L.check(r.status === 0, `gen-pipeline.py: ${r.stderr}`);
	return path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.yml')));
}

function median(v) {
	const s = [...v].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

/** Add step i with the picker; ms from Enter to the node on screen. */
async function addOne(page, i) {
	const pane = await page.locator('.react-flow__pane').boundingBox();
	await page.mouse.move(pane.x + 200 + 30 * i, pane.y + 100);
	await page.keyboard.press('Tab');
	await page.waitForSelector('[data-testid="node-picker"]');
	await page.keyboard.type('parameter');
	await page.keyboard.press('Escape');
	await page.keyboard.press('Tab');
	await page.waitForSelector('[data-testid="node-picker"]');
	// The task is tasks/step.py: its steps are step, step_2, step_3, ...
	const id = `node-step-${i === 0 ? 'step' : `step_${i + 1}`}`;
	const t0 = await page.evaluate(() => performance.now());
	await page.keyboard.press('Enter');
	await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`) !== null, id, { timeout: 120000, polling: 'raf' });
	return (await page.evaluate(() => performance.now())) - t0;
}

/** pipeline.save (one move) and pipeline.open round trips, from the page. */
async function roundTrips(page, file) {
	return page.evaluate(async (file) => {
		const ws = new WebSocket(`ws://${location.host}/ws`);
		await new Promise((r) => (ws.onopen = r));
		let id = 0;
		const call = async (method, params) => {
			const t = performance.now();
			ws.send(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }));
			const reply = JSON.parse((await new Promise((r) => (ws.onmessage = r))).data);
			return { ms: performance.now() - t, result: reply.result };
		};
		const open = await call('pipeline.open', { file });
		const save = await call('pipeline.save', { file, base_version: open.result.version, edits: [{ op: 'move', node: 'bench_probe', x: 1, y: 2 }] });
		ws.close();
		return { open: open.ms, save: save.ms };
	}, file);
}

const { tmp, env } = L.makeEnv();
const b = await L.launch();
try {
	const res = {};
	for (const [k, n] of [['small', 1], ['big', STEPS]]) {
		const file = generate(path.join(tmp, k), n);
		const page = await b.browser.newPage({ viewport: { width: 1400, height: 900 } });
		await page.goto(L.openUi(env, file));
		await page.waitForSelector('.react-flow__node-step', { timeout: 120000 });
		await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected', 60);
		await page.waitForSelector('[data-testid="add-data-button"]');
		res[k] = { add: [], open: [], save: [] };
		// The first of each is left out: it warms caches.
		for (let r = 0; r <= RUNS; r++) {
			const add = await addOne(page, r).catch(async (e) => {
				await page.screenshot({ path: path.join(process.env.LOOM_BUILD || tmp, 'bench-create-failure.png') });
				throw e;
			});
			if (r > 0) res[k].add.push(add);
		}
		for (let r = 0; r <= RUNS; r++) {
			const rt = await roundTrips(page, file);
			if (r > 0) res[k].open.push(rt.open), res[k].save.push(rt.save);
		}
		await page.close();
	}
	const f = (k, key) => median(res[k][key]).toFixed(0);
	console.log(`adding a step with the picker (median of ${RUNS}, headless Chromium, loomd from ${L.BIN}):`);
	for (const [k, n] of [['small', 1], ['big', STEPS]])
		console.log(`  ${String(n).padStart(5)} steps: Enter -> node drawn ${f(k, 'add')} ms; pipeline.save ${f(k, 'save')} ms, pipeline.open ${f(k, 'open')} ms`);
} finally {
	await b.close();
	L.cleanup(env, tmp);
}
