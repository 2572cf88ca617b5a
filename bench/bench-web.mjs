// SPDX-License-Identifier: MIT
// Benchmark: open 500-step pipelines of three shapes in the editor
// (headless Chromium) and report, for each, the time from navigation to
// the first frame with a step node on screen (when Chromium painted it,
// by Element Timing), to the whole graph in the
// minimap, the time "Fit" takes to draw its frame (the overview's, for a
// graph too big to show legibly), the page's JS heap
// after Fit, and the pipeline.open round trip. Shapes:
//   chain   s1 -> s2 -> ... (each step reads the previous one's output)
//   fanout  every step reads the same input
//   param   a chain whose steps all use one parameter
// The reference is a one-step pipeline opened the same way, so the
// figures are also given as ratios. Each is measured on a first visit in
// a fresh profile; the first frames of a second and a third visit in the
// same profile follow (the bundle then comes from the browser's cache).
// Also printed: the sizes of the scripts index.html loads at once and of
// those loaded later (the terminal), and the load average before and
// after (the figures mean little on a busy machine). Not a test: run by
// bench/bench-web.sh, which builds nothing and needs a built editor.
// With LOOM_BENCH_TRACE=1, each page is opened under a Chromium trace
// and two more figures are given: the renderer main thread's CPU time
// from the navigation to the first frame (the sum of its tasks' thread
// time: less sensitive to a busy machine than the wall time), and the
// number of React commits of the graph pane before it (how many times
// the page rendered before the first frame).
//
//   node bench/bench-web.mjs [STEPS] [RUNS] [SHAPES]   (SHAPES: chain,fanout,param)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../web/e2e/lib.mjs';

const STEPS = Number(process.argv[2] || 500);
const RUNS = Number(process.argv[3] || 3);
const SHAPES = (process.argv[4] || 'chain,fanout,param').split(',');

/** Step i's input: the previous output (chain, param) or d0 (fanout). */
function writePipeline(dir, n, shape) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'tasks', 't.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
	const lines = ['data:', '  d0: {type: txt, path: data/d0.txt}'];
	for (let i = 1; i <= n; i++) lines.push(`  d${i}: {type: txt, path: out/d${i}.txt}`);
	lines.push('parameters:', '  learning_rate: 0.001', 'pipeline:');
	for (let i = 1; i <= n; i++) {
		const input = shape === 'fanout' ? 0 : i - 1;
		lines.push(`  - name: s${i}`, '    task: tasks/t.sh', `    inputs: {x: $d${input}}`, `    outputs: {-o: $d${i}}`);
		if (shape === 'param') lines.push('    args: {--lr: $learning_rate}');
	}
	fs.writeFileSync(path.join(dir, 'experiment.yml'), lines.join('\n') + '\n');
}

function median(v) {
	const s = [...v].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

const TRACE = process.env.LOOM_BENCH_TRACE === '1';

/**
 * From a trace's events: the CPU time of the renderer main thread's
 * tasks from navigationStart to `first` ms after it.
 */
function mainThreadCpu(events, first) {
	const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
	if (!main) return NaN;
	const own = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
	const starts = own.filter((e) => e.name === 'navigationStart').map((e) => e.ts);
	if (starts.length === 0) return NaN;
	const t0 = Math.max(...starts);
	const end = t0 + first * 1000;
	let us = 0;
	for (const e of own)
		if (e.name === 'RunTask' && e.ph === 'X' && e.ts >= t0 && e.ts < end) us += e.tdur ?? e.dur ?? 0;
	return us / 1000;
}

/**
 * Open url in page; the first frame: when Chromium painted the first
 * step's title (Element Timing; the page marks step titles), from the
 * start of the navigation. A node in the DOM is not yet one on screen.
 */
async function firstFrame(page, url) {
	await page.goto(url);
	await page.waitForSelector('.react-flow__node-step', { timeout: 120000 });
	return page.evaluate(
		() =>
			new Promise((resolve) =>
				new PerformanceObserver((list, obs) => {
					const e = list.getEntries().find((x) => x.identifier === 'step');
					if (e) {
						obs.disconnect();
						resolve(Math.round(e.renderTime || e.loadTime));
					}
				}).observe({ type: 'element', buffered: true }),
			),
	);
}

/**
 * The first frame of later visits in the same profile (the bundle's
 * hashed files from the HTTP cache, and V8's code cache of them once
 * Chromium made one): the second and the third visit.
 */
async function revisits(ctx, url) {
	const r = [];
	for (let i = 0; i < 2; i++) {
		const page = await ctx.newPage();
		r.push(await firstFrame(page, url));
		await page.close();
	}
	return r;
}

async function measure(page, url, n, file) {
	// Counts the DOM's mutation batches before the first step title's
	// paint is reported: about one per React commit.
	if (TRACE)
		await page.addInitScript(() => {
			window.__commits = 0;
			new PerformanceObserver((l) => {
				if (l.getEntries().some((x) => x.identifier === 'step')) window.__painted = true;
			}).observe({ type: 'element' });
			new MutationObserver(() => {
				if (!window.__painted) window.__commits++;
			}).observe(document, { childList: true, subtree: true });
		});
	const first = await firstFrame(page, url);
	const mutations = TRACE ? await page.evaluate(() => window.__commits) : 0;
	await page.waitForFunction((k) => document.querySelectorAll('.react-flow__minimap-node').length >= k, n, { timeout: 120000 });
	const full = Math.round(await page.evaluate(() => performance.now()));
	const fit = await page.evaluate(async () => {
		const b = [...document.querySelectorAll('button')].find((x) => x.textContent.trim() === 'Fit');
		const t = performance.now();
		b.click();
		// Until Fit's frame is drawn: the overview's boxes when it
		// chose the overview (drawn after the full nodes are hidden).
		const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		await frame();
		while (b.dataset.fit === 'overview' && !document.querySelector('[data-testid="overview"] rect')) await frame();
		await frame();
		return performance.now() - t;
	});
	const heap = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : 0));
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
	return { first, full, fit, heap, rpc, mutations };
}

