// SPDX-License-Identifier: MIT
// Connecting and deleting in the graph, saved: an edge selected and
// deleted (Delete) removes that input; data dragged onto the step's
// handle connects it again under the front matter's input name; refused
// connections (data -> data, a type the front matter does not take, a
// cycle) say why beside the handle and change nothing; a data node
// deleted (Backspace) takes the output that wrote it along; a step's
// output dropped on empty space makes a new data entry there. The saved
// file has exactly that and passes `loomctl validate`.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

const handle = (node, side) => `.react-flow__handle[data-nodeid="${node}"].${side}:not(.loop-handle):not(.param-handle)`;

async function refused(L, page, from, to, reason) {
	const before = await page.title();
	await E.connect(page, handle(from, 'source'), handle(to, 'target'));
	await page.waitForSelector('[data-testid="connect-refused"]');
	const t = await page.textContent('[data-testid="connect-refused"]');
	L.check(reason.test(t), `refusal ${from} -> ${to}: ${t}`);
	L.check((await page.title()) === before, `a refused connection ${from} -> ${to} made a change`);
	await page.mouse.click(5, 200);
}

export default async function ({ L, tmp, env, page }) {
	await page.setViewportSize({ width: 2300, height: 1000 });
	const { file } = await E.openCopy(L, tmp, env, page);
	await page.click('[data-testid="fit"]');
	const orig = fs.readFileSync(file, 'utf8');

	// A click on the middle of the edge's curve selects it.
	const pt = await page.$eval('[data-testid="rf__edge-in:lengths->merge"] path.react-flow__edge-path', (p) => {
		const q = p.getPointAtLength(p.getTotalLength() / 2);
		const m = p.getScreenCTM();
		return { x: q.x * m.a + m.e, y: q.y * m.d + m.f };
	});
	await page.mouse.click(pt.x, pt.y);
	await L.waitFor('edge selected', async () => (await page.getAttribute('[data-testid="rf__edge-in:lengths->merge"]', 'class')).includes('selected'));
	await E.key(page, 'Delete');
	await L.waitFor('edge deleted', async () => (await page.locator('[data-testid="rf__edge-in:lengths->merge"]').count()) === 0);

	await refused(L, page, 'data:words', 'data:normal', /not to another data entry/);
	await refused(L, page, 'data:words', 'step:merge', /type mismatch.*lengths \(json\).*txt/);
	await refused(L, page, 'data:letters', 'step:prepare', /cycle/);

	await E.connect(page, handle('data:lengths', 'source'), handle('step:merge', 'target'));
	await page.waitForSelector('[data-testid="rf__edge-in:lengths->merge"]');

	await L.clickNode(page, 'node-data-summary');
	await E.key(page, 'Backspace');
	await L.waitFor('summary deleted', async () => (await page.locator('[data-testid="node-data-summary"]').count()) === 0);

	const h = await page.locator(handle('step:merge', 'source')).boundingBox();
	await page.mouse.move(h.x + 3, h.y + 3);
	await page.mouse.down();
	for (let i = 1; i <= 6; i++) await page.mouse.move(h.x + 3 + 40 * i, h.y + 3 + 30 * i);
	await page.mouse.up();
	await page.waitForSelector('[data-testid="node-data-merge_out"]');
	await page.waitForSelector('[data-testid="rf__edge-out:merge->merge_out"]');

	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const t = fs.readFileSync(file, 'utf8');
	const want = orig
		.replace('  summary: {type: txt, path: out/summary.txt}\n', '  merge_out: {type: txt, path: out/merge_out.txt}\n')
		.replace('outputs: {-o: $summary}', 'outputs: {-o: $merge_out}');
	L.check(t.startsWith(want), `unexpected file:\n${t}\nwanted it to start with:\n${want}`);
	L.check(/\nlayout:\n {2}data:merge_out: \{x: -?\d+, y: -?\d+\}\n$/.test(t.slice(want.length - 1)), `layout:\n${t.slice(want.length)}`);
	E.validates(L, env, file);
}
