// SPDX-License-Identifier: MIT
// Freshness of the graph's nodes from pipeline.freshness (docs/protocol.md,
// the same answer `loomctl status FILE` prints): every step is fresh,
// stale (with the reason) or missing (an output does not exist). A data
// node takes its state from what makes it: an output is missing when its
// file is not there, else as fresh as the step that writes it; an input
// nobody writes is fresh when it exists and missing when not. A stale
// step whose files a run is hashing for its stamp ("hashing": true),
// and what it writes, show `hashing`: fresh once the stamp is written.
// Pure.
import type { Freshness, PipelineModel, StepFreshness } from './types';
import { stepWrites } from './graph/build';

export interface NodeFresh {
	state: Freshness | 'hashing';
	reason: string | null;
}

/** What a step's node shows: its freshness, or hashing. */
function shown(s: StepFreshness): Freshness | 'hashing' {
	return s.hashing && s.state === 'stale' ? 'hashing' : s.state;
}

/** Steps whose files are being hashed (shown as hashing). */
export function hashingCount(steps: StepFreshness[]): number {
	return steps.filter((s) => shown(s) === 'hashing').length;
}

export type FreshMap = Record<string, NodeFresh>;

/** Node id ("step:NAME", "data:NAME") -> freshness. Empty when unknown. */
export function nodeFreshness(m: PipelineModel, steps: StepFreshness[] | null): FreshMap {
	const out: FreshMap = {};
	if (!steps) return out;
	const byName = new Map(steps.map((s) => [s.name, s]));
	for (const s of steps) out[`step:${s.name}`] = { state: shown(s), reason: s.reason };
	const writer = new Map<string, string>();
	for (const s of m.steps) for (const d of stepWrites(s)) writer.set(d, s.name);
	for (const d of m.data) {
		const w = writer.get(d.name);
		const f = w !== undefined ? byName.get(w) : undefined;
		if (d.url) out[`data:${d.name}`] = { state: 'fresh', reason: null };
		else if (!d.exists) out[`data:${d.name}`] = { state: 'missing', reason: `${d.path} does not exist` };
		else if (f && shown(f) === 'hashing') out[`data:${d.name}`] = { state: 'hashing', reason: `written by ${w}, whose files are being hashed` };
		else if (f && f.state !== 'fresh') out[`data:${d.name}`] = { state: 'stale', reason: `written by ${w}, which is ${f.state}: ${f.reason ?? ''}` };
		else out[`data:${d.name}`] = { state: 'fresh', reason: null };
	}
	return out;
}
