// SPDX-License-Identifier: MIT
// Shapes of what loomd sends the editor: the pipeline.open model, the
// workspace list, previews and run records (docs/editor.md and
// docs/protocol.md describe them). They are generated from
// protocol/loom-protocol.json into protocol.gen.ts at build time
// (scripts/gen-protocol.mjs); this file gives them the names the editor
// uses. Kept free of React so the graph code and its tests can import
// them.

import type { StepRunState } from './protocol.gen';

export { PROTOCOL_VERSION } from './protocol.gen';
export type {
	DataInfo,
	Diag,
	EventName,
	Events,
	Freshness,
	GroupInfo,
	LoopInfo,
	MethodName,
	Methods,
	ParamInfo,
	PipelineEntry,
	PipelineModel,
	PortInfo,
	Preview,
	RunRecord,
	RunSummary,
	StepFreshness,
	StepInfo,
	UiTarget,
	Workspace,
} from './protocol.gen';

/**
 * A step's state in the graph: a run's step state, idle (no run), or
 * queued (its run waits behind another).
 */
export type StepState = 'idle' | 'queued' | StepRunState;
