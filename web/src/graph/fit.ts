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
// The graph is fitted to the part of the canvas nothing covers: the side
// panel's part of it, if the panel lies over the canvas, is left out, and
// a graph shown whole keeps clear of the panels on the canvas's edges:
// the minimap, the zoom buttons, the buttons that add nodes (fitAround).
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

/** A box on the canvas, in its pixels. */
export interface Box {
	left: number;
	top: number;
	right: number;
	bottom: number;
}

/**
 * What covers the canvas: the width of its right-hand part under the side
 * panel, and the panels along its edges (the minimap, the zoom buttons,
 * the buttons that add nodes).
 */
export interface Cover {
	right: number;
	panels: Box[];
}

/**
 * The fit of the canvas left of what the side panel covers. A graph shown
 * whole with a node under a panel is fitted instead into the band
 * between the top and the bottom panels or the one between the left and
 * the right panels, whichever shows it bigger, if that still shows it
 * whole and legible. A graph shown from its start or as an overview is
 * left as it is: the one is panned anyway, the other is drawn without
 * the minimap, and made as big as the canvas allows.
 */
export function fitAround(placed: Placed[], width: number, height: number, cover: Cover): FitView {
	const w = Math.max(width - cover.right, 0);
	const v = fitViewport(placed, w, height);
	const ps = cover.panels;
	const under = (b: Box) =>
		placed.some((p) => p.x * v.zoom + v.x < b.right && (p.x + p.width) * v.zoom + v.x > b.left && p.y * v.zoom + v.y < b.bottom && (p.y + p.height) * v.zoom + v.y > b.top);
	if (v.mode !== 'whole' || !ps.some(under)) return v;
	// A panel whose middle is in the top half is a top one, and so on.
	const top = Math.max(0, ...ps.filter((b) => b.top + b.bottom < height).map((b) => b.bottom));
	const bottom = Math.min(height, ...ps.filter((b) => b.top + b.bottom >= height).map((b) => b.top));
	const left = Math.max(0, ...ps.filter((b) => b.left + b.right < w).map((b) => b.right));
	const right = Math.min(w, ...ps.filter((b) => b.left + b.right >= w).map((b) => b.left));
	const a = fitViewport(placed, w, Math.max(bottom - top, 0));
	const b = fitViewport(placed, Math.max(right - left, 0), height);
	const best = a.zoom >= b.zoom ? { ...a, y: a.y + top } : { ...b, x: b.x + left };
	return best.mode === 'whole' ? best : v;
}
