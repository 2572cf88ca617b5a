// SPDX-License-Identifier: MIT
// Models shaped like pipeline.open's answer, for the graph tests.
import type { PipelineModel, PortInfo, StepInfo } from '../src/types';

export function port(key: string, data: string[] = [], params: string[] = []): PortInfo {
	return { key, value: data.length ? `$${data[0]}` : params.length ? `$${params[0]}` : 'x', data, params };
}

export function step(name: string, ins: string[], outs: string[], opts: Partial<StepInfo> = {}): StepInfo {
	return {
		name,
		task: `tasks/${name}.py`,
		task_path: `/x/tasks/${name}.py`,
		task_exists: true,
		group: null,
		optional: false,
		disabled: false,
		loop: null,
		description: null,
		inputs: ins.map((d) => port(d, [d])),
		outputs: outs.map((d) => port('-o', [d])),
		args: [],
		command: ['python3', `/x/tasks/${name}.py`],
		command_error: null,
		frontmatter: null,
		line: 1,
		...opts,
	};
}

export function model(steps: StepInfo[], data: string[], params: string[] = [], groups: { name: string; steps: string[] }[] = []): PipelineModel {
	return {
		file: '/x/experiment.yml',
		dir: '/x',
		name: 'experiment.yml',
		ok: true,
		diagnostics: [],
		data: data.map((d, i) => ({
			name: d,
			type: 'txt',
			path: `data/${d}`,
			resolved: `/x/data/${d}`,
			url: false,
			exists: i === 0,
			kind: i === 0 ? 'file' : 'missing',
			description: null,
			line: i + 1,
		})),
		parameters: params.map((p) => ({ name: p, value: '1', type: 'int', line: 1 })),
		steps,
		groups,
		layout: {},
	};
}

/** A chain of n steps: d0 -> s0 -> d1 -> s1 -> ... -> dn. */
export function chain(n: number): PipelineModel {
	const steps: StepInfo[] = [];
	const data: string[] = [];
	for (let i = 0; i <= n; i++) data.push(`d${i}`);
	for (let i = 0; i < n; i++) steps.push(step(`s${i}`, [`d${i}`], [`d${i + 1}`]));
	return model(steps, data);
}