/** The bundle's scripts: those index.html loads at once, and the others. */
function bundleSizes(dir) {
	const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
	const kib = (f) => (fs.statSync(path.join(dir, 'assets', f)).size / 1024).toFixed(0);
	const js = fs.readdirSync(path.join(dir, 'assets')).filter((f) => f.endsWith('.js'));
	const first = js.filter((f) => html.includes(f));
	const lazy = js.filter((f) => !html.includes(f));
	return `loaded at once: ${first.map((f) => `${f} ${kib(f)} KiB`).join(', ')}; loaded later: ${lazy.map((f) => `${f} ${kib(f)} KiB`).join(', ') || 'none'}`;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadBefore = load();
const { tmp, env } = L.makeEnv();
const b = await L.launch();
try {
	const cases = [['small', 1, 'chain'], ...SHAPES.map((s) => [s, STEPS, s])];
	const urls = {};
	for (const [k, n, shape] of cases) {
		const dir = path.join(tmp, k);
		writePipeline(dir, n, shape);
		urls[k] = { url: L.openUi(env, path.join(dir, 'experiment.yml')), n, file: path.join(dir, 'experiment.yml') };
	}
	const res = Object.fromEntries(cases.map(([k]) => [k, []]));
	for (let r = 0; r < RUNS + 1; r++) {
		for (const [k] of cases) {
			const ctx = await b.browser.newContext({ viewport: { width: 1400, height: 900 } });
			const page = await ctx.newPage();
			if (TRACE) await b.browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', '__metadata'] });
			const m = await measure(page, urls[k].url, urls[k].n, urls[k].file);
			if (TRACE) m.cpu = mainThreadCpu(JSON.parse((await b.browser.stopTracing()).toString()).traceEvents, m.first);
			await page.close();
			[m.second, m.third] = await revisits(ctx, urls[k].url);
			if (r > 0) res[k].push(m); // the first round warms caches
			await ctx.close();
		}
	}
	const f = (k, key) => median(res[k].map((m) => m[key]));
	console.log(`editor (median of ${RUNS}, headless Chromium, loomd from ${L.BIN}); load average ${loadBefore} before, ${load()} after:`);
	console.log(`  bundle: ${bundleSizes(process.env.LOOM_WEB_DIR)}`);
	console.log(`  1-step reference: first frame ${f('small', 'first')} ms (visits 2 and 3 ${f('small', 'second')}, ${f('small', 'third')} ms), Fit ${f('small', 'fit').toFixed(0)} ms, heap ${(f('small', 'heap') / 1048576).toFixed(1)} MiB, pipeline.open ${f('small', 'rpc').toFixed(1)} ms` +
			(TRACE ? `; main thread ${f('small', 'cpu').toFixed(0)} ms CPU, ${f('small', 'mutations')} DOM mutation batches before the first frame` : ''));
	for (const s of SHAPES)
		console.log(
			`  ${STEPS}-step ${s.padEnd(6)}: first frame ${f(s, 'first')} ms (ratio ${(f(s, 'first') / f('small', 'first')).toFixed(2)}; visits 2 and 3 ${f(s, 'second')}, ${f(s, 'third')} ms), ` +
				`whole minimap ${f(s, 'full')} ms, Fit ${f(s, 'fit').toFixed(0)} ms, heap ${(f(s, 'heap') / 1048576).toFixed(1)} MiB, ` +
				`pipeline.open ${f(s, 'rpc').toFixed(1)} ms` +
				(TRACE ? `; main thread ${f(s, 'cpu').toFixed(0)} ms CPU, ${f(s, 'mutations')} DOM mutation batches before the first frame` : ''),
		);
} finally {
	await b.close();
	L.cleanup(env, tmp);
}
