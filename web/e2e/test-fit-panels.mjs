// SPDX-License-Identifier: MIT
// "Fit" shows the graph in the part of the canvas nothing covers: on load
// and with a step selected (its details in the side panel), every node's
// box lies inside the canvas and left of the side panel, and none is
// under the minimap (bottom right), the zoom buttons (bottom left) or the
// buttons that add nodes (top left): on
// examples/parallel (its fourth row reaches the zoom buttons), on a graph
// of four rows (its last node reaches the minimap), and on
// examples/diamond and examples/linear in a bigger window. Screenshots go
// to the build folder (LOOM_BUILD) as fit-panels-NAME.png.
import fs from 'node:fs';
import path from 'node:path';

/** The boxes that matter, in page pixels. */
function boxes(page) {
	return page.evaluate(() => {
		const r = (el) => {
			const b = el.getBoundingClientRect();
			return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
		};
		const mini = document.querySelector('.react-flow__minimap');
		const zoom = document.querySelector('.react-flow__controls');
		const add = document.querySelector('.create-bar');
		return {
			canvas: r(document.querySelector('[data-testid="graph"]')),
			side: r(document.querySelector('aside.side')),
			mini: mini ? r(mini) : null,
			zoom: zoom ? r(zoom) : null,
			add: add ? r(add) : null,
			nodes: [...document.querySelectorAll('.react-flow__node')].map((n) => ({ id: n.getAttribute('data-id'), ...r(n) })),
		};
	});
}

function meets(a, b) {
	return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

async function check(L, page, what, shot) {
	// The viewport is set in the next animation frame at the latest.
	await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
	const b = await boxes(page);
	await page.screenshot({ path: shot });
	L.check(b.mini && b.zoom && b.add, `${what}: no minimap, zoom buttons or add buttons`);
	L.check((await page.getAttribute('[data-testid="fit"]', 'data-fit')) === 'whole', `${what}: not fitted whole`);
	L.check(b.nodes.length > 0, `${what}: no nodes`);
	// What the side panel leaves of the canvas (it may lie over it).
	const right = Math.min(b.canvas.right, b.side.left);
	for (const n of b.nodes) {
		const inside = n.left >= b.canvas.left && n.right <= right && n.top >= b.canvas.top && n.bottom <= b.canvas.bottom;
		L.check(inside, `${what}: node ${n.id} ${JSON.stringify(n)} is not inside the canvas left of the panel (${b.canvas.left}..${right} x ${b.canvas.top}..${b.canvas.bottom})`);
		L.check(!meets(n, b.mini), `${what}: node ${n.id} ${JSON.stringify(n)} is under the minimap ${JSON.stringify(b.mini)}`);
		L.check(!meets(n, b.zoom), `${what}: node ${n.id} ${JSON.stringify(n)} is under the zoom buttons ${JSON.stringify(b.zoom)}`);
		L.check(!meets(n, b.add), `${what}: node ${n.id} ${JSON.stringify(n)} is under the add buttons ${JSON.stringify(b.add)}`);
	}
}

// Four rows of two steps each: a graph about the canvas's shape, its
// last row's last node in the bottom right corner, where the minimap is.
function rows() {
	let y = 'data:\n';
	for (let i = 1; i <= 4; i++) y += `  part${i}: {type: txt, path: out/part${i}.txt}\n  all${i}: {type: txt, path: out/all${i}.txt}\n`;
	y += 'pipeline:\n';
	for (let i = 1; i <= 4; i++) {
		y += `  - {name: work${i}, task: tasks/work.py, outputs: {-o: $part${i}}, args: {--id: ${i}}}\n`;
		y += `  - {name: join${i}, task: tasks/join.py, inputs: {a: $part${i}, b: $part${i}, c: $part${i}, d: $part${i}}, outputs: {-o: $all${i}}}\n`;
	}
	return y;
}

export default async function ({ L, tmp, env, page }) {
	const out = process.env.LOOM_BUILD || tmp;
	const rowsDir = L.copyExample(tmp, 'parallel', 'rows');
	fs.writeFileSync(`${rowsDir}/experiment.yml`, rows());
	// At 1920 by 1080 diamond and linear fit whole and legibly; at 1400
	// by 900 they are too wide for that and are shown from their start,
	// panned to the rest (fit.ts).
	for (const [example, step, width, height] of [
		['parallel', 'join', 1400, 900],
		['rows', 'join4', 1400, 900],
		['diamond', 'merge', 1920, 1080],
		['linear', 'clean', 1920, 1080],
	]) {
		await page.setViewportSize({ width, height });
		const dir = example === 'rows' ? rowsDir : L.copyExample(tmp, example);
		await page.goto(L.openUi(env, `${dir}/experiment.yml`));
		await L.waitGraph(page);
		await page.waitForSelector('.react-flow__minimap');
		// The first fit, on load.
		await check(L, page, `${example}, loaded`, path.join(out, `fit-panels-${example}-load.png`));
		await L.clickNode(page, `node-step-${step}`);
		await page.waitForSelector('.details h3');
		await page.click('[data-testid="fit"]');
		await check(L, page, `${example}, details open, Fit`, path.join(out, `fit-panels-${example}.png`));
	}
}
