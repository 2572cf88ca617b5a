// SPDX-License-Identifier: MIT
// Run-only parameter overrides: values typed here go with every run
// started from the editor as run.start's "set" (the same as `loomctl run
// --set NAME=VALUE`: typed as the CLI types them) and are never saved
// into the pipeline. An empty field means the pipeline's own value.
import { useState } from 'react';
import { SlidersHorizontal } from 'lucide-react';
import type { ParamInfo } from '../types';

export type Overrides = Record<string, string>;

/** run.start's "set" for the overrides of parameters that still exist. */
export function overridesToSet(o: Overrides, params: ParamInfo[]): string[] {
	const names = new Set(params.map((p) => p.name));
	return Object.entries(o)
		.filter(([k, v]) => names.has(k) && v !== '')
		.map(([k, v]) => `${k}=${v}`);
}

interface Props {
	params: ParamInfo[];
	value: Overrides;
	onChange: (o: Overrides) => void;
}

export function RunOverrides({ params, value, onChange }: Props) {
	const [open, setOpen] = useState(false);
	if (params.length === 0) return null;
	const n = overridesToSet(value, params).length;
	return (
		<span className="overrides">
			<button data-testid="overrides" aria-expanded={open} aria-pressed={n > 0} onClick={() => setOpen((v) => !v)} title="Parameter values for the next runs only, never saved (as loomctl run --set)">
				<SlidersHorizontal size={14} className="icon" /> Overrides{n > 0 ? ` (${n})` : ''}
			</button>
			{open && (
				<div className="overrides-pop" role="dialog" aria-label="Run-only parameter overrides" data-testid="overrides-panel">
					<p className="hint">For runs started here, not saved. Empty: the pipeline's value.</p>
					<table className="kv">
						<tbody>
							{params.map((p) => (
								<tr key={p.name}>
									<th>
										<label htmlFor={`ovr-${p.name}`}>{p.name}</label>
									</th>
									<td>
										<input
											id={`ovr-${p.name}`}
											data-testid={`override-${p.name}`}
											placeholder={p.value}
											value={value[p.name] ?? ''}
											onChange={(e) => onChange({ ...value, [p.name]: e.target.value })}
										/>
									</td>
								</tr>
							))}
						</tbody>
					</table>
					{n > 0 && (
						<button data-testid="overrides-clear" onClick={() => onChange({})}>
							Clear
						</button>
					)}
				</div>
			)}
		</span>
	);
}
