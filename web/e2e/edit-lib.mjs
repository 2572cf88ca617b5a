// SPDX-License-Identifier: MIT
// Helpers shared by the editing tests (test-edit-*.mjs): open a copy of an
// example in the editor, drag nodes with the mouse, read the title and
// check a saved file with `loomctl validate`.
import fs from 'node:fs';

/** Open a copy of example in the editor; returns { dir, file }. */
export async function openCopy(L, tmp, env, page, example = 'diamond', name = 'experiment.yml') {
	const dir = L.copyExample(tmp, example);
	const file = `${dir}/${name}`;
	await page.goto(L.openUi(env, file));
	await L.waitGraph(page);
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	return { dir, file };
}

/** The screen position of a node's centre. */
export async function centre(page, testid) {
	const b = await page.locator(`[data-testid="${testid}"]`).boundingBox();
	if (!b) throw new Error(`${testid} is not on screen`);
	return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/**
 * Drag a node by (dx, dy) screen pixels with the mouse. React Flow's
 * drag (d3-drag) swallows every click until a zero-delay timer it sets
 * on mouseup has run, so that the drag's own click selects nothing; a
 * test clicking at once after a drag (no person can) lost its click. A
 * zero-delay timer set after that one runs after it.
 */
export async function drag(page, testid, dx, dy) {
	const c = await centre(page, testid);
	await page.mouse.move(c.x, c.y);
	await page.mouse.down();
	for (let i = 1; i <= 5; i++) await page.mouse.move(c.x + (dx * i) / 5, c.y + (dy * i) / 5);
	await page.mouse.up();
	await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
}

/** Drag from one handle to another (a connection). */
export async function connect(page, from, to) {
	const a = await page.locator(from).boundingBox();
	const b = await page.locator(to).boundingBox();
	await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
	await page.mouse.down();
	for (let i = 1; i <= 6; i++) await page.mouse.move(a.x + ((b.x - a.x) * i) / 6 + a.width / 2, a.y + ((b.y - a.y) * i) / 6 + a.height / 2);
	await page.mouse.up();
}

export async function dirty(page) {
	return (await page.title()).startsWith('* ');
}

/** Wait until the editor has no unsaved changes. */
export async function waitSaved(L, page) {
	await L.waitFor('saved (no * in the title)', async () => !(await dirty(page)));
}

/** Wait for the file's text to satisfy pred; returns the text. */
export async function waitFile(L, file, what, pred) {
	return L.waitFor(what, () => {
		const t = fs.readFileSync(file, 'utf8');
		return pred(t) ? t : false;
	});
}

/** `loomctl validate FILE` passes. */
export function validates(L, env, file) {
	const r = L.loomctl(env, ['validate', file]);
	L.check(r.status === 0, `loomctl validate ${file} failed (${r.status}): ${r.stdout}${r.stderr}`);
}

export async function key(page, combo) {
	await page.keyboard.press(combo);
}

/** Type a value into a properties field and commit it (Enter). */
export async function setField(page, id, value) {
	await page.fill(`[data-testid="${id}"]`, value);
	await page.press(`[data-testid="${id}"]`, 'Enter');
}

/** Select a node and wait for its properties. */
export async function select(L, page, testid) {
	await L.clickNode(page, testid);
	await page.waitForSelector('[data-testid="props"]');
}
