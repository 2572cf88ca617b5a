// SPDX-License-Identifier: MIT
// The editor's pending changes. Every change is a group of pipeline.save
// edits; the groups not yet saved form the undo stack. The daemon's saver
// is the only code that edits YAML: after each change (and each undo or
// redo) the store asks it for a dry run of "the file as opened + every
// pending edit" and the editor draws the model it answers. Ctrl/Cmd+S
// sends the same edits with the version they apply to; a file changed on
// disk meanwhile (-32008) becomes a conflict that the user settles
// (reload, or save the edits over the new file after seeing the diff),
// never a silent overwrite. No React here: the editor subscribes.
import { RpcError } from '../rpc/client';
import type { PipelineModel } from '../types';
import type { Edit, Editing } from './context';

/** pipeline.open's answer (and a dry run's "pipeline"): the model and its version. */
export type Model = PipelineModel & { version?: string | null };

export interface Group {
	label: string;
	edits: Edit[];
}

export interface Conflict {
	/** still asking the daemon for the texts */
	busy: boolean;
	/** the file as it is on disk now */
	disk: string | null;
	/** what saving the pending edits over it would write */
	mine: string | null;
	/** the version on disk the texts belong to */
	version: string | null;
	/** why the edits cannot be saved over it (only Reload is offered) */
	error: string | null;
}

export interface EditState {
	file: string | null;
	/** version of the file the pending edits apply to (null: a new file) */
	base: string | null;
	done: Group[];
	undone: Group[];
	/** the model of base + done, from the daemon's dry run */
	preview: Model | null;
	/** the model just saved, shown until the reload from disk arrives */
	saved: Model | null;
	conflict: Conflict | null;
	/** the last change that could not be made, or a save that failed */
	error: string | null;
	/** said after a save (an invalid pipeline saved anyway) */
	notice: string | null;
	saving: boolean;
	connected: boolean;
	/** changes the daemon refused so far (a field may send the same text again) */
	refused: number;
}

/** The subset of RpcClient the store uses. */
export interface Caller {
	call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
}

type DryRun = { ok: boolean; version: string | null; pipeline: Model; text?: string; base?: string };
type Saved = { version: string; written: boolean; ok: boolean; diagnostics: { line: number; column: number; message: string; severity: string }[] };

const EMPTY: EditState = {
	file: null,
	base: null,
	done: [],
	undone: [],
	preview: null,
	saved: null,
	conflict: null,
	error: null,
	notice: null,
	saving: false,
	connected: false,
	refused: 0,
};

export class EditStore {
	state: EditState = EMPTY;
	/** asked to read the file from disk again (after Reload) */
	onReload: () => void = () => {};
	/** After each successful save; created: it made the file (a new pipeline). */
	onSaved: (created: boolean) => void = () => {};
	private listeners = new Set<() => void>();
	private seq = 0;
	private rpc: Caller;

	constructor(rpc: Caller) {
		this.rpc = rpc;
	}

	subscribe = (fn: () => void): (() => void) => {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	};

	getState = (): EditState => this.state;

	private set(p: Partial<EditState>): void {
		this.state = { ...this.state, ...p };
		for (const fn of this.listeners) fn();
	}

	get dirty(): boolean {
		return this.state.done.length > 0;
	}

	get readOnly(): string | null {
		const s = this.state;
		if (!s.connected) return 'not connected to loomd';
		if (!s.file) return 'no pipeline is open';
		if (s.conflict) return 'the file changed on disk: reload it or save your changes over it first';
		return null;
	}

	/** The Editing object handed to features (a new one per state). */
	editing(): Editing {
		return { apply: (e, l) => this.apply(e, l), dirty: this.dirty, readOnly: this.readOnly, refused: this.state.refused };
	}

	setConnected(c: boolean): void {
		if (c !== this.state.connected) this.set({ connected: c });
	}

	/** The model loaded from disk (each pipeline.open). */
	sync(m: Model): void {
		const s = this.state;
		const version = m.version ?? null;
		if (m.file !== s.file) {
			this.seq++;
			this.set({ ...EMPTY, connected: s.connected, file: m.file, base: version });
			return;
		}
		if (!this.dirty) {
			if (!s.saving) this.set({ base: version, saved: s.saved && s.saved.version === version ? null : s.saved });
		} else if (version !== s.base && !s.saving && !s.conflict) {
			void this.refresh();
		}
	}

	/** The model to draw: the pending edits' result, else the file's. */
	shown(disk: Model | null): Model | null {
		const s = this.state;
		if (!disk || disk.file !== s.file) return disk;
		if (this.dirty && s.preview) return s.preview;
		if (!this.dirty && s.saved && (disk.version ?? null) !== s.saved.version) return s.saved;
		return disk;
	}

	apply(edits: Edit[], label: string): void {
		const why = this.readOnly;
		if (why) {
			this.set({ error: `cannot ${label}: ${why}` });
			return;
		}
		if (edits.length === 0) return;
		this.set({ done: [...this.state.done, { label, edits }], undone: [], error: null, notice: null });
		void this.refresh();
	}

