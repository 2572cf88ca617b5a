// SPDX-License-Identifier: MIT
// The editor: connects to loomd over the bridge, opens the target it was
// started on (a pipeline, or a folder to choose among pipelines), shows
// the graph with live run states, the details panel and the terminal.
// Every run of the open pipeline shows up live, wherever it was started
// (run.subscribe to all runs).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { Node, NodeChange } from '@xyflow/react';
import { applyNodeChanges } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { RpcClient, RpcError, decodeBase64 } from './rpc/client';
import type { ConnState } from './rpc/client';
import type { Diag, PipelineModel, UiTarget, Workspace } from './types';
import { buildGraph } from './graph/build';
import { layoutGraph } from './graph/layout';
import type { Placed } from './graph/layout';
import { toFlow } from './graph/flow';
import { nodeTypes } from './graph/Nodes';
import { applyEvent, emptyRuns, fromRecord } from './runs';
import type { RunsState } from './runs';
import { OutputStore } from './terminal/store';
import { TerminalPanel } from './terminal/TerminalPanel';
import { Details } from './panels/Details';
import type { RunRequest } from './panels/Details';

interface Props {
	rpc: RpcClient;
	targetId: number;
}

/** Above this many nodes the graph is drawn lazily (see below). */
const BIG_GRAPH = 300;

type RunSummary = { run: string; file: string; state: string; started: number };

export function App(props: Props) {
	return (
		<ReactFlowProvider>
			<Editor {...props} />
		</ReactFlowProvider>
	);
}

