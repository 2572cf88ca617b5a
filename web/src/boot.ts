// SPDX-License-Identifier: MIT
// The requests the first frame needs, sent as soon as the socket opens,
// while React renders the page for the first time
// (main.tsx renders it after this): daemon.hello, run.subscribe and
// ui.target together, then pipeline.open of the target when it is a
// pipeline file. The editor takes the answers instead of asking again;
// when any of them fails (or the socket closes first) it asks itself,
// as on a reconnection.
import type { RpcClient } from './rpc/client';
import type { PipelineModel, UiTarget } from './types';
import { PROTOCOL_VERSION } from './types';

export interface Boot {
	/** the target; rejects when the socket closed before it came */
	target: Promise<UiTarget>;
	/** pipeline.open of the target's file (null: a folder), taken once */
	open: Promise<{ file: string; model: Promise<PipelineModel> } | null>;
}

/** Send the first requests once rpc's socket is open. */
export function boot(rpc: RpcClient, targetId: number): Boot {
	const target = new Promise<UiTarget>((resolve, reject) => {
		const go = () => {
			off();
			const t = Promise.all([
				rpc.call('daemon.hello', { protocol: PROTOCOL_VERSION, client: 'loom-editor' }).catch(() => undefined),
				rpc.call('run.subscribe', {}),
				rpc.call<UiTarget>('ui.target', { target: targetId }),
			]);
			t.then(([, , x]) => resolve(x), reject);
		};
		const off = rpc.onState((s) => {
			if (s === 'open') go();
			else if (s === 'closed') {
				off();
				reject(new Error('connection to loomd lost'));
			}
		});
		if (rpc.state === 'open') go();
	});
	const open = target.then(
		(t) => (t.kind === 'dir' ? null : { file: t.path, model: rpc.call<PipelineModel>('pipeline.open', { file: t.path }) }),
		() => null,
	);
	// Failures are the editor's to report, when it takes the promises.
	open.then((o) => o?.model.catch(() => undefined));
	return { target, open };
}
