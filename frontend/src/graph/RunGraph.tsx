/**
 * A pinned version's graph drawn read-only with a run's status per node: the
 * designer's FlowCanvas and node views, nothing of its own. Laid out by dagre
 * only when the spec carries no positions; a code run's graph (its steps so
 * far), placed by the server, is laid out here only when it was not (spec/code.ts).
 */
import type { NodeMouseHandler } from "@xyflow/react";
import { useMemo } from "react";
import { isCodeSpec, layoutCode, needsCodeLayout, type AnySpec } from "../spec/code";
import { specToGraph, type FlowEdge, type FlowNode } from "../spec/graph";
import { layoutNodes } from "../spec/layout";
import { FlowCanvas } from "./FlowCanvas";
import type { RunStatusMap } from "./runStatus";

export interface RunGraphProps {
  spec: AnySpec;
  runStatus: RunStatusMap;
  selected?: string | null;
  onSelect?(nodeId: string | null): void;
}

export function RunGraph({ spec, runStatus, selected = null, onSelect }: RunGraphProps) {
  const graph = useMemo(() => {
    const g = specToGraph(spec);
    const code = isCodeSpec(spec) && needsCodeLayout(spec);
    const nodes = code ? layoutCode(g.nodes) : g.needsLayout ? layoutNodes(g.nodes, g.edges) : g.nodes;
    return { nodes, edges: g.edges };
  }, [spec]);
  const nodes = useMemo<FlowNode[]>(
    () => graph.nodes.map((n) => (n.id === selected ? { ...n, selected: true } : n)),
    [graph.nodes, selected],
  );
  // Clicks only (FlowCanvas's read-only settings still win over anything editing).
  const interaction = useMemo(() => {
    const onNodeClick: NodeMouseHandler<FlowNode> = (_, node) => onSelect?.(node.id);
    return { onNodeClick, onPaneClick: () => onSelect?.(null) };
  }, [onSelect]);
  // Where the run is: the node most recently active (running, waiting, failed), for the first view.
  const focus = useMemo(() => selected ?? activeNode(runStatus), [selected, runStatus]);
  return (
    <FlowCanvas nodes={nodes} edges={graph.edges as FlowEdge[]} readOnly runStatus={runStatus} editing={interaction} firstView="readable" focus={focus} />
  );
}

const ACTIVE = ["failed", "running", "waiting"];

/** The node a run is at: a failed one first, then one running or waiting; null before any. */
export function activeNode(runStatus: RunStatusMap): string | null {
  for (const status of ACTIVE) {
    const hit = Object.entries(runStatus).find(([, s]) => s.status === status);
    if (hit) return hit[0];
  }
  return null;
}
