// SPDX-License-Identifier: MIT
// Graph building and layout: nodes and edges from the model, parameter
// links, step dependencies, saved positions, groups around their members,
// and a readable (overlap-free, left-to-right) layout of big pipelines.
import { describe, expect, it } from 'vitest';
import { buildGraph, stepDependencies } from '../src/graph/build';
import { hasOverlaps, layoutGraph } from '../src/graph/layout';
import { onScreen, toFlow } from '../src/graph/flow';
import { LOD_ZOOM, MIN_FIT_ZOOM, fitAround, fitViewport } from '../src/graph/fit';
import { emptyRuns } from '../src/runs';
import { chain, model, port, step } from './fixtures';

/**
 * p comes after q in reading order: right of it in the same band, or in
 * a band below (a long chain is wrapped into bands, read like lines).
 */
function readsAfter(p: { x: number; y: number }, q: { x: number; y: number; height: number }): boolean {
	return p.y > q.y + q.height || (Math.abs(p.y - q.y) < q.height && p.x > q.x);
}

function diamond() {
	return model(
		[
			step('prepare', ['words'], ['normal']),
			step('letters', ['normal'], ['letters'], { args: [port('--lr', [], ['lr'])] }),
			step('lengths', ['normal'], ['lengths']),
			step('merge', ['letters', 'lengths'], ['summary'], { group: 'end' }),
		],
		['words', 'normal', 'letters', 'lengths', 'summary'],
		['lr', 'unused'],
		[{ name: 'end', steps: ['merge'] }],
	);
}

describe('buildGraph', () => {
	it('makes one node per data entry, step, parameter and group', () => {
		const g = buildGraph(diamond());
		const kinds = g.nodes.map((n) => n.kind);
		expect(kinds.filter((k) => k === 'data')).toHaveLength(5);
		expect(kinds.filter((k) => k === 'step')).toHaveLength(4);
		expect(kinds.filter((k) => k === 'param')).toHaveLength(2);
		expect(kinds.filter((k) => k === 'group')).toHaveLength(1);
	});

	it('links data to readers, writers to data and parameters to users', () => {
		const g = buildGraph(diamond());
		const ids = g.edges.map((e) => `${e.source}->${e.target}`).sort();
		expect(ids).toEqual(
			[
				'data:words->step:prepare',
				'step:prepare->data:normal',
				'data:normal->step:letters',
				'step:letters->data:letters',
				'data:normal->step:lengths',
				'step:lengths->data:lengths',
				'data:letters->step:merge',
				'data:lengths->step:merge',
				'step:merge->data:summary',
				'param:lr->step:letters',
			].sort(),
		);
		expect(g.edges.find((e) => e.source === 'step:prepare')!.label).toBe('-o');
	});

	it('ignores references to unknown names', () => {
		const m = model([step('a', ['nowhere'], ['out'])], ['out']);
		expect(buildGraph(m).edges.map((e) => e.id)).toEqual(['out:a->out']);
	});

	it('derives step dependencies from data', () => {
		const deps = stepDependencies(diamond());
		expect(deps.get('prepare')).toEqual([]);
		expect(deps.get('merge')!.sort()).toEqual(['lengths', 'letters']);
	});
});