	undo(): void {
		const s = this.state;
		if (s.done.length === 0 || s.conflict) return;
		this.set({ done: s.done.slice(0, -1), undone: [...s.undone, s.done[s.done.length - 1]], error: null, notice: null });
		void this.refresh();
	}

	redo(): void {
		const s = this.state;
		if (s.undone.length === 0 || s.conflict) return;
		this.set({ done: [...s.done, s.undone[s.undone.length - 1]], undone: s.undone.slice(0, -1), error: null, notice: null });
		void this.refresh();
	}

	/** Drop every pending change (switching pipelines, Reload). */
	discard(): void {
		this.seq++;
		this.set({ done: [], undone: [], preview: null, conflict: null, error: null });
	}

	private edits(): Edit[] {
		return this.state.done.flatMap((g) => g.edits);
	}

	private target(version: string | null): Record<string, unknown> {
		return version === null ? { file: this.state.file, create: true } : { file: this.state.file, base_version: version };
	}

	/** Ask the daemon for the model of base + pending edits. */
	async refresh(): Promise<void> {
		const seq = ++this.seq;
		const s = this.state;
		if (s.done.length === 0) {
			this.set({ preview: null });
			return;
		}
		try {
			const r = await this.rpc.call<DryRun>('pipeline.save', { ...this.target(s.base), edits: this.edits(), dry_run: true });
			if (seq === this.seq) this.set({ preview: r.pipeline });
		} catch (e) {
			if (seq !== this.seq) return;
			if (e instanceof RpcError && e.code === -32008) return this.startConflict();
			if (e instanceof RpcError && e.code === -32009) return this.dropFailed(e);
			this.set({ error: (e as Error).message });
		}
	}

	/** An edit the saver refused: its change is taken back. */
	private dropFailed(e: RpcError): Promise<void> {
		const m = /^edit (\d+) /.exec(e.message);
		const s = this.state;
		let at = s.done.length - 1;
		if (m) {
			let n = Number(m[1]);
			at = s.done.findIndex((g) => (n -= g.edits.length) < 0);
			if (at < 0) at = s.done.length - 1;
		}
		const g = s.done[at];
		this.set({ done: s.done.filter((_, i) => i !== at), error: `cannot ${g.label}: ${e.message}`, refused: s.refused + 1 });
		return this.refresh();
	}

	/** The file changed on disk under pending edits: show what saving would do. */
	private async startConflict(): Promise<void> {
		this.seq++;
		this.set({ conflict: { busy: true, disk: null, mine: null, version: null, error: null } });
		let c: Conflict;
		try {
			const r = await this.rpc.call<DryRun>('pipeline.save', { file: this.state.file, edits: this.edits(), dry_run: true, text: true });
			c = { busy: false, disk: r.base ?? '', mine: r.text ?? '', version: r.version, error: null };
		} catch (e) {
			const disk = await this.rpc
				.call<DryRun>('pipeline.save', { file: this.state.file, edits: [], dry_run: true, text: true })
				.catch(() => null);
			c = { busy: false, disk: disk?.base ?? null, mine: null, version: disk?.version ?? null, error: (e as Error).message };
		}
		if (this.state.conflict) this.set({ conflict: c });
	}

	/** Settle a conflict by dropping the pending edits. */
	reload(): void {
		this.discard();
		this.onReload();
	}

	/** Settle a conflict by saving the edits over the file as it is now. */
	async overwrite(): Promise<boolean> {
		const c = this.state.conflict;
		if (!c || c.busy || c.error || c.version === null) return false;
		return this.write(c.version);
	}

	/** Ctrl/Cmd+S. True when saved (or nothing to save). */
	async save(): Promise<boolean> {
		const s = this.state;
		if (!this.dirty) return true;
		if (s.saving || s.conflict) return false;
		return this.write(s.base);
	}

	private async write(version: string | null): Promise<boolean> {
		const n = this.state.done.length;
		this.set({ saving: true, error: null, notice: null });
		try {
			const r = await this.rpc.call<Saved>('pipeline.save', { ...this.target(version), edits: this.edits() });
			const s = this.state;
			const rest = s.done.slice(n);
			const saved = s.preview ? { ...s.preview, version: r.version } : null;
			const errors = r.diagnostics.filter((d) => d.severity === 'error');
			this.seq++;
			this.set({
				base: r.version,
				done: rest,
				saved: rest.length === 0 ? saved : null,
				preview: rest.length === 0 ? null : s.preview,
				conflict: null,
				saving: false,
				notice: r.ok ? null : `Saved, but the pipeline is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}): ${errors[0] ? `${errors[0].line}:${errors[0].column}: ${errors[0].message}` : 'see the diagnostics'}`,
			});
			if (rest.length > 0) void this.refresh();
			this.onSaved(version === null);
			return true;
		} catch (e) {
			this.set({ saving: false });
			if (e instanceof RpcError && e.code === -32008) {
				await this.startConflict();
				return false;
			}
			this.set({ error: `cannot save: ${(e as Error).message}` });
			return false;
		}
	}
}
