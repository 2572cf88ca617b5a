// SPDX-License-Identifier: MIT
// Graph gestures as pipeline.save edits (src/edit/graph.ts, connect.ts,
// diags.ts): what each connection, deletion and move sends the saver.
import { describe, expect, it } from 'vitest';
import type { PipelineModel } from '../src/types';
import { connectEdits, newOutput, withoutEdge } from '../src/edit/connect';
import { deleteEdits, moveEdit } from '../src/edit/graph';
import { diagsOf } from '../src/edit/diags';
import { model, port, step } from './fixtures';

const fm = (inputs: [string, string][], outputs: [string, string][], args: [string, string][] = []) => ({
	found: true,
	inputs: inputs.map(([name, type]) => ({ name, type, default: null, description: null, choices: [], required: false })),
	outputs: outputs.map(([name, type]) => ({ name, type, default: null, description: null, choices: [], required: false })),
	args: args.map(([name, type]) => ({ name, type, default: null, description: null, choices: [], required: false })),
});

function pipe(): PipelineModel {
	const m = model([step('a', ['raw'], ['mid'], { frontmatter: fm([['src', 'csv']], [['-o', 'csv']]) }), step('b', ['mid'], ['out'], { frontmatter: fm([['mid', 'csv'], ['extra', 'json']], [['-o', 'txt'], ['--log', 'txt']], [['--k', 'int']]) }), step('c', [], [])], []);
	m.data = ['raw', 'mid', 'out', 'other'].map((n) => ({ name: n, type: n === 'other' ? 'json' : 'csv', path: `${n}.csv`, resolved: null, url: false, exists: false, kind: 'missing', description: null, line: 0 }));
	m.parameters = [{ name: 'k', value: '3', type: 'int', line: 0 }, { name: 's', value: 'x', type: 'string', line: 0 }];
	return m;
}

describe('connectEdits', () => {
	it('connects data to the free input of its type', () => {
		expect(connectEdits(pipe(), { source: 'data:other', target: 'step:b' })).toEqual({
			edits: [{ op: 'set', path: ['pipeline', 'b', 'inputs', 'extra'], value: '$other' }],
			label: 'connect other to b',
		});
	});
	it('refuses a type the front matter does not take, cycles, data to data', () => {
		expect(connectEdits(pipe(), { source: 'data:raw', target: 'step:b' })).toEqual({ refused: expect.stringMatching(/type mismatch.*extra \(json\).*csv/) });
		expect(connectEdits(pipe(), { source: 'data:out', target: 'step:a' })).toEqual({ refused: expect.stringMatching(/cycle/) });
		expect(connectEdits(pipe(), { source: 'data:raw', target: 'data:mid' })).toEqual({ refused: expect.stringMatching(/not to another data entry/) });
		expect(connectEdits(pipe(), { source: 'param:k', target: 'data:mid' })).toEqual({ refused: expect.stringMatching(/not to data/) });
		expect(connectEdits(pipe(), { source: 'step:a', target: 'data:out' })).toEqual({ refused: expect.stringMatching(/written by b already/) });
	});
	it('puts a new data entry between two steps', () => {
		const r = connectEdits(pipe(), { source: 'step:b', target: 'step:c' });
		expect(r).toEqual({
			edits: [
				{ op: 'add', path: ['data', 'b_out'], value: { type: 'txt', path: 'out/b_out.txt' } },
				{ op: 'set', path: ['pipeline', 'b', 'outputs', '--log'], value: '$b_out' },
				{ op: 'set', path: ['pipeline', 'c', 'inputs', 'b_out'], value: '$b_out' },
			],
			label: 'connect b to c through b_out',
			data: 'b_out',
		});
		expect(connectEdits(pipe(), { source: 'step:b', target: 'step:a' })).toEqual({ refused: expect.stringMatching(/cycle/) });
	});
	it('passes a parameter to an argument of its type', () => {
		expect(connectEdits(pipe(), { source: 'param:k', target: 'step:b', targetHandle: 'param' })).toEqual({
			edits: [{ op: 'set', path: ['pipeline', 'b', 'args', '--k'], value: '$k' }],
			label: 'pass k to b',
		});
		expect(connectEdits(pipe(), { source: 'param:s', target: 'step:b', targetHandle: 'param' })).toEqual({ refused: expect.stringMatching(/type mismatch/) });
		expect(connectEdits(pipe(), { source: 'param:s', target: 'step:c', targetHandle: 'param' })).toEqual({
			edits: [{ op: 'set', path: ['pipeline', 'c', 'args', '--s'], value: '$s' }],
			label: 'pass s to c',
		});
	});
	it('loops over and into through the loop handles', () => {
		expect(connectEdits(pipe(), { source: 'data:other', target: 'step:c', targetHandle: 'over' })).toMatchObject({ edits: [{ op: 'set', path: ['pipeline', 'c', 'loop', 'over'], value: '$other' }] });
		expect(connectEdits(pipe(), { source: 'step:c', target: 'data:other', sourceHandle: 'into' })).toMatchObject({ edits: [{ op: 'set', path: ['pipeline', 'c', 'loop', 'into'], value: '$other' }] });
	});
	it('reconnects: the old reference does not count', () => {
		const m = withoutEdge(pipe(), 'in:mid->b');
		expect(connectEdits(m, { source: 'data:raw', target: 'step:b' })).toMatchObject({ edits: [{ path: ['pipeline', 'b', 'inputs', 'mid'] }] });
	});
	it('makes a new output on empty space, named apart', () => {
		const m = pipe();
		m.data.push({ ...m.data[0], name: 'c_out' });
		expect(newOutput(m, 'c')).toMatchObject({ data: 'c_out_2', edits: [{ op: 'add', path: ['data', 'c_out_2'] }, { op: 'set', path: ['pipeline', 'c', 'outputs', '-o'], value: '$c_out_2' }] });
	});
});

