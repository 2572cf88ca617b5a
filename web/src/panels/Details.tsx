// SPDX-License-Identifier: MIT
// The side panel: details of the selected node. A step shows its task,
// resolved command, references, its interface from the task's front
// matter and its last run (state, duration, exit code), with the run
// controls that start from it; a data node shows its path and a
// preview; a parameter its value and users; a group its members.
import type { ReactNode } from 'react';
import type { RpcClient } from '../rpc/client';
import type { PipelineModel, PortInfo } from '../types';
import type { RunView } from '../runs';
import type { NodeFresh } from '../freshness';
import { PreviewView } from './Preview';
import { stepDependencies, stepParams } from '../graph/build';
import { stateText } from '../graph/Nodes';

export type RunRequest = { steps?: string[]; from?: string[]; until?: string[]; groups?: string[] };

interface Props {
	rpc: RpcClient;
	model: PipelineModel;
	selected: string | null;
	run: RunView;
	target: number;
	root: string;
	version: number;
	onRun: (r: RunRequest) => void;
	/** freshness of the selected node */
	fresh: NodeFresh | null;
	/** steps selected by runs going on now */
	busy: Set<string>;
	/** the pipeline is valid and the daemon connected */
	canRun: boolean;
}

/** start and every step reachable from it through next. */
function reach(start: string, next: Map<string, string[]>): string[] {
	const seen = new Set([start]);
	const todo = [start];
	while (todo.length) for (const n of next.get(todo.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), todo.push(n));
	return [...seen];
}

/** The steps a run request selects (to avoid overlapping a running run). */
export function selects(m: PipelineModel, r: RunRequest): string[] {
	const up = stepDependencies(m);
	const down = new Map<string, string[]>();
	for (const [s, ds] of up) for (const d of ds) down.set(d, [...(down.get(d) ?? []), s]);
	if (r.steps) return r.steps;
	if (r.from) return r.from.flatMap((s) => reach(s, down));
	if (r.until) return r.until.flatMap((s) => reach(s, up));
	if (r.groups) return m.steps.filter((s) => s.group !== null && r.groups!.includes(s.group)).map((s) => s.name);
	return m.steps.map((s) => s.name);
}

function FreshRow({ fresh }: { fresh: NodeFresh | null }) {
	if (!fresh) return null;
	return (
		<Row k="freshness">
			<span data-testid="details-fresh" className={`fresh-text fresh-${fresh.state}`}>
				{fresh.state}
				{fresh.reason ? ` — ${fresh.reason}` : ''}
			</span>
		</Row>
	);
}

