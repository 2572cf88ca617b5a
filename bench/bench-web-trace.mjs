// SPDX-License-Identifier: MIT
// Where the time to the editor's first frame goes: opens a one-step and
// a 500-step chain (bench-web.mjs's pipelines) under a Chromium trace and
// prints, in ms from the start of the navigation, the page's milestones
// (redirect, HTML, each script and style sheet from Resource Timing, the
// WebSocket's open, each request's send and answer, the first step
// title's paint by Element Timing) and, per thread of every process, the
// time of its tasks before that paint with the biggest kinds of work
// (compile, script, style, layout, paint, raster ...).
//   LOOM_BIN=build-rel/bin LOOM_WEB_DIR=... node bench/bench-web-trace.mjs [STEPS] [RUNS]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../web/e2e/lib.mjs';

const STEPS = Number(process.argv[2] || 500);
const RUNS = Number(process.argv[3] || 1);

function writePipeline(dir, n) {
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'tasks', 't.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
	const lines = ['data:', '  d0: {type: txt, path: data/d0.txt}'];
	for (let i = 1; i <= n; i++) lines.push(`  d${i}: {type: txt, path: out/d${i}.txt}`);
	lines.push('parameters:', '  learning_rate: 0.001', 'pipeline:');
	for (let i = 1; i <= n; i++) lines.push(`  - name: s${i}`, '    task: tasks/t.sh', `    inputs: {x: $d${i - 1}}`, `    outputs: {-o: $d${i}}`);
	fs.writeFileSync(path.join(dir, 'experiment.yml'), lines.join('\n') + '\n');
}

/** Before the page's scripts: each WebSocket request's send and answer. */
function hookSocket() {
	window.__rpc = [];
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (data) {
		if (!this.__hooked) {
			this.__hooked = true;
			this.addEventListener('message', (e) => {
				try {
					const m = JSON.parse(e.data);
					const r = window.__rpc.find((x) => x.id === m.id && x.answer === undefined);
					if (r) r.answer = performance.now();
				} catch {}
			});
		}
		try {
			const m = JSON.parse(data);
			window.__rpc.push({ id: m.id, method: m.method, sent: performance.now() });
		} catch {}
		return send.call(this, data);
	};
	const WS = window.WebSocket;
	window.WebSocket = function (...a) {
		const ws = new WS(...a);
		window.__wsNew = performance.now();
		ws.addEventListener('open', () => (window.__wsOpen = performance.now()));
		return ws;
	};
	window.WebSocket.prototype = WS.prototype;
	Object.assign(window.WebSocket, { OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2 });
}

const CATS = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'loading', 'v8', 'v8.compile', 'blink', 'cc', 'viz', 'gpu', 'toplevel', 'netlog', 'blink.user_timing', '__metadata'];

/** Per thread: the sum of its top-level tasks' wall and CPU time in [t0, t1], and the biggest event kinds. */
function threads(events, t0, t1) {
	const names = new Map();
	const pnames = new Map();
	for (const e of events) {
		if (e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, e.args.name);
		if (e.name === 'process_name') pnames.set(e.pid, e.args.name);
	}
	const by = new Map();
	for (const e of events) {
		if (e.ph !== 'X' || e.ts < t0 || e.ts > t1) continue;
		const k = `${e.pid}/${e.tid}`;
		if (!by.has(k)) by.set(k, { task: 0, cpu: 0, kinds: new Map() });
		const t = by.get(k);
		if (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') {
			t.task += e.dur || 0;
			t.cpu += e.tdur ?? 0;
		}
		const d = e.dur || 0;
		t.kinds.set(e.name, (t.kinds.get(e.name) || 0) + d);
	}
	const out = [];
	for (const [k, t] of by) {
		if (t.task < 2000) continue;
		const kinds = [...t.kinds].filter(([n]) => !/RunTask|ThreadController|TaskAnnotator/.test(n)).sort((a, b) => b[1] - a[1]).slice(0, 8);
		out.push(`  ${(pnames.get(Number(k.split('/')[0])) || '?').padEnd(9)} ${(names.get(k) || k).padEnd(26)} tasks ${(t.task / 1000).toFixed(0)} ms (CPU ${(t.cpu / 1000).toFixed(0)}): ` + kinds.map(([n, d]) => `${n} ${(d / 1000).toFixed(0)}`).join(', '));
	}
	return out;
}

