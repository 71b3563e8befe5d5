/**
 * Code workflows (engine/workflows): a flow written as a Python function. Its
 * version's spec says `"kind": "code"` and carries the function's source; a
 * code run's spec (from the run detail) is a graph made of the steps the run
 * has made so far, each node recording the call that made it. `kind === "code"`
 * is the one test: graph specs have no `kind`.
 */
import type { FlowNode } from "./graph";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";
import type { NodeFields, Spec } from "./types";

export interface CodeFields {
  kind: "code";
  /** The workflow's name (its definition key). */
  workflow: string;
  /** The version label of the function (`@workflow(..., version="2026-12-01")`). */
  code_version: string;
  module?: string;
  /** The function's Python source: shown as text, never run or rendered as HTML. */
  source?: string;
}

/** A code workflow's spec: no schema_version, nodes and edges only as its run made them. */
export type CodeSpec = Omit<Spec, "schema_version"> & CodeFields;

/** A spec as the API hands a run's back: a graph version's, or a code run's. */
export type AnySpec = Spec | CodeSpec;

/** The call that made a code run's node: its position in the function, and its epoch (same epoch: parallel calls). */
export interface CodeCall {
  pos: number;
  call: string;
  epoch: number;
}

export function isCodeSpec(spec: unknown): spec is CodeSpec {
  return !!spec && typeof spec === "object" && (spec as { kind?: unknown }).kind === "code";
}

/** The call recorded on a code run's node (null for a graph node, whose `code` is a fail node's error code). */
export function codeCall(fields: NodeFields): CodeCall | null {
  const code = (fields as { code?: unknown }).code;
  if (!code || typeof code !== "object") return null;
  const c = code as Partial<CodeCall>;
  return typeof c.pos === "number" ? { pos: c.pos, call: String(c.call ?? ""), epoch: Number(c.epoch ?? 0) } : null;
}

const COLUMN_GAP = 80;
const ROW_GAP = 30;

/**
 * Columns for a code run's nodes when the server gave none, left to right in call order: the calls of
 * one epoch (made before the function waited on any of them) side by side in
 * one column; a "workflow" node (the code failed there) a column of its own;
 * start first and end last. Pure: the same nodes always land in the same place.
 */
export function codeColumns(nodes: FlowNode[]): FlowNode[][] {
  const start = nodes.filter((n) => n.type === "start" && !codeCall(n.data));
  const end = nodes.filter((n) => n.type === "end" && !codeCall(n.data));
  const others = nodes.filter((n) => !start.includes(n) && !end.includes(n));
  const calls = others.filter((n) => codeCall(n.data)).sort((a, b) => codeCall(a.data)!.pos - codeCall(b.data)!.pos);
  const loose = others.filter((n) => !codeCall(n.data));
  const columns: FlowNode[][] = start.length ? [start] : [];
  let last: { epoch: number; alone: boolean } | null = null;
  for (const n of calls) {
    const epoch = codeCall(n.data)!.epoch;
    const alone = (n.type as string) === "workflow";
    if (last && !alone && !last.alone && last.epoch === epoch) columns[columns.length - 1].push(n);
    else columns.push([n]);
    last = { epoch, alone };
  }
  for (const n of loose) columns.push([n]);
  if (end.length) columns.push(end);
  return columns;
}

/**
 * Whether a code run's graph must be laid out here: the server places its nodes
 * (engine/selectors/code.py), but a node without a place, or two in one place,
 * means it did not.
 */
export function needsCodeLayout(spec: Pick<CodeSpec, "nodes">): boolean {
  const seen = new Set<string>();
  for (const n of spec.nodes) {
    if (!n.position) return true;
    const at = `${n.position.x},${n.position.y}`;
    if (seen.has(at)) return true;
    seen.add(at);
  }
  return false;
}

export function layoutCode(nodes: FlowNode[]): FlowNode[] {
  const at = new Map<string, { x: number; y: number }>();
  codeColumns(nodes).forEach((column, i) => {
    column.forEach((n, j) => {
      const y = (j - (column.length - 1) / 2) * (NODE_HEIGHT + ROW_GAP);
      at.set(n.id, { x: i * (NODE_WIDTH + COLUMN_GAP), y: Math.round(y) });
    });
  });
  return nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position }));
}