describe('layoutGraph', () => {
	it('places data before its reader and after its writer (left to right)', () => {
		const m = diamond();
		const placed = layoutGraph(m, buildGraph(m));
		const x = (id: string) => placed.find((p) => p.id === id)!.x;
		expect(x('data:words')).toBeLessThan(x('step:prepare'));
		expect(x('step:prepare')).toBeLessThan(x('data:normal'));
		expect(x('data:normal')).toBeLessThan(x('step:letters'));
		expect(x('step:letters')).toBeLessThan(x('step:merge'));
		expect(hasOverlaps(placed)).toBe(false);
	});

	it('keeps positions saved in layout: unless asked to lay out again', () => {
		const m = diamond();
		m.layout = { merge: { x: 4000, y: 7 }, 'data:words': { x: -50, y: -60 } };
		const g = buildGraph(m);
		const placed = layoutGraph(m, g);
		expect(placed.find((p) => p.id === 'step:merge')).toMatchObject({ x: 4000, y: 7 });
		expect(placed.find((p) => p.id === 'data:words')).toMatchObject({ x: -50, y: -60 });
		const auto = layoutGraph(m, g, true);
		expect(auto.find((p) => p.id === 'step:merge')!.x).not.toBe(4000);
	});

	it('draws a group as a rectangle around its members', () => {
		const m = diamond();
		const placed = layoutGraph(m, buildGraph(m));
		const grp = placed.find((p) => p.id === 'group:end')!;
		const merge = placed.find((p) => p.id === 'step:merge')!;
		expect(grp.x).toBeLessThan(merge.x);
		expect(grp.y).toBeLessThan(merge.y);
		expect(grp.x + grp.width).toBeGreaterThan(merge.x + merge.width);
		expect(grp.y + grp.height).toBeGreaterThan(merge.y + merge.height);
		expect(placed.indexOf(grp)).toBeLessThan(placed.indexOf(merge));
	});

	it('keeps a 200-step pipeline readable: no overlaps, ranks in order', () => {
		const m = chain(200);
		const placed = layoutGraph(m, buildGraph(m));
		expect(placed).toHaveLength(401);
		expect(hasOverlaps(placed)).toBe(false);
		const at = m.steps.map((s) => placed.find((p) => p.id === `step:${s.name}`)!);
		for (let i = 1; i < at.length; i++) expect(readsAfter(at[i], at[i - 1])).toBe(true);
	});

	it('lays out a 1000-step pipeline (the fast layering) readably', () => {
		const m = chain(1000);
		const placed = layoutGraph(m, buildGraph(m));
		expect(placed).toHaveLength(2001);
		expect(hasOverlaps(placed)).toBe(false);
		const byId = new Map(placed.map((p) => [p.id, p]));
		const at = (id: string) => byId.get(id)!;
		for (let i = 1; i < 1000; i++) expect(readsAfter(at(`step:s${i}`), at(`data:d${i}`))).toBe(true);
	});

	it('orders a big fan-out to keep edges short (barycentres)', () => {
		const steps = [step('src', [], ['root'])];
		const data = ['root'];
		for (let i = 0; i < 300; i++) {
			steps.push(step(`w${i}`, ['root'], [`o${i}`]));
			data.push(`o${i}`);
		}
		const m = model(steps, data);
		const placed = layoutGraph(m, buildGraph(m));
		expect(hasOverlaps(placed)).toBe(false);
		// Outputs come in the same order as their workers: no crossings.
		const byY = (prefix: string) =>
			placed
				.filter((p) => p.id.startsWith(prefix))
				.sort((a, b) => a.y - b.y)
				.map((p) => p.name.slice(1));
		expect(byY('data:o')).toEqual(byY('step:w'));
	});

	it('lays out a wide fan-out without overlaps', () => {
		const steps = [step('src', [], ['root'])];
		const data = ['root'];
		for (let i = 0; i < 60; i++) {
			steps.push(step(`w${i}`, ['root'], [`o${i}`]));
			data.push(`o${i}`);
		}
		const m = model(steps, data);
		expect(hasOverlaps(layoutGraph(m, buildGraph(m)))).toBe(false);
	});
});

describe('toFlow', () => {
	it('carries run states and leaves out positions of another model', () => {
		const m = diamond();
		const g = buildGraph(m);
		const placed = layoutGraph(m, g);
		const runs = emptyRuns(m.file);
		runs.current.steps.letters = { state: 'failed', exitCode: 2, signal: null, duration: 1, started: 0, because: [], run: 'r1', earlier: false, items: null, reason: null };
		const stale = [...placed, { id: 'step:gone', kind: 'step' as const, name: 'gone', x: 0, y: 0, width: 1, height: 1 }];
		const f = toFlow(m, g, stale, runs.current);
		expect(f.nodes.find((n) => n.id === 'step:gone')).toBeUndefined();
		expect(f.nodes.find((n) => n.id === 'step:letters')!.data).toMatchObject({ state: 'failed', exitCode: 2 });
		expect(f.nodes.find((n) => n.id === 'step:merge')!.data).toMatchObject({ state: 'idle' });
		expect(f.edges).toHaveLength(g.edges.length);
	});
});