describe('deleteEdits', () => {
	it('removes a data entry with the ports that only refer to it', () => {
		expect(deleteEdits(pipe(), ['data:mid'], [])).toEqual({
			edits: [
				{ op: 'remove', path: ['pipeline', 'a', 'outputs', '-o'] },
				{ op: 'remove', path: ['pipeline', 'b', 'inputs', 'mid'] },
				{ op: 'remove', path: ['data', 'mid'] },
			],
			refused: [],
		});
	});
	it('removes an edge as its port, and a step with no port edits for it', () => {
		expect(deleteEdits(pipe(), ['step:b'], ['in:mid->b', 'out:a->mid']).edits).toEqual([
			{ op: 'remove', path: ['pipeline', 'a', 'outputs', '-o'] },
			{ op: 'remove', path: ['pipeline', 'b'] },
		]);
	});
	it('refuses to cut a reference inside a longer value', () => {
		const m = pipe();
		m.steps[2].args = [port('--x', [], ['k'])];
		m.steps[2].args[0].value = 'out/${k}.txt';
		expect(deleteEdits(m, [], ['param:k->c']).refused[0]).toMatch(/c\.--x/);
	});
	it('keeps the steps of a deleted group', () => {
		const m = pipe();
		m.groups = [{ name: 'g', steps: ['a', 'c'] }];
		expect(deleteEdits(m, ['group:g', 'step:c'], []).edits).toEqual([
			{ op: 'remove', path: ['pipeline', 'c'] },
			{ op: 'group', step: 'a', group: null },
			{ op: 'remove', path: ['pipeline', 'g'] },
		]);
	});
});

describe('moves and diagnostics', () => {
	it('saves steps by name, other nodes by kind:name', () => {
		expect(moveEdit('step:a', 10.4, 20.6)).toEqual({ op: 'move', node: 'a', x: 10, y: 21 });
		expect(moveEdit('data:mid', 1, 2)).toEqual({ op: 'move', node: 'data:mid', x: 1, y: 2 });
	});
	it('attaches a diagnostic to the entry it falls in', () => {
		const m = pipe();
		m.data.forEach((d, i) => (d.line = 2 + i));
		m.steps.forEach((s, i) => (s.line = 10 + 5 * i));
		const d = { severity: 'error' as const, file: 'f', column: 3, message: 'x', hint: null };
		m.diagnostics = [{ ...d, line: 12 }, { ...d, line: 3 }, { ...d, line: 21 }];
		expect(diagsOf(m, 'step:a').map((x) => x.line)).toEqual([12]);
		expect(diagsOf(m, 'data:mid').map((x) => x.line)).toEqual([3]);
		expect(diagsOf(m, 'step:c').map((x) => x.line)).toEqual([21]);
	});
});
