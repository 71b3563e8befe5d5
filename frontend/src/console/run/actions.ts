/**
 * Which operator actions apply to a run or a step right now, and why not
 * when they do not: the same rules as engine/services/runs.py, so a button is
 * enabled only when the server would accept it (it checks again anyway).
 */
import type { RunDetail, Step } from "../../api/console";

export type RunActionKind = "retry" | "compensate" | "cancel" | "signal" | "data";
export type StepActionKind = "retry_step" | "skip";
export type ActionKind = RunActionKind | StepActionKind;

const TERMINAL = ["completed", "compensated", "cancelled"];

/** null when the action applies; else the reason it does not. */
export function runActionBlocked(kind: RunActionKind, run: RunDetail, status: string = run.status): string | null {
  switch (kind) {
    case "retry":
      return ["failed", "compensation_failed"].includes(status) ? null : `the run is ${status}; only a failed run can be retried`;
    case "compensate":
      return ["running", "waiting", "failed", "compensation_failed", "pending"].includes(status)
        ? null
        : `the run is ${status}; only a running, waiting or failed run can be compensated`;
    case "cancel":
      return TERMINAL.includes(status) ? `the run is already ${status}` : null;
    case "data":
      return TERMINAL.includes(status) ? `the run is ${status}; its data can no longer change` : null;
    case "signal":
      if (TERMINAL.includes(status)) return `the run is ${status}`;
      return waitingSignals(run).length ? null : "no step is waiting for a signal";
  }
}

/** The step an action on `nodeId` acts on: its compensation while the run's compensation failed. */
export function stepFor(run: RunDetail, nodeId: string, status: string = run.status): Step | undefined {
  const steps = run.steps.filter((s) => s.node_id === nodeId);
  if (status === "compensation_failed") return steps.find((s) => s.kind === "compensation") ?? steps.find((s) => s.kind === "node");
  return steps.find((s) => s.kind === "node");
}

export function stepActionBlocked(kind: StepActionKind, run: RunDetail, nodeId: string, status: string = run.status): string | null {
  if (kind === "retry_step") {
    const step = stepFor(run, nodeId, status);
    if (!step) return `step ${nodeId} has not run`;
    if (!["failed", "scheduled"].includes(step.status)) return `step ${nodeId} is ${step.status}; only a failed or scheduled step can be retried`;
    if (step.kind === "node" && !["failed", "running", "waiting"].includes(status)) return `the run is ${status}`;
    return null;
  }
  const step = run.steps.find((s) => s.node_id === nodeId && s.kind === "node");
  if (!step) return `step ${nodeId} has not run`;
  if (!["failed", "scheduled", "waiting"].includes(step.status)) return `step ${nodeId} is ${step.status}; only a failed, scheduled or waiting step can be skipped`;
  if (!["failed", "running", "waiting"].includes(status)) return `the run is ${status}`;
  return null;
}

export interface WaitingSignal {
  nodeId: string;
  signal: string;
  since: string | null;
  timeoutAt: string | null;
}

export function waitingSignals(run: RunDetail): WaitingSignal[] {
  return run.steps
    .filter((s) => s.kind === "node" && s.node_type === "signal" && s.status === "waiting")
    .map((s) => ({
      nodeId: s.node_id,
      signal: String(run.spec.nodes.find((n) => n.id === s.node_id)?.signal ?? ""),
      since: s.scheduled_at,
      timeoutAt: s.next_attempt_at,
    }));
}

/** Succeeded steps that declare a compensation, newest first: what "compensate" would undo. */
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