const { tmp, env } = L.makeEnv();
const b = await L.launch();
try {
	for (const [k, n] of [['small', 1], ['chain', STEPS]]) {
		const dir = path.join(tmp, k);
		writePipeline(dir, n);
		for (let r = 0; r < RUNS + 1; r++) {
			const url = L.openUi(env, path.join(dir, 'experiment.yml'));
			const ctx = await b.browser.newContext({ viewport: { width: 1400, height: 900 } });
			const page = await ctx.newPage();
			await page.addInitScript(hookSocket);
			await b.browser.startTracing(page, { categories: CATS });
			await page.goto(url);
			await page.waitForSelector('.react-flow__node-step', { timeout: 120000 });
			const m = await page.evaluate(
				() =>
					new Promise((resolve) =>
						new PerformanceObserver((list, obs) => {
							const e = list.getEntries().find((x) => x.identifier === 'step');
							if (!e) return;
							obs.disconnect();
							const nav = performance.getEntriesByType('navigation')[0];
							const res = performance.getEntriesByType('resource').map((x) => `${x.name.replace(/.*\//, '')} ${x.startTime.toFixed(0)}–${x.responseEnd.toFixed(0)}`);
							const paints = performance.getEntriesByType('paint').map((x) => `${x.name} ${x.startTime.toFixed(0)}`);
							resolve({
								first: e.renderTime || e.loadTime,
								nav: `redirect ${nav.redirectStart.toFixed(0)}–${nav.redirectEnd.toFixed(0)}, html ${nav.fetchStart.toFixed(0)}–${nav.responseEnd.toFixed(0)}, domInteractive ${nav.domInteractive.toFixed(0)}, DOMContentLoaded ${nav.domContentLoadedEventEnd.toFixed(0)}`,
								res,
								paints,
								ws: `ws created ${window.__wsNew?.toFixed(0)}, open ${window.__wsOpen?.toFixed(0)}`,
								rpc: window.__rpc.filter((x) => x.sent < e.renderTime).map((x) => `${x.method} ${x.sent.toFixed(0)}→${x.answer?.toFixed(0)}`),
							});
						}).observe({ type: 'element', buffered: true }),
					),
			);
			const buf = await b.browser.stopTracing();
			if (process.env.LOOM_TRACE_SAVE) fs.writeFileSync(path.join(process.env.LOOM_TRACE_SAVE, `${k}-${r}.json`), buf);
			const ev = JSON.parse(buf.toString()).traceEvents;
			await ctx.close();
			if (r === 0) continue; // warms the disk cache and the daemon
			const main = ev.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
			const t0 = Math.max(...ev.filter((e) => e.pid === main.pid && e.name === 'navigationStart').map((e) => e.ts));
			console.log(`${k} (${n} steps), load ${os.loadavg()[0].toFixed(2)}: first step title painted at ${m.first.toFixed(0)} ms`);
			console.log(`  ${m.nav}\n  resources: ${m.res.join(', ')}\n  ${m.paints.join(', ')}\n  ${m.ws}\n  rpc: ${m.rpc.join(', ')}`);
			// The renderer's main thread: its tasks' ends, in ms, to see the gaps.
			const mainTasks = ev.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts >= t0 && e.ts < t0 + m.first * 1000 && e.dur > 5000);
			// Each long task with what it did most (its nested events).
			const inner = (t) =>
				ev
					.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.ts >= t.ts && e.ts + (e.dur || 0) <= t.ts + t.dur && e !== t && !/RunTask|ThreadController|TaskAnnotator|SimpleWatcher|mojo/.test(e.name))
					.sort((a, b) => b.dur - a.dur)
					.slice(0, 3)
					.map((e) => `${e.name}${e.args?.data?.url ? ' ' + e.args.data.url.replace(/.*\//, '') : ''}${e.args?.data?.functionName ? ' ' + e.args.data.functionName : ''} ${(e.dur / 1000).toFixed(0)}`)
					.join(' / ');
			const seen = new Set();
			console.log('  main-thread tasks > 5 ms (start+duration: biggest inner events):');
			for (const e of mainTasks) {
				const k = `${e.ts}`;
				if (seen.has(k)) continue;
				seen.add(k);
				console.log(`    ${((e.ts - t0) / 1000).toFixed(0)}+${(e.dur / 1000).toFixed(0)}: ${inner(e)}`);
			}
			const own = ev.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.ts >= t0 && e.ts < t0 + m.first * 1000);
			const top = ['v8.compile', 'V8.CompileCode', 'v8.compileModule', 'EvaluateScript', 'v8.evaluateModule', 'FunctionCall', 'ParseHTML', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'Commit', 'ParseAuthorStyleSheet', 'v8.run', 'HitTest', 'TimerFire', 'EventDispatch', 'FireAnimationFrame', 'RunMicrotasks', 'V8.GC_SCAVENGER', 'MajorGC', 'MinorGC', 'v8.parseOnBackground', 'ScriptCompiled'];
			const sums = top.map((n) => [n, own.filter((e) => e.name === n).reduce((s, e) => s + e.dur, 0), own.filter((e) => e.name === n).map((e) => ((e.ts - t0) / 1000).toFixed(0))]).filter((x) => x[1] > 500);
			console.log('  main thread by kind (ms, starts): ' + sums.map(([nm, d, st]) => `${nm} ${(d / 1000).toFixed(0)} @${st.slice(0, 6).join('/')}`).join('; '));
			console.log('  all threads, before the paint:');
			console.log(threads(ev, t0, t0 + m.first * 1000).join('\n'));
		}
	}
} finally {
	await b.close();
	L.cleanup(env, tmp);
}
