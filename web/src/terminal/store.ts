// SPDX-License-Identifier: MIT
// Output bytes per step, kept outside React so a chatty step does not
// re-render the page for every chunk. Each step keeps the output of one
// run (its latest), capped at MAX_BYTES per step: the oldest chunks go
// first, and the full log stays on disk (log.read).
//
// Every byte has a place: the run it belongs to and its offset in that
// step's log (run.output carries `offset`, log.read starts at one). The
// store remembers, per step, the run and the offset it has reached, so a
// range that arrives twice (history read with log.read while the same
// bytes arrive live) is kept once, and output of a new run replaces the
// old. While a history read is in flight, live chunks of the same run
// wait and are applied after it, trimmed to what the history did not
// cover. Listeners hear about every append and clear.

const MAX_BYTES = 4 * 1024 * 1024;

type Listener = (step: string, chunk: Uint8Array | null) => void;

interface Track {
	run: string | null;
	/** offset in the run's step log up to which bytes are held */
	end: number;
	/** a history read is in flight: live chunks wait here */
	waiting: { offset: number; data: Uint8Array }[] | null;
}

export class OutputStore {
	private chunks = new Map<string, Uint8Array[]>();
	private sizes = new Map<string, number>();
	private tracks = new Map<string, Track>();
	private listeners = new Set<Listener>();
	private order: string[] = [];

	steps(): string[] {
		return [...this.order];
	}

	get(step: string): Uint8Array[] {
		return this.chunks.get(step) ?? [];
	}

	/** The run whose output the step holds, or null. */
	runOf(step: string): string | null {
		return this.tracks.get(step)?.run ?? null;
	}

	text(step: string): string {
		const dec = new TextDecoder();
		return this.get(step).map((c) => dec.decode(c, { stream: true })).join('');
	}

	/** Raw append, no offset bookkeeping (local messages). */
	append(step: string, data: Uint8Array): void {
		if (!this.chunks.has(step)) {
			this.chunks.set(step, []);
			this.sizes.set(step, 0);
			this.order.push(step);
		}
		const list = this.chunks.get(step)!;
		list.push(data);
		let size = this.sizes.get(step)! + data.length;
		while (size > MAX_BYTES && list.length > 1) size -= list.shift()!.length;
		this.sizes.set(step, size);
		for (const fn of this.listeners) fn(step, data);
	}

	/** The step starts a new run: forget what it held. */
	begin(step: string, run: string): void {
		this.tracks.set(step, { run, end: 0, waiting: null });
		this.clear(step, true);
	}

	/** Live output (run.output): bytes at offset of run's step log. */
	live(step: string, run: string, offset: number, data: Uint8Array): void {
		let t = this.tracks.get(step);
		if (!t || t.run !== run) {
			this.begin(step, run);
			t = this.tracks.get(step)!;
		}
		if (t.waiting) t.waiting.push({ offset, data });
		else this.put(step, t, offset, data);
	}

	/**
	 * Start reading the history of run for step; false when the step
	 * already holds another run's output (a newer one: keep it).
	 */
	historyStart(step: string, run: string): boolean {
		const t = this.tracks.get(step);
		if (t && t.run !== run && t.run !== null) return false;
		// The history read starts after this call, so it covers every
		// byte of this run received so far: start over from it.
		this.tracks.set(step, { run, end: 0, waiting: [] });
		this.clear(step, true);
		return true;
	}

	/** The history read ended (data null: it failed): apply it, then what waited. */
	historyEnd(step: string, run: string, offset: number, data: Uint8Array | null): void {
		const t = this.tracks.get(step);
		if (!t || t.run !== run || !t.waiting) return;
		const waiting = t.waiting;
		t.waiting = null;
		if (data && data.length > 0) this.put(step, t, offset, data);
		for (const w of waiting) this.put(step, t, w.offset, w.data);
	}

	/** Keep the part of [offset, offset+len) past what is held. */
	private put(step: string, t: Track, offset: number, data: Uint8Array): void {
		const stop = offset + data.length;
		if (stop <= t.end) return;
		const part = offset < t.end ? data.subarray(t.end - offset) : data;
		t.end = stop;
		this.append(step, part);
	}

	clear(step: string, keepTrack = false): void {
		if (!this.chunks.has(step)) this.order.push(step);
		this.chunks.set(step, []);
		this.sizes.set(step, 0);
		if (!keepTrack) this.tracks.delete(step);
		for (const fn of this.listeners) fn(step, null);
	}

	reset(): void {
		const steps = [...this.order];
		this.chunks.clear();
		this.sizes.clear();
		this.tracks.clear();
		this.order = [];
		for (const s of steps) for (const fn of this.listeners) fn(s, null);
	}

	subscribe(fn: Listener): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}
}
