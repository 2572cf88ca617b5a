// SPDX-License-Identifier: MIT
// Connections that are not data to a step's input, saved. A parameter
// dragged onto a step's top handle becomes the argument of the front
// matter that bears its name ($param); a data entry dragged onto a loop
// step's lower left handle becomes the loop's over:, and the loop's lower
// right handle dragged onto a data entry becomes its into:. After Ctrl+S
// each file has exactly those lines, every other line as it was, and
// passes `loomctl validate`.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

const param = (node) => `.react-flow__handle[data-nodeid="${node}"].source`;
const top = (node) => `.react-flow__handle[data-nodeid="${node}"].param-handle`;
const loop = (node, side) => `.react-flow__handle[data-nodeid="${node}"].loop-handle.${side}`;
const handle = (node, side) => `.react-flow__handle[data-nodeid="${node}"].${side}:not(.loop-handle):not(.param-handle)`;

// The loop example with a loop that has neither over: nor into: yet.
const LOOP = `data:
  raw: {path: data/raw}
  upper: {path: out/upper}
  index: {type: txt, path: out/index.txt}

pipeline:
  - name: shout
    task: tasks/shout.py
    loop:
      filter: "*.txt"
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}

  - name: index
    task: tasks/index.sh
    inputs: {folder: $upper}
    outputs: {-o: $index}
`;

/** Open file (written as text) in the editor, every node in view. */
async function open(L, env, page, file, text) {
	fs.writeFileSync(file, text);
	await page.goto(L.openUi(env, file));
	await L.waitGraph(page);
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="fit"]');
}

async function save(L, env, page, file) {
	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	E.validates(L, env, file);
	return fs.readFileSync(file, 'utf8');
}

async function parameterToArgument(L, tmp, env, page) {
	const file = `${L.copyExample(tmp, 'parameters')}/experiment.yml`;
	const orig = fs.readFileSync(file, 'utf8');
	const line = '      --verbose: $verbose\n';
	L.check(orig.endsWith(line), `the parameters example changed:\n${orig}`);
	await open(L, env, page, file, orig.slice(0, -line.length));
	L.check((await page.locator('[data-testid="rf__edge-param:verbose->train"]').count()) === 0, 'verbose is drawn as used before it is');

	await E.connect(page, param('param:verbose'), top('step:train'));
	await page.waitForSelector('[data-testid="rf__edge-param:verbose->train"]');
	const t = await save(L, env, page, file);
	L.check(t === orig, `unexpected file:\n${t}\nwanted:\n${orig}`);
}

async function loopOverInto(L, tmp, env, page) {
	const file = `${L.copyExample(tmp, 'loop')}/experiment.yml`;
	await open(L, env, page, file, LOOP);

	await E.connect(page, handle('data:raw', 'source'), loop('step:shout', 'target'));
	await page.waitForSelector('[data-testid="rf__edge-in:raw->shout"]');
	await E.connect(page, loop('step:shout', 'source'), handle('data:upper', 'target'));
	await page.waitForSelector('[data-testid="rf__edge-out:shout->upper"]');

	const t = await save(L, env, page, file);
	const want = LOOP.replace('      filter: "*.txt"\n', '$&      over: $raw\n      into: $upper\n');
	L.check(t === want, `unexpected file:\n${t}\nwanted:\n${want}`);
}

export default async function ({ L, tmp, env, page }) {
	await page.setViewportSize({ width: 2300, height: 1000 });
	await parameterToArgument(L, tmp, env, page);
	await loopOverInto(L, tmp, env, page);
}