describe('big graphs', () => {
	// A chain of n steps that all use one parameter.
	function paramChain(n: number) {
		const steps = Array.from({ length: n }, (_, i) => step(`s${i + 1}`, [`d${i}`], [`d${i + 1}`], { args: [port('--lr', [], ['learning_rate'])] }));
		return model(steps, Array.from({ length: n + 1 }, (_, i) => `d${i}`), ['learning_rate']);
	}

	it('draws parameter links only on demand when there are many, never animated', () => {
		const m = paramChain(500);
		const g = buildGraph(m);
		const placed = layoutGraph(m, g);
		const runs = emptyRuns(m.file);
		runs.current.steps.s1 = { state: 'running', exitCode: null, signal: null, duration: null, started: 0, because: [], run: 'r', earlier: false, items: null, reason: null };
		const none = toFlow(m, g, placed, runs.current).edges.filter((e) => e.className === 'edge-param');
		expect(none).toHaveLength(0);
		const sel = toFlow(m, g, placed, runs.current, { selected: 'step:s7' }).edges.filter((e) => e.className === 'edge-param');
		expect(sel.map((e) => e.target)).toEqual(['step:s7']);
		const all = toFlow(m, g, placed, runs.current, { showParams: true }).edges.filter((e) => e.className === 'edge-param');
		expect(all).toHaveLength(500);
		expect(all.some((e) => e.animated)).toBe(false);
		const small = diamond();
		expect(toFlow(small, buildGraph(small), layoutGraph(small, buildGraph(small)), emptyRuns('').current).edges.filter((e) => e.className === 'edge-param')).toHaveLength(1);
	});

	it('puts parameters above the graph, sized to their value', () => {
		const m = paramChain(20);
		m.parameters[0].value = '0.000123456789';
		const placed = layoutGraph(m, buildGraph(m));
		const p = placed.find((x) => x.id === 'param:learning_rate')!;
		const others = placed.filter((x) => x.kind !== 'param');
		expect(p.y + p.height).toBeLessThan(Math.min(...others.map((x) => x.y)));
		expect(p.width).toBeGreaterThanOrEqual(Math.ceil('learning_rate = 0.000123456789'.length * 7.2));
		expect(hasOverlaps(placed)).toBe(false);
	});

	it('fits a small graph whole and legibly, and a 500-step chain whole as an overview', () => {
		const small = diamond();
		const ps = layoutGraph(small, buildGraph(small));
		const a = fitViewport(ps, 2400, 900);
		expect(a.mode).toBe('whole');
		expect(a.zoom).toBeGreaterThanOrEqual(MIN_FIT_ZOOM);
		const m = paramChain(500);
		const pb = layoutGraph(m, buildGraph(m));
		const b = fitViewport(pb, 1000, 600);
		expect(b.mode).toBe('overview');
		expect(b.zoom).toBeLessThan(LOD_ZOOM);
		// Every node is on screen, and still a box of some pixels: the
		// wrapped layout keeps the overview's zoom well above a pixel per node.
		for (const p of pb) {
			expect(p.x * b.zoom + b.x).toBeGreaterThanOrEqual(0);
			expect((p.x + p.width) * b.zoom + b.x).toBeLessThanOrEqual(1000);
			expect(p.y * b.zoom + b.y).toBeGreaterThanOrEqual(0);
			expect((p.y + p.height) * b.zoom + b.y).toBeLessThanOrEqual(600);
		}
		expect(b.zoom).toBeGreaterThan(0.08);
		// A graph a little too big is shown from its start, legibly.
		const w = Math.max(...ps.map((p) => p.x + p.width)) - Math.min(...ps.map((p) => p.x));
		const c = fitViewport(ps, w * 0.3 + 60, 2000);
		expect(c.mode).toBe('start');
		expect(c.zoom).toBe(MIN_FIT_ZOOM);
	});

	it('fits clear of the panels on the canvas and of the side panel over it', () => {
		const m = diamond();
		const ps = layoutGraph(m, buildGraph(m));
		const bw = Math.max(...ps.map((p) => p.x + p.width)) - Math.min(...ps.map((p) => p.x));
		const bh = Math.max(...ps.map((p) => p.y + p.height)) - Math.min(...ps.map((p) => p.y));
		// A canvas of the graph's shape at zoom 1: its corners are reached.
		const W = bw + 60;
		const H = bh + 60;
		const mini = { left: W - 100, top: H - 40, right: W - 10, bottom: H - 10 };
		const bar = { left: 10, top: 10, right: 120, bottom: 34 };
		const plain = fitAround(ps, W, H, { right: 0, panels: [] });
		expect(plain).toEqual(fitViewport(ps, W, H));
		const screen = (v: { x: number; y: number; zoom: number }) =>
			ps.map((p) => ({ left: p.x * v.zoom + v.x, top: p.y * v.zoom + v.y, right: (p.x + p.width) * v.zoom + v.x, bottom: (p.y + p.height) * v.zoom + v.y }));
		const meets = (a: { left: number; top: number; right: number; bottom: number }, b: typeof a) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
		const v = fitAround(ps, W * 1.5, H * 1.5, { right: W * 0.5, panels: [mini, bar].map((b) => ({ left: b.left * 1.5, top: b.top * 1.5, right: b.right * 1.5, bottom: b.bottom * 1.5 })) });
		expect(v.mode).toBe('whole');
		for (const n of screen(v)) {
			expect(n.left).toBeGreaterThanOrEqual(0);
			expect(n.right).toBeLessThanOrEqual(W);
			expect(n.top).toBeGreaterThanOrEqual(0);
			expect(n.bottom).toBeLessThanOrEqual(H * 1.5);
			for (const b of [mini, bar]) expect(meets(n, { left: b.left * 1.5, top: b.top * 1.5, right: b.right * 1.5, bottom: b.bottom * 1.5 })).toBe(false);
		}
		// No room that keeps it legible: left as the plain fit.
		const tight = fitAround(ps, W, H, { right: 0, panels: [{ left: 0, top: 0, right: W, bottom: H * 0.6 }] });
		expect(tight.mode).toBe('whole');
		expect(tight).toEqual(fitViewport(ps, W, H));
	});

	it('wraps a long chain into bands and a wide fan-out into columns, about a screen in shape', () => {
		const box = (pl: { x: number; y: number; width: number; height: number }[]) => {
			const w = Math.max(...pl.map((p) => p.x + p.width)) - Math.min(...pl.map((p) => p.x));
			const h = Math.max(...pl.map((p) => p.y + p.height)) - Math.min(...pl.map((p) => p.y));
			return w / h;
		};
		const c = chain(500);
		const pc = layoutGraph(c, buildGraph(c));
		expect(box(pc)).toBeGreaterThan(0.8);
		expect(box(pc)).toBeLessThan(3.2);
		const steps = [step('src', [], ['root'])];
		const data = ['root'];
		for (let i = 0; i < 500; i++) {
			steps.push(step(`w${i}`, ['root'], [`o${i}`]));
			data.push(`o${i}`);
		}
		const f = model(steps, data);
		const pf = layoutGraph(f, buildGraph(f));
		expect(hasOverlaps(pf)).toBe(false);
		expect(box(pf)).toBeGreaterThan(0.8);
		expect(box(pf)).toBeLessThan(3.2);
	});

	it("hands a big graph's first frame only what its start viewport shows", () => {
		// What React Flow draws at viewport v on a w x h pane (it draws
		// only what is on screen): every node and edge whose box is in view.
		const W = 1000, H = 700;
		const drawn = (f: ReturnType<typeof toFlow>, v: { x: number; y: number; zoom: number }) => {
			const box = new Map(f.nodes.map((n) => [n.id, { x: n.position.x, y: n.position.y, x2: n.position.x + n.width!, y2: n.position.y + n.height! }]));
			const inView = (b: { x: number; y: number; x2: number; y2: number }) => b.x2 * v.zoom + v.x >= 0 && b.x * v.zoom + v.x <= W && b.y2 * v.zoom + v.y >= 0 && b.y * v.zoom + v.y <= H;
			const nodes = f.nodes.filter((n) => inView(box.get(n.id)!)).map((n) => n.id);
			const edges = f.edges.filter((e) => {
				const a = box.get(e.source)!, b = box.get(e.target)!;
				return inView({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) });
			});
			return { nodes, edges: edges.map((e) => e.id), ends: edges.flatMap((e) => [e.source, e.target]) };
		};
		const fan = model(Array.from({ length: 500 }, (_, i) => step(`s${i}`, ['d0'], [`o${i}`])), ['d0', ...Array.from({ length: 500 }, (_, i) => `o${i}`)]);
		for (const m of [chain(500), paramChain(500), fan]) {
			const g = buildGraph(m);
			const placed = layoutGraph(m, g);
			const f = toFlow(m, g, placed, emptyRuns(m.file).current);
			const first = placed.filter((p) => p.kind === 'step').sort((a, b) => a.x - b.x)[0];
			const v = { x: 40 - Math.min(...placed.map((p) => p.x)), y: 300 - first.y, zoom: 1 };
			const part = onScreen(f, v, W, H);
			const ids = new Set(part.nodes.map((n) => n.id));
			const want = drawn(f, v);
			expect(want.nodes.length).toBeGreaterThan(0);
			for (const id of [...want.nodes, ...want.ends]) expect(ids.has(id)).toBe(true);
			expect(part.edges.map((e) => e.id)).toEqual(expect.arrayContaining(want.edges));
			// Each edge handed has both its nodes.
			for (const e of part.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
			if (m !== fan) expect(part.nodes.length).toBeLessThan(f.nodes.length / 5);
		}
	});
});
