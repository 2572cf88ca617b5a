// SPDX-License-Identifier: MIT
// A step that a running run selected cannot be edited: its properties
// are disabled and the panel says why. Another step can be edited
// meanwhile, and saving does not disturb the run: the step, released
// after the save, finishes and the run succeeds; the saved file passes
// `loomctl validate`.
import fs from 'node:fs';
import path from 'node:path';

const PIPE = `# A step that waits for a file, and one that does not.
data:
  held: {type: txt, path: out/held.txt}
  quick: {type: txt, path: out/quick.txt}

pipeline:
  - name: slow
    task: tasks/hold.sh
    outputs: {-o: $held}

  - name: fast
    task: tasks/hold.sh
    outputs: {-o: $quick}
    args: {--now: yes}
`;

// Waits until the file "release" exists in the folder it runs in (unless
// --now), then writes its output.
const TASK = `#!/bin/sh
out= now=
while [ $# -gt 0 ]; do
	case $1 in -o) out=$2; shift ;; --now) now=1; shift ;; esac
	shift
done
echo holding
[ -n "$now" ] || while [ ! -e release ]; do sleep 0.05; done
mkdir -p "$(dirname "$out")"
echo done >"$out"
`;

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'hold');
	fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'experiment.yml'), PIPE);
	fs.writeFileSync(path.join(dir, 'tasks/hold.sh'), TASK, { mode: 0o755 });
	const file = path.join(dir, 'experiment.yml');
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-slow"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	await L.clickNode(page, 'node-step-slow');
	await page.click('[data-testid="run-step"]');
	await L.waitFor('slow running', async () => (await L.stepState(page, 'slow')) === 'running', 60);
	await page.waitForSelector('[data-testid="props-readonly"]');
	L.check((await page.textContent('[data-testid="props-readonly"]')).includes('run going on'), 'the panel does not say why');
	L.check(await page.isDisabled('[data-testid="prop-task"]'), 'a running step can be edited');

	await L.clickNode(page, 'node-step-fast');
	await page.waitForSelector('[data-testid="prop-step-description"]');
	L.check(!(await page.isDisabled('[data-testid="prop-step-description"]')), 'a step outside the run cannot be edited');
	await page.fill('[data-testid="prop-step-description"]', 'Does not wait');
	await page.press('[data-testid="prop-step-description"]', 'Enter');
	await L.waitFor('dirty', async () => (await page.title()).startsWith('* '));
	await page.keyboard.press('Control+s');
	await L.waitFor('saved', async () => !(await page.title()).startsWith('* '));
	L.check(fs.readFileSync(file, 'utf8').includes('    description: Does not wait\n'), 'not saved');
	L.check((await L.stepState(page, 'slow')) === 'running', 'the save disturbed the run');

	fs.writeFileSync(path.join(dir, 'release'), '');
	await L.waitFor('slow succeeded', async () => (await L.stepState(page, 'slow')) === 'succeeded', 60);
	L.check(fs.readFileSync(path.join(dir, 'out/held.txt'), 'utf8') === 'done\n', 'the step did not finish');
	const r = L.loomctl(env, ['validate', file]);
	L.check(r.status === 0, `validate: ${r.stdout}${r.stderr}`);
}
