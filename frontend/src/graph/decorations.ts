/**
 * What the canvas draws on top of the graph: validation problems, a run's
 * per-node status, a diff. One context read by every node view, so the nodes
 * themselves stay plain spec data.
 */
import { createContext, useContext } from "react";
import type { SpecError } from "../spec/types";
import type { RunStatusMap } from "./runStatus";

export type DiffMark = "added" | "removed" | "changed" | "moved";
export interface DiffMarks {
  nodes: Map<string, DiffMark>;
  edges: Map<string, DiffMark>;
}

export interface Decorations {
  readOnly: boolean;
  errorsByNode: Map<string, SpecError[]>;
  errorsByEdge: Map<string, SpecError[]>;
  runStatus: RunStatusMap | null;
  diff: Map<string, DiffMark> | null;
}

export const EMPTY_DECORATIONS: Decorations = {
  readOnly: false,
  errorsByNode: new Map(),
  errorsByEdge: new Map(),
  runStatus: null,
  diff: null,
};

export const DecorationsContext = createContext<Decorations>(EMPTY_DECORATIONS);

export function useDecorations(): Decorations {
  return useContext(DecorationsContext);
}

export function groupErrors(errors: SpecError[]): Pick<Decorations, "errorsByNode" | "errorsByEdge"> {
  const errorsByNode = new Map<string, SpecError[]>();
  const errorsByEdge = new Map<string, SpecError[]>();
  for (const e of errors) {
    if (e.edge_id) errorsByEdge.set(e.edge_id, [...(errorsByEdge.get(e.edge_id) ?? []), e]);
    else if (e.node_id) errorsByNode.set(e.node_id, [...(errorsByNode.get(e.node_id) ?? []), e]);
  }
  return { errorsByNode, errorsByEdge };
}
