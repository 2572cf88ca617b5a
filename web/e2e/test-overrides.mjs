// SPDX-License-Identifier: MIT
// Run-only parameter overrides: learning_rate typed in the run controls
// goes with "Run all" as run.start's "set" (as `loomctl run --set
// learning_rate=0.05`): the steps write under out/lr_0.05_..., not under
// the pipeline's own out/lr_0.001_...; the pipeline file is untouched
// (same bytes); clearing the override runs with the saved value again.
import fs from 'node:fs';

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'parameters');
	const file = `${dir}/experiment.yml`;
	const original = fs.readFileSync(file);
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-train"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	await page.click('[data-testid="overrides"]');
	await page.waitForSelector('[data-testid="overrides-panel"]');
	L.check((await page.getAttribute('[data-testid="override-learning_rate"]', 'placeholder')) === '0.001', 'the field does not show the saved value');
	await page.fill('[data-testid="override-learning_rate"]', '0.05');
	L.check((await page.textContent('[data-testid="overrides"]')).includes('(1)'), 'the button does not count the override');
	await page.click('[data-testid="run-all"]');
	await L.waitFor('train succeeded', async () => (await L.stepState(page, 'train')) === 'succeeded', 90);
	L.check(fs.existsSync(`${dir}/out/lr_0.05_decay_1e-5/model.txt`), 'the run did not use the override');
	L.check(!fs.existsSync(`${dir}/out/lr_0.001_decay_1e-5`), 'the run used the saved value');
	L.check(Buffer.compare(fs.readFileSync(file), original) === 0, 'the pipeline file changed');

	await page.click('[data-testid="overrides-clear"]');
	L.check(!(await page.textContent('[data-testid="overrides"]')).includes('('), 'clearing left an override');
	await L.waitFor('Run all enabled', async () => !(await page.isDisabled('[data-testid="run-all"]')));
	await page.click('[data-testid="run-all"]');
	await L.waitFor('the saved value ran', () => fs.existsSync(`${dir}/out/lr_0.001_decay_1e-5/model.txt`), 90);
	L.check(Buffer.compare(fs.readFileSync(file), original) === 0, 'the pipeline file changed');
	L.validates(env, file);
}
