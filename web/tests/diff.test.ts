// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { hunks, lineDiff } from '../src/edit/diff';

describe('lineDiff', () => {
	it('marks exactly the changed lines', () => {
		const d = lineDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n');
		expect(d.filter((l) => l.kind !== ' ').map((l) => l.kind + l.text)).toEqual(['-b', '+B', '+e']);
		expect(d.filter((l) => l.kind === ' ').map((l) => l.text)).toEqual(['a', 'c', 'd']);
	});
	it('finds nothing between equal texts', () => {
		expect(lineDiff('x\ny\n', 'x\ny\n').every((l) => l.kind === ' ')).toBe(true);
	});
	it('keeps context around changes only', () => {
		const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
		const b = a.replace('l10', 'L10');
		const h = hunks(lineDiff(a, b), 1);
		expect(h.map((l) => (l ? l.kind + l.text : '…'))).toEqual([' l9', '-l10', '+L10', ' l11']);
	});
});
