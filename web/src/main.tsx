// SPDX-License-Identifier: MIT
// Entry point of the editor page. The page was loaded from loomd's bridge
// (the token is in an HttpOnly cookie, never visible to scripts); the
// target it was opened on comes as ?target=N. The socket opens and the
// first requests go out (early.ts, imported first so that it runs before
// the rest of the bundle is evaluated). React renders the page once the
// target is known and pipeline.open is on its way (or after MOUNT_WAIT_MS
// at most, or when the socket failed): its first render, some 0.1-0.2 s
// of the main thread, would otherwise hold back the socket's opening and
// the answer to ui.target, and so the sending of pipeline.open.
import { rpc, target, booted } from './early';
import { mount } from './mount';

/** Longest wait for the target before the page is drawn anyway. */
const MOUNT_WAIT_MS = 300;

let mounted = false;
const go = () => {
	if (mounted) return;
	mounted = true;
	mount(rpc, target, booted);
};
booted.target.then(go, go);
setTimeout(go, MOUNT_WAIT_MS);
