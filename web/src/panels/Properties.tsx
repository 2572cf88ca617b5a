// SPDX-License-Identifier: MIT
// The properties panel: every field of the selected node, editable. Each
// field commits when it loses focus or on Enter (Escape puts it back) as
// one undoable change through useEditing(); names change with the
// `rename` edit, which rewrites every $reference. Arguments get widgets
// from the task's front matter: a select for choices, a checkbox for
// booleans, numbers checked as typed (and written as typed). A step that
// a running run selected cannot be edited, and the panel says why.
import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Diag, PipelineModel, PortInfo, StepInfo } from '../types';
import { useEditing } from '../edit/context';
import type { Edit } from '../edit/context';
import { portPath } from '../edit/graph';
import { diagsOf } from '../edit/diags';

interface Props {
	model: PipelineModel;
	selected: string | null;
	/** steps selected by runs going on now */
	busy: Set<string>;
	onSelect: (id: string | null) => void;
}

type FmItem = { name: string; type: string | null; default: string | null; description: string | null; choices?: string[]; required: boolean };
type Fm = { inputs?: FmItem[]; outputs?: FmItem[]; args?: FmItem[] } | null;
type Apply = (edits: Edit[], label: string) => void;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Why a value typed for an item of the front matter is refused, or null. */
export function checkValue(type: string | null | undefined, v: string): string | null {
	if (v === '' || v.startsWith('$')) return null;
	if (type === 'int' && !/^[-+]?\d+$/.test(v)) return 'expects a whole number';
	if ((type === 'float' || type === 'number') && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return 'expects a number';
	return null;
}

/** A text field that commits on blur or Enter, checked by check. */
function Field({ id, value, onCommit, check, disabled, placeholder }: { id: string; value: string; onCommit: (v: string) => void; check?: (v: string) => string | null; disabled?: boolean; placeholder?: string }) {
	const [v, setV] = useState(value);
	// What was committed last: until the shown model has it (the
	// daemon's dry run), value is still the old one, and a blur right
	// after Enter (a click elsewhere removes the field) must not commit
	// the same text a second time.
	const sent = useRef<string | null>(null);
	useEffect(() => {
		setV(value);
		sent.current = null;
	}, [value]);
	// A change the daemon refused was taken back: the same text may be
	// sent again (the value shown never changed, so the effect above
	// does not say so).
	const refused = useEditing()?.refused ?? 0;
	useEffect(() => {
		sent.current = null;
	}, [refused]);
	const bad = check ? check(v) : null;
	const commit = () => {
		if (v !== value && v !== sent.current && !bad) {
			sent.current = v;
			onCommit(v);
		}
	};
	return (
		<>
			<input
				type="text"
				data-testid={id}
				value={v}
				disabled={disabled}
				placeholder={placeholder}
				className={bad ? 'invalid' : undefined}
				onChange={(e) => setV(e.target.value)}
				onBlur={commit}
				onKeyDown={(e) => {
					if (e.key === 'Enter') commit();
					if (e.key === 'Escape') {
						setV(value);
						sent.current = null;
					}
				}}
			/>
			{bad && (
				<div className="field-error" data-testid={`${id}-error`}>
					{bad}
				</div>
			)}
		</>
	);
}

function Label({ k, children }: { k: string; children: ReactNode }) {
	return (
		<label>
			<span className="hint">{k}</span>
			{children}
		</label>
	);
}

function Diags({ diags }: { diags: Diag[] }) {
	if (diags.length === 0) return null;
	return (
		<ul className="diag" data-testid="props-diags">
			{diags.map((d, i) => (
				<li key={i}>
					{d.line}:{d.column}: {d.message}
					{d.hint ? ` — ${d.hint}` : ''}
				</li>
			))}
		</ul>
	);
}

/** set a scalar: numbers and booleans as typed, strings quoted as needed. */
function setScalar(path: string[], v: string, typed: boolean): Edit {
	return typed && !v.startsWith('$') ? { op: 'set', path, text: v } : { op: 'set', path, value: v };
}

function ArgWidget({ step, item, port, apply, disabled }: { step: string; item: FmItem | undefined; port: PortInfo | undefined; apply: Apply; disabled: boolean }) {
	const key = item?.name ?? port!.key;
	const path = portPath(step, 'args', key);
	const id = `prop-arg-${key}`;
	const value = port?.value ?? '';
	const set = (v: string, typed: boolean) => apply(v === '' ? (port ? [{ op: 'remove', path }] : []) : [setScalar(path, v, typed)], `set ${step} ${key}`);
	if (item?.choices && item.choices.length > 0 && !value.startsWith('$'))
		return (
			<select data-testid={id} value={value} disabled={disabled} onChange={(e) => set(e.target.value, false)}>
				<option value="">{item.default !== null ? `(default: ${item.default})` : '(not given)'}</option>
				{item.choices.map((c) => (
					<option key={c} value={c}>
						{c}
					</option>
				))}
			</select>
		);
	if ((item?.type === 'bool' || item?.type === 'boolean') && !value.startsWith('$'))
		return <input type="checkbox" data-testid={id} checked={value === 'true'} disabled={disabled} onChange={(e) => set(e.target.checked ? 'true' : 'false', true)} />;
	const typed = item?.type === 'int' || item?.type === 'float' || item?.type === 'number';
	return <Field id={id} value={value} disabled={disabled} placeholder={item?.default ?? ''} check={(v) => checkValue(item?.type, v)} onCommit={(v) => set(v, typed)} />;
}

function PortList({ s, list, fm, apply, disabled }: { s: StepInfo; list: 'inputs' | 'outputs'; fm: FmItem[]; apply: Apply; disabled: boolean }) {
	const ports = s[list].filter((p) => !p.key.startsWith('loop.'));
	const keys = [...ports.map((p) => p.key), ...fm.map((i) => i.name).filter((k) => !ports.some((p) => p.key === k))];
	const [newKey, setNewKey] = useState('');
	const short = list === 'inputs' ? 'in' : 'out';
	return (
		<>
			<h4>{list === 'inputs' ? 'Inputs' : 'Outputs'}</h4>
			{keys.map((k) => {
				const p = ports.find((x) => x.key === k);
				const path = portPath(s.name, list, k);
				return (
					<Label key={k} k={k}>
						<Field id={`prop-${short}-${k}`} value={p?.value ?? ''} disabled={disabled} placeholder="$data" onCommit={(v) => apply(v === '' ? (p ? [{ op: 'remove', path }] : []) : [{ op: 'set', path, value: v }], `set ${s.name} ${k}`)} />
					</Label>
				);
			})}
			<Label k={`new ${list === 'inputs' ? 'input' : 'output'}`}>
				<Field id={`prop-new-${short}-key`} value={newKey} disabled={disabled} placeholder="key" onCommit={setNewKey} />
				{newKey && <Field id={`prop-new-${short}-value`} value="" disabled={disabled} placeholder="$data" onCommit={(v) => (apply([{ op: 'set', path: portPath(s.name, list, newKey), value: v }], `add ${s.name} ${newKey}`), setNewKey(''))} />}
			</Label>
		</>
	);
}

function StepProps({ model, s, apply, disabled, onSelect }: { model: PipelineModel; s: StepInfo; apply: Apply; disabled: boolean; onSelect: Props['onSelect'] }) {
	const fm = s.frontmatter as Fm;
	const P = (...k: string[]) => ['pipeline', s.name, ...k];
	const flag = (k: 'optional' | 'disabled', on: boolean) => apply([on ? { op: 'set', path: P(k), value: true } : { op: 'remove', path: P(k) }], `${on ? 'set' : 'clear'} ${s.name} ${k}`);
	const loop = s.loop as (StepInfo['loop'] & { parallel?: boolean | null }) | null;
	const loopSet = (k: string, v: string) => apply([v === '' ? { op: 'remove', path: P('loop', k) } : { op: 'set', path: P('loop', k), value: v }], `set ${s.name} loop ${k}`);
	const argKeys = [...(fm?.args ?? []).map((i) => i.name), ...s.args.map((p) => p.key).filter((k) => !(fm?.args ?? []).some((i) => i.name === k))];
	const [newGroup, setNewGroup] = useState('');
	return (
		<>
			<Label k="name">
				<Field id="prop-step-name" value={s.name} disabled={disabled} check={(v) => (NAME.test(v) ? (v !== s.name && model.steps.some((x) => x.name === v) ? 'a step has this name' : null) : 'letters, digits, _ . -')} onCommit={(v) => (apply([{ op: 'rename', kind: 'step', from: s.name, to: v }], `rename ${s.name} to ${v}`), onSelect(`step:${v}`))} />
			</Label>
			<Label k="task">
				<Field id="prop-task" value={s.task} disabled={disabled} onCommit={(v) => apply([{ op: 'set', path: P('task'), value: v }], `set ${s.name} task`)} />
			</Label>
			<Label k="description">
				<Field id="prop-step-description" value={s.description ?? ''} disabled={disabled} onCommit={(v) => apply([v ? { op: 'set', path: P('description'), value: v } : { op: 'remove', path: P('description') }], `set ${s.name} description`)} />
			</Label>
			<label>
				<input type="checkbox" data-testid="prop-optional" checked={s.optional} disabled={disabled} onChange={(e) => flag('optional', e.target.checked)} /> optional
			</label>
			<label>
				<input type="checkbox" data-testid="prop-disabled" checked={s.disabled} disabled={disabled} onChange={(e) => flag('disabled', e.target.checked)} /> disabled
			</label>
			<Label k="group">
				<select data-testid="prop-group" value={s.group ?? ''} disabled={disabled} onChange={(e) => apply([{ op: 'group', step: s.name, group: e.target.value || null }], `move ${s.name} to ${e.target.value || 'the top level'}`)}>
					<option value="">(none)</option>
					{model.groups.map((g) => (
						<option key={g.name} value={g.name}>
							{g.name}
						</option>
					))}
				</select>
				<Field id="prop-new-group" value={newGroup} disabled={disabled} placeholder="or a new group" check={(v) => (v === '' || NAME.test(v) ? null : 'letters, digits, _ . -')} onCommit={(v) => v && (apply([{ op: 'group', step: s.name, group: v }], `move ${s.name} to ${v}`), setNewGroup(''))} />
			</Label>
			<PortList s={s} list="inputs" fm={fm?.inputs ?? []} apply={apply} disabled={disabled} />
			<PortList s={s} list="outputs" fm={fm?.outputs ?? []} apply={apply} disabled={disabled} />
			<h4>Arguments</h4>
			{argKeys.map((k) => {
				const item = fm?.args?.find((i) => i.name === k);
				return (
					<Label key={k} k={`${k}${item?.type ? ` (${item.type})` : ''}`}>
						<ArgWidget step={s.name} item={item} port={s.args.find((p) => p.key === k)} apply={apply} disabled={disabled} />
					</Label>
				);
			})}
			<h4>Loop</h4>
			<Label k="over (folder of inputs)">
				<Field id="prop-loop-over" value={loop?.over ?? ''} disabled={disabled} placeholder="$folder" onCommit={(v) => loopSet('over', v)} />
			</Label>
			<Label k="into (folder of outputs)">
				<Field id="prop-loop-into" value={loop?.into ?? ''} disabled={disabled} placeholder="$folder" onCommit={(v) => loopSet('into', v)} />
			</Label>
			<Label k="filter">
				<Field id="prop-loop-filter" value={loop?.filter ?? ''} disabled={disabled} placeholder="*.csv" onCommit={(v) => loopSet('filter', v)} />
			</Label>
			{loop && (
				<label>
					<input type="checkbox" data-testid="prop-loop-parallel" checked={loop.parallel === true} disabled={disabled} onChange={(e) => apply([{ op: 'set', path: P('loop', 'parallel'), value: e.target.checked }], `set ${s.name} loop parallel`)} /> items in parallel
				</label>
			)}
		</>
	);
}

export function Properties({ model, selected, busy, onSelect }: Props) {
	const editing = useEditing();
	if (!editing || !selected) return null;
	const apply: Apply = (e, l) => e.length && editing.apply(e, l);
	const [kind, ...rest] = selected.split(':');
	const name = rest.join(':');
	const running = kind === 'step' && busy.has(name) ? `${name} is part of a run going on: it can be edited when the run ends` : null;
	const why = editing.readOnly ?? running;
	const disabled = why !== null;
	const diags = diagsOf(model, selected);
	let body: ReactNode = null;
	const nameCheck = (taken: boolean) => (v: string) => (!NAME.test(v) ? 'letters, digits, _ . -' : v !== name && taken ? 'this name is taken' : null);
	if (kind === 'step') {
		const s = model.steps.find((x) => x.name === name);
		if (s) body = <StepProps model={model} s={s} apply={apply} disabled={disabled} onSelect={onSelect} />;
	} else if (kind === 'data') {
		const d = model.data.find((x) => x.name === name);
		const D = (k: string) => ['data', name, k];
		const opt = (k: string, v: string) => apply([v ? { op: 'set', path: D(k), value: v } : { op: 'remove', path: D(k) }], `set ${name} ${k}`);
		if (d)
			body = (
				<>
					<Label k="name">
						<Field id="prop-data-name" value={d.name} disabled={disabled} check={(v) => nameCheck(model.data.some((x) => x.name === v) || model.parameters.some((x) => x.name === v))(v)} onCommit={(v) => (apply([{ op: 'rename', kind: 'data', from: name, to: v }], `rename ${name} to ${v}`), onSelect(`data:${v}`))} />
					</Label>
					<Label k="type">
						<Field id="prop-data-type" value={d.type ?? ''} disabled={disabled} placeholder="csv" onCommit={(v) => opt('type', v)} />
					</Label>
					<Label k="path">
						<Field id="prop-data-path" value={d.path} disabled={disabled} check={(v) => (v ? null : 'a data entry needs a path')} onCommit={(v) => apply([{ op: 'set', path: D('path'), value: v }], `set ${name} path`)} />
					</Label>
					<Label k="description">
						<Field id="prop-data-description" value={d.description ?? ''} disabled={disabled} onCommit={(v) => opt('description', v)} />
					</Label>
				</>
			);
	} else if (kind === 'param') {
		const p = model.parameters.find((x) => x.name === name);
		if (p)
			body = (
				<>
					<Label k="name">
						<Field id="prop-param-name" value={p.name} disabled={disabled} check={(v) => nameCheck(model.data.some((x) => x.name === v) || model.parameters.some((x) => x.name === v))(v)} onCommit={(v) => (apply([{ op: 'rename', kind: 'parameter', from: name, to: v }], `rename ${name} to ${v}`), onSelect(`param:${v}`))} />
					</Label>
					<Label k={`value (${p.type})`}>
						<Field id="prop-param-value" value={p.value} disabled={disabled} onCommit={(v) => apply([{ op: 'set', path: ['parameters', name], text: v === '' ? 'null' : v }], `set ${name}`)} />
					</Label>
				</>
			);
	} else if (kind === 'group') {
		const g = model.groups.find((x) => x.name === name);
		if (g)
			body = (
				<>
					<Label k="name">
						<Field id="prop-group-name" value={g.name} disabled={disabled} check={(v) => nameCheck(model.groups.some((x) => x.name === v) || model.steps.some((x) => x.name === v))(v)} onCommit={(v) => (apply([{ op: 'rename', kind: 'group', from: name, to: v }], `rename group ${name} to ${v}`), onSelect(`group:${v}`))} />
					</Label>
					<h4>Members</h4>
					{model.steps.map((s) => (
						<label key={s.name}>
							<input type="checkbox" data-testid={`prop-member-${s.name}`} checked={s.group === name} disabled={disabled || busy.has(s.name) || (s.group !== null && s.group !== name)} onChange={(e) => apply([{ op: 'group', step: s.name, group: e.target.checked ? name : null }], `${e.target.checked ? 'add' : 'remove'} ${s.name} ${e.target.checked ? 'to' : 'from'} ${name}`)} /> {s.name}
							{s.group !== null && s.group !== name ? ` (in ${s.group})` : ''}
						</label>
					))}
				</>
			);
	}
	if (!body) return null;
	return (
		<div className="details props" data-testid="props">
			<h3>Properties</h3>
			{why && (
				<p className="readonly" data-testid="props-readonly">
					{why}
				</p>
			)}
			<Diags diags={diags} />
			{/* a new form per node: fields keep no text typed for another */}
			<div key={selected}>{body}</div>
		</div>
	);
}
