// SPDX-License-Identifier: MIT
// JSON-RPC 2.0 over the bridge's WebSocket (/ws on the page's own origin;
// the HttpOnly cookie set when the page was loaded authenticates it).
// Requests carry increasing ids and resolve by id; notifications go to
// listeners. When the socket closes, pending calls fail and the client
// reconnects with a growing delay; listeners learn of each state change
// so the editor can say "daemon gone" instead of freezing.

export type ConnState = 'connecting' | 'open' | 'closed';

export class RpcError extends Error {
	code: number;
	data: unknown;
	constructor(code: number, message: string, data: unknown) {
		super(message);
		this.code = code;
		this.data = data;
	}
}

/** At most this many notifications wait for the first listener. */
const EARLY_MAX = 10000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type NotifyFn = (method: string, params: Record<string, unknown>) => void;
type StateFn = (s: ConnState, why: string) => void;

export class RpcClient {
	private ws: WebSocket | null = null;
	private nextId = 1;
	private pending = new Map<number, Pending>();
	private notifyFns = new Set<NotifyFn>();
	private stateFns = new Set<StateFn>();
	private retry = 0;
	private stopped = false;
	private begun = false;
	state: ConnState = 'connecting';
	private url: string;

	constructor(url?: string) {
		const loc = window.location;
		this.url = url ?? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
	}

	connect(): void {
		this.setState('connecting', '');
		const ws = new WebSocket(this.url);
		this.ws = ws;
		ws.onopen = () => {
			this.retry = 0;
			this.setState('open', '');
		};
		ws.onmessage = (ev) => this.onMessage(ev.data);
		ws.onclose = (ev) => {
			if (this.ws !== ws) return;
			this.ws = null;
			for (const p of this.pending.values())
				p.reject(new Error('connection to loomd lost'));
			this.pending.clear();
			this.setState('closed', ev.code === 1006 ? 'loomd is not reachable' : `closed (${ev.code}) ${ev.reason}`);
			if (!this.stopped) {
				const delay = Math.min(500 * 2 ** this.retry, 5000);
				this.retry++;
				setTimeout(() => this.connect(), delay);
			}
		};
	}

	/** Connect unless already done (main.tsx starts it before React mounts). */
	start(): void {
		if (this.begun) return;
		this.begun = true;
		this.connect();
	}

	close(): void {
		this.stopped = true;
		this.ws?.close();
	}

	/**
	 * Notifications that came before anyone listened (the first requests
	 * go out before the editor is loaded): given to the first listener.
	 */
	private early: [string, Record<string, unknown>][] = [];
	private listened = false;

	onNotify(fn: NotifyFn): () => void {
		this.notifyFns.add(fn);
		if (!this.listened) {
			this.listened = true;
			for (const [m, p] of this.early.splice(0)) fn(m, p);
		}
		return () => this.notifyFns.delete(fn);
	}

	onState(fn: StateFn): () => void {
		this.stateFns.add(fn);
		return () => this.stateFns.delete(fn);
	}

	call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
		const ws = this.ws;
		if (!ws || ws.readyState !== WebSocket.OPEN)
			return Promise.reject(new Error('not connected to loomd'));
		const id = this.nextId++;
		ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
		});
	}

	private setState(s: ConnState, why: string): void {
		this.state = s;
		for (const fn of this.stateFns) fn(s, why);
	}

	private onMessage(text: unknown): void {
		if (typeof text !== 'string') return;
		let msg: Record<string, unknown>;
		try {
			msg = JSON.parse(text);
		} catch {
			return;
		}
		if (typeof msg.method === 'string' && msg.id === undefined) {
			const params = (msg.params ?? {}) as Record<string, unknown>;
			if (!this.listened && this.early.length < EARLY_MAX) this.early.push([msg.method, params]);
			for (const fn of this.notifyFns) fn(msg.method, params);
			return;
		}
		const id = typeof msg.id === 'number' ? msg.id : -1;
		const p = this.pending.get(id);
		if (!p) return;
		this.pending.delete(id);
		if (msg.error) {
			const e = msg.error as { code: number; message: string; data?: unknown };
			p.reject(new RpcError(e.code, e.message, e.data));
		} else {
			p.resolve(msg.result);
		}
	}
}

/** Decode base64 output bytes (run.output, log.read) verbatim. */
export function decodeBase64(b64: string): Uint8Array {
	const bin = atob(b64);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}
