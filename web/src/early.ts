// SPDX-License-Identifier: MIT
// The socket and the first requests, started while the browser is still
// evaluating the bundle: main.tsx imports this module first, so its body
// runs before React DOM, React Flow and the editor's modules are
// evaluated (some 0.1-0.2 s of the main thread), and the WebSocket
// handshake is done by the time they are. Nothing here may import React.
import { RpcClient } from './rpc/client';
import { boot } from './boot';

const params = new URLSearchParams(window.location.search);
/** The target the page was opened on (?target=N). */
export const target = Number(params.get('target') ?? '0') || 0;
export const rpc = new RpcClient(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws?target=${target}`);
rpc.start();
export const booted = boot(rpc, target);
