// SPDX-License-Identifier: MIT
// The properties panel edits every kind of field, and what it saves is
// exactly that: a step renamed (its node follows), an argument chosen
// from the front matter's choices (a select), a data entry renamed (every
// $reference follows) with a new path, a step made optional and moved
// into a new group, a parameter's value typed as 1.0e-3 (kept so), a
// parameter renamed, an int argument refusing "abc" beside the field.
// After Ctrl+S the file on disk has those lines, the rest unchanged, and
// `loomctl validate` passes.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

export default async function ({ L, tmp, env, page }) {
	const { file } = await E.openCopy(L, tmp, env, page);
	const orig = fs.readFileSync(file, 'utf8');
	await E.select(L, page, 'node-step-letters');
	L.check((await page.$$eval('[data-testid="prop-arg---what"] option', (o) => o.map((x) => x.value))).join(',') === ',letters,lengths', 'the choices of --what are not a select');
	await E.setField(page, 'prop-step-name', 'count_letters');
	await page.waitForSelector('[data-testid="node-step-count_letters"]');
	await page.waitForSelector('[data-testid="prop-arg---what"]');
	await page.selectOption('[data-testid="prop-arg---what"]', 'lengths');
	await L.waitFor('--what shown', async () => (await page.inputValue('[data-testid="prop-arg---what"]')) === 'lengths');

	await E.select(L, page, 'node-data-normal');
	await E.setField(page, 'prop-data-name', 'clean');
	await page.waitForSelector('[data-testid="node-data-clean"]');
	await L.waitFor('the panel follows', async () => (await page.inputValue('[data-testid="prop-data-name"]')) === 'clean');
	await E.setField(page, 'prop-data-path', 'out/clean.txt');

	await E.select(L, page, 'node-step-lengths');
	await page.click('[data-testid="prop-optional"]');
	await L.waitFor('optional drawn', async () => (await page.getAttribute('[data-testid="node-step-lengths"]', 'class')).includes('optional'));
	await E.setField(page, 'prop-new-group', 'stats');
	await page.waitForSelector('[data-testid="node-group-stats"]');
	L.check(await E.dirty(page), 'not dirty');
	L.check(fs.readFileSync(file, 'utf8') === orig, 'an edit wrote the file');

	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const t = fs.readFileSync(file, 'utf8');
	for (const want of ['  - name: count_letters\n', '{--what: lengths}', '  clean: {type: txt, path: out/clean.txt}\n', 'inputs: {words: $clean}', 'outputs: {-o: $clean}', '  - group: stats\n', 'optional: true'])
		L.check(t.includes(want), `the saved file lacks ${JSON.stringify(want)}:\n${t}`);
	L.check(!t.includes('normal') && !t.includes('name: letters'), `old names left:\n${t}`);
	L.check(t.startsWith('# prepare -> (letters, lengths) -> merge\ndata:\n  words: {type: txt, path: data/words.txt}\n'), `the head changed:\n${t}`);
	E.validates(L, env, file);

	// Parameters and typed arguments.
	const pdir = L.copyExample(tmp, 'parameters');
	const pfile = `${pdir}/experiment.yml`;
	await page.goto(L.openUi(env, pfile));
	await page.waitForSelector('[data-testid="node-param-learning_rate"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await E.select(L, page, 'node-param-learning_rate');
	await E.setField(page, 'prop-param-value', '1.0e-3');
	await L.waitFor('value shown', async () => (await page.textContent('[data-testid="node-param-learning_rate"]')).includes('1.0e-3'));
	await E.select(L, page, 'node-param-epochs');
	await E.setField(page, 'prop-param-name', 'n_epochs');
	await page.waitForSelector('[data-testid="node-param-n_epochs"]');
	await E.select(L, page, 'node-step-train');
	await page.fill('[data-testid="prop-arg---epochs"]', 'abc');
	await page.waitForSelector('[data-testid="prop-arg---epochs-error"]');
	L.check((await page.textContent('[data-testid="prop-arg---epochs-error"]')).includes('whole number'), 'no reason beside the field');
	await page.press('[data-testid="prop-arg---epochs"]', 'Escape');
	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const p = fs.readFileSync(pfile, 'utf8');
	for (const want of ['  learning_rate: 1.0e-3\n', '  n_epochs: 3\n', '--epochs: $n_epochs'])
		L.check(p.includes(want), `the saved file lacks ${JSON.stringify(want)}:\n${p}`);
	L.check(!p.includes('abc') && !/\$epochs\b/.test(p), `refused or old values saved:\n${p}`);
	E.validates(L, env, pfile);
}
