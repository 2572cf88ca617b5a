// SPDX-License-Identifier: MIT
// A data entry's preview (file.preview): images as thumbnails loaded from
// the bridge's sandboxed /file endpoint, CSV as a table of its first
// rows, JSON pretty-printed, text as its head.
import { useEffect, useState } from 'react';
import type { RpcClient } from '../rpc/client';
import type { DataInfo, Preview } from '../types';

interface Props {
	rpc: RpcClient;
	file: string;
	data: DataInfo;
	target: number;
	root: string;
	version: number;
}

export function fileUrl(target: number, root: string, abs: string): string | null {
	const prefix = root.endsWith('/') ? root : root + '/';
	if (!abs.startsWith(prefix)) return null;
	return `/file?target=${target}&path=${encodeURIComponent(abs.slice(prefix.length))}`;
}

export function PreviewView({ rpc, file, data, target, root, version }: Props) {
	const [p, setP] = useState<Preview | null>(null);
	const [err, setErr] = useState<string | null>(null);

	useEffect(() => {
		let live = true;
		setP(null);
		setErr(null);
		if (!data.exists && !data.url) return;
		rpc.call<Preview>('file.preview', { file, data: data.name })
			.then((r) => live && setP(r))
			.catch((e: Error) => live && setErr(e.message));
		return () => {
			live = false;
		};
	}, [rpc, file, data.name, data.exists, data.url, version]);

	if (data.url) return <div className="preview">Remote data: <a href={data.path} rel="noreferrer noopener" target="_blank">{data.path}</a></div>;
	if (!data.exists) return <div className="preview empty">Not created yet.</div>;
	if (err) return <div className="preview error">{err}</div>;
	if (!p) return <div className="preview loading">Loading preview…</div>;
	const size = `${p.size.toLocaleString()} bytes`;
	switch (p.kind) {
		case 'image': {
			const src = data.resolved ? fileUrl(target, root, data.resolved) : null;
			return (
				<div className="preview" data-testid="preview">
					{src ? <img className="thumb" data-testid="preview-image" src={src} alt={data.name} /> : 'Outside the opened folder.'}
					<div className="meta">{size}</div>
				</div>
			);
		}
		case 'csv':
			return (
				<div className="preview" data-testid="preview">
					<table className="csv" data-testid="preview-csv">
						<tbody>
							{(p.rows ?? []).map((r, i) => (
								<tr key={i}>{r.map((c, j) => (i === 0 ? <th key={j}>{c}</th> : <td key={j}>{c}</td>))}</tr>
							))}
						</tbody>
					</table>
					<div className="meta">{size}{p.truncated ? ', first rows' : ''}</div>
				</div>
			);
		case 'json':
		case 'text':
			return (
				<div className="preview" data-testid="preview">
					<pre data-testid={`preview-${p.kind}`}>{p.text}</pre>
					<div className="meta">{size}{p.truncated ? ', head only' : ''}</div>
				</div>
			);
		case 'dir':
			return (
				<div className="preview" data-testid="preview">
					<ul className="entries">{(p.entries ?? []).map((e) => <li key={e}>{e}</li>)}</ul>
					<div className="meta">{p.size} entries</div>
				</div>
			);
		default:
			return <div className="preview" data-testid="preview">Binary file, {size}.</div>;
	}
}
