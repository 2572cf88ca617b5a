// SPDX-License-Identifier: MIT
// Entry point of the editor page. The page was loaded from loomd's bridge
// (the token is in an HttpOnly cookie, never visible to scripts); the
// target it was opened on comes as ?target=N. The socket opens and the
// first requests go out (boot.ts) before React renders the page, so the
// daemon's answers come while it does.
import { RpcClient } from './rpc/client';
import { boot } from './boot';
import { mount } from './mount';

const params = new URLSearchParams(window.location.search);
const target = Number(params.get('target') ?? '0') || 0;
const rpc = new RpcClient(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws?target=${target}`);
rpc.start();
mount(rpc, target, boot(rpc, target));
