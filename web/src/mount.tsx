// SPDX-License-Identifier: MIT
// The editor proper, rendered by main.tsx once the first requests are out.
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { RpcClient } from './rpc/client';
import type { Boot } from './boot';
import './styles.css';

export function mount(rpc: RpcClient, target: number, boot: Boot): void {
	createRoot(document.getElementById('root')!).render(<App rpc={rpc} targetId={target} boot={boot} />);
}
