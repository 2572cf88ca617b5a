// SPDX-License-Identifier: MIT
// Once drawn, a graph's edges stay drawn while what the nodes show
// changes (issue 10). Every change of the graph's data (a node selected,
// freshness or the run history arriving, a step's state in a run) used to
// hand React Flow new node objects without the sizes it had measured:
// React Flow then forgot every node's handles, hid every node and drew no
// edge until it had measured them all again, a frame or more later (on a
// loaded machine, longer). A connection dragged in that window was lost
// (e2e/test-edit-connect3 waited 30 s for an edge never made) and the
// graph was seen without any edge.
//
// A MutationObserver, installed before the page's scripts, watches the
// graph from the moment all of examples/parameters' 9 edges are first
// drawn: the fewest edges drawn and any node hidden after that. The
// graph's data then changes in the ways it does in use: nodes selected,
// freshness asked again after a change on disk, a run from the CLI
// (each step's state, then freshness). Every edge and node must stay.
// Then a step made a loop is measured again (its new handles).
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

const EDGES = [
	'out:configure->config',
	'param:learning_rate->configure',
	'param:decay->configure',
	'param:label->configure',
	'in:config->train',
	'out:train->model',
	'param:epochs->train',
	'param:learning_rate->train',
	'param:verbose->train',
];

/** In the page: watch the graph once every edge of want is drawn. */
function watch(want) {
	const w = { seen: false, fewest: Infinity, hidden: '' };
	window.__loomEdges = w;
	const look = () => {
		const drawn = new Set([...document.querySelectorAll('.react-flow__edge')].map((e) => e.getAttribute('data-testid')));
		if (!w.seen) w.seen = want.every((id) => drawn.has(`rf__edge-${id}`));
		if (!w.seen) return;
		w.fewest = Math.min(w.fewest, want.filter((id) => drawn.has(`rf__edge-${id}`)).length);
		for (const n of document.querySelectorAll('.react-flow__node'))
			if (n.style.visibility === 'hidden' && !w.hidden) w.hidden = n.getAttribute('data-id');
	};
	new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
}

// The loop example with shout not a loop yet.
const PLAIN = `data:
  raw: {path: data/raw}
  upper: {path: out/upper}
  index: {type: txt, path: out/index.txt}

pipeline:
  - name: shout
    task: tasks/shout.py

  - name: index
    task: tasks/index.sh
    inputs: {folder: $upper}
    outputs: {-o: $index}
`;

/**
 * A step that becomes a loop gains its loop handles without changing
 * size: it is measured again, so a connection from its new into: handle
 * is made (React Flow finds no handle it has not measured).
 */
async function becomesLoop(L, tmp, env, page) {
	const file = `${L.copyExample(tmp, 'loop')}/experiment.yml`;
	fs.writeFileSync(file, PLAIN);
	await page.goto(L.openUi(env, file));
	await L.waitGraph(page);
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await E.select(L, page, 'node-step-shout');
	await E.setField(page, 'prop-loop-over', '$raw');
	const into = '.react-flow__handle[data-nodeid="step:shout"].loop-handle.source';
	await page.waitForSelector(into);
	await E.connect(page, into, '.react-flow__handle[data-nodeid="data:upper"].target:not(.loop-handle)');
	await page.waitForSelector('[data-testid="rf__edge-out:shout->upper"]');
}

export default async function ({ L, tmp, env, page }) {
	await dataChanges(L, tmp, env, page);
	await becomesLoop(L, tmp, env, page);
}

async function dataChanges(L, tmp, env, page) {
	const file = `${L.copyExample(tmp, 'parameters')}/experiment.yml`;
	await page.addInitScript(watch, EDGES);
	await page.goto(L.openUi(env, file));
	await L.waitFor('every edge drawn', () => page.evaluate(() => window.__loomEdges.seen));
	// Freshness and the run history come once the graph is on screen.
	await L.waitFor('freshness shown', async () => (await page.getAttribute('[data-testid="node-step-train"]', 'data-fresh')) === 'missing');

	for (const id of ['node-step-configure', 'node-data-config', 'node-step-train', 'node-param-verbose', 'node-data-model']) {
		await L.clickNode(page, id);
		await page.waitForSelector(`[data-testid="${id}"].selected`);
	}

	// A change on disk: the model is read again and freshness asked again.
	const text = fs.readFileSync(file, 'utf8');
	fs.writeFileSync(file, text.replace('epochs: 3', 'epochs: 4'));
	await page.waitForSelector('[data-testid="node-param-epochs"][title="epochs = 4"]');

	// A run from the CLI: each step's state, then freshness.
	const r = L.loomctl(env, ['run', file]);
	L.check(r.status === 0, `loomctl run failed (${r.status}): ${r.stderr}`);
	for (const s of ['configure', 'train'])
		await L.waitFor(`${s} succeeded and fresh`, async () => (await L.stepState(page, s)) === 'succeeded' && (await page.getAttribute(`[data-testid="node-step-${s}"]`, 'data-fresh')) === 'fresh');

	const w = await page.evaluate(() => window.__loomEdges);
	L.check(w.hidden === '', `node ${w.hidden} was hidden (React Flow measuring it again) after the graph was drawn`);
	L.check(w.fewest === EDGES.length, `once drawn, the graph was seen with only ${w.fewest} of its ${EDGES.length} edges`);
	for (const id of EDGES) L.check((await page.locator(`[data-testid="rf__edge-${id}"]`).count()) === 1, `edge ${id} is not drawn at the end`);
}
