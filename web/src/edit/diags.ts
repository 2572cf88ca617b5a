// SPDX-License-Identifier: MIT
// Diagnostics (those of `loomctl validate`, from the dry run of the
// pending edits) attached to the nodes they concern: a diagnostic belongs
// to the data entry, parameter or step whose entry starts last at or
// before its line, within the same section of the file.
import type { Diag, PipelineModel } from '../types';

type Entry = { id: string; line: number };

function entries(m: PipelineModel): Entry[][] {
	return [
		m.data.map((d) => ({ id: `data:${d.name}`, line: d.line })),
		m.parameters.map((p) => ({ id: `param:${p.name}`, line: p.line })),
		m.steps.map((s) => ({ id: `step:${s.name}`, line: s.line })),
	].map((l) => l.filter((e) => e.line > 0).sort((a, b) => a.line - b.line));
}

/** The node a diagnostic is about, or null. */
export function diagNode(m: PipelineModel, d: Diag, all = entries(m)): string | null {
	if (d.line <= 0) return null;
	// The sections in file order; an entry's section ends where the next
	// section's first entry starts.
	const firsts = all.filter((l) => l.length).map((l) => l[0].line);
	let best: Entry | null = null;
	for (const l of all) {
		if (l.length === 0) continue;
		const end = Math.min(...firsts.filter((f) => f > l[0].line), Infinity);
		if (d.line >= end) continue;
		for (const e of l) if (e.line <= d.line && (!best || e.line > best.line)) best = e;
	}
	return best ? best.id : null;
}

/** The diagnostics of one node. */
export function diagsOf(m: PipelineModel, id: string): Diag[] {
	const all = entries(m);
	return m.diagnostics.filter((d) => diagNode(m, d, all) === id);
}

/** Node id -> its error count. */
export function nodeErrors(m: PipelineModel): Map<string, number> {
	const all = entries(m);
	const out = new Map<string, number>();
	for (const d of m.diagnostics) {
		if (d.severity !== 'error') continue;
		const id = diagNode(m, d, all);
		if (id) out.set(id, (out.get(id) ?? 0) + 1);
	}
	return out;
}
