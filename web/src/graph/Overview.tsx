// SPDX-License-Identifier: MIT
// The overview of a big graph (zoom below LOD_ZOOM, see fit.ts): every
// node a plain box in its state colour, every data link a straight line,
// names hidden, all in one SVG placed in the graph's own coordinates
// (React Flow's ViewportPortal). React Flow's own nodes and edges are
// left out meanwhile: a thousand of them cost the browser seconds to
// draw, a thousand rectangles little. A click on a box selects its node
// and zooms to it.
import { memo } from 'react';
import { ViewportPortal } from '@xyflow/react';
import type { Edge, Node } from '@xyflow/react';
import type { Placed } from './layout';

interface Props {
	placed: Placed[];
	nodes: Node[];
	edges: Edge[];
	color: (n: Node) => string;
	onPick: (id: string) => void;
}

function OverviewLayer({ placed, nodes, edges, color, onPick }: Props) {
	const real = placed.filter((p) => p.kind !== 'group');
	if (real.length === 0) return null;
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const at = new Map(real.map((p) => [p.id, p]));
	const minX = Math.min(...real.map((p) => p.x)) - 10;
	const minY = Math.min(...real.map((p) => p.y)) - 10;
	const w = Math.max(...real.map((p) => p.x + p.width)) - minX + 10;
	const h = Math.max(...real.map((p) => p.y + p.height)) - minY + 10;
	let links = '';
	for (const e of edges) {
		const s = at.get(e.source), t = at.get(e.target);
		if (!s || !t || e.className === 'edge-param') continue;
		links += `M${s.x + s.width} ${s.y + s.height / 2}L${t.x} ${t.y + t.height / 2}`;
	}
	return (
		<ViewportPortal>
			<svg
				className="overview"
				data-testid="overview"
				style={{ position: 'absolute', left: minX, top: minY, overflow: 'visible', pointerEvents: 'none' }}
				width={w}
				height={h}
				viewBox={`${minX} ${minY} ${w} ${h}`}
			>
				<path d={links} className="overview-links" />
				{real.map((p) => {
					const n = byId.get(p.id);
					return (
						<rect
							key={p.id}
							data-node={p.id}
							x={p.x}
							y={p.y}
							width={p.width}
							height={p.height}
							rx={p.kind === 'data' ? 18 : 6}
							style={{ fill: n ? color(n) : '#8894a4', pointerEvents: 'all', cursor: 'pointer' }}
							onClick={(ev) => {
								ev.stopPropagation();
								onPick(p.id);
							}}
						/>
					);
				})}
			</svg>
		</ViewportPortal>
	);
}

export const Overview = memo(OverviewLayer);
