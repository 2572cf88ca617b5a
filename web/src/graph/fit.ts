// SPDX-License-Identifier: MIT
// "Fit": the viewport that shows the whole graph, if it can be shown
// with text still legible; otherwise the start of the graph (its left
// end, around its first step) at the smallest legible zoom, to pan from
// (the minimap shows the whole). Node text is 11-14 px: at MIN_FIT_ZOOM
// titles are 10.5 px and the smallest labels 8 px. Pure: tests call it.
import type { Placed } from './layout';

export const MIN_FIT_ZOOM = 0.75;
export const MAX_FIT_ZOOM = 1.25;
const PAD = 30;

export interface FitView {
	x: number;
	y: number;
	zoom: number;
	/** true when the whole graph is on screen */
	whole: boolean;
}

export function fitViewport(placed: Placed[], width: number, height: number): FitView {
	if (placed.length === 0) return { x: 0, y: 0, zoom: 1, whole: true };
	const minX = Math.min(...placed.map((p) => p.x));
	const minY = Math.min(...placed.map((p) => p.y));
	const bw = Math.max(...placed.map((p) => p.x + p.width)) - minX;
	const bh = Math.max(...placed.map((p) => p.y + p.height)) - minY;
	const z = Math.min((width - 2 * PAD) / bw, (height - 2 * PAD) / bh);
	if (z >= MIN_FIT_ZOOM) {
		const zoom = Math.min(z, MAX_FIT_ZOOM);
		return { x: (width - bw * zoom) / 2 - minX * zoom, y: (height - bh * zoom) / 2 - minY * zoom, zoom, whole: true };
	}
	const zoom = MIN_FIT_ZOOM;
	const x = PAD - minX * zoom;
	if (bh * zoom <= height - 2 * PAD) return { x, y: (height - bh * zoom) / 2 - minY * zoom, zoom, whole: false };
	const steps = placed.filter((p) => p.kind === 'step');
	const first = (steps.length ? steps : placed).reduce((a, b) => (b.x < a.x || (b.x === a.x && b.y < a.y) ? b : a));
	return { x, y: height / 2 - (first.y + first.height / 2) * zoom, zoom, whole: false };
}
