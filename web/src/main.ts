// SPDX-License-Identifier: MIT
// Entry point of the editor page. The page was loaded from loomd's bridge
// (the token is in an HttpOnly cookie, never visible to scripts); the
// target it was opened on comes as ?target=N. This first chunk is small:
// it opens the socket and sends the first requests (boot.ts) at once,
// while the browser still loads and compiles the editor proper
// (editor.ts, a module script of its own in index.html), which runs after
// it and renders the page; the daemon's answers come meanwhile.
import { RpcClient } from './rpc/client';
import { boot } from './boot';

const params = new URLSearchParams(window.location.search);
export const target = Number(params.get('target') ?? '0') || 0;
export const rpc = new RpcClient(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws?target=${target}`);
rpc.start();
export const first = boot(rpc, target);
