// SPDX-License-Identifier: MIT
// Helpers for the editor's end-to-end tests: a private loomd (its own
// socket, state and runtime folders, started through `loomctl ui`
// exactly as a user would), a copy of an example to run in, and headless
// Chromium (the system's, through playwright-core). Every wait polls a
// condition under a deadline; nothing sleeps a fixed time. As in the
// integration tests (tests/integration/lib.sh), sanitizer reports of the
// daemon and loomctl go to files in the private folder, and cleanup()
// returns those that hold an error, so a sanitized build fails the test.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.LOOM_BIN || path.resolve(import.meta.dirname, '../../build/bin');
export const SRC = process.env.LOOM_SRC || path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.LOOM_CHROMIUM || '/usr/bin/chromium';

export function fail(msg) {
	throw new Error(msg);
}

export function check(cond, msg) {
	if (!cond) fail(msg);
}

/** What a test throws when this build cannot run it (run.mjs: exit 77). */
export class Skip extends Error {}

export function skip(msg) {
	throw new Skip(msg);
}

/** A private environment: socket, state and runtime folders. */
export function makeEnv() {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loome2e.'));
	for (const d of ['run', 'state', 'xdg']) fs.mkdirSync(path.join(tmp, d), { mode: 0o700 });
	const env = {
		...process.env,
		LOOM_SOCKET: path.join(tmp, 'run', 'loomd.sock'),
		XDG_STATE_HOME: path.join(tmp, 'state'),
		XDG_RUNTIME_DIR: path.join(tmp, 'xdg'),
		LOOMD_IDLE_TIMEOUT: '30',
		LOOMD_KILL_GRACE: '2',
		NO_COLOR: '1',
		// Reports go to files that cleanup() checks, never lost.
		ASAN_OPTIONS: `detect_leaks=1:log_path=${path.join(tmp, 'asan')}`,
		UBSAN_OPTIONS: `print_stacktrace=1:log_path=${path.join(tmp, 'ubsan')}`,
	};
	return { tmp, env };
}

/** Copy an example folder into tmp/name (so runs write there). */
export function copyExample(tmp, example, name = example) {
	const dst = path.join(tmp, name);
	fs.cpSync(path.join(SRC, 'examples', example), dst, { recursive: true });
	for (const d of ['.loom', 'out']) fs.rmSync(path.join(dst, d), { recursive: true, force: true });
	return dst;
}

export function loomctl(env, args, opts = {}) {
	const r = spawnSync(path.join(BIN, 'loomctl'), args, { env, encoding: 'utf8', timeout: 60000, ...opts });
	return r;
}

/** `loomctl ui TARGET --no-browser`: the URL. */
export function openUi(env, target) {
	const r = loomctl(env, ['ui', target, '--no-browser']);
	check(r.status === 0, `loomctl ui failed (${r.status}): ${r.stderr}`);
	const url = r.stdout.trim().split('\n').pop();
	check(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32,}&target=\d+$/.test(url), `unexpected URL ${url}`);
	return url;
}

export async function launch() {
	// playwright-core gives each launch a fresh, temporary profile
	// (its own --user-data-dir), removed on close.
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--enable-precise-memory-info',
		],
	});
	return {
		browser,
		async close() {
			await browser.close();
		},
	};
}

/**
 * Wait until the graph is drawn whole: some node, and as many edges on
 * screen as the editor handed React Flow (the graph's data-edges; edges
 * are drawn once both their nodes' handles are measured, which can come
 * after the nodes appear). For graphs drawn whole (not the overview, not
 * a big graph drawn only where it is on screen).
 */
export async function waitGraph(page) {
	await page.waitForSelector('.react-flow__node');
	await waitFor('every edge drawn', () =>
		page.evaluate(() => {
			const want = Number(document.querySelector('[data-testid="graph"]')?.getAttribute('data-edges'));
			return want > 0 && document.querySelectorAll('.react-flow__edge').length === want;
		}),
	);
}

/** Poll fn until it returns a truthy value; fail after secs. */
export async function waitFor(what, fn, secs = 30) {
	const end = Date.now() + secs * 1000;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end) fail(`timed out after ${secs}s waiting for ${what} (last: ${last})`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/**
 * Sanitizer reports in tmp (asan.PID, ubsan.PID) that hold an error, as
 * [{ file, text }] (text: the first 60 lines).
 */
export function sanitizerReports(tmp) {
	const found = [];
	let names = [];
	try {
		names = fs.readdirSync(tmp);
	} catch {
		return found;
	}
	for (const name of names) {
		if (!/^(asan|ubsan)(\.|$)/.test(name)) continue;
		const file = path.join(tmp, name);
		let text;
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			continue;
		}
		if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(text))
			found.push({ file, text: text.split('\n').slice(0, 60).join('\n') });
	}
	return found;
}

/**
 * Stop the private daemon, collect sanitizer reports (see
 * sanitizerReports) and remove the folders. Returns the reports.
 */
export function cleanup(env, tmp) {
	loomctl(env, ['daemon', 'stop']);
	const pidFile = env.LOOM_SOCKET + '.pid';
	try {
		const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
		if (pid > 0) {
			const end = Date.now() + 10000;
			while (Date.now() < end) {
				try {
					process.kill(pid, 0);
				} catch {
					break;
				}
				execFileSync('sleep', ['0.1']);
			}
		}
	} catch {
		/* gone already */
	}
	const reports = sanitizerReports(tmp);
	fs.rmSync(tmp, { recursive: true, force: true });
	return reports;
}

/** Text of the editor's terminal (xterm's DOM rows). */
export async function terminalText(page) {
	return page.evaluate(() => {
		const rows = document.querySelector('[data-testid="terminal"] .xterm-rows');
		return rows ? [...rows.children].map((r) => r.textContent).join('\n') : '';
	});
}

export async function stepState(page, name) {
	return page.getAttribute(`[data-testid="node-step-${name}"]`, 'data-state');
}

/**
 * Select a graph node by its test id ("node-step-merge"). "Fit" keeps
 * text legible and pans rather than shrinking a wide graph, so the node
 * may lie outside the visible pane: the click event goes to it directly.
 */
export async function clickNode(page, testid) {
	await page.dispatchEvent(`[data-testid="${testid}"]`, 'click');
}

/** True when every line of before appears in after, in order (a save kept them). */
export function keptLines(before, after) {
	const a = after.split('\n');
	let i = 0;
	for (const line of before.split('\n')) {
		while (i < a.length && a[i] !== line) i++;
		if (i === a.length) return false;
		i++;
	}
	return true;
}

/** `loomctl validate FILE` passes (exit 0); fails the test with its output otherwise. */
export function validates(env, file) {
	const r = loomctl(env, ['validate', file]);
	check(r.status === 0, `loomctl validate ${file} failed (${r.status}): ${r.stdout}${r.stderr}`);
	return r.stdout + r.stderr;
}

/** Wait until file's text satisfies fn (the editor saved); returns the text. */
export async function waitForFile(what, file, fn, secs = 20) {
	return waitFor(what, () => {
		let t;
		try {
			t = fs.readFileSync(file, 'utf8');
		} catch {
			return false;
		}
		return fn(t) ? t : false;
	}, secs);
}
