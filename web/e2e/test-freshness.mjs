// SPDX-License-Identifier: MIT
// Freshness on the graph (pipeline.freshness, as `loomctl status FILE`):
// before any run every step is missing; after "Run all" every step and
// data node is fresh; touching an input (outside the editor) makes the
// steps that depend on it stale, with the same reasons as `loomctl
// status FILE --json`, on hover and in the details panel, without a
// reload; a run clears them. Then a run through the CLI with --set makes
// the step that uses the parameter stale in the editor (the file's value
// is no longer the one its outputs were made with).
import fs from 'node:fs';
import path from 'node:path';

async function fresh(page, name) {
	return page.getAttribute(`[data-testid="node-step-${name}"]`, 'data-fresh');
}

async function cliStatus(L, env, file) {
	const r = L.loomctl(env, ['status', file, '--json']);
	L.check(r.status === 0 || r.status === 1, `loomctl status failed: ${r.stderr}`);
	return Object.fromEntries(JSON.parse(r.stdout).steps.map((s) => [s.name, s]));
}

async function sameAsCli(L, env, page, file, names) {
	const cli = await cliStatus(L, env, file);
	for (const n of names) {
		await L.waitFor(`${n} ${cli[n].state} as loomctl status says`, async () => (await fresh(page, n)) === cli[n].state, 30);
		const title = await page.getAttribute(`[data-testid="fresh-${n}"]`, 'title');
		if (cli[n].reason) L.check(title === cli[n].reason, `${n}: hover says "${title}", loomctl status "${cli[n].reason}"`);
	}
	return cli;
}

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const file = `${dir}/experiment.yml`;
	const steps = ['prepare', 'letters', 'lengths', 'merge'];
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await sameAsCli(L, env, page, file, steps);
	L.check((await fresh(page, 'merge')) === 'missing', 'merge should be missing before any run');
	L.check((await page.getAttribute('[data-testid="node-data-words"]', 'data-fresh')) === 'fresh', 'an existing input is fresh');

	await page.click('[data-testid="run-all"]');
	await L.waitFor('run succeeded', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 60);
	for (const s of steps) await L.waitFor(`${s} fresh after the run`, async () => (await fresh(page, s)) === 'fresh');
	await L.waitFor('summary data fresh', async () => (await page.getAttribute('[data-testid="node-data-summary"]', 'data-fresh')) === 'fresh');

	// An input changes on disk: the editor hears of it (file.changed).
	const later = new Date(Date.now() + 5000);
	fs.utimesSync(path.join(dir, 'data', 'words.txt'), later, later);
	await L.waitFor('prepare stale after touching its input', async () => (await fresh(page, 'prepare')) === 'stale');
	const cli = await sameAsCli(L, env, page, file, steps);
	L.check(/words\.txt/.test(cli.prepare.reason), `reason: ${cli.prepare.reason}`);
	L.check(cli.merge.state === 'stale', 'merge should be stale downstream');
	L.check((await page.getAttribute('[data-testid="node-data-normal"]', 'data-fresh')) === 'stale', 'the output of a stale step is stale');
	await L.clickNode(page, 'node-step-prepare');
	await L.waitFor('the reason in the details panel', async () => (await page.textContent('[data-testid="details-fresh"]')) === `stale — ${cli.prepare.reason}`);
	L.check(/3 stale|4 stale/.test(await page.textContent('[data-testid="fresh-summary"]')), 'toolbar count of stale steps');

	await page.click('[data-testid="run-all"]');
	await L.waitFor('second run done', async () => (await page.textContent('[data-testid="run-summary"]')).includes('—'), 60);
	for (const s of steps) await L.waitFor(`${s} fresh again`, async () => (await fresh(page, s)) === 'fresh');

	// A run with another parameter value, from the CLI.
	const p = L.copyExample(tmp, 'parameters');
	const pf = `${p}/experiment.yml`;
	const r0 = L.loomctl(env, ['run', pf], { cwd: p });
	L.check(r0.status === 0, `loomctl run failed: ${r0.stderr}`);
	await page.goto(L.openUi(env, pf));
	await page.waitForSelector('[data-testid="node-step-train"]');
	await L.waitFor('train fresh', async () => (await fresh(page, 'train')) === 'fresh');
	const r1 = L.loomctl(env, ['run', pf, '--set', 'epochs=5'], { cwd: p });
	L.check(r1.status === 0, `loomctl run --set failed: ${r1.stderr}`);
	await L.waitFor('train stale after a run with --set', async () => (await fresh(page, 'train')) === 'stale');
	const c2 = await sameAsCli(L, env, page, pf, ['configure', 'train']);
	L.check(/epochs/.test(c2.train.reason), `reason: ${c2.train.reason}`);
	L.check((await fresh(page, 'configure')) === 'fresh', 'configure does not use epochs');
}
