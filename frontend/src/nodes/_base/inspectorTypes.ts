/** What the designer hands every node type's Inspector.tsx (designer/Inspector.tsx builds it). */
import type { Activity, FinalError } from "../../api/definitions";
import type { NodeFields } from "../../spec/types";

export interface InspectorContext {
  activities: Activity[];
  /** Every node on the canvas (for join's fork, suggestions). */
  nodes: { id: string; type: string; label?: string }[];
  /** Expression suggestions: input, data.<earlier node>, run.*. */
  suggestions: string[];
  definitionKeys: string[];
  /** What an attempt of node type `type` fails with at once, whatever its retry policy (the server's list). */
  finalErrors(type: string): FinalError[];
  /** Keep edges in step with a renamed or removed choice rule. */
  renameBranch(from: string, to: string): void;
  dropBranch(branch: string): void;
}

export interface InspectorProps {
  id: string;
  data: NodeFields;
  /** Change this node's fields; `coalesce` groups keystrokes into one undo step. */
  update(fn: (f: NodeFields) => NodeFields, coalesce?: string): void;
  ctx: InspectorContext;
}
