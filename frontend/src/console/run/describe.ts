/** One readable line per run event for the timeline (plain text: rendered as text). */
import { versionLabel } from "../../api/definitions";
import type { RunEvent } from "../../api/runs";
import { clock } from "../format";
import { describeEdit } from "../data/diff";

type Payload = Record<string, unknown>;

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

function errorText(error: unknown): string {
  if (!error || typeof error !== "object") return "";
  const e = error as Payload;
  return [str(e.type), str(e.message)].filter(Boolean).join(": ");
}

/** "compensation of charge" / "charge". */
function subject(event: RunEvent): string {
  const node = event.node_id || "";
  return event.payload?.kind === "compensation" ? `compensation of ${node}` : node;
}

export type EventTone = "ok" | "bad" | "warn" | "info" | "operator" | "muted";

export function eventTone(event: RunEvent): EventTone {
  const t = event.type;
  if (t.startsWith("operator.") || t === "signal.received" || t === "signal.buffered") return "operator";
  if (t === "run.completed" || t === "step.succeeded" || t === "run.compensated") return "ok";
  if (t === "run.failed" || t === "run.aborted" || t === "step.failed" || t === "run.compensation_failed" || t === "step.timed_out") return "bad";
  if (t === "run.stuck" || t === "step.retry_scheduled" || t === "compensation.started" || t === "run.cancelled") return "warn";
  if (t === "step.scheduled" || t === "join.arrived") return "muted";
  return "info";
}

export function describeEvent(event: RunEvent): string {
  const p = (event.payload ?? {}) as Payload;
  const who = subject(event);
  const attempt = typeof p.attempt === "number" && p.attempt > 0 ? ` (attempt ${p.attempt})` : "";
  switch (event.type) {
    case "run.created":
      return `run created on ${str(p.definition)} ${typeof p.version === "number" ? versionLabel(p.version) : `v${str(p.version)}`}${p.business_key ? ` for ${str(p.business_key)}` : ""}`;
    case "run.stuck":
      return `flagged stuck: ${str(p.reason)}`;
    case "run.aborted":
      return `run aborted: failed, nothing undone${p.error ? ` (${errorText(p.error)})` : ""}`;
    case "compensation.started":
      return "compensation started: undoing what succeeded, in reverse order";
    case "step.scheduled":
      return `${who} scheduled${p.manual ? " by an operator" : ""}`;
    case "step.started":
      return `${who} started${attempt}${p.worker ? ` on ${str(p.worker)}` : ""}`;
    case "step.succeeded":
      return `${who} succeeded${attempt}`;
    case "step.failed":
      return `${who} failed${attempt}${p.final === false ? "" : " for good"}: ${errorText(p.error)}`;
    case "step.timed_out":
      return `${who} timed out${attempt}: ${errorText(p.error)}`;
    case "step.retry_scheduled":
      return p.next_attempt_at
        ? `${who} retry at ${clock(str(p.next_attempt_at))}${typeof p.delay === "number" ? ` (a ${p.delay}s backoff)` : ""} after attempt ${str(p.attempt)}`
        : `${who} retry scheduled after attempt ${str(p.attempt)}`;
    case "step.waiting":
      if (p.signal) return `${who} waiting for signal ${str(p.signal)}`;
      if (p.until) return `${who} waiting until ${clock(str(p.until))}`;
      if (p.child_run_id) return `${who} waiting for child run ${str(p.child_run_id)}`;
      return `${who} waiting`;
    case "step.skipped":
      return `${who} skipped${attempt}`;
    case "step.cancelled":
      return `${who} cancelled`;
    case "join.arrived":
      return `${who}: ${str(p.arrivals)} of ${str(p.needed)} branches arrived`;
    case "signal.received":
      return `signal ${str(p.signal)} received by ${who}`;
    case "signal.buffered":
      return `signal ${str(p.signal)} received before its step: kept until the run reaches it`;
    case "signal.consumed":
      return `kept signal ${str(p.signal)} taken by ${who}`;
    case "operator.retry":
      return event.node_id ? `retry of step ${event.node_id} requested` : `retry from the failed step${p.kind === "compensation" ? " (compensation)" : ""} requested`;
    case "operator.skip":
      return `step ${event.node_id} skipped with an output`;
    case "operator.cancel":
      return "cancel requested";
    case "operator.compensate":
      return "compensation requested";
    case "operator.force_retry":
      return `forced a new attempt of step ${event.node_id}${p.worker ? ` (worker ${str(p.worker)} held it)` : ""}`;
    case "operator.data_edited":
      return describeEdit("data", p);
    case "operator.input_edited":
      return describeEdit("input", p);
  }
  if (event.type.startsWith("run.")) {
    return `run ${str(p.status) || event.type.slice(4)}${p.previous ? ` (was ${str(p.previous)})` : ""}${p.error ? `: ${errorText(p.error)}` : ""}`;
  }
  return `${event.type}${who ? ` ${who}` : ""}`;
}

/**
 * Who did it, as the server records it: "by ana: card updated" for a person,
 * "system" (with its reason, if any) for the engine itself; nothing when the
 * event names no actor. Never guessed from who started the run.
 */
export function describeActor(event: RunEvent): string {
  const actor = event.actor?.trim();
  if (!actor) return "";
  if (actor === "system") return event.reason ? `system: ${event.reason}` : "system";
  return event.reason ? `by ${actor}: ${event.reason}` : `by ${actor}`;
}
