// SPDX-License-Identifier: MIT
// Data previews: a CSV shows its first rows as a table, an image as a
// thumbnail loaded from the bridge (sandboxed), JSON pretty-printed, and
// a missing file says so.
import fs from 'node:fs';
import path from 'node:path';

// A 2x2 red PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

export default async function ({ L, tmp, env, page }) {
	const dir = path.join(tmp, 'preview');
	fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
	fs.mkdirSync(path.join(dir, 'tasks'));
	fs.writeFileSync(path.join(dir, 'data', 'table.csv'), 'name,score\nada,3\n"lin, b",5\n');
	fs.writeFileSync(path.join(dir, 'data', 'picture.png'), Buffer.from(PNG, 'base64'));
	fs.writeFileSync(path.join(dir, 'data', 'notes.json'), '{"a":[1,2],"b":{"c":true}}');
	fs.writeFileSync(path.join(dir, 'tasks', 'report.sh'), '#!/bin/bash\necho report > "$3"\n', { mode: 0o755 });
	fs.writeFileSync(
		path.join(dir, 'experiment.yml'),
		[
			'data:',
			'  table: {type: csv, path: data/table.csv}',
			'  picture: {type: image, path: data/picture.png}',
			'  notes: {type: json, path: data/notes.json}',
			'  report: {type: txt, path: out/report.txt}',
			'pipeline:',
			'  - name: report',
			'    task: tasks/report.sh',
			'    inputs: {table: $table, picture: $picture}',
			'    outputs: {-o: $report}',
			'',
		].join('\n'),
	);
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-data-table"]');

	await L.clickNode(page, 'node-data-table');
	await page.waitForSelector('[data-testid="preview-csv"]');
	const cells = await page.locator('[data-testid="preview-csv"] tr').evaluateAll((rows) =>
		rows.map((r) => [...r.children].map((c) => c.textContent)),
	);
	L.check(JSON.stringify(cells) === JSON.stringify([['name', 'score'], ['ada', '3'], ['lin, b', '5']]), `csv: ${JSON.stringify(cells)}`);

	await L.clickNode(page, 'node-data-picture');
	await page.waitForSelector('[data-testid="preview-image"]');
	await L.waitFor('image loaded', () =>
		page.evaluate(() => {
			const img = document.querySelector('[data-testid="preview-image"]');
			return img && img.complete && img.naturalWidth === 2;
		}),
	);

	await L.clickNode(page, 'node-data-notes');
	await page.waitForSelector('[data-testid="preview-json"]');
	const json = await page.textContent('[data-testid="preview-json"]');
	L.check(json.includes('"c": true') && json.includes('\n'), `json: ${json}`);

	await L.clickNode(page, 'node-data-report');
	await L.waitFor('missing note', async () => (await page.textContent('[data-testid="details"]')).includes('Not created yet'));
}
