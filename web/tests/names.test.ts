// SPDX-License-Identifier: MIT
// Creating things: free names, steps pre-filled from a task's front
// matter, the edits for a step, a data entry and a parameter, the free
// place for a node added with a button, the picker's fuzzy order and the
// run-only overrides sent as run.start's "set".
import { describe, expect, it } from 'vitest';
import { addDataEdits, addParamEdits, addStepEdits, freeSpot, fuzzyScore, nameProblem, paramProblem, stepBaseName, stepFromTask, uniqueName } from '../src/edit/names';
import type { TaskItem } from '../src/edit/names';
import { pickerOptions } from '../src/edit/NodePicker';
import { overridesToSet } from '../src/panels/RunOverrides';
import { model, step } from './fixtures';

const port = (name: string, extra: Partial<{ type: string; default: string; required: boolean }> = {}) => ({
	name,
	type: extra.type ?? null,
	default: extra.default ?? null,
	description: null,
	choices: [],
	required: extra.required ?? false,
});

const train: TaskItem = {
	path: 'tasks/train.py',
	name: 'train.py',
	language: 'python',
	description: 'Train a model.',
	interface: {
		inputs: [port('features'), port('--labels')],
		outputs: [port('--model')],
		args: [port('--lr', { type: 'float', default: '1e-3' }), port('--epochs', { type: 'int', default: '10' }), port('--fast', { type: 'bool', default: 'False' }), port('--name', { default: 'run a' }), port('--seed', { type: 'int' })],
	},
};

describe('names', () => {
	it('suffixes a taken name', () => {
		expect(uniqueName('train', new Set())).toBe('train');
		expect(uniqueName('train', new Set(['train']))).toBe('train_2');
		expect(uniqueName('train', new Set(['train', 'train_2']))).toBe('train_3');
	});
	it('makes a step name from any task path', () => {
		expect(stepBaseName('tasks/train-model.py')).toBe('train_model');
		expect(stepBaseName('tasks/run')).toBe('run');
		expect(stepBaseName('tasks/2pass.sh')).toBe('step_2pass');
		expect(stepBaseName('tasks/---.sh')).toBe('step');
	});
	it('checks names and typed values', () => {
		expect(nameProblem('lr', new Set(['lr']))).toMatch(/taken/);
		expect(nameProblem('1x', new Set())).toMatch(/letters/);
		expect(nameProblem('ok_1', new Set())).toBeNull();
		expect(paramProblem('number', '1.0e-3')).toBeNull();
		expect(paramProblem('number', '1.0e-')).not.toBeNull();
		expect(paramProblem('bool', 'yes')).not.toBeNull();
		expect(paramProblem('string', 'anything: at all')).toBeNull();
	});
});

describe('steps from tasks', () => {
	it('leaves inputs and outputs unconnected and args at their defaults', () => {
		expect(stepFromTask(train, 'train')).toEqual({
			name: 'train',
			task: 'tasks/train.py',
			inputs: { features: null, '--labels': null },
			outputs: { '--model': null },
			args: { '--lr': 0.001, '--epochs': 10, '--fast': false, '--name': 'run a' },
		});
	});
	it('adds a step with a free name at the point', () => {
		const m = model([step('train', [], [])], []);
		const r = addStepEdits(m, train, { x: 10.4, y: -3.6 });
		expect(r.name).toBe('train_2');
		expect(r.edits).toEqual([
			{ op: 'add', path: 'pipeline', value: { ...stepFromTask(train, 'train_2') } },
			{ op: 'set', path: ['pipeline', 'train_2', 'args', '--lr'], text: '1e-3' },
			{ op: 'set', path: ['pipeline', 'train_2', 'args', '--fast'], text: 'False' },
			{ op: 'move', node: 'train_2', x: 10, y: -4 },
		]);
	});
	it('a task without front matter is a bare step', () => {
		expect(stepFromTask({ ...train, interface: null }, 's')).toEqual({ name: 's', task: 'tasks/train.py' });
	});
});

describe('data and parameters', () => {
	it('adds a data entry with what was given', () => {
		expect(addDataEdits({ name: 'raw', type: ' csv ', path: 'data/raw.csv', description: '' }, { x: 1, y: 2 })).toEqual([
			{ op: 'add', path: ['data', 'raw'], value: { type: 'csv', path: 'data/raw.csv' } },
			{ op: 'move', node: 'data:raw', x: 1, y: 2 },
		]);
	});
	it('keeps a number as typed and a string as a value', () => {
		expect(addParamEdits('lr', 'number', '1.0e-3', { x: 0, y: 0 }).slice(0, 2)).toEqual([
			{ op: 'add', path: ['parameters', 'lr'], value: 0.001 },
			{ op: 'set', path: ['parameters', 'lr'], text: '1.0e-3' },
		]);
		expect(addParamEdits('v', 'bool', 'true', { x: 0, y: 0 })[0]).toEqual({ op: 'add', path: ['parameters', 'v'], value: true });
		expect(addParamEdits('t', 'string', 'a: b', { x: 0, y: 0 })).toEqual([
			{ op: 'add', path: ['parameters', 't'], value: 'a: b' },
			{ op: 'move', node: 'param:t', x: 0, y: 0 },
		]);
	});
	it('finds a free place below or beside the middle', () => {
		const c = { x: 100, y: 100 };
		expect(freeSpot(c, 100, 40, [])).toEqual(c);
		const taken = [{ x: 40, y: 70, width: 120, height: 60 }];
		const p = freeSpot(c, 100, 40, taken);
		expect(p.x).toBe(100);
		expect(p.y).toBeGreaterThan(100 + 40);
	});
});

describe('picker and overrides', () => {
	it('fuzzy-matches in order, best first', () => {
		expect(fuzzyScore('cnt', 'tasks/count.py')).not.toBeNull();
		expect(fuzzyScore('tnc', 'tasks/count.py')).toBeNull();
		const tasks = [train, { ...train, path: 'tasks/count.py' }, { ...train, path: 'tasks/concat.py' }];
		expect(pickerOptions(tasks, 'cnt')[0].label).toBe('tasks/count.py');
		expect(pickerOptions(tasks, 'param')[0].label).toBe('parameter');
		expect(pickerOptions(tasks, '').map((o) => o.label)).toEqual(['tasks/train.py', 'tasks/count.py', 'tasks/concat.py', 'data node', 'parameter']);
	});
	it('sends only non-empty overrides of existing parameters', () => {
		const ps = [
			{ name: 'lr', value: '0.1', type: 'float' as const, line: 1 },
			{ name: 'n', value: '3', type: 'int' as const, line: 2 },
		];
		expect(overridesToSet({ lr: '0.05', n: '', gone: '1' }, ps)).toEqual(['lr=0.05']);
	});
});
