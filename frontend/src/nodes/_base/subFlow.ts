/**
 * A sub-flow (docs/spec.md "loop", "map"): the graph a loop runs per iteration and a map per
 * item, each run a child run of its own. Shared by the loop and map models and SubFlowEditor.
 */
import type { SubFlow } from "../../spec/types";

/** Who runs the sub-flow, for the words around it: the loop's iterations, the map's item runs. */
export interface SubFlowOwner {
  /** The node type, as in "the loop's input". */
  node: string;
  /** What one run of the sub-flow is for, as in "Each iteration runs this graph". */
  each: string;
  /** One run of the sub-flow, as in "an item run's steps are not undone". */
  run: string;
}

/** The smallest valid sub-flow: a start node joined to an end node. */
export function defaultSubFlow(): SubFlow {
  return {
    nodes: [
      { id: "start", type: "start" },
      { id: "end", type: "end" },
    ],
    edges: [{ id: "e_start_end", source: "start", target: "end" }],
  };
}

/** "3 nodes", "1 node". */
export function nodeCount(flow: SubFlow | undefined): string {
  const n = Array.isArray(flow?.nodes) ? flow.nodes.length : 0;
  return `${n} node${n === 1 ? "" : "s"}`;
}

/** Problems of the sub-flow visible without the server (it checks the rest). */
export function subFlowProblems(flow: SubFlow | undefined, owner: SubFlowOwner): string[] {
  if (!flow || !Array.isArray(flow.nodes) || !Array.isArray(flow.edges)) return ["The sub-flow needs nodes and edges"];
  const out: string[] = [];
  if (!flow.nodes.some((n) => n?.type === "start")) out.push("The sub-flow needs a start node");
  if (!flow.nodes.some((n) => n?.type === "end")) out.push("The sub-flow needs an end node");
  for (const n of flow.nodes) {
    if (n && typeof n === "object" && "compensation" in n) {
      out.push(`Sub-flow step ${n.id} has a compensation: an ${owner.run}'s steps are not undone (undo them in a step after the ${owner.node})`);
    }
  }
  return out;
}

export type ParsedSubFlow = { ok: true; flow: SubFlow } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The sub-flow typed as JSON, checked for its shape only (an object with lists of node and
 * edge objects): the server checks the rest, as it does for a spec.
 */
export function parseSubFlow(text: string): ParsedSubFlow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isObject(value)) return { ok: false, error: 'The sub-flow must be an object: {"nodes": [...], "edges": [...]}' };
  if (!Array.isArray(value.nodes)) return { ok: false, error: '"nodes" must be a list of nodes' };
  if (!Array.isArray(value.edges)) return { ok: false, error: '"edges" must be a list of edges' };
  if (!value.nodes.every(isObject)) return { ok: false, error: "Each node must be an object" };
  if (!value.edges.every(isObject)) return { ok: false, error: "Each edge must be an object" };
  return { ok: true, flow: value as unknown as SubFlow };
}

/** The sub-flow as the inspector shows it: pretty-printed JSON. */
export function formatSubFlow(flow: SubFlow | undefined): string {
  return flow === undefined ? "" : JSON.stringify(flow, null, 2);
}
