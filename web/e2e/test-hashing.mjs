// SPDX-License-Identifier: MIT
// A step's files being hashed for its stamp, in the editor: the step
// `big` leaves a 1 MiB output, which the daemon hashes on its worker for
// runs, held by the LOOM_FAULT_HOLD_HASH hook while a file exists (so the
// test does not depend on how fast this machine hashes). Meanwhile `big`
// and its output show `hashing` (pipeline.freshness says "hashing": true;
// the marker alone says "running now", which showed as stale), the
// toolbar counts it, and `loomctl status` gives the same reason. Once the
// hold ends, `big` turns fresh while the run still goes on (`after`
// waits for a file): nothing but the editor asking again tells it. On
// opening, the terminal shows the step that ran last, though an older
// run is read after the newest.
import fs from 'node:fs';
import path from 'node:path';

const hooks = (L) => /^LOOM_FAULT_HOOKS:BOOL=ON$/m.test(fs.readFileSync(path.join(L.BIN, '..', 'CMakeCache.txt'), 'utf8'));

export default async function ({ L, tmp, env, page }) {
	if (!hooks(L)) L.skip('built without fault hooks (configure with -DLOOM_FAULT_HOOKS=ON)');
	const dir = path.join(tmp, 'p');
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	const go = path.join(tmp, 'go');
	const hold = path.join(tmp, 'hold-hash');
	fs.writeFileSync(path.join(dir, 'tasks', 'big.sh'), '#!/bin/sh\nfor o; do :; done\nhead -c 1048576 /dev/zero >"$o"\n', { mode: 0o755 });
	fs.writeFileSync(path.join(dir, 'tasks', 'after.sh'), `#!/bin/sh\nfor o; do :; done\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\necho done >"$o"\n`, { mode: 0o755 });
	const file = path.join(dir, 'experiment.yml');
	fs.writeFileSync(
		file,
		'data:\n  bigout: {type: bin, path: big.out}\n  afterout: {type: txt, path: after.out}\n' +
			'pipeline:\n  - {name: big, task: tasks/big.sh, outputs: {-o: $bigout}}\n  - {name: after, task: tasks/after.sh, inputs: {-i: $bigout}, outputs: {-o: $afterout}}\n',
	);
	fs.writeFileSync(hold, '');
	env.LOOM_FAULT_HOLD_HASH = hold;

	const fresh = (n) => page.getAttribute(`[data-testid="node-step-${n}"]`, 'data-fresh');
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-after"]');
	await page.click('[data-testid="run-all"]');
	await L.waitFor('big hashing', async () => (await fresh('big')) === 'hashing', 60);
	L.check((await page.textContent('[data-testid="fresh-big"]')) === 'hashing', 'the badge does not say hashing');
	L.check((await page.getAttribute('[data-testid="fresh-big"]', 'title')) === 'its files are being hashed', 'the badge title');
	L.check((await page.getAttribute('[data-testid="node-data-bigout"]', 'data-fresh')) === 'hashing', 'bigout should show hashing');
	L.check(/, 1 hashing$/.test(await page.textContent('[data-testid="fresh-summary"]')), `toolbar: ${await page.textContent('[data-testid="fresh-summary"]')}`);
	const st = L.loomctl(env, ['status', file, '--json']);
	const big = JSON.parse(st.stdout).steps[0];
	L.check(big.hashing === true && big.reason === 'its files are being hashed', `loomctl status: ${st.stdout}`);

	fs.rmSync(hold);
	await L.waitFor('big fresh once hashed', async () => (await fresh('big')) === 'fresh', 30);
	L.check((await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'running', 'the run should still be going (after waits)');
	L.check(!/hashing/.test(await page.textContent('[data-testid="fresh-summary"]')), 'the toolbar still counts hashing');
	fs.writeFileSync(go, '');
	await L.waitFor('run succeeded', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 60);
	await L.waitFor('after fresh', async () => (await fresh('after')) === 'fresh', 30);

	// A newer run of big alone: on opening, its tab is shown, not after's
	// (an older run's, read later).
	const r = L.loomctl(env, ['run', file, '--step', 'big', '--force']);
	L.check(r.status === 0, `loomctl run big failed: ${r.stderr}`);
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="tab-after"]');
	await L.waitFor('the tab of big selected', async () => (await page.getAttribute('[data-testid="tab-big"]', 'aria-selected')) === 'true', 30);
}
