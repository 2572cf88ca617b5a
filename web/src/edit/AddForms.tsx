// SPDX-License-Identifier: MIT
// Dialogs that add a data node (name, type, path, description; the path
// is checked as it is typed with file.preview and marked existing or
// missing) and a parameter (name and a typed value: a number or boolean
// is saved exactly as typed, a string quoted when it needs to be).
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { RpcClient } from '../rpc/client';
import { RpcError } from '../rpc/client';
import type { PipelineModel } from '../types';
import { useEditing } from './context';
import { addDataEdits, addParamEdits, nameProblem, paramProblem, uniqueName, valueNames } from './names';
import type { ParamKind, Point } from './names';

interface FormProps {
	rpc: RpcClient;
	model: PipelineModel;
	/** where the node goes, in graph coordinates */
	at: Point;
	onClose: () => void;
}

type PathState = { state: 'empty' | 'checking' | 'exists' | 'missing' | 'url' | 'refs' | 'refused'; text: string };

const ENOENT = 2;

/** What the path refers to, asked of the daemon a moment after typing stops. */
function usePathState(rpc: RpcClient, file: string, path: string): PathState {
	const [st, setSt] = useState<PathState>({ state: 'empty', text: '' });
	useEffect(() => {
		if (path === '') return setSt({ state: 'empty', text: '' });
		if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path)) return setSt({ state: 'url', text: 'a URL: never checked' });
		if (path.includes('$')) return setSt({ state: 'refs', text: 'uses references: checked when the pipeline loads' });
		setSt({ state: 'checking', text: 'checking…' });
		let live = true;
		const t = setTimeout(() => {
			rpc
				.call<{ kind: string; size: number }>('file.preview', { file, path })
				.then((r) => live && setSt({ state: 'exists', text: r.kind === 'dir' ? 'an existing folder' : `an existing file (${r.size} bytes)` }))
				.catch((e: Error) => {
					if (!live) return;
					const errno = e instanceof RpcError ? (e.data as { errno?: number } | null)?.errno : undefined;
					if (errno === ENOENT) setSt({ state: 'missing', text: 'not there yet (a step may write it)' });
					else setSt({ state: 'refused', text: e.message });
				});
		}, 200);
		return () => {
			live = false;
			clearTimeout(t);
		};
	}, [rpc, file, path]);
	return st;
}

function Dialog({ title, testid, onClose, onSubmit, canSubmit, children }: { title: string; testid: string; onClose: () => void; onSubmit: () => void; canSubmit: boolean; children: ReactNode }) {
	return (
		<div className="add-dialog" role="dialog" aria-label={title} data-testid={testid} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					if (canSubmit) onSubmit();
				}}
			>
				<h3>{title}</h3>
				{children}
				<div className="buttons">
					<button type="submit" disabled={!canSubmit} data-testid={`${testid}-ok`}>
						Add
					</button>
					<button type="button" onClick={onClose}>
						Cancel
					</button>
				</div>
			</form>
		</div>
	);
}

function Field({ label, problem, children }: { label: string; problem?: string | null; children: ReactNode }) {
	return (
		<label className="field">
			<span>{label}</span>
			{children}
			{problem && <span className="field-problem warn">{problem}</span>}
		</label>
	);
}

/**
 * The name of the new node, with why it cannot be used. It takes the
 * focus, its suggested name selected, as the dialog is put on the page
 * (the autofocus attribute only works once per page), so a name typed at
 * once replaces the suggestion.
 */
function NameField({ value, onChange, problem }: { value: string; onChange: (v: string) => void; problem: string | null }) {
	const input = useRef<HTMLInputElement>(null);
	useLayoutEffect(() => {
		input.current?.focus();
		input.current?.select();
	}, []);
	return (
		<Field label="name" problem={problem}>
			<input ref={input} name="name" value={value} onChange={(e) => onChange(e.target.value)} />
		</Field>
	);
}

export function DataForm({ rpc, model, at, onClose }: FormProps) {
	const editing = useEditing();
	const taken = valueNames(model);
	const [name, setName] = useState(() => uniqueName('data', taken));
	const [type, setType] = useState('');
	const [path, setPath] = useState('');
	const [description, setDescription] = useState('');
	const ps = usePathState(rpc, model.file, path);
	const bad = nameProblem(name, taken);
	const ok = !bad && path.trim() !== '' && !!editing && !editing.readOnly;
	const submit = () => {
		editing!.apply(addDataEdits({ name, type, path, description }, at), `add data ${name}`);
		onClose();
	};
	return (
		<Dialog title="New data node" testid="add-data" onClose={onClose} onSubmit={submit} canSubmit={ok}>
			<NameField value={name} onChange={setName} problem={bad} />
			<Field label="type">
				<input name="type" value={type} placeholder="csv, json, dir, …" onChange={(e) => setType(e.target.value)} />
			</Field>
			<Field label="path">
				<input name="path" value={path} placeholder="data/raw.csv" onChange={(e) => setPath(e.target.value)} />
				<span className={`path-state path-${ps.state}`} data-testid="path-state" data-state={ps.state}>
					{ps.text}
				</span>
			</Field>
			<Field label="description">
				<input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
			</Field>
		</Dialog>
	);
}

export function ParamForm({ model, at, onClose }: FormProps) {
	const editing = useEditing();
	const taken = valueNames(model);
	const [name, setName] = useState(() => uniqueName('param', taken));
	const [kind, setKind] = useState<ParamKind>('number');
	const [text, setText] = useState('');
	const bad = nameProblem(name, taken);
	const badValue = kind === 'bool' ? null : text === '' && kind === 'number' ? 'a value is needed' : paramProblem(kind, text);
	const value = kind === 'bool' && text !== 'true' ? 'false' : text;
	const ok = !bad && !badValue && !!editing && !editing.readOnly;
	const submit = () => {
		editing!.apply(addParamEdits(name, kind, value, at), `add parameter ${name}`);
		onClose();
	};
	return (
		<Dialog title="New parameter" testid="add-param" onClose={onClose} onSubmit={submit} canSubmit={ok}>
			<NameField value={name} onChange={setName} problem={bad} />
			<Field label="type">
				<select name="kind" value={kind} onChange={(e) => setKind(e.target.value as ParamKind)}>
					<option value="number">number</option>
					<option value="bool">boolean</option>
					<option value="string">text</option>
				</select>
			</Field>
			<Field label="value" problem={badValue}>
				{kind === 'bool' ? (
					<input type="checkbox" name="value" checked={text === 'true'} onChange={(e) => setText(e.target.checked ? 'true' : 'false')} />
				) : (
					<input name="value" value={text} placeholder={kind === 'number' ? '0.001' : 'text'} onChange={(e) => setText(e.target.value)} />
				)}
			</Field>
		</Dialog>
	);
}
