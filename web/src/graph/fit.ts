// SPDX-License-Identifier: MIT
// "Fit": the viewport that shows the whole graph, if it can be shown
// with text still legible (MIN_FIT_ZOOM or more: node titles 10.5 px,
// the smallest labels 8 px). A graph somewhat too big for that is shown
// from its start (its left end, around its first step) at the smallest
// legible zoom, to pan from. A graph so big that the whole would need a
// zoom below OVERVIEW_ZOOM (more than three screens wide or high at a
// legible zoom) is shown whole as an overview: below LOD_ZOOM the page
// draws nodes as plain boxes in their state colours, names hidden
// (styles.css, class "lod" on the graph), and a click on one zooms to it.
// Big layouts are wrapped to a screen's shape (layout.ts), so a 500-step
// graph fits at a zoom where every node is still a box of some pixels.
// Pure: tests call it.
import type { Placed } from './layout';

export const MIN_FIT_ZOOM = 0.75;
export const MAX_FIT_ZOOM = 1.25;
/** Below this zoom nodes are drawn as boxes without text. */
export const LOD_ZOOM = 0.5;
/** Fit shows the overview when the whole would need a zoom below this. */
export const OVERVIEW_ZOOM = 0.25;
/** The zoom a click on a node of the overview goes to. */
export const FOCUS_ZOOM = 1;
const PAD = 30;

export type FitMode = 'whole' | 'start' | 'overview';

export interface FitView {
	x: number;
	y: number;
	zoom: number;
	/** whole: all of it, legible; start: its start, legible; overview: all of it, as boxes */
	mode: FitMode;
}

export function fitViewport(placed: Placed[], width: number, height: number): FitView {
	if (placed.length === 0) return { x: 0, y: 0, zoom: 1, mode: 'whole' };
	const minX = Math.min(...placed.map((p) => p.x));
	const minY = Math.min(...placed.map((p) => p.y));
	const bw = Math.max(...placed.map((p) => p.x + p.width)) - minX;
	const bh = Math.max(...placed.map((p) => p.y + p.height)) - minY;
	const z = Math.min((width - 2 * PAD) / bw, (height - 2 * PAD) / bh);
	if (z >= MIN_FIT_ZOOM || z < OVERVIEW_ZOOM) {
		const zoom = Math.min(z, MAX_FIT_ZOOM);
		const mode = z >= MIN_FIT_ZOOM ? 'whole' : 'overview';
		return { x: (width - bw * zoom) / 2 - minX * zoom, y: (height - bh * zoom) / 2 - minY * zoom, zoom, mode };
	}
	const zoom = MIN_FIT_ZOOM;
	const x = PAD - minX * zoom;
	if (bh * zoom <= height - 2 * PAD) return { x, y: (height - bh * zoom) / 2 - minY * zoom, zoom, mode: 'start' };
	const steps = placed.filter((p) => p.kind === 'step');
	const first = (steps.length ? steps : placed).reduce((a, b) => (b.x < a.x || (b.x === a.x && b.y < a.y) ? b : a));
	return { x, y: height / 2 - (first.y + first.height / 2) * zoom, zoom, mode: 'start' };
}
