// SPDX-License-Identifier: MIT
// Runs one end-to-end test file (CTest calls `node e2e/run.mjs FILE`):
// imports it, calls its default export with a fresh private daemon
// environment and a headless Chromium page, and always cleans up. Exit 0
// on success, 1 on failure (including a sanitizer report from loomd or
// loomctl), 77 (skipped) when Chromium is not installed or the test
// finds this build cannot run it (L.skip).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as L from './lib.mjs';

const file = process.argv[2];
if (!file) {
	console.error('usage: node e2e/run.mjs e2e/test-NAME.mjs');
	process.exit(2);
}
if (!fs.existsSync(L.CHROMIUM)) {
	console.log(`SKIP: no Chromium at ${L.CHROMIUM} (Debian package 'chromium')`);
	process.exit(77);
}
for (const b of ['loomctl', 'loomd']) {
	if (!fs.existsSync(path.join(L.BIN, b))) {
		console.error(`FAIL: ${b} not found in ${L.BIN} (set LOOM_BIN)`);
		process.exit(1);
	}
}

const mod = await import(pathToFileURL(path.resolve(file)).href);
const { tmp, env } = L.makeEnv();
const b = await L.launch();
const page = await b.browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
// The page's last console lines, shown when the test fails.
const consoleLines = [];
page.on('console', (m) => {
	consoleLines.push(`${m.type()}: ${m.text()}`);
	if (consoleLines.length > 30) consoleLines.shift();
});
let status = 0;
const timer = setTimeout(() => {
	console.error('FAIL: test took longer than 240 s');
	process.exit(1);
}, 240000);
try {
	await mod.default({ L, tmp, env, page, browser: b.browser });
	if (errors.length > 0) throw new Error(`errors in the page: ${errors.join('; ')}`);
	console.log(`PASS: ${path.basename(file)}`);
} catch (e) {
	if (e instanceof L.Skip) {
		status = 77;
		console.log(`SKIP: ${path.basename(file)}: ${e.message}`);
	} else await failed(e);
} finally {
	clearTimeout(timer);
	await b.close();
	const reports = L.cleanup(env, tmp);
	for (const r of reports) {
		console.error(`FAIL: ${path.basename(file)}: sanitizer report in ${r.file}:\n${r.text}`);
		status = 1;
	}
}
process.exit(status);

/** Say why the test failed: what the page showed, the daemon's log, a screenshot. */
async function failed(e) {
	status = 1;
	console.error(`FAIL: ${path.basename(file)}: ${e.stack || e}`);
	try {
		// What the page said: its banners, dialogs and the focused element.
		const said = await page.evaluate(() => {
			const text = (el) => `${el.getAttribute('data-testid') || el.className}: ${el.textContent.trim().slice(0, 300)}`;
			const shown = [...document.querySelectorAll('.banner, [role="dialog"], .status-line, header')].map(text);
			const a = document.activeElement;
			shown.push(`focus: ${a ? `${a.tagName} ${a.getAttribute('data-testid') || a.getAttribute('name') || ''}` : 'none'}`);
			return shown;
		});
		for (const l of said) console.error(`page: ${l}`);
		for (const l of consoleLines) console.error(`console ${l}`);
	} catch {
		/* page gone */
	}
	// The daemon's own account: the end of its log.
	const log = path.join(tmp, 'state', 'loom', 'loomd.log');
	if (fs.existsSync(log)) for (const l of fs.readFileSync(log, 'utf8').split('\n').slice(-40)) console.error(`loomd.log: ${l}`);
	try {
		const shot = path.join(process.env.LOOM_BUILD || tmp, `${path.basename(file, '.mjs')}-failure.png`);
		await page.screenshot({ path: shot });
		console.error(`screenshot: ${shot}`);
	} catch {
		/* page gone */
	}
}