function Editor({ rpc, targetId }: Props) {
	const [conn, setConn] = useState<{ state: ConnState; why: string }>({ state: 'connecting', why: '' });
	const [target, setTarget] = useState<UiTarget | null>(null);
	const [workspace, setWorkspace] = useState<Workspace | null>(null);
	const [file, setFile] = useState<string | null>(null);
	const [model, setModel] = useState<PipelineModel | null>(null);
	const [loadError, setLoadError] = useState<string | null>(null);
	const [loading, setLoading] = useState(false);
	const [runs, setRuns] = useState<RunsState>(emptyRuns(''));
	const [selected, setSelected] = useState<string | null>(null);
	const [placed, setPlaced] = useState<Placed[]>([]);
	const [tab, setTab] = useState<string | null>(null);
	const [version, setVersion] = useState(0);
	const [message, setMessage] = useState<string | null>(null);
	const store = useMemo(() => new OutputStore(), []);
	const fileRef = useRef<string | null>(null);
	const runsRef = useRef(runs);
	runsRef.current = runs;
	const flow = useReactFlow();
	const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

	// Connection and the target.
	useEffect(() => {
		const off = rpc.onState((state, why) => setConn({ state, why }));
		rpc.connect();
		return () => {
			off();
		};
	}, [rpc]);

	useEffect(() => {
		if (conn.state !== 'open') return;
		let live = true;
		(async () => {
			try {
				await rpc.call('daemon.hello', { protocol: 1, client: 'loom-editor' }).catch(() => undefined);
				await rpc.call('run.subscribe', {});
				const t = await rpc.call<UiTarget>('ui.target', { target: targetId });
				if (!live) return;
				setTarget(t);
				if (t.kind === 'dir') {
					const w = await rpc.call<Workspace>('pipeline.list', { dir: t.path });
					if (!live) return;
					setWorkspace(w);
					const wanted = new URLSearchParams(window.location.hash.slice(1)).get('file');
					const pick = w.pipelines.find((p) => p.file === wanted) ?? w.pipelines[0];
					setFile(fileRef.current ?? pick?.file ?? null);
				} else {
					setFile(t.path);
				}
			} catch (e) {
				if (live) setLoadError((e as Error).message);
			}
		})();
		return () => {
			live = false;
		};
	}, [conn.state, rpc, targetId]);

	// Load a pipeline and its last run.
	const load = useCallback(
		async (f: string, keepRuns: boolean) => {
			setLoading(true);
			try {
				const m = await rpc.call<PipelineModel>('pipeline.open', { file: f });
				if (fileRef.current !== f) return;
				setModel(m);
				setLoadError(null);
				if (!keepRuns) {
					let st = emptyRuns(m.file);
					store.reset();
					setTab(null);
					// Track live events at once; history is merged below
					// unless a newer run began meanwhile.
					runsRef.current = st;
					setRuns(st);
					try {
						const list = await rpc.call<{ runs: RunSummary[] }>('run.list', { limit: 50 });
						const last = list.runs.find((r) => r.file === m.file);
						if (last) {
							const rec = await rpc.call<Record<string, unknown>>('run.status', { run: last.run });
							st = fromRecord(st, rec);
							for (const s of (rec.steps as { name: string; state: string }[]) ?? []) {
								if (s.state === 'pending' || s.state === 'skipped') continue;
								if (runsRef.current.current.id !== null) break;
								const lr = await rpc
									.call<{ data: string }>('log.read', { run: last.run, step: s.name, offset: 0, max: 262144 })
									.catch(() => null);
								if (lr && lr.data) store.append(s.name, decodeBase64(lr.data));
							}
						}
					} catch {
						/* no history: fine */
					}
					if (fileRef.current === f) {
						const cur = runsRef.current;
						const next = cur.file === st.file && cur.current.id !== null ? { ...cur, runFiles: { ...st.runFiles, ...cur.runFiles } } : st;
						runsRef.current = next;
						setRuns(next);
					}
				}
			} catch (e) {
				if (fileRef.current === f) {
					setModel(null);
					setLoadError(e instanceof RpcError ? e.message : (e as Error).message);
				}
			} finally {
				if (fileRef.current === f) setLoading(false);
			}
		},
		[rpc, store],
	);

	useEffect(() => {
		fileRef.current = file;
		setSelected(null);
		if (file) {
			if (target?.kind === 'dir') window.location.hash = `file=${encodeURIComponent(file)}`;
			void load(file, false);
		}
	}, [file, load, target]);

	// Layout whenever the model's structure changes.
	const graph = useMemo(() => (model ? buildGraph(model) : null), [model]);
	const structure = useMemo(() => (graph ? graph.nodes.map((n) => n.id).join('|') + '#' + graph.edges.map((e) => e.id).join('|') : ''), [graph]);
	useEffect(() => {
		if (!model || !graph) {
			setPlaced([]);
			return;
		}
		setPlaced(layoutGraph(model, graph));
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [structure, model?.file]);

	// A big graph starts at its beginning, at full size, and draws only
	// what is on screen: drawing a thousand nodes at once takes the
	// browser seconds. "Fit" shows the whole of it.
	const big = placed.length > BIG_GRAPH;
	const startViewport = useMemo(() => {
		if (placed.length === 0) return { x: 0, y: 0, zoom: 1 };
		const first = placed.filter((p) => p.kind === 'step').sort((a, b) => a.x - b.x)[0] ?? placed[0];
		const minX = Math.min(...placed.map((p) => p.x));
		return { x: 40 - minX, y: 300 - first.y, zoom: 1 };
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [structure, model?.file, placed.length > 0]);
	useEffect(() => {
		if (placed.length > 0 && !big) requestAnimationFrame(() => flow.fitView({ padding: 0.1 }));
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [structure, model?.file]);

	// Events from the daemon.
	useEffect(() => {
		return rpc.onNotify((method, params) => {
			if (method === 'file.changed') {
				if (params.file === fileRef.current && fileRef.current) void load(fileRef.current, true);
				return;
			}
			if (!method.startsWith('run.')) return;
			const before = runsRef.current;
			const after = applyEvent(before, method, params);
			const run = params.run as string;
			const mine = after.runFiles[run] === after.file && after.file !== '';
			if (method === 'run.output' && mine && typeof params.step === 'string' && typeof params.data === 'string') {
				store.append(params.step, decodeBase64(params.data));
				setTab((t) => t ?? (params.step as string));
			}
			if (method === 'run.step_started' && mine && typeof params.step === 'string' && (params.item === undefined || params.item === null)) {
				store.clear(params.step);
				setTab((t) => t ?? (params.step as string));
			}
			if (method === 'run.started' && mine) {
				for (const s of (params.steps as { name: string }[]) ?? []) if (store.get(s.name).length > 0) store.clear(s.name);
			}
			if ((method === 'run.finished' || method === 'run.step_finished') && mine && fileRef.current) {
				// Outputs appeared: refresh which data exists (coalesced).
				if (reloadTimer.current) clearTimeout(reloadTimer.current);
				const f = fileRef.current;
				reloadTimer.current = setTimeout(() => {
					reloadTimer.current = null;
					if (fileRef.current === f) void load(f, true);
					setVersion((v) => v + 1);
				}, method === 'run.finished' ? 0 : 200);
			}
			if (after !== before) {
				runsRef.current = after;
				setRuns(after);
			}
		});
	}, [rpc, store, load]);

	const running = runs.current.state === 'running';

	const startRun = useCallback(
		async (req: RunRequest) => {
			if (!model) return;
			setMessage(null);
			try {
				const r = await rpc.call<{ run: string }>('run.start', { file: model.file, ...req });
				setRuns((s) => {
					const next = { ...s, runFiles: { ...s.runFiles, [r.run]: model.file } };
					runsRef.current = next;
					return next;
				});
			} catch (e) {
				setMessage(`cannot start the run: ${(e as Error).message}`);
			}
		},
		[rpc, model],
	);

	const stopRun = useCallback(async () => {
		if (!runs.current.id) return;
		try {
			await rpc.call('run.cancel', { run: runs.current.id });
		} catch (e) {
			setMessage(`cannot stop the run: ${(e as Error).message}`);
		}
	}, [rpc, runs]);

	const flowData = useMemo(() => (model && graph ? toFlow(model, graph, placed, runs.current) : { nodes: [], edges: [] }), [model, graph, placed, runs]);
	const [nodes, setNodes] = useState<Node[]>([]);
	useEffect(() => {
		setNodes(flowData.nodes.map((n) => ({ ...n, selected: n.id === selected })));
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [flowData]);
	const onNodesChange = useCallback((ch: NodeChange[]) => {
		setNodes((ns) => applyNodeChanges(ch, ns));
		for (const c of ch)
			if (c.type === 'position' && c.position && !c.dragging)
				setPlaced((ps) => ps.map((p) => (p.id === c.id ? { ...p, x: c.position!.x, y: c.position!.y } : p)));
	}, []);

	const autoLayout = () => {
		if (model && graph) {
			setPlaced(layoutGraph(model, graph, true));
			requestAnimationFrame(() => flow.fitView({ padding: 0.1 }));
		}
	};

	const errors: Diag[] = model?.diagnostics.filter((d) => d.severity === 'error') ?? [];
	const warnings: Diag[] = model?.diagnostics.filter((d) => d.severity === 'warning') ?? [];

	return (
		<div className="app">
			<header className="toolbar">
				<span className="brand">Loom</span>
				{workspace && (
					<select
						data-testid="workspace-select"
						value={file ?? ''}
						onChange={(e) => setFile(e.target.value)}
						title="Pipelines in this folder"
					>
						{workspace.pipelines.map((p) => (
							<option key={p.file} value={p.file}>
								{p.rel}
							</option>
						))}
					</select>
				)}
				{!workspace && model && <span className="file" title={model.file}>{model.name}</span>}
				<button data-testid="run-all" disabled={!model || !model.ok || running || conn.state !== 'open'} onClick={() => startRun({})}>
					▶ Run all
				</button>
				<button data-testid="stop" disabled={!running} onClick={stopRun}>
					■ Stop
				</button>
				<button onClick={autoLayout} disabled={!model}>Auto-layout</button>
				<button onClick={() => flow.fitView({ padding: 0.1 })} disabled={!model}>Fit</button>
				<span className="run-summary" data-testid="run-summary" data-state={runs.current.state}>
					{runs.current.id && `run ${runs.current.id}: ${runs.current.state}${runs.current.summary ? ` — ${runs.current.summary}` : ''}`}
				</span>
				<span className={`conn conn-${conn.state}`} data-testid="conn">
					{conn.state === 'open' ? 'connected' : conn.state === 'connecting' ? 'connecting…' : 'daemon gone'}
				</span>
			</header>
			{conn.state === 'closed' && (
				<div className="banner error" data-testid="daemon-gone">
					Lost the connection to loomd ({conn.why}). Retrying… If the daemon stopped, run <code>loomctl ui</code> again.
				</div>
			)}
			{message && <div className="banner error">{message}</div>}
			{errors.length > 0 && (
				<div className="banner error" data-testid="diagnostics">
					<strong>This pipeline is invalid:</strong>
					<ul>
						{errors.map((d, i) => (
							<li key={i}>
								{d.file}:{d.line}:{d.column}: {d.message}
								{d.hint && <span className="hint"> — {d.hint}</span>}
							</li>
						))}
					</ul>
				</div>
			)}
			{warnings.length > 0 && errors.length === 0 && (
				<details className="banner warn">
					<summary>{warnings.length} warning(s)</summary>
					<ul>
						{warnings.map((d, i) => (
							<li key={i}>
								{d.file}:{d.line}:{d.column}: {d.message}
							</li>
						))}
					</ul>
				</details>
			)}
			<main className="body">
				<section className="graph" data-testid="graph">
					{conn.state === 'connecting' && !model && <div className="state-msg">Connecting to loomd…</div>}
					{loading && !model && <div className="state-msg">Loading pipeline…</div>}
					{loadError && !model && <div className="state-msg error" data-testid="load-error">{loadError}</div>}
					{workspace && workspace.pipelines.length === 0 && (
						<div className="state-msg" data-testid="empty-workspace">No pipeline files (YAML with a <code>pipeline:</code> key) in {workspace.dir}.</div>
					)}
					{model && model.steps.length === 0 && errors.length === 0 && <div className="state-msg">This pipeline has no steps yet.</div>}
					{model && placed.length > 0 && (
						<ReactFlow
							key={model.file}
							defaultViewport={startViewport}
							nodes={nodes}
							edges={flowData.edges}
							nodeTypes={nodeTypes}
							onNodesChange={onNodesChange}
							onNodeClick={(_, n) => {
								setSelected(n.id);
								if (n.type === 'step') setTab(n.id.slice(5));
							}}
							onPaneClick={() => setSelected(null)}
							minZoom={0.05}
							fitView={!big}
							onlyRenderVisibleElements={big}
							proOptions={{ hideAttribution: true }}
						>
							<Background />
							<MiniMap pannable zoomable />
							<Controls />
						</ReactFlow>
					)}
				</section>
				<aside className="side">
					{model && (
						<Details
							rpc={rpc}
							model={model}
							selected={selected}
							run={runs.current}
							target={targetId}
							root={target?.root ?? model.dir}
							version={version}
							onRun={startRun}
							running={running}
						/>
					)}
				</aside>
			</main>
			<footer className="bottom">
				<TerminalPanel store={store} active={tab} onSelect={setTab} states={runs.current.steps} />
			</footer>
		</div>
	);
}
