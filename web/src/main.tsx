// SPDX-License-Identifier: MIT
// Entry point of the editor page. The page was loaded from loomd's bridge
// (the token is in an HttpOnly cookie, never visible to scripts); the
// target it was opened on comes as ?target=N.
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { RpcClient } from './rpc/client';
import './styles.css';

const params = new URLSearchParams(window.location.search);
const target = Number(params.get('target') ?? '0') || 0;
const rpc = new RpcClient(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws?target=${target}`);
// The socket opens while React mounts the page.
rpc.start();
createRoot(document.getElementById('root')!).render(<App rpc={rpc} targetId={target} />);
