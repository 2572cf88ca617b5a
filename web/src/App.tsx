// SPDX-License-Identifier: MIT
// The editor: connects to loomd over the bridge, opens the target it was
// started on (a pipeline, or a folder to choose among pipelines), shows
// the graph with live run states and freshness, the details panel and
// the terminal. Every run of the open pipeline shows up live, wherever
// it was started (run.subscribe to all runs); changes made to its files
// on disk arrive as file.changed and reload the graph in place.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, useStore, useStoreApi } from '@xyflow/react';
import type { Edge, EdgeChange, MiniMapNodeProps, Node, NodeChange } from '@xyflow/react';
import { LayoutGrid, Maximize, Play, Redo2, Save, SlidersHorizontal, Square, Undo2 } from 'lucide-react';
import { applyEdgeChanges, applyNodeChanges } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { RpcClient, RpcError, decodeBase64 } from './rpc/client';
import type { ConnState } from './rpc/client';
import type { Boot } from './boot';
import type { Diag, PipelineModel, StepFreshness, StepState, UiTarget, Workspace } from './types';
import { PROTOCOL_VERSION } from './types';
import { NODE_SIZE, buildGraph } from './graph/build';
import { layoutGraph } from './graph/layout';
import type { Placed } from './graph/layout';
import { PARAM_EDGES_SHOWN, onScreen, toFlow } from './graph/flow';
import { hashingCount, nodeFreshness } from './freshness';
import { FOCUS_ZOOM, LOD_ZOOM, fitAround } from './graph/fit';
import type { Box, Cover, FitMode } from './graph/fit';
import { nodeTypes } from './graph/Nodes';
import { Overview } from './graph/Overview';
import { applyEvent, busySteps, emptyRuns, fromRecords, lastRan, logRuns, queuedRun } from './runs';
import type { RunsState } from './runs';
import { OutputStore } from './terminal/store';
import { TerminalPanel } from './terminal/TerminalPanel';
import { Details } from './panels/Details';
import type { RunRequest } from './panels/Details';
import { CreateLayer, freeNear, useAddStep } from './edit/CreateLayer';
import { useTasks } from './edit/tasks';
import { TaskBrowser } from './panels/TaskBrowser';
import { SideTabs } from './panels/SideTabs';
import { RunOverrides, overridesToSet } from './panels/RunOverrides';
import type { Overrides } from './panels/RunOverrides';
import { EditingContext } from './edit/context';
import { EditStore } from './edit/store';
import { EditBanners } from './edit/Banners';
import { useAsk } from './edit/Ask';
import { useEditKeys } from './edit/keys';
import { deleteEdits, layoutKey, moveEdit } from './edit/graph';
import { CLIP_KEY, copyNodes, parseClip, pasteEdits } from './edit/clipboard';
import { nodeErrors } from './edit/diags';
import { useConnecting } from './edit/useConnecting';
import { Properties } from './panels/Properties';

interface Props {
	rpc: RpcClient;
	targetId: number;
	/** the first requests, sent before the editor loaded (boot.ts) */
	boot?: Boot;
}

/** Above this many nodes the graph is drawn lazily (see below). */
const BIG_GRAPH = 300;
/** Runs of the pipeline read back on open (each step's last state). */
const HISTORY_RUNS = 10;
/** Bytes of a step's log shown on open. */
const HISTORY_BYTES = 1024 * 1024;
/** Of a loop step, the first items' logs shown on open, and bytes of each. */
const HISTORY_ITEMS = 50;
const HISTORY_ITEM_BYTES = 128 * 1024;
/** How often freshness is asked again while files are being hashed. */
const HASHING_POLL_MS = 1000;
// The terminal follows the step that started last at most this often.
const FOLLOW_MS = 250;

/** The edges given to React Flow while the overview draws its own. */
const NO_EDGES: never[] = [];

type RunSummary = { run: string; file: string; state: string; started: number };

export function App(props: Props) {
	return (
		<ReactFlowProvider>
			<Editor {...props} />
		</ReactFlowProvider>
	);
}

