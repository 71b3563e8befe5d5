/** Spec <-> canvas graph (@xyflow/react nodes and edges), both ways, lossless. */
import type { Edge, Node } from "@xyflow/react";
import { DEFAULT_BRANCH, type NodeFields, type NodeType, type Spec, type SpecEdge, type SpecNode } from "./types";

export type FlowNode = Node<NodeFields, NodeType>;
export type EdgeData = { branch: string; label?: string };
export type FlowEdge = Edge<EdgeData>;

export interface Graph {
  nodes: FlowNode[];
  edges: FlowEdge[];
  settings?: Spec["settings"];
}

/** Ids of the source handles a node shows: one per outgoing branch it may have. */
export function sourceHandles(type: NodeType, fields: NodeFields): string[] {
  switch (type) {
    case "end":
    case "fail":
      return [];
    case "choice":
      return [...(fields.rules ?? []).map((r) => r.id), "default"];
    case "signal":
      return ["next", "timeout"];
    default:
      return ["next"];
  }
}

/** Whether a node type accepts incoming edges. */
export function hasTarget(type: NodeType): boolean {
  return type !== "start";
}

/** The branch an edge stands for (the spec's `branch`, "next" when absent). */
export function edgeBranch(edge: FlowEdge): string {
  return edge.data?.branch ?? edge.sourceHandle ?? DEFAULT_BRANCH;
}

/** The handle an edge with `branch` leaves `node` from; null when the node has no such handle. */
export function handleFor(node: Pick<FlowNode, "type" | "data"> | undefined, branch: string): string | null {
  if (!node?.type) return null;
  const handles = sourceHandles(node.type, node.data);
  if (node.type === "parallel") return "next"; // every parallel branch leaves the one handle
  return handles.includes(branch) ? branch : null;
}

export function specNodeToFlow(node: SpecNode, position = node.position): FlowNode {
  const { id, type, position: _ignored, ...fields } = node;
  return { id, type, position: position ?? { x: 0, y: 0 }, data: fields };
}

export function specEdgeToFlow(edge: SpecEdge, source?: Pick<FlowNode, "type" | "data">): FlowEdge {
  const branch = edge.branch ?? DEFAULT_BRANCH;
  const data: EdgeData = { branch };
  if (edge.label !== undefined) data.label = edge.label;
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: handleFor(source, branch),
    data,
  };
}

/** A spec as canvas nodes and edges. `needsLayout` is true when some node had no position. */
export function specToGraph(spec: Pick<Spec, "nodes" | "edges" | "settings">): Graph & { needsLayout: boolean } {
  const nodes = (spec.nodes ?? []).map((n) => specNodeToFlow(n));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = (spec.edges ?? []).map((e) => specEdgeToFlow(e, byId.get(e.source)));
  const needsLayout = (spec.nodes ?? []).some((n) => !n.position);
  return { nodes, edges, settings: spec.settings, needsLayout };
}

/** Drop keys whose value is undefined, recursively through plain objects. */
export function pruneUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(pruneUndefined) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = pruneUndefined(v);
    return out as T;
  }
  return value;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function flowNodeToSpec(node: FlowNode): SpecNode {
  return pruneUndefined({
    id: node.id,
    type: node.type as NodeType,
    ...node.data,
    position: { x: round(node.position.x), y: round(node.position.y) },
  });
}

export function flowEdgeToSpec(edge: FlowEdge): SpecEdge {
  const out: SpecEdge = { id: edge.id, source: edge.source, target: edge.target };
  const branch = edgeBranch(edge);
  if (branch !== DEFAULT_BRANCH) out.branch = branch;
  if (edge.data?.label !== undefined && edge.data.label !== "") out.label = edge.data.label;
  return out;
}

/** Canvas nodes and edges as a spec; ghost nodes and edges (diff previews) are left out. */
export function graphToSpec(graph: Graph): Spec {
  const spec: Spec = {
    schema_version: 1,
    nodes: graph.nodes.filter((n) => !isGhost(n)).map(flowNodeToSpec),
    edges: graph.edges.filter((e) => !isGhost(e)).map(flowEdgeToSpec),
  };
  if (graph.settings && Object.keys(graph.settings).length) spec.settings = graph.settings;
  return spec;
}

export function isGhost(item: { id: string }): boolean {
  return item.id.startsWith("__ghost__");
}

/** A fresh id from `base` (made a valid spec id) not in `taken`. */
export function uniqueId(base: string, taken: Set<string>): string {
  let stem = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z_])/, "_$1").slice(0, 56) || "node";
  stem = stem.replace(/_+/g, "_").replace(/_$/, "") || "node";
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** An edge id for source -> target, unique among `taken`. */
export function edgeId(source: string, target: string, taken: Set<string>): string {
  return uniqueId(`e_${source}_${target}`, taken);
}
