// SPDX-License-Identifier: MIT
// RELIABILITY W7, in a real browser: after the editor has set its cookie,
// a page served from another port of 127.0.0.1 (same site, other origin)
// tries to open the bridge's WebSocket (with and without ?token= guesses)
// and to read the editor's page with fetch. The socket closes without
// ever opening, the fetch yields nothing readable, and no run started.
import http from 'node:http';

export default async function ({ L, tmp, env, browser }) {
	// One context for both pages, so they share the cookie jar.
	const ctx = await browser.newContext();
	const page = await ctx.newPage();
	const dir = L.copyExample(tmp, 'diamond');
	const url = L.openUi(env, `${dir}/experiment.yml`);
	const port = Number(new URL(url).port);
	await page.goto(url);
	await page.waitForSelector('[data-testid="node-step-merge"]');

	const evil = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<!doctype html><title>elsewhere</title>');
	});
	await new Promise((r) => evil.listen(0, '127.0.0.1', r));
	const evilPort = evil.address().port;
	try {
		// Same browser context: the bridge's cookie is in the jar.
		const other = await ctx.newPage();
		await other.goto(`http://127.0.0.1:${evilPort}/`);
		const result = await other.evaluate(async ({ port, file }) => {
			const tryWs = (u) =>
				new Promise((resolve) => {
					const ws = new WebSocket(u);
					let opened = false;
					ws.onopen = () => {
						opened = true;
						ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'run.start', params: { file } }));
					};
					ws.onclose = (e) => resolve({ opened, code: e.code });
					setTimeout(() => resolve({ opened, code: 'timeout' }), 5000);
				});
			const a = await tryWs(`ws://127.0.0.1:${port}/ws`);
			const b = await tryWs(`ws://localhost:${port}/ws?target=0`);
			let fetched;
			try {
				const r = await fetch(`http://127.0.0.1:${port}/`, { credentials: 'include' });
				fetched = `readable ${r.status}: ${(await r.text()).slice(0, 40)}`;
			} catch (e) {
				fetched = `failed: ${e.message}`;
			}
			let opaque;
			try {
				const r = await fetch(`http://127.0.0.1:${port}/`, { mode: 'no-cors', credentials: 'include' });
				opaque = r.type;
			} catch (e) {
				opaque = `failed: ${e.message}`;
			}
			return { a, b, fetched, opaque };
		}, { port, file: `${dir}/experiment.yml` });
		L.check(!result.a.opened && result.a.code === 1006, `WebSocket from another origin: ${JSON.stringify(result.a)}`);
		L.check(!result.b.opened && result.b.code === 1006, `WebSocket via localhost: ${JSON.stringify(result.b)}`);
		L.check(result.fetched.startsWith('failed'), `cross-origin fetch: ${result.fetched}`);
		L.check(result.opaque === 'opaque' || result.opaque.startsWith('failed'), `no-cors fetch: ${result.opaque}`);
		await other.close();

		// The editor itself is still fine, and nothing ran.
		L.check((await page.textContent('[data-testid="conn"]')) === 'connected', 'editor lost its connection');
		const st = L.loomctl(env, ['status', '--json']);
		L.check(!st.stdout.includes(`${dir}/experiment.yml`), `a run was started: ${st.stdout}`);
	} finally {
		evil.close();
		await ctx.close();
	}
}