function quote(w: string): string {
	return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

function Ports({ title, ports }: { title: string; ports: PortInfo[] }) {
	if (ports.length === 0) return null;
	return (
		<>
			<h4>{title}</h4>
			<table className="kv">
				<tbody>
					{ports.map((p) => (
						<tr key={p.key}>
							<th>{p.key}</th>
							<td>{p.value}</td>
						</tr>
					))}
				</tbody>
			</table>
		</>
	);
}

function Row({ k, children }: { k: string; children: ReactNode }) {
	return (
		<tr>
			<th>{k}</th>
			<td>{children}</td>
		</tr>
	);
}

function fmtDuration(s: number | null): string {
	if (s === null) return '–';
	if (s < 1) return `${Math.round(s * 1000)} ms`;
	if (s < 120) return `${s.toFixed(1)} s`;
	return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function Details({ rpc, model, selected, run, target, root, version, onRun, fresh, busy, canRun }: Props) {
	// A request may start unless it selects a step a running run selected.
	const blocked = (r: RunRequest) => !canRun || selects(model, r).some((s) => busy.has(s));
	if (!selected) {
		return (
			<div className="details empty">
				<h3>{model.name}</h3>
				<p>
					{model.steps.length} steps, {model.data.length} data entries, {model.parameters.length} parameters.
				</p>
				<p className="hint">Click a node to see its details. Data nodes show a preview.</p>
			</div>
		);
	}
	const [kind, ...rest] = selected.split(':');
	const name = rest.join(':');
	if (kind === 'step') {
		const s = model.steps.find((x) => x.name === name);
		if (!s) return null;
		const r = run.steps[name];
		const fm = s.frontmatter as
			| { summary?: string | null; description?: string | null; inputs?: FmItem[]; outputs?: FmItem[]; args?: FmItem[] }
			| null;
		return (
			<div className="details" data-testid="details">
				<h3>{s.name}</h3>
				{s.description && <p>{s.description}</p>}
				<div className="buttons">
					<button disabled={blocked({ steps: [s.name] }) || s.disabled} onClick={() => onRun({ steps: [s.name] })} data-testid="run-step">Run this step</button>
					<button disabled={blocked({ from: [s.name] })} onClick={() => onRun({ from: [s.name] })} data-testid="run-from">From here</button>
					<button disabled={blocked({ until: [s.name] })} onClick={() => onRun({ until: [s.name] })} data-testid="run-until">Until here</button>
					{s.group && <button disabled={blocked({ groups: [s.group] })} onClick={() => onRun({ groups: [s.group!] })} data-testid="run-group">Run group {s.group}</button>}
				</div>
				<table className="kv">
					<tbody>
						<Row k="task">{s.task}{!s.task_exists && <span className="warn"> (missing)</span>}</Row>
						{s.group && <Row k="group">{s.group}</Row>}
						{(s.optional || s.disabled) && <Row k="flags">{[s.optional && 'optional', s.disabled && 'disabled'].filter(Boolean).join(', ')}</Row>}
						{s.loop && <Row k="loop">over {s.loop.over} into {s.loop.into}{s.loop.filter ? ` (${s.loop.filter})` : ''}</Row>}
						<FreshRow fresh={fresh} />
						<Row k="last run">
							<span data-testid="last-state">{r ? stateText(r.state) : 'never run'}</span>
							{r?.earlier && r.run && <span className="hint" data-testid="last-earlier"> (earlier run {r.run})</span>}
						</Row>
						{r && <Row k="duration">{fmtDuration(r.duration)}</Row>}
						{r && (r.exitCode !== null || r.signal) && <Row k="exit code"><span data-testid="exit-code">{r.exitCode ?? r.signal}</span></Row>}
						{r && r.because.length > 0 && <Row k="skipped because">{r.because.join(', ')} failed</Row>}
					</tbody>
				</table>
				<h4>Command</h4>
				<pre className="command" data-testid="command">{s.command ? s.command.map(quote).join(' ') : s.command_error ?? 'cannot be built'}</pre>
				<Ports title="Inputs" ports={s.inputs} />
				<Ports title="Outputs" ports={s.outputs} />
				<Ports title="Arguments" ports={s.args} />
				{fm && (
					<>
						<h4>Interface (front matter)</h4>
						{fm.summary && <p className="hint">{fm.summary}</p>}
						<FmTable title="inputs" items={fm.inputs} />
						<FmTable title="outputs" items={fm.outputs} />
						<FmTable title="args" items={fm.args} />
					</>
				)}
			</div>
		);
	}
	if (kind === 'data') {
		const d = model.data.find((x) => x.name === name);
		if (!d) return null;
		const readers = model.steps.filter((s) => s.inputs.some((p) => p.data.includes(name))).map((s) => s.name);
		const writers = model.steps.filter((s) => s.outputs.some((p) => p.data.includes(name))).map((s) => s.name);
		return (
			<div className="details" data-testid="details">
				<h3>{d.name}</h3>
				{d.description && <p>{d.description}</p>}
				<table className="kv">
					<tbody>
						<Row k="type">{d.type ?? '–'}</Row>
						<Row k="path">{d.path}</Row>
						<Row k="state">{d.url ? 'URL' : d.exists ? 'exists' : 'missing'}</Row>
						<FreshRow fresh={fresh} />
						{writers.length > 0 && <Row k="written by">{writers.join(', ')}</Row>}
						{readers.length > 0 && <Row k="read by">{readers.join(', ')}</Row>}
					</tbody>
				</table>
				<h4>Preview</h4>
				<PreviewView rpc={rpc} file={model.file} data={d} target={target} root={root} version={version} />
			</div>
		);
	}
	if (kind === 'param') {
		const p = model.parameters.find((x) => x.name === name);
		if (!p) return null;
		const users = model.steps.filter((s) => stepParams(s).includes(name)).map((s) => s.name);
		return (
			<div className="details" data-testid="details">
				<h3>{p.name}</h3>
				<table className="kv">
					<tbody>
						<Row k="value">{p.value}</Row>
						<Row k="type">{p.type}</Row>
						<Row k="used by">{users.join(', ') || 'no step'}</Row>
					</tbody>
				</table>
			</div>
		);
	}
	const g = model.groups.find((x) => x.name === name);
	if (!g) return null;
	return (
		<div className="details" data-testid="details">
			<h3>Group {g.name}</h3>
			<div className="buttons">
				<button disabled={blocked({ groups: [g.name] })} onClick={() => onRun({ groups: [g.name] })} data-testid="run-group">Run group</button>
			</div>
			<ul>{g.steps.map((s) => <li key={s}>{s} ({stateText(run.steps[s]?.state ?? 'idle')})</li>)}</ul>
		</div>
	);
}

type FmItem = { name: string; type: string | null; default: string | null; description: string | null; required: boolean };

function FmTable({ title, items }: { title: string; items?: FmItem[] }) {
	if (!items || items.length === 0) return null;
	return (
		<table className="kv fm">
			<caption>{title}</caption>
			<tbody>
				{items.map((i) => (
					<tr key={i.name}>
						<th>{i.name}</th>
						<td>
							{i.type ?? ''}
							{i.default !== null ? ` = ${i.default}` : ''}
							{i.required ? ' (required)' : ''}
							{i.description ? ` — ${i.description}` : ''}
						</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}
