// SPDX-License-Identifier: MIT
// How the editor looks: with the system in dark mode the page is dark
// (prefers-color-scheme), and in light mode light; the link mark of URL
// data and the loop mark are SVG icons (lucide), not emoji a system font
// may lack; after "Fit" on examples/diamond node titles are drawn at 10
// px or more (the graph is panned rather than shrunk); a parameter's
// whole value is shown; node titles and task paths keep their
// underscores (not cut off below the line). Saves a dark screenshot as dark.png in the build
// folder (LOOM_BUILD), or where LOOM_SCREENSHOT_DARK says.
import fs from 'node:fs';
import path from 'node:path';

function luminance(rgb) {
	const [r, g, b] = rgb.match(/\d+/g).map(Number);
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export default async function ({ L, tmp, env, page }) {
	const dir = L.copyExample(tmp, 'diamond');
	const text = fs.readFileSync(`${dir}/experiment.yml`, 'utf8');
	fs.writeFileSync(
		`${dir}/experiment.yml`,
		text.replace('data:\n', 'parameters:\n  learning_rate: 0.000123456789\ndata:\n  remote: {type: txt, path: "https://example.org/words.txt"}\n'),
	);
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.goto(L.openUi(env, `${dir}/experiment.yml`));
	await page.waitForSelector('[data-testid="node-step-merge"]');
	await L.waitFor('connected', async () => (await page.textContent('[data-testid="conn"]')) === 'connected');
	const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
	L.check(luminance(bg) < 60, `dark scheme, but the page background is ${bg}`);
	const node = await page.$eval('[data-testid="node-step-merge"]', (el) => getComputedStyle(el).backgroundColor);
	L.check(luminance(node) < 80, `dark scheme, but step nodes are ${node}`);

	const tag = await page.$eval('[data-testid="url-remote"]', (el) => `${el.tagName} ${el.getAttribute('class')}`);
	L.check(/^svg .*lucide/.test(tag), `the URL mark is not an SVG icon: ${tag}`);
	L.check(!/[\u{1F300}-\u{1FAFF}]/u.test(await page.textContent('body')), 'an emoji is on the page');
	const param = await page.textContent('[data-testid="node-param-learning_rate"]');
	L.check(param.includes('0.000123456789'), `parameter value cut: ${param}`);
	const paramClip = await page.$eval('[data-testid="node-param-learning_rate"] .title', (el) => el.scrollWidth <= el.clientWidth);
	L.check(paramClip, 'the parameter value is cut off');
	// Node titles and task paths are cut to their line box (overflow:
	// hidden): the line must reach below an underscore, or
	// "tasks/count_letters.py" reads "tasks/count letters.py".
	const clipped = await page.evaluate(() => [...document.querySelectorAll('.node .title, .node .sub, .toolbar .run-summary')].filter((el) => el.textContent.trim() !== '').flatMap((el) => {
		const cs = getComputedStyle(el);
		const ctx = document.createElement('canvas').getContext('2d');
		ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
		const m = ctx.measureText('_');
		const baseline = (el.clientHeight - m.fontBoundingBoxAscent - m.fontBoundingBoxDescent) / 2 + m.fontBoundingBoxAscent;
		const bottom = baseline + m.actualBoundingBoxDescent;
		return bottom > el.clientHeight ? [`${el.textContent} (underscore to ${bottom.toFixed(1)} px of ${el.clientHeight})`] : [];
	}));
	L.check(clipped.length === 0, `underscores cut off in: ${clipped.join(', ')}`);

	// A run would download the URL: run the example as it was.
	fs.writeFileSync(`${dir}/experiment.yml`, text);
	await L.waitFor('reloaded', async () => (await page.locator('[data-testid="node-data-remote"]').count()) === 0, 15);
	await page.click('[data-testid="run-all"]');
	await L.waitFor('run done', async () => (await page.getAttribute('[data-testid="run-summary"]', 'data-state')) === 'succeeded', 60);
	await page.click('[data-testid="fit"]');
	const px = await page.evaluate(() => {
		const vp = document.querySelector('.react-flow__viewport');
		const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
		const title = document.querySelector('[data-testid="node-step-merge"] .title');
		return parseFloat(getComputedStyle(title).fontSize) * zoom;
	});
	L.check(px >= 10, `after Fit, node titles are ${px.toFixed(1)} px`);
	await page.click('[data-testid="tab-merge"]');
	const shot = process.env.LOOM_SCREENSHOT_DARK || path.join(process.env.LOOM_BUILD || tmp, 'dark.png');
	await page.screenshot({ path: shot });
	L.check(fs.statSync(shot).size > 10000, 'screenshot too small');

	await page.emulateMedia({ colorScheme: 'light' });
	const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
	L.check(luminance(light) > 200, `light scheme, but the page background is ${light}`);
}
