// SPDX-License-Identifier: MIT
// Adding data nodes and parameters. The data dialog checks the path as
// it is typed (an existing file, then a missing one, then a folder) and
// refuses a name that is taken; the node appears and is saved under
// data: with its type, path and description. Parameters keep what was
// typed: 1.0e-3 stays 1.0e-3 (the edit's text form), a boolean is a
// boolean, a text that would read back as something else ("a: b",
// "true") is quoted. One parameter comes from the keyboard picker
// ("param", Enter). The file keeps every original line and `loomctl
// validate` passes.
import fs from 'node:fs';

async function typeInto(page, dialog, field, text) {
	await page.fill(`[data-testid="${dialog}"] [name="${field}"]`, text);
}

async function pathState(page) {
	return page.getAttribute('[data-testid="path-state"]', 'data-state');
}

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const file = `${dir}/experiment.yml`;
	const original = fs.readFileSync(file, 'utf8');
	await page.goto(L.openUi(env, file));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');

	// A data node; the path is checked while typing.
	await page.click('[data-testid="add-data-button"]');
	await page.waitForSelector('[data-testid="add-data"][role="dialog"]');
	await typeInto(page, 'add-data', 'name', 'words');
	L.check((await page.textContent('[data-testid="add-data"]')).includes('words is taken'), 'a taken name is not refused');
	L.check(await page.isDisabled('[data-testid="add-data-ok"]'), 'Add is enabled for a taken name');
	await typeInto(page, 'add-data', 'name', 'stopwords');
	await typeInto(page, 'add-data', 'path', 'data/words.txt');
	await L.waitFor('path exists', async () => (await pathState(page)) === 'exists');
	await typeInto(page, 'add-data', 'path', 'data/stopwords.txt');
	await L.waitFor('path missing', async () => (await pathState(page)) === 'missing');
	await typeInto(page, 'add-data', 'path', 'data');
	await L.waitFor('folder exists', async () => (await pathState(page)) === 'exists');
	L.check((await page.textContent('[data-testid="path-state"]')).includes('folder'), 'a folder is not called one');
	await typeInto(page, 'add-data', 'path', 'data/stopwords.txt');
	await L.waitFor('path missing again', async () => (await pathState(page)) === 'missing');
	await typeInto(page, 'add-data', 'type', 'txt');
	await typeInto(page, 'add-data', 'description', 'Words to leave out');
	await page.click('[data-testid="add-data-ok"]');
	await page.waitForSelector('[data-testid="node-data-stopwords"]', { timeout: 15000 });
	await page.keyboard.press('Control+s'); // changes stay pending until saved

	let text = await L.waitForFile('stopwords saved', file, (t) => t.includes('stopwords'));
	L.check(text.includes('  stopwords: {type: txt, path: data/stopwords.txt, description: Words to leave out}\n'), `stopwords is not written as its neighbours are:\n${text}`);
	L.check(/\n {2}data:stopwords: \{x: -?\d+, y: -?\d+\}/.test(text), `no layout entry for data:stopwords:\n${text}`);

	// Parameters: a number as typed, a boolean, texts quoted when needed.
	const addParam = async (name, kind, value) => {
		await page.click('[data-testid="add-param-button"]');
		await page.waitForSelector('[data-testid="add-param"]');
		await typeInto(page, 'add-param', 'name', name);
		await page.selectOption('[data-testid="add-param"] [name="kind"]', kind);
		if (kind === 'bool') {
			if (value === 'true') await page.check('[data-testid="add-param"] [name="value"]');
		} else await typeInto(page, 'add-param', 'value', value);
		await page.click('[data-testid="add-param-ok"]');
		await page.waitForSelector(`[data-testid="node-param-${name}"]`, { timeout: 15000 });
	};
	await page.click('[data-testid="add-param-button"]');
	await typeInto(page, 'add-param', 'value', '1.0e-');
	L.check(await page.isDisabled('[data-testid="add-param-ok"]'), 'Add is enabled for "1.0e-" as a number');
	await page.click('[data-testid="add-param"] button[type="button"]');
	await addParam('lr', 'number', '1.0e-3');
	await addParam('verbose', 'bool', 'true');
	await addParam('title', 'string', 'a: b');
	await addParam('flag_text', 'string', 'true');

	// One more from the picker.
	const pane = await page.locator('.react-flow__pane').boundingBox();
	await page.mouse.move(pane.x + 500, pane.y + 80);
	await page.keyboard.press('Tab');
	await page.waitForSelector('[data-testid="node-picker"]');
	await page.keyboard.type('param');
	L.check((await page.textContent('[role="option"][aria-selected="true"]')).includes('parameter'), 'the picker does not offer "parameter" first');
	await page.keyboard.press('Enter');
	await page.waitForSelector('[data-testid="add-param"]');
	await typeInto(page, 'add-param', 'name', 'epochs');
	await typeInto(page, 'add-param', 'value', '10');
	await page.keyboard.press('Enter');
	await page.waitForSelector('[data-testid="node-param-epochs"]', { timeout: 15000 });

	await page.keyboard.press('Control+s'); // changes stay pending until saved

	text = await L.waitForFile('parameters saved', file, (t) => t.includes('epochs'));
	const params = text.slice(text.indexOf('parameters:'));
	for (const want of ['  lr: 1.0e-3\n', '  verbose: true\n', '  title: "a: b"\n', '  flag_text: "true"\n', '  epochs: 10\n'])
		L.check(params.includes(want), `parameters lack ${JSON.stringify(want)}:\n${text}`);
	L.check(L.keptLines(original, text), `the saves lost original lines:\n${text}`);
	L.validates(env, file);
	const shown = await page.textContent('[data-testid="node-param-lr"]');
	L.check(shown.includes('1.0e-3'), `the lr node shows ${shown}`);
}
