// SPDX-License-Identifier: MIT
// Shapes of what loomd sends the editor: the pipeline.open model, the
// workspace list, previews and run records (docs/editor.md and
// docs/protocol.md describe them). Kept free of React so the graph code
// and its tests can import them.

export interface Diag {
	severity: 'error' | 'warning';
	file: string;
	line: number;
	column: number;
	message: string;
	hint: string | null;
}

export interface DataInfo {
	name: string;
	type: string | null;
	path: string;
	resolved: string | null;
	url: boolean;
	exists: boolean;
	kind: 'file' | 'dir' | 'missing' | 'url' | 'other';
	description: string | null;
	line: number;
}

export interface ParamInfo {
	name: string;
	value: string;
	type: 'int' | 'float' | 'bool' | 'string' | 'null';
	line: number;
}

/** One input, output or argument of a step, with what it refers to. */
export interface PortInfo {
	key: string;
	value: string;
	data: string[];
	params: string[];
}

export interface LoopInfo {
	over: string | null;
	into: string | null;
	filter: string | null;
}

export interface StepInfo {
	name: string;
	task: string;
	task_path: string | null;
	task_exists: boolean;
	group: string | null;
	optional: boolean;
	disabled: boolean;
	loop: LoopInfo | null;
	description: string | null;
	inputs: PortInfo[];
	outputs: PortInfo[];
	args: PortInfo[];
	command: string[] | null;
	command_error: string | null;
	frontmatter: Record<string, unknown> | null;
	line: number;
}

export interface GroupInfo {
	name: string;
	steps: string[];
}

export interface PipelineModel {
	file: string;
	dir: string;
	name: string;
	ok: boolean;
	diagnostics: Diag[];
	data: DataInfo[];
	parameters: ParamInfo[];
	steps: StepInfo[];
	groups: GroupInfo[];
	layout: Record<string, { x: number; y: number }>;
}

export interface PipelineEntry {
	file: string;
	rel: string;
	name: string;
}

export interface Workspace {
	dir: string;
	pipelines: PipelineEntry[];
}

export interface UiTarget {
	kind: 'file' | 'dir';
	path: string;
	root: string;
}

export type StepState =
	| 'idle'
	| 'queued'
	| 'pending'
	| 'running'
	| 'succeeded'
	| 'uptodate'
	| 'failed'
	| 'skipped'
	| 'cancelled'
	| 'interrupted';

export interface Preview {
	path: string;
	kind: 'image' | 'csv' | 'json' | 'text' | 'binary' | 'dir' | 'url';
	size: number;
	truncated: boolean;
	text?: string;
	rows?: string[][];
	entries?: string[];
	url?: string;
}

/** pipeline.freshness, per step (docs/protocol.md). */
export type Freshness = 'fresh' | 'stale' | 'missing';

export interface StepFreshness {
	name: string;
	state: Freshness;
	reason: string | null;
	items?: number;
	stale_items?: string[];
}
