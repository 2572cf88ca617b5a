// SPDX-License-Identifier: MIT
// Output bytes per step, kept outside React so a chatty step does not
// re-render the page for every chunk. Each step keeps the output of its
// latest run (cleared when the step starts again), capped at MAX_BYTES
// per step: the oldest chunks go first, and the full log stays on disk
// (log.read). Listeners hear about every append and clear.

const MAX_BYTES = 4 * 1024 * 1024;

type Listener = (step: string, chunk: Uint8Array | null) => void;

export class OutputStore {
	private chunks = new Map<string, Uint8Array[]>();
	private sizes = new Map<string, number>();
	private listeners = new Set<Listener>();
	private order: string[] = [];

	steps(): string[] {
		return [...this.order];
	}

	get(step: string): Uint8Array[] {
		return this.chunks.get(step) ?? [];
	}

	text(step: string): string {
		const dec = new TextDecoder();
		return this.get(step).map((c) => dec.decode(c, { stream: true })).join('');
	}

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

	clear(step: string): void {
		if (!this.chunks.has(step)) this.order.push(step);
		this.chunks.set(step, []);
		this.sizes.set(step, 0);
		for (const fn of this.listeners) fn(step, null);
	}

	reset(): void {
		const steps = [...this.order];
		this.chunks.clear();
		this.sizes.clear();
		this.order = [];
		for (const s of steps) for (const fn of this.listeners) fn(s, null);
	}

	subscribe(fn: Listener): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}
}
