// SPDX-License-Identifier: MIT
// Reconnecting and step -> step, saved. An input edge's data end dragged
// onto another data node makes the step read that one instead; an output
// edge's data end dragged onto another data node makes the step write
// that one instead; a step dragged onto another step makes a new data
// entry (typed and named from the front matter) that the first writes and
// the second reads. After Ctrl+S the file has exactly those lines, every
// other line as it was, and passes `loomctl validate`.
import fs from 'node:fs';
import * as E from './edit-lib.mjs';

const handle = (node, side) => `.react-flow__handle[data-nodeid="${node}"].${side}:not(.loop-handle):not(.param-handle)`;
const end = (edge, side) => `[data-testid="rf__edge-${edge}"] .react-flow__edgeupdater-${side}`;

// The diamond with a data entry nobody writes yet (report), and lengths
// reading words and neither writing nor feeding merge (lengths -> merge
// makes the entry). Each edge end dragged is the only one at its handle:
// the grab point is the edge's own.
const TEXT = `data:
  words: {type: txt, path: data/words.txt}
  normal: {type: txt, path: out/words.txt}
  letters: {type: json, path: out/letters.json}
  summary: {type: txt, path: out/summary.txt}
  report: {type: txt, path: out/report.txt}

pipeline:
  - name: prepare
    task: tasks/prepare.py
    inputs: {words: $words}
    outputs: {-o: $normal}

  - name: letters
    task: tasks/count.py
    inputs: {words: $normal}
    outputs: {-o: $letters}
    args: {--what: letters}

  - name: lengths
    task: tasks/count.py
    inputs: {words: $words}
    args: {--what: lengths}

  - name: merge
    task: tasks/merge.py
    inputs:
      letters: $letters
    outputs: {-o: $summary}
`;

/** Open text as experiment.yml in a copy of the diamond (its tasks). */
async function open(L, tmp, env, page) {
	const file = `${L.copyExample(tmp, 'diamond')}/experiment.yml`;
	fs.writeFileSync(file, TEXT);
	await page.goto(L.openUi(env, file));
	await L.waitGraph(page);
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	await page.click('[data-testid="fit"]');
	return file;
}

export default async function ({ L, tmp, env, page }) {
	await page.setViewportSize({ width: 2300, height: 1000 });
	const file = await open(L, tmp, env, page);

	// letters reads words instead of normal (the edge's data end moved).
	await E.connect(page, end('in:normal->letters', 'source'), handle('data:words', 'source'));
	await page.waitForSelector('[data-testid="rf__edge-in:words->letters"]');
	L.check((await page.locator('[data-testid="rf__edge-in:normal->letters"]').count()) === 0, 'the old edge normal -> letters is still drawn');

	// merge writes report instead of summary.
	await E.connect(page, end('out:merge->summary', 'target'), handle('data:report', 'target'));
	await page.waitForSelector('[data-testid="rf__edge-out:merge->report"]');
	L.check((await page.locator('[data-testid="rf__edge-out:merge->summary"]').count()) === 0, 'the old edge merge -> summary is still drawn');

	// lengths -> merge: a new entry lengths_out (json, the front matter's -o).
	await E.connect(page, handle('step:lengths', 'source'), handle('step:merge', 'target'));
	await page.waitForSelector('[data-testid="rf__edge-out:lengths->lengths_out"]');
	await page.waitForSelector('[data-testid="rf__edge-in:lengths_out->merge"]');

	await E.key(page, 'Control+s');
	await E.waitSaved(L, page);
	const t = fs.readFileSync(file, 'utf8');
	const want = TEXT.replace('  report: {type: txt, path: out/report.txt}\n', '$&  lengths_out: {type: json, path: out/lengths_out.json}\n')
		.replace('    inputs: {words: $normal}\n', '    inputs: {words: $words}\n')
		.replace('    args: {--what: lengths}\n', '$&    outputs: {-o: $lengths_out}\n')
		.replace('      letters: $letters\n', '$&      lengths: $lengths_out\n')
		.replace('    outputs: {-o: $summary}\n', '    outputs: {-o: $report}\n');
	L.check(t === want, `unexpected file:\n${t}\nwanted:\n${want}`);
	E.validates(L, env, file);
}
