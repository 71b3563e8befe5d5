/**
 * What the canvas knows of node types that have no folder of their own: the
 * code-only ones a code run's graph has ("value", "workflow"; engine/nodes/code.py),
 * and any type this build does not know (a newer server's), drawn plainly
 * rather than not at all.
 */
import { Circle, Code, Variable } from "lucide-react";
import { codeCall } from "../../spec/code";
import type { NodeFields } from "../../spec/types";
import type { NodeMeta } from "../types";

/** What BaseNode draws of a type. */
export type ViewMeta = Pick<NodeMeta, "title" | "icon" | "summary">;

const callSummary = (f: NodeFields) => codeCall(f)?.call ?? "";

export const CODE_ONLY_META: Record<string, ViewMeta> = {
  /** A value the function took and a replay must see again (ctx.now(), uuid(), random(), patched()). */
  value: { title: "Value", icon: Variable, summary: callSummary },
  /** The function failed here, or no longer matches the run's history: its step has the error. */
  workflow: { title: "Workflow code", icon: Code, summary: () => "the workflow function itself" },
};

const unknownMetas = new Map<string, ViewMeta>();

/** The meta of a code-only type, or a plain one titled with the type's name. */
export function genericMeta(type: string | undefined): ViewMeta {
  const name = type || "node";
  const known = CODE_ONLY_META[name];
  if (known) return known;
  let meta = unknownMetas.get(name);
  if (!meta) {
    meta = { title: name, icon: Circle, summary: callSummary };
    unknownMetas.set(name, meta);
  }
  return meta;
}
