// SPDX-License-Identifier: MIT
// A line diff for the conflict banner: what saving the pending edits
// would change in the file as it is on disk. Common lines at both ends
// are taken off first; the middle is compared with a longest common
// subsequence, bounded (MAX_CELLS) so a huge change cannot stall the
// page: past the bound the middle is shown as removed, then added.
export type DiffLine = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

const MAX_CELLS = 4_000_000;

function lines(t: string): string[] {
	const v = t.split('\n');
	if (v.length > 0 && v[v.length - 1] === '') v.pop();
	return v;
}

/** Every line of a and b, marked kept, removed (-) or added (+). */
export function lineDiff(from: string, to: string): DiffLine[] {
	const a = lines(from);
	const b = lines(to);
	let pre = 0;
	while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
	let suf = 0;
	while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
	const out: DiffLine[] = [];
	for (let i = 0; i < pre; i++) out.push({ kind: ' ', text: a[i], a: i + 1, b: i + 1 });
	const am = a.slice(pre, a.length - suf);
	const bm = b.slice(pre, b.length - suf);
	if (am.length * bm.length > MAX_CELLS) {
		am.forEach((t, i) => out.push({ kind: '-', text: t, a: pre + i + 1, b: 0 }));
		bm.forEach((t, i) => out.push({ kind: '+', text: t, a: 0, b: pre + i + 1 }));
	} else {
		// lcs[i][j]: length of the common subsequence of am[i:] and bm[j:].
		const w = bm.length + 1;
		const lcs = new Uint32Array((am.length + 1) * w);
		for (let i = am.length - 1; i >= 0; i--)
			for (let j = bm.length - 1; j >= 0; j--)
				lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
		let i = 0;
		let j = 0;
		while (i < am.length || j < bm.length) {
			if (i < am.length && j < bm.length && am[i] === bm[j]) {
				out.push({ kind: ' ', text: am[i], a: pre + i + 1, b: pre + j + 1 });
				i++;
				j++;
			} else if (i < am.length && (j === bm.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				out.push({ kind: '-', text: am[i], a: pre + i + 1, b: 0 });
				i++;
			} else {
				out.push({ kind: '+', text: bm[j], a: 0, b: pre + j + 1 });
				j++;
			}
		}
	}
	for (let k = suf; k > 0; k--) out.push({ kind: ' ', text: a[a.length - k], a: a.length - k + 1, b: b.length - k + 1 });
	return out;
}

/** The changed lines with `context` kept lines around each change ("…" between). */
export function hunks(d: DiffLine[], context = 2): (DiffLine | null)[] {
	const keep = new Set<number>();
	d.forEach((l, i) => {
		if (l.kind !== ' ') for (let k = i - context; k <= i + context; k++) keep.add(k);
	});
	const out: (DiffLine | null)[] = [];
	let last = -1;
	d.forEach((l, i) => {
		if (!keep.has(i)) return;
		if (last >= 0 && i > last + 1) out.push(null);
		out.push(l);
		last = i;
	});
	return out;
}
