// SPDX-License-Identifier: MIT
// The editor proper, rendered by main.tsx once the first requests are out.
import { options } from 'preact';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { RpcClient } from './rpc/client';
import type { Boot } from './boot';
import './styles.css';

// The bundle's React is Preact's compatibility layer (vite.config.ts),
// which runs effects only after the next frame is painted; React runs
// them in a task of their own right after the commit. The editor and
// React Flow chain effects (React Flow takes its nodes in one, the
// first load goes through several), so each one cost a frame before the
// first step appeared. They run as React runs them: in the next task.
const channel = new MessageChannel();
let queued: (() => void)[] = [];
channel.port1.onmessage = () => {
	const q = queued;
	queued = [];
	for (const f of q) f();
};
options.requestAnimationFrame = (f) => {
	queued.push(f);
	if (queued.length === 1) channel.port2.postMessage(null);
};

export function mount(rpc: RpcClient, target: number, boot: Boot): void {
	createRoot(document.getElementById('root')!).render(<App rpc={rpc} targetId={target} boot={boot} />);
}
