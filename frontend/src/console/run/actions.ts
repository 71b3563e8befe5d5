/**
 * The run page's buttons come from the server's `available_actions` (the
 * engine's one action policy): these helpers only sort and group its entries
 * for display. Nothing here decides whether an action applies.
 */
import type { ActionName, AvailableAction, RunDetail } from "../../api/runs";

/** Actions on the whole run, in the order of the run's action bar. */
export const RUN_ACTIONS: readonly ActionName[] = ["retry", "signal", "edit_data", "edit_input", "compensate", "cancel"];
/** Actions on one step, in the order of a step's buttons. */
export const STEP_ACTIONS: readonly ActionName[] = ["retry_step", "force_retry", "skip"];

const order = (list: readonly ActionName[], a: AvailableAction) => {
  const i = list.indexOf(a.action);
  return i < 0 ? list.length : i;
};

/** The run-level entries (a signal entry per waiting signal node), in bar order. */
export function runActions(actions: AvailableAction[]): AvailableAction[] {
  return actions.filter((a) => !STEP_ACTIONS.includes(a.action)).sort((a, b) => order(RUN_ACTIONS, a) - order(RUN_ACTIONS, b));
}

/** A step's entries (both its kinds unless `kind` is given), in button order. */
export function stepActions(actions: AvailableAction[], nodeId: string, kind?: "node" | "compensation"): AvailableAction[] {
  return actions
    .filter((a) => STEP_ACTIONS.includes(a.action) && a.node_id === nodeId && (!kind || a.kind === kind))
    .sort((a, b) => order(STEP_ACTIONS, a) - order(STEP_ACTIONS, b));
}

export interface StepActionGroup {
  nodeId: string;
  kind: "node" | "compensation";
  actions: AvailableAction[];
}

/**
 * Every step that has at least one allowed action, with all its step actions
 * (the refused ones say why), in the server's order of steps.
 */
export function actionableSteps(actions: AvailableAction[]): StepActionGroup[] {
  const groups = new Map<string, StepActionGroup>();
  for (const a of actions) {
    if (!STEP_ACTIONS.includes(a.action) || !a.node_id) continue;
    const kind = a.kind ?? "node";
    const key = `${kind}:${a.node_id}`;
    if (!groups.has(key)) groups.set(key, { nodeId: a.node_id, kind, actions: [] });
    groups.get(key)!.actions.push(a);
  }
  return [...groups.values()]
    .filter((g) => g.actions.some((a) => a.allowed))
    .map((g) => ({ ...g, actions: g.actions.sort((a, b) => order(STEP_ACTIONS, a) - order(STEP_ACTIONS, b)) }));
}

/** The entry for one action on one step, if the server listed it. */
export function findAction(actions: AvailableAction[], action: ActionName, nodeId: string | null, kind?: "node" | "compensation" | null): AvailableAction | undefined {
  return actions.find((a) => a.action === action && a.node_id === nodeId && (kind === undefined || kind === null || a.kind === kind));
}

/** A stable key for an entry (React keys, element ids). */
export function actionKey(a: AvailableAction): string {
  return [a.action, a.kind ?? "", a.node_id ?? ""].join("-").replace(/[^A-Za-z0-9_-]/g, "_");
}

/** Each button opens a confirmation: "Force retry…". */
export function buttonText(a: AvailableAction): string {
  const label = a.label?.trim() || a.action.replace(/_/g, " ");
  return label.endsWith("…") ? label : `${label}…`;
}

/** Succeeded steps that declare a compensation, newest first: what "compensate" would undo (shown in its dialog). */
export function compensable(run: RunDetail): string[] {
  const withComp = new Set(run.spec.nodes.filter((n) => n.compensation).map((n) => n.id));
  const undone = new Set(run.steps.filter((s) => s.kind === "compensation" && s.status === "succeeded").map((s) => s.node_id));
  return run.steps
    .filter((s) => s.kind === "node" && s.status === "succeeded" && withComp.has(s.node_id) && !undone.has(s.node_id))
    .sort((a, b) => (b.completion_order ?? 0) - (a.completion_order ?? 0))
    .map((s) => s.node_id);
}

/** A starting output for "skip": the schema's required properties with empty values of their type. */
export function outputTemplate(schema: { type?: string | string[]; properties?: Record<string, { type?: string | string[] }>; required?: string[] } | null | undefined): unknown {
  if (!schema || schema.type !== "object" || !schema.properties) return {};
  const out: Record<string, unknown> = {};
  for (const key of schema.required ?? []) {
    const t = schema.properties[key]?.type;
    const type = Array.isArray(t) ? t[0] : t;
    out[key] = type === "string" ? "" : type === "number" || type === "integer" ? 0 : type === "boolean" ? false : type === "array" ? [] : type === "object" ? {} : null;
  }
  return out;
}
