// SPDX-License-Identifier: MIT
// Freshness of the graph's nodes from pipeline.freshness: a stale step
// whose outputs a run is hashing, and what it writes, show hashing; a
// missing one stays missing.
import { describe, expect, it } from 'vitest';
import { hashingCount, nodeFreshness } from '../src/freshness';
import { model, step } from './fixtures';

describe('nodeFreshness', () => {
	const m = model([step('a', ['d0'], ['d1']), step('b', ['d1'], ['d2'])], ['d0', 'd1', 'd2']);
	m.data[1].exists = true;

	it('shows a step whose stamp is being hashed as hashing, and its output too', () => {
		const steps = [
			{ name: 'a', state: 'stale' as const, reason: 'its files are being hashed', hashing: true },
			{ name: 'b', state: 'stale' as const, reason: 'upstream step a is stale' },
		];
		const f = nodeFreshness(m, steps);
		expect(f['step:a']).toEqual({ state: 'hashing', reason: 'its files are being hashed' });
		expect(f['data:d1']).toEqual({ state: 'hashing', reason: 'written by a, whose files are being hashed' });
		expect(f['step:b'].state).toBe('stale');
		expect(hashingCount(steps)).toBe(1);
	});

	it('keeps a missing step missing while an item is hashed', () => {
		const steps = [
			{ name: 'a', state: 'missing' as const, reason: '1 of 2 items out of date', hashing: true },
			{ name: 'b', state: 'fresh' as const, reason: null },
		];
		expect(nodeFreshness(m, steps)['step:a'].state).toBe('missing');
		expect(hashingCount(steps)).toBe(0);
	});
});
