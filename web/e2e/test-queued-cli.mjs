// SPDX-License-Identifier: MIT
// A run queued from the command line shows up in an open editor at once:
// while `loomctl run -d --step first` runs (its step waits for a file the
// test creates), `loomctl run -d --step second` (second reads what first
// writes, so the two overlap) is queued by the daemon; the editor draws
// second queued and the summary names the run it waits for, before
// either run's step has ended (run.queued). Then its turn comes and it
// is drawn running and succeeded.
import fs from 'node:fs';
import path from 'node:path';
import { write } from './test-queued.mjs';

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'queued-cli');
	write(dir);
	const file = `${dir}/experiment.yml`;
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-second"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	const r1 = L.loomctl(env, ['run', '-d', file, '--step', 'first'], { cwd: dir });
	L.check(r1.status === 0, `loomctl run -d --step first failed: ${r1.stderr}`);
	const id1 = r1.stdout.trim();
	await L.waitFor('first running', async () => (await L.stepState(page, 'first')) === 'running', 30);

	const r2 = L.loomctl(env, ['run', '-d', file, '--step', 'second'], { cwd: dir });
	L.check(r2.status === 0, `loomctl run -d --step second failed: ${r2.stderr}`);
	const id2 = r2.stdout.trim();
	// first cannot end before go-first exists: second is still queued.
	await L.waitFor('second queued', async () => (await L.stepState(page, 'second')) === 'queued', 30);
	const text = (await page.textContent('[data-testid="run-summary"]')).trim();
	L.check(text.startsWith(`run ${id2}: queued`) && text.includes(`waits for run ${id1}`), `the summary says: ${text}`);
	L.check((await L.stepState(page, 'first')) === 'running', 'first stopped being shown running');
	L.check(!fs.existsSync(path.join(dir, 'out', 'a.txt')), 'first ended before the check');

	fs.writeFileSync(path.join(dir, 'go-first'), '');
	await L.waitFor('second running', async () => (await L.stepState(page, 'second')) === 'running', 30);
	fs.writeFileSync(path.join(dir, 'go-second'), '');
	await L.waitFor('second succeeded', async () => (await L.stepState(page, 'second')) === 'succeeded', 30);
	await L.waitFor('first succeeded', async () => (await L.stepState(page, 'first')) === 'succeeded', 30);
}