function Editor({ rpc, targetId, boot }: Props) {
	const [conn, setConn] = useState<{ state: ConnState; why: string }>({ state: 'connecting', why: '' });
	const [target, setTarget] = useState<UiTarget | null>(null);
	const [workspace, setWorkspace] = useState<Workspace | null>(null);
	const [file, setFile] = useState<string | null>(null);
	const [diskModel, setModel] = useState<PipelineModel | null>(null);
	const [loadError, setLoadError] = useState<string | null>(null);
	const [loading, setLoading] = useState(false);
	const [runs, setRuns] = useState<RunsState>(emptyRuns(''));
	const [fresh, setFresh] = useState<StepFreshness[] | null>(null);
	const [selected, setSelected] = useState<string | null>(null);
	const [tab, setTab] = useState<string | null>(null);
	// While a run goes on, the terminal shows the step (or loop item)
	// that started last, until the user picks a tab or a step; a new run
	// of the file, or the file opened again, follows again. Switches come
	// at most once per FOLLOW_MS: a loop of quick items does not redraw
	// the terminal for each one.
	const follow = useRef({ on: true, key: null as string | null, timer: null as ReturnType<typeof setTimeout> | null, last: 0 });
	const followTo = useCallback((key: string) => {
		const f = follow.current;
		f.key = key;
		if (f.timer !== null) return;
		f.timer = setTimeout(() => {
			f.timer = null;
			f.last = Date.now();
			if (f.on && f.key !== null) setTab(f.key);
		}, Math.max(0, f.last + FOLLOW_MS - Date.now()));
	}, []);
	// A tab the user picks stays until the next run.
	const chooseTab = useCallback((t: string | null) => {
		follow.current.on = false;
		setTab(t);
	}, []);
	useEffect(() => () => {
		if (follow.current.timer !== null) clearTimeout(follow.current.timer);
	}, []);
	// A loop item's tab (step/file) has the item's own state: the step's
	// says nothing of one item while the loop goes on.
	const [itemStates, setItemStates] = useState<Record<string, StepState>>({});
	const [version, setVersion] = useState(0);
	const [message, setMessage] = useState<string | null>(null);
	const [showParams, setShowParams] = useState(false);
	const [overrides, setOverrides] = useState<Overrides>({});
	const [firstLoad, setFirstLoad] = useState<PipelineModel | null>(null);
	const [settledFile, setSettledFile] = useState<string | null>(null);
	const store = useMemo(() => new OutputStore(), []);
	const fileRef = useRef<string | null>(null);
	const runsRef = useRef(runs);
	runsRef.current = runs;
	const placedRef = useRef<Placed[]>([]);
	const flow = useReactFlow();
	const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
	const freshAsk = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
	const itemNames = useRef(new Map<string, string>());
	// The answers of boot.ts, each taken once (later: asked again).
	const booted = useRef<Boot | null>(boot ?? null);
	const bootOpen = useRef<Boot['open'] | null>(boot?.open ?? null);

	// Pending edits (edit/store.ts): the graph shows the daemon's dry run
	// of the file plus every unsaved change.
	const edits = useMemo(() => new EditStore(rpc), [rpc]);
	const es = useSyncExternalStore(edits.subscribe, edits.getState);
	const editing = useMemo(() => edits.editing(), [edits, es]);
	const model = useMemo(() => edits.shown(diskModel), [edits, es, diskModel]);
	const [askEl, ask] = useAsk();
	useEffect(() => edits.setConnected(conn.state === 'open'), [edits, conn.state]);
	useEffect(() => {
		if (diskModel) edits.sync(diskModel);
	}, [edits, diskModel]);

	// Connection and the target.
	useEffect(() => {
		const off = rpc.onState((state, why) => setConn({ state, why }));
		setConn({ state: rpc.state, why: '' });
		rpc.start();
		return () => {
			off();
		};
	}, [rpc]);

	useEffect(() => {
		if (conn.state !== 'open') return;
		let live = true;
		(async () => {
			try {
				const b = booted.current;
				booted.current = null;
				// Sent together: the daemon answers them in order.
				const ask = () =>
					Promise.all([
						rpc.call('daemon.hello', { protocol: PROTOCOL_VERSION, client: 'loom-editor' }).catch(() => undefined),
						rpc.call('run.subscribe', {}),
						rpc.call<UiTarget>('ui.target', { target: targetId }),
					]).then(([, , x]) => x);
				const t = b ? await b.target.catch(ask) : await ask();
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

	// Freshness of every step (pipeline.freshness, as `loomctl status
	// FILE`): one request at a time; asks made meanwhile are merged into
	// one more when it returns.
	const refreshFresh = useCallback(
		async (f: string) => {
			const a = freshAsk.current;
			if (a.busy) {
				a.again = true;
				return;
			}
			a.busy = true;
			try {
				do {
					a.again = false;
					const r = await rpc.call<{ steps: StepFreshness[] }>('pipeline.freshness', { file: f }).catch(() => null);
					if (fileRef.current === f) setFresh(r ? r.steps : null);
				} while (a.again && fileRef.current === f);
			} finally {
				a.busy = false;
			}
		},
		[rpc],
	);

	// The last runs of the pipeline (each step's last state) and the
	// output of each step's last real run.
	const loadHistory = useCallback(
		async (m: PipelineModel) => {
			let st = emptyRuns(m.file);
			try {
				// Only this file's runs, also those kept beside it that the
				// daemon had not listed (the folder moved, a new state folder).
				const list = await rpc.call<{ runs: RunSummary[] }>('run.list', { file: m.file, limit: HISTORY_RUNS });
				const mine = list.runs.filter((r) => r.file === m.file).slice(0, HISTORY_RUNS);
				const recs: Record<string, unknown>[] = [];
				for (const r of mine) recs.push(await rpc.call<Record<string, unknown>>('run.status', { run: r.run }));
				if (fileRef.current !== m.file) return;
				st = fromRecords(st, recs);
				// Live events that came meanwhile are newer than the records.
				const cur = runsRef.current;
				const next =
					cur.current.id !== null
						? { ...cur, runFiles: { ...st.runFiles, ...cur.runFiles }, active: { ...st.active, ...cur.active }, queued: { ...st.queued, ...cur.queued } }
						: st;
				runsRef.current = next;
				setRuns(next);
				// The panel shows the output of the step that ran last.
				const logs = logRuns(recs);
				const newest = lastRan(recs, logs);
				let last: string | null = null;
				for (const [step, run] of logs) {
					// A loop step's output is its items' logs: a tab each.
					const items = loopItems(recs, run, step);
					const tabs = items ? items.map((it) => ({ tab: `${step}/${it.name}`, item: it.item as number | undefined })) : [{ tab: step, item: undefined }];
					if (items) setItemStates((o) => ({ ...Object.fromEntries(items.map((it) => [`${step}/${it.name}`, it.state])), ...o }));
					for (const { tab, item } of tabs) {
						if (newest === null || step === newest) last = tab;
						if (!store.historyStart(tab, run)) continue;
						const max = items ? HISTORY_ITEM_BYTES : HISTORY_BYTES;
						const lr = await rpc
							.call<{ data: string; offset: number }>('log.read', { run, step, item, offset: 0, max })
							.catch(() => null);
						store.historyEnd(tab, run, 0, lr && lr.data ? decodeBase64(lr.data) : null);
					}
				}
				// Not an empty terminal.
				if (last !== null && fileRef.current === m.file) setTab((t) => t ?? last);
			} catch {
				/* no history: fine */
			}
		},
		[rpc, store],
	);

	// pipeline.open of f: boot.ts's answer the first time, when it asked for f.
	const openModel = useCallback(
		async (f: string) => {
			const o = bootOpen.current ? await bootOpen.current : null;
			bootOpen.current = null;
			return o && o.file === f ? o.model : rpc.call<PipelineModel>('pipeline.open', { file: f });
		},
		[rpc],
	);

	// Load a pipeline (again, keepRuns: after a change on disk or a run).
	const load = useCallback(
		async (f: string, keepRuns: boolean) => {
			setLoading(true);
			try {
				const m = await openModel(f);
				if (fileRef.current !== f) return;
				// A file broken on disk keeps its last graph on screen, under
				// the diagnostics, with running disabled.
				setModel((old) => (!m.ok && m.steps.length === 0 && old && old.file === m.file ? { ...old, ok: false, diagnostics: m.diagnostics } : m));
				setLoadError(null);
				if (!keepRuns) {
					// Freshness and the run history are asked for once the
					// graph is on screen (firstLoad, below).
					const st = emptyRuns(m.file);
					runsRef.current = st;
					setRuns(st);
					store.reset();
					follow.current.on = true;
					setTab(null);
					setItemStates({});
					setFresh(null);
					setFirstLoad(m);
				} else if (m.ok) void refreshFresh(f);
				else setFresh(null);
			} catch (e) {
				if (fileRef.current === f && isNewTarget(target, f, e)) {
					setModel(emptyModel(f));
					setLoadError(null);
				} else if (fileRef.current === f) {
					setModel(null);
					setLoadError(e instanceof RpcError ? e.message : (e as Error).message);
				}
			} finally {
				if (fileRef.current === f) setLoading(false);
			}
		},
		[store, refreshFresh, target, openModel],
	);

	edits.onReload = () => {
		if (fileRef.current) void load(fileRef.current, true);
	};

	useEffect(() => {
		fileRef.current = file;
		setSelected(null);
		setFresh(null);
		if (file) {
			if (target?.kind === 'dir') window.location.hash = `file=${encodeURIComponent(file)}`;
			void load(file, false);
		}
	}, [file, load, target]);

	// Layout whenever the model's structure changes. A reload of the same
	// file keeps the nodes where they are (a renamed node takes the place
	// of the one it replaces); a newly opened file is laid out afresh.
	const graph = useMemo(() => (model ? buildGraph(model) : null), [model]);
	const structure = useMemo(() => (graph ? graph.nodes.map((n) => n.id).join('|') + '#' + graph.edges.map((e) => e.id).join('|') : ''), [graph]);
	const laidOut = useRef<string | null>(null);
	const lastLayout = useRef<PipelineModel['layout']>({});
	const layoutSig = useMemo(() => JSON.stringify(model?.layout ?? {}), [model]);
	// Computed in the render that brings the model, not in an effect
	// after it: the graph is then drawn in the first render with a model,
	// instead of an empty flow first and the nodes one or two renders later.
	const laid = useMemo(() => {
		if (!model || !graph) return [];
		const same = laidOut.current === model.file;
		laidOut.current = model.file;
		const kept = same ? keptPositions(placedRef.current, graph.nodes) : undefined;
		// A saved position that changed (an undone or redone move, a save
		// elsewhere) wins over where the node is drawn.
		if (kept) movedInLayout(lastLayout.current, model.layout ?? {}, graph.nodes, kept);
		lastLayout.current = model.layout ?? {};
		return layoutGraph(model, graph, false, kept);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [structure, model?.file, layoutSig]);
	// Where nodes were dragged, or placed by auto-layout, since the last
	// layout (dropped when the model's structure changes: laid anew).
	const [moved, setMoved] = useState<{ from: Placed[]; placed: Placed[] } | null>(null);
	const laidRef = useRef(laid);
	laidRef.current = laid;
	const placed = moved && moved.from === laid ? moved.placed : laid;
	placedRef.current = placed;
	const setPlaced = useCallback((f: (ps: Placed[]) => Placed[]) => {
		setMoved((m) => {
			const from = laidRef.current;
			return { from, placed: f(m && m.from === from ? m.placed : from) };
		});
	}, []);

	// A big graph starts at its beginning, at full size, and draws only
	// what is on screen: drawing a thousand nodes at once takes the
	// browser seconds. "Fit" shows the whole of it when that is legible,
	// its start when it is a little too big, an overview (nodes as boxes
	// below LOD_ZOOM) when it is much too big (see fit.ts).
	const big = placed.length > BIG_GRAPH;
	const pane = useRef<HTMLElement>(null);
	const side = useRef<HTMLElement>(null);
	const startViewport = useMemo(() => {
		if (placed.length === 0) return { x: 0, y: 0, zoom: 1 };
		const first = placed.filter((p) => p.kind === 'step').sort((a, b) => a.x - b.x)[0] ?? placed[0];
		const minX = Math.min(...placed.map((p) => p.x));
		return { x: 40 - minX, y: 300 - first.y, zoom: 1 };
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [model?.file, placed.length > 0]);
	const [fitMode, setFitMode] = useState<FitMode | ''>('');
	const lod = useStore((s) => s.transform[2] < LOD_ZOOM);
	// Into the overview, React Flow's nodes are hidden first and the
	// viewport moves after (the effect below): moved first, it would draw
	// every node once at the new zoom before they are hidden.
	const [toOverview, setToOverview] = useState<{ x: number; y: number; zoom: number } | null>(null);
	const fit = useCallback(() => {
		const el = pane.current;
		if (!el || placedRef.current.length === 0) return;
		const v = fitAround(placedRef.current, el.clientWidth, el.clientHeight, covers(el, side.current));
		setFitMode(v.mode);
		if (v.zoom < LOD_ZOOM) setToOverview({ x: v.x, y: v.y, zoom: v.zoom });
		else void flow.setViewport({ x: v.x, y: v.y, zoom: v.zoom });
	}, [flow]);
	useEffect(() => {
		if (!toOverview) return;
		void flow.setViewport(toOverview);
		setToOverview(null);
	}, [toOverview, flow]);
	// A click on a node of the overview zooms to it.
	const focusNode = useCallback(
		(id: string) => {
			const p = placedRef.current.find((x) => x.id === id);
			if (p) void flow.setCenter(p.x + p.width / 2, p.y + p.height / 2, { zoom: FOCUS_ZOOM });
		},
		[flow],
	);
	const fittedFile = useRef<string | null>(null);
	useEffect(() => {
		if (placed.length === 0 || !model || fittedFile.current === model.file) return;
		fittedFile.current = model.file;
		if (!big) requestAnimationFrame(fit);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [placed, model?.file]);

	// Events from the daemon.
	useEffect(() => {
		const reloadSoon = (f: string, ms: number) => {
			if (reloadTimer.current) clearTimeout(reloadTimer.current);
			reloadTimer.current = setTimeout(() => {
				reloadTimer.current = null;
				if (fileRef.current === f) void load(f, true);
				setVersion((v) => v + 1);
			}, ms);
		};
		return rpc.onNotify((method, params) => {
			if (method === 'file.changed') {
				if (params.file === fileRef.current && fileRef.current) reloadSoon(fileRef.current, 0);
				return;
			}
			if (!method.startsWith('run.')) return;
			const before = runsRef.current;
			const after = applyEvent(before, method, params);
			const run = params.run as string;
			const mine = after.runFiles[run] === after.file && after.file !== '';
			const step = typeof params.step === 'string' ? params.step : null;
			// Loop items have logs of their own, each in a tab named by
			// the item's file (itemTab).
			const item = params.item !== undefined && params.item !== null;
			const key = step && item ? itemTab(itemNames.current, run, step, params) : step;
			if (method === 'run.output' && mine && key && typeof params.data === 'string') {
				store.live(key, run, typeof params.offset === 'number' ? params.offset : 0, decodeBase64(params.data));
				setTab((t) => t ?? key);
			}
			if (method === 'run.started' && mine) follow.current.on = true;
			if (method === 'run.step_started' && mine && key) {
				store.begin(key, run);
				if (follow.current.on) followTo(key);
				else setTab((t) => t ?? key);
			}
			if (item && mine && key && (method === 'run.step_started' || method === 'run.step_finished')) {
				const state = (method === 'run.step_started' ? 'running' : typeof params.state === 'string' ? params.state : 'failed') as StepState;
				setItemStates((o) => ({ ...o, [key]: state }));
			}
			// Outputs appeared, states moved: refresh which data exists
			// and what is fresh (coalesced).
			if ((method === 'run.finished' || method === 'run.step_finished') && mine && fileRef.current)
				reloadSoon(fileRef.current, method === 'run.finished' ? 0 : 200);
			if (after !== before) {
				runsRef.current = after;
				setRuns(after);
			}
		});
	}, [rpc, store, load, followTo]);

	const busy = useMemo(() => busySteps(runs), [runs]);
	const running = Object.keys(runs.active).length > 0;
	const waiting = Object.keys(runs.queued).length;
	const canRun = !!model && model.ok && conn.state === 'open';
	const runText = runs.current.id ? `run ${runs.current.id}: ${runs.current.state}${runs.current.summary ? ` — ${runs.current.summary}` : ''}` : '';

	const startRun = useCallback(
		async (req: RunRequest) => {
			if (!model) return;
			setMessage(null);
			// A run reads the file on disk: unsaved changes are saved first
			// (or left out, when the user says so).
			if (edits.dirty) {
				const how = await ask<'save' | 'run' | 'cancel'>('This pipeline has unsaved changes, and a run uses the file on disk. Save them first?', [
					{ label: 'Save and run', value: 'save', testid: 'ask-save-run' },
					{ label: 'Run the saved file', value: 'run', testid: 'ask-run-saved' },
					{ label: 'Cancel', value: 'cancel', testid: 'ask-cancel' },
				]);
				if (how === 'cancel' || (how === 'save' && !(await edits.save()))) return;
			}
			try {
				const set = overridesToSet(overrides, model.parameters);
				const r = await rpc.call<{ run: string; state?: string; queued_behind?: string; steps?: { name: string }[] }>('run.start', { file: model.file, ...req, ...(set.length ? { set } : {}) });
				setRuns((s) => {
					const next =
						r.state === 'queued'
							? queuedRun(s, r.run, r.queued_behind ?? null, (r.steps ?? []).map((x) => x.name))
							: { ...s, runFiles: { ...s.runFiles, [r.run]: model.file } };
					runsRef.current = next;
					return next;
				});
			} catch (e) {
				setMessage(`cannot start the run: ${(e as Error).message}`);
			}
		},
		[rpc, model, overrides, edits, ask],
	);

	const stopRun = useCallback(async () => {
		for (const id of Object.keys(runs.active)) {
			try {
				await rpc.call('run.cancel', { run: id });
			} catch (e) {
				setMessage(`cannot stop run ${id}: ${(e as Error).message}`);
			}
		}
	}, [rpc, runs]);

	const freshMap = useMemo(() => (model ? nodeFreshness(model, fresh) : {}), [model, fresh]);
	const hashing = fresh ? hashingCount(fresh) : 0;
	// No event says a stamp was written: while a step's files are being
	// hashed, freshness is asked again each second until none is.
	useEffect(() => {
		if (hashing === 0 || !file) return;
		const t = setTimeout(() => void refreshFresh(file), HASHING_POLL_MS);
		return () => clearTimeout(t);
	}, [fresh, hashing, file, refreshFresh]);
	const flowData = useMemo(
		() => (model && graph ? toFlow(model, graph, placed, runs.current, { fresh: freshMap, showParams, selected }) : { nodes: [], edges: [] }),
		[model, graph, placed, runs, freshMap, showParams, selected],
	);
	// A big graph's first frame: React Flow takes only what the start
	// viewport shows (its store goes over every node and edge it holds, a
	// few times, before that frame), and the rest once the frame is on
	// screen (settled, below). It draws no more than that either way.
	const settled = !!model && settledFile === model.file;
	const handed = useMemo(() => {
		if (!big || settled) return flowData;
		const el = pane.current;
		return onScreen(flowData, startViewport, el?.clientWidth || window.innerWidth, el?.clientHeight || window.innerHeight);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [big && !settled, flowData, startViewport]);
	const [nodes, setNodes] = useState<Node[]>([]);
	const selEdges = useRef<string[]>([]);
	const selNodes = useRef<string[]>([]);
	const selectNext = useRef<string[] | null>(null);
	const [edges, setEdges] = useState<Edge[]>([]);
	// React Flow's nodes and edges follow flowData, updated during this
	// render (React renders again at once, before any child): an effect
	// would draw the flow once more with the old nodes first.
	const [flowFrom, setFlowFrom] = useState<typeof flowData | null>(null);
	if (flowFrom !== handed) {
		setFlowFrom(handed);
		const bad = model ? nodeErrors(model) : new Map<string, number>();
		// The selection stays as React Flow has it (a Ctrl+click just made
		// may not have reached onSelectionChange yet); pasted nodes are
		// selected once they are drawn.
		const asked = selectNext.current;
		if (asked && handed.nodes.some((n) => asked.includes(n.id))) selectNext.current = null;
		// Each node keeps the size React Flow measured (onNodesChange put
		// it there): a node handed over without it is taken for a new one,
		// its handles are forgotten, and it is hidden with all its edges
		// until React Flow has measured it again, a frame or more later; a
		// connection dropped meanwhile was lost (issue 10). A node whose
		// handles change is measured again by its component (Nodes.tsx).
		setNodes((prev) => {
			const was = new Set(prev.filter((n) => n.selected).map((n) => n.id));
			const measured = new Map(prev.map((n) => [n.id, n.measured]));
			const want = asked ? new Set(asked) : was;
			return handed.nodes.map((n) => {
				const m = measured.get(n.id);
				return { ...n, ...(m ? { measured: m } : {}), selected: want.size ? want.has(n.id) : n.id === selected, className: bad.has(n.id) ? 'has-error' : undefined };
			});
		});
		setEdges(handed.edges.map((e) => (selEdges.current.includes(e.id) ? { ...e, selected: true } : e)));
	}
	const overview = lod || toOverview !== null;
	const shownNodes = useMemo(() => (overview ? nodes.map((n) => ({ ...n, hidden: true })) : nodes), [overview, nodes]);
	const pick = useCallback(
		(id: string) => {
			setSelected(id);
			if (id.startsWith('step:')) chooseTab(stepTab(store.steps(), id.slice(5)));
			focusNode(id);
		},
		[store, focusNode, chooseTab],
	);
	const onNodesChange = useCallback((ch: NodeChange[]) => {
		setNodes((ns) => applyNodeChanges(ch, ns));
		for (const c of ch)
			if (c.type === 'position' && c.position && !c.dragging)
				setPlaced((ps) => ps.map((p) => (p.id === c.id ? { ...p, x: c.position!.x, y: c.position!.y } : p)));
	}, [setPlaced]);
	const onEdgesChange = useCallback((ch: EdgeChange[]) => setEdges((es) => applyEdgeChanges(ch, es)), []);
	// React Flow learns that Ctrl (Cmd) is held from a key event, through
	// a state and an effect; Preact runs that effect in a task of its own,
	// which a click coming right after the key press can precede: the
	// click then replaced the selection instead of adding to it. The
	// pointer's own modifier keys say it at once.
	const rfStore = useStoreApi();
	const multiFromPointer = useCallback(
		(e: { ctrlKey: boolean; metaKey: boolean }) => {
			const multi = e.ctrlKey || e.metaKey;
			if (rfStore.getState().multiSelectionActive !== multi) rfStore.setState({ multiSelectionActive: multi });
		},
		[rfStore],
	);
	// Every drag ends in a move edit per node moved (saved under layout:).
	const onNodeDragStop = useCallback(
		(_: unknown, __: Node, moved: Node[]) => {
			const ms = moved.filter((n) => n.type !== 'group').map((n) => moveEdit(n.id, n.position.x, n.position.y));
			if (ms.length) editing.apply(ms, ms.length === 1 ? `move ${layoutKey(moved[0].id)}` : `move ${ms.length} nodes`);
			// The node dragged is the one selected (and deleted by Delete).
			if (moved.length === 1) {
				selNodes.current = [moved[0].id];
				setSelected(moved[0].id);
			}
		},
		[editing],
	);
	const removeSelected = useCallback(() => {
		if (!model) return;
		// What is drawn selected; the node in the panel when that is not among it.
		const ns = selected && !selNodes.current.includes(selected) ? [selected] : selNodes.current;
		const es = selEdges.current;
		if (ns.length === 0 && es.length === 0) return;
		const r = deleteEdits(model, ns, es);
		if (r.refused.length) setMessage(r.refused.join('; '));
		if (r.edits.length) editing.apply(r.edits, ns.length + es.length === 1 ? `delete ${(ns[0] ?? es[0]).replace(/^[a-z]+:/, '')}` : `delete ${ns.length + es.length} items`);
		setSelected(null);
		selEdges.current = [];
		selNodes.current = [];
	}, [model, selected, editing]);
	// Copy and paste (edit/clipboard.ts): through localStorage, so another
	// editor tab (another pipeline) can paste.
	const copy = useCallback(() => {
		if (!model) return;
		const ids = selNodes.current.length ? selNodes.current : selected ? [selected] : [];
		const byId = new Map(placedRef.current.map((p) => [p.id, p]));
		const clip = copyNodes(model, ids, (id) => byId.get(id));
		if (!clip) return;
		const text = JSON.stringify(clip);
		localStorage.setItem(CLIP_KEY, text);
		void navigator.clipboard?.writeText(text).catch(() => undefined);
		setMessage(null);
	}, [model, selected]);
	const paste = useCallback(() => {
		if (!model) return;
		const clip = parseClip(localStorage.getItem(CLIP_KEY));
		if (!clip) return;
		const r = pasteEdits(model, clip);
		editing.apply(r.edits, `paste ${r.names.length} node${r.names.length === 1 ? '' : 's'}`);
		selNodes.current = r.names;
		selectNext.current = r.names;
		setSelected(r.names[0] ?? null);
	}, [model, editing]);
	const keys = useMemo(
		() => ({ save: () => void edits.save(), undo: () => edits.undo(), redo: () => edits.redo(), remove: removeSelected, copy, paste }),
		[edits, removeSelected, copy, paste],
	);
	useEditKeys(keys);
	const connecting = useConnecting(model, editing, setSelected);
	// The title says when there are unsaved changes; leaving asks.
	useEffect(() => {
		document.title = model ? `${editing.dirty ? '* ' : ''}${model.name} — Loom` : 'Loom';
	}, [model, editing.dirty]);
	useEffect(() => {
		if (!editing.dirty) return;
		const onLeave = (e: BeforeUnloadEvent) => {
			e.preventDefault();
			e.returnValue = '';
		};
		window.addEventListener('beforeunload', onLeave);
		return () => window.removeEventListener('beforeunload', onLeave);
	}, [editing.dirty]);
	const switchTo = useCallback(
		async (f: string) => {
			if (edits.dirty) {
				const how = await ask<'save' | 'drop' | 'cancel'>(`${model?.name ?? 'This pipeline'} has unsaved changes.`, [
					{ label: 'Save and switch', value: 'save', testid: 'ask-save-switch' },
					{ label: 'Discard them', value: 'drop', testid: 'ask-discard' },
					{ label: 'Cancel', value: 'cancel', testid: 'ask-cancel' },
				]);
				if (how === 'cancel' || (how === 'save' && !(await edits.save()))) return;
				edits.discard();
			}
			setFile(f);
		},
		[edits, ask, model],
	);

	// Auto-layout places every node afresh, as one undoable change that
	// saves the new positions (read-only: drawn, not saved).
	const autoLayout = () => {
		if (model && graph) {
			const p = layoutGraph(model, graph, true);
			placedRef.current = p;
			setPlaced(() => p);
			requestAnimationFrame(fit);
			if (!editing.readOnly) editing.apply(p.filter((n) => n.kind !== 'group').map((n) => moveEdit(n.id, n.x, n.y)), 'auto-layout');
		}
	};

	// The graph's first frame comes first: the minimap, freshness and the
	// run history wait until its nodes have been on screen for a frame
	// (two animation frames after React Flow took them).
	const hasNodes = useStore((st) => st.nodeLookup.size > 0);
	useEffect(() => {
		if (!model || !graph || settled || (!hasNodes && graph.nodes.length > 0)) return;
		const f = model.file;
		let id = requestAnimationFrame(() => (id = requestAnimationFrame(() => setSettledFile(f))));
		return () => cancelAnimationFrame(id);
	}, [model, graph, settled, hasNodes]);
	useEffect(() => {
		if (!settled || !firstLoad || firstLoad.file !== fileRef.current) return;
		setFirstLoad(null);
		if (firstLoad.ok) void refreshFresh(firstLoad.file);
		void loadHistory(firstLoad);
	}, [settled, firstLoad, refreshFresh, loadHistory]);

	// The minimap: state colours, and nodes never thinner than a pixel
	// or two, however wide the graph.
	const miniMin = useMemo(() => {
		if (placed.length === 0) return 0;
		const w = Math.max(...placed.map((p) => p.x + p.width)) - Math.min(...placed.map((p) => p.x));
		const h = Math.max(...placed.map((p) => p.y + p.height)) - Math.min(...placed.map((p) => p.y));
		return Math.max(w / 200, h / 150) * 2;
	}, [placed]);
	const MiniNode = useMemo(() => miniNode(miniMin), [miniMin]);

	const paramEdges = graph ? graph.edges.filter((e) => e.kind === 'param').length : 0;
	const errors: Diag[] = model?.diagnostics.filter((d) => d.severity === 'error') ?? [];
	const warnings: Diag[] = model?.diagnostics.filter((d) => d.severity === 'warning') ?? [];
	const selectedFresh = selected ? freshMap[selected] ?? null : null;
	const modelVersion = model ? ((model as { version?: string | null }).version ?? null) : null;
	const tasks = useTasks(rpc, model?.file ?? null, modelVersion);
	// A written file is reloaded on file.changed; a new one is not watched yet.
	edits.onSaved = (created) => {
		if (created && fileRef.current) void load(fileRef.current, true);
	};
	const readOnly = !model ? 'no pipeline is open' : editing.readOnly;
	return (
		<EditingContext.Provider value={editing}>
		<div className="app">
			<header className="toolbar">
				<span className="brand">Loom</span>
				{workspace && (
					<select
						data-testid="workspace-select"
						value={file ?? ''}
						onChange={(e) => void switchTo(e.target.value)}
						title="Pipelines in this folder"
					>
						{workspace.pipelines.map((p) => (
							<option key={p.file} value={p.file}>
								{p.rel}
							</option>
						))}
					</select>
				)}
				{!workspace && model && (
					<span className="file" title={model.file} data-testid="file-name">
						{editing.dirty ? '* ' : ''}
						{model.name}
					</span>
				)}
				{workspace && editing.dirty && <span className="file" data-testid="file-name">*</span>}
				<button data-testid="save" disabled={!editing.dirty || es.saving || !!es.conflict} onClick={() => void edits.save()} title="Save (Ctrl+S)">
					<Save size={14} className="icon" /> Save
				</button>
				<button data-testid="undo" data-count={es.done.length} disabled={es.done.length === 0 || !!es.conflict} onClick={() => edits.undo()} title={es.done.length ? `Undo ${es.done[es.done.length - 1].label} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}>
					<Undo2 size={14} className="icon" />
				</button>
				<button data-testid="redo" disabled={es.undone.length === 0 || !!es.conflict} onClick={() => edits.redo()} title={es.undone.length ? `Redo ${es.undone[es.undone.length - 1].label} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)'}>
					<Redo2 size={14} className="icon" />
				</button>
				<button data-testid="run-all" disabled={!canRun || running} onClick={() => startRun({})} title={running ? 'a run of this pipeline is going on' : undefined}>
					<Play size={14} className="icon" /> Run all
				</button>
				<button data-testid="stop" disabled={!running} onClick={stopRun}>
					<Square size={14} className="icon" /> Stop
				</button>
				{model && <RunOverrides params={model.parameters} value={overrides} onChange={setOverrides} />}
				<button onClick={autoLayout} disabled={!model} data-testid="auto-layout">
					<LayoutGrid size={14} className="icon" /> Auto-layout
				</button>
				<button onClick={fit} disabled={!model} data-testid="fit" data-fit={fitMode}>
					<Maximize size={14} className="icon" /> Fit
				</button>
				{paramEdges > PARAM_EDGES_SHOWN && (
					<button data-testid="param-links" aria-pressed={showParams} onClick={() => setShowParams((v) => !v)} title="Parameter links are drawn for the selected node; this shows them all">
						<SlidersHorizontal size={14} className="icon" /> {showParams ? 'Hide' : 'Show'} parameter links
					</button>
				)}
				<span className="run-summary" data-testid="run-summary" data-state={runs.current.state} title={runText || undefined}>
					{runText}
					{waiting > 0 && runs.current.state !== 'queued' && <span data-testid="queued-count"> ({waiting} queued)</span>}
				</span>
				<span className="status">
					{fresh && (
						<span className="fresh-summary" data-testid="fresh-summary">
							{fresh.filter((f) => f.state === 'fresh').length} fresh, {fresh.filter((f) => f.state === 'stale').length - hashing} stale,{' '}
							{fresh.filter((f) => f.state === 'missing').length} missing{hashing > 0 ? `, ${hashing} hashing` : ''}
						</span>
					)}
					<span className={`conn conn-${conn.state}`} data-testid="conn">
						{conn.state === 'open' ? 'connected' : conn.state === 'connecting' ? 'connecting…' : 'daemon gone'}
					</span>
				</span>
			</header>
			{conn.state === 'closed' && (
				<div className="banner error" data-testid="daemon-gone">
					Lost the connection to loomd ({conn.why}). Retrying… If the daemon stopped, run <code>loomctl ui</code> again.
				</div>
			)}
			<EditBanners store={edits} state={es} />
			{message && <div className="banner error" data-testid="message">{message}</div>}
			{model && !model.ok && errors.length === 0 && (
				<div className="banner error" data-testid="diagnostics">This pipeline cannot be run as it is.</div>
			)}
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
				<section className={lod ? 'graph lod' : 'graph'} data-testid="graph" data-lod={String(lod)} data-edges={overview ? 0 : edges.length} ref={pane} onPointerDownCapture={multiFromPointer} onClickCapture={multiFromPointer}>
					{conn.state === 'connecting' && !model && <div className="state-msg">Connecting to loomd…</div>}
					{loading && !model && <div className="state-msg">Loading pipeline…</div>}
					{loadError && !model && <div className="state-msg error" data-testid="load-error">{loadError}</div>}
					{workspace && workspace.pipelines.length === 0 && (
						<div className="state-msg" data-testid="empty-workspace">No pipeline files (YAML with a <code>pipeline:</code> key) in {workspace.dir}.</div>
					)}
					{model && model.steps.length === 0 && errors.length === 0 && <div className="state-msg">This pipeline has no steps yet: drag a task from the Tasks tab, or press Tab here.</div>}
					{model && (
						<ReactFlow
							key={model.file}
							defaultViewport={startViewport}
							nodes={shownNodes}
							edges={overview ? NO_EDGES : edges}
							onEdgesChange={onEdgesChange}
							nodeTypes={nodeTypes}
							onNodesChange={onNodesChange}
							onNodeDragStop={onNodeDragStop}
							nodesDraggable={!editing.readOnly}
							deleteKeyCode={null}
							{...connecting.handlers}
							onSelectionChange={({ nodes: ns, edges: es2 }) => {
								selNodes.current = ns.map((n) => n.id);
								selEdges.current = es2.map((e) => e.id);
							}}
							colorMode="system"
							onNodeClick={(e, n) => {
								if (!(e.shiftKey || e.metaKey || e.ctrlKey)) selNodes.current = [n.id];
								setSelected(n.id);
								if (n.type === 'step') chooseTab(stepTab(store.steps(), n.id.slice(5)));
							}}
							onPaneClick={() => {
								setSelected(null);
								selNodes.current = [];
								connecting.clear();
							}}
							minZoom={0.02}
							onlyRenderVisibleElements={big}
							proOptions={{ hideAttribution: true }}
						>
							<Background />
							{lod && <Overview placed={placed} nodes={nodes} edges={flowData.edges} color={miniColor} onPick={pick} />}
							{settled && !overview && <MiniMap pannable zoomable style={{ width: MINIMAP.width, height: MINIMAP.height }} nodeComponent={MiniNode} nodeColor={miniColor} nodeStrokeWidth={0} />}
							<Controls />
						</ReactFlow>
					)}
					{model && <CreateLayer rpc={rpc} model={model} tasks={tasks.tasks} pane={pane} />}
				</section>
				<aside className="side" ref={side}>
					{model && <Properties model={model} selected={selected} busy={busy} onSelect={setSelected} />}
					{model && (
						<SideTabs
							selected={selected}
							tasks={<TaskPanel model={model} list={tasks} readOnly={readOnly} pane={pane} />}
							details={<Details
							rpc={rpc}
							model={model}
							selected={selected}
							run={runs.current}
							fresh={selectedFresh}
							busy={busy}
							canRun={canRun}
							target={targetId}
							root={target?.root ?? model.dir}
							version={version}
							onRun={startRun}
						/>}
						/>
					)}
				</aside>
			</main>
			<footer className="bottom">
				<TerminalPanel store={store} active={tab} onSelect={chooseTab} states={runs.current.steps} itemStates={itemStates} />
			</footer>
			{askEl}
			{connecting.refusal}
		</div>
		</EditingContext.Provider>
	);
}

/** The task browser, adding at the middle of the canvas. */
function TaskPanel({ model, list, readOnly, pane }: { model: PipelineModel; list: ReturnType<typeof useTasks>; readOnly: string | null; pane: React.RefObject<HTMLElement | null> }) {
	const addStep = useAddStep(model);
	const flow = useReactFlow();
	const add = (t: Parameters<typeof addStep>[0]) => addStep(t, freeNear(flow, pane.current!, NODE_SIZE.step.width, NODE_SIZE.step.height));
	return <TaskBrowser list={list} readOnly={readOnly} onAdd={readOnly ? null : add} />;
}

/** A target opened with `loomctl ui --new` whose file is not written yet. */
function isNewTarget(t: UiTarget | null, f: string, e: unknown): boolean {
	return !!t && (t as UiTarget & { new?: boolean }).new === true && t.path === f && e instanceof RpcError && e.code === -32005;
}

/** The model of a pipeline that does not exist yet (created on first save). */
function emptyModel(f: string): PipelineModel {
	const slash = f.lastIndexOf('/');
	return { file: f, dir: f.slice(0, slash) || '/', name: f.slice(slash + 1), ok: true, diagnostics: [], data: [], parameters: [], steps: [], groups: [], layout: {} };
}

/**
 * The terminal tab of a loop item: "STEP/FILE", the file named by the
 * item's run.step_started (item_name); its other events carry only the
 * item's number.
 */
function itemTab(names: Map<string, string>, run: string, step: string, p: Record<string, unknown>): string {
	const k = `${run}\n${step}\n${String(p.item)}`;
	if (typeof p.item_name === 'string') names.set(k, p.item_name);
	return `${step}/${names.get(k) ?? `item ${String(p.item)}`}`;
}

/** The items (index, file name) of a loop step in run's record, else null. */
function loopItems(recs: Record<string, unknown>[], run: string, step: string): { item: number; name: string; state: StepState }[] | null {
	const rec = recs.find((r) => r.run === run);
	const st = ((rec?.steps as Record<string, unknown>[] | undefined) ?? []).find((x) => x.name === step);
	if (!st || !Array.isArray(st.items)) return null;
	return (st.items as { item: unknown; name: unknown; state: unknown }[])
		.filter((it) => typeof it.item === 'number' && typeof it.name === 'string')
		.slice(0, HISTORY_ITEMS)
		.map((it) => ({ item: it.item as number, name: it.name as string, state: (typeof it.state === 'string' ? it.state : 'idle') as StepState }));
}

/** The tab a click on a step shows: its own, else its last item's. */
function stepTab(tabs: string[], step: string): string {
	return tabs.includes(step) ? step : tabs.filter((t) => t.startsWith(`${step}/`)).pop() ?? step;
}

/** Nodes whose saved position changed between two layouts take the new one. */
function movedInLayout(before: PipelineModel['layout'], after: PipelineModel['layout'], nodes: { id: string; kind: string }[], kept: Map<string, { x: number; y: number }>): void {
	for (const n of nodes) {
		if (n.kind === 'group') continue;
		const k = layoutKey(n.id);
		const a = after[k];
		const b = before[k];
		if (a?.x === b?.x && a?.y === b?.y) continue;
		if (a) kept.set(n.id, { x: a.x, y: a.y });
		else kept.delete(n.id);
	}
}

/**
 * Positions to keep across a reload: every node still there stays put;
 * when nodes of one kind went away and as many new ones came (a
 * rename), the new ones take the old ones' places, in order.
 */
function keptPositions(old: Placed[], now: { id: string; kind: string }[]): Map<string, { x: number; y: number }> {
	const keep = new Map<string, { x: number; y: number }>();
	const ids = new Set(now.map((n) => n.id));
	const byId = new Map(old.map((p) => [p.id, p]));
	for (const n of now) {
		const p = byId.get(n.id);
		if (p && n.kind !== 'group') keep.set(n.id, { x: p.x, y: p.y });
	}
	for (const kind of ['step', 'data', 'param']) {
		const gone = old.filter((p) => p.kind === kind && !ids.has(p.id));
		const added = now.filter((n) => n.kind === kind && !byId.has(n.id));
		if (gone.length === added.length) added.forEach((n, i) => keep.set(n.id, { x: gone[i].x, y: gone[i].y }));
	}
	return keep;
}

const MINI_COLORS: Record<string, string> = {
	succeeded: '#1f9d55',
	uptodate: '#4fb37a',
	failed: '#d64545',
	running: '#2d7ff9',
	pending: '#9fb3cc',
	queued: '#9fb3cc',
	skipped: '#a0a8b3',
	cancelled: '#c58a16',
	interrupted: '#c58a16',
};

/** The minimap's size, and its margin from the canvas's corner (React Flow's panels). */
const MINIMAP = { width: 200, height: 150, margin: 15 };

/**
 * What covers the canvas el: the part of it under the side panel (none
 * while the panel sits beside it), and the panels on it: the minimap,
 * the zoom buttons, the buttons that add nodes; before the minimap is
 * drawn (after the graph's first frame), where it will be.
 */
function covers(el: HTMLElement, side: HTMLElement | null): Cover {
	const c = el.getBoundingClientRect();
	const s = side?.getBoundingClientRect();
	const right = s && s.width > 0 && s.top < c.bottom && s.bottom > c.top ? Math.max(0, c.right - Math.max(s.left, c.left)) : 0;
	const box = (sel: string): Box | null => {
		const b = el.querySelector(sel)?.getBoundingClientRect();
		return b && b.width > 0 ? { left: b.left - c.left, top: b.top - c.top, right: b.right - c.left, bottom: b.bottom - c.top } : null;
	};
	const w = el.clientWidth;
	const h = el.clientHeight;
	const mini = box('.react-flow__minimap') ?? { left: w - MINIMAP.margin - MINIMAP.width, top: h - MINIMAP.margin - MINIMAP.height, right: w - MINIMAP.margin, bottom: h - MINIMAP.margin };
	const others = ['.react-flow__controls', '.create-bar'].map(box).filter((b): b is Box => b !== null);
	return { right, panels: [mini, ...others] };
}

/** A node's colour in the minimap: its run state, else its freshness. */
function miniColor(n: Node): string {
	const d = n.data as { state?: string; fresh?: { state: string } | null; exists?: boolean };
	if (n.type === 'group') return 'transparent';
	if (n.type === 'param') return '#c9a227';
	if (d.state && d.state !== 'idle') return MINI_COLORS[d.state] ?? '#8894a4';
	if (d.fresh?.state === 'stale') return '#d9a21b';
	if (d.fresh?.state === 'missing' || d.exists === false) return '#b8bec7';
	return n.type === 'data' ? '#7cc49a' : '#8894a4';
}

/**
 * Minimap nodes at least min graph units wide and high, grown around
 * their centre: grown from their corner, every box would sit right of
 * and below its node, apart from the viewport frame drawn over them.
 */
function miniNode(min: number) {
	return function MiniNode(p: MiniMapNodeProps) {
		const w = Math.max(p.width, min);
		const h = Math.max(p.height, min);
		return <rect x={p.x - (w - p.width) / 2} y={p.y - (h - p.height) / 2} width={w} height={h} rx={p.borderRadius} style={{ fill: p.color }} className={`react-flow__minimap-node ${p.className}`} shapeRendering={p.shapeRendering} />;
	};
}
