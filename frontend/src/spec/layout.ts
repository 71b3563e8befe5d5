/** Automatic layout (dagre, left to right). */
import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode } from "./graph";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 64;

/** New positions for every node, keyed by id; nodes keep their order. */
export function layoutPositions(nodes: FlowNode[], edges: FlowEdge[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    g.setNode(n.id, {
      width: n.measured?.width ?? NODE_WIDTH,
      height: n.measured?.height ?? NODE_HEIGHT,
    });
  }
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id);
    const w = n.measured?.width ?? NODE_WIDTH;
    const h = n.measured?.height ?? NODE_HEIGHT;
    out.set(n.id, { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) });
  }
  return out;
}

export function layoutNodes(nodes: FlowNode[], edges: FlowEdge[]): FlowNode[] {
  const pos = layoutPositions(nodes, edges);
  return nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
}
