/**
 * "What it is waiting for", one line per open (or failed) step, written from
 * the fields of the API's `why_details` at `now`: durations and countdowns
 * stay true while the page is open (the server's own `text` is frozen at the
 * moment it was written and is only the fallback). Pure: tested with tables.
 */
import type { FailurePolicy, WhyDetail } from "../../api/runs";
import { duration, humanizeTimes, relative, when, type TimeStyle } from "../format";

/** Text, or a timestamp (rendered with its ISO in a title). */
export type WhyPart = string | { iso: string; text: string };

export interface WhyLine {
  nodeId: string;
  kind: "node" | "compensation";
  status: string;
  /** "charge" or "compensation of charge". */
  subject: string;
  parts: WhyPart[];
  /** The step is held by a dead worker (or its lease ran out): offer its force retry here. */
  offerForceRetry: boolean;
}

export interface WhyContext {
  now: number;
  /** The spec node's type ("signal", "wait", "join", ...). */
  nodeType?: string;
  /** The signal a signal node waits for. */
  signal?: string;
  /** The step's last error message (for a step that failed for good). */
  errorMessage?: string;
  style?: TimeStyle;
}

/** "after the last: compensate (undo reserve, charge)". */
export function afterLastText(policy: FailurePolicy | null, compensations: string[]): string {
  switch (policy) {
    case "compensate":
      return `after the last: compensate (${compensations.length ? `undo ${compensations.join(", ")}` : "nothing to undo"})`;
    case "incident":
      return "after the last: incident (the run waits for an operator; nothing is undone)";
    case "fail":
      return "after the last: fail (the run ends aborted; nothing is undone)";
    default:
      return "";
  }
}

/** "attempt 5 of 20", "attempt 5". */
function attemptOf(d: WhyDetail): string {
  return `attempt ${d.attempt}${d.max_attempts ? ` of ${d.max_attempts}` : ""}`;
}

const t = (iso: string, c: WhyContext): WhyPart => ({ iso, text: when(iso, c.now, c.style) });
const isFuture = (iso: string | null, now: number) => !!iso && Date.parse(iso) > now;
const isPast = (iso: string | null, now: number) => !!iso && Date.parse(iso) <= now;
const forHowLong = (iso: string | null, now: number) => (iso && !Number.isNaN(Date.parse(iso)) ? ` for ${duration(now - Date.parse(iso))}` : "");

export function whyLine(d: WhyDetail, c: WhyContext): WhyLine {
  const { now } = c;
  const line: WhyLine = {
    nodeId: d.node_id,
    kind: d.kind,
    status: d.status,
    subject: d.kind === "compensation" ? `compensation of ${d.node_id}` : d.node_id,
    parts: [],
    offerForceRetry: false,
  };
  const p = line.parts;
  const error = d.error_type ? ` (${d.error_type})` : "";

  switch (d.status) {
    case "scheduled":
      if (d.attempt >= 1 && isFuture(d.at, now)) {
        // The countdown: attempt 5 of 20 failed (ShopUnavailable); next at 14:03:10 (in 12s); after the last: ...
        p.push(`${attemptOf(d)} failed${error}; next at `, t(d.at!, c), ` (${relative(d.at!, now)})`);
        const last = d.max_attempts !== null && d.attempt < d.max_attempts ? afterLastText(d.after_last, d.compensations) : "";
        if (last) p.push(`; ${last}`);
      } else if (d.since || d.at) {
        const due = isPast(d.at, now) ? d.at! : d.since!;
        p.push("due since ", t(due, c), `, not taken by a worker${forHowLong(due, now)}`);
      } else {
        p.push("scheduled, waiting for a worker");
      }
      break;
    case "running":
      if (d.worker_alive === false) {
        line.offerForceRetry = true;
        p.push(`worker ${d.worker ?? "?"} ${d.worker_last_seen ? `last seen ${relative(d.worker_last_seen, now)}` : "is not beating"}; retry it now`);
      } else if (isPast(d.at, now)) {
        line.offerForceRetry = true;
        p.push(`lease expired on worker ${d.worker ?? "?"} at `, t(d.at!, c), ` (${relative(d.at!, now)})`);
      } else {
        p.push(`running${d.attempt > 1 ? ` (${attemptOf(d)})` : ""} on worker ${d.worker ?? "?"}${forHowLong(d.since, now)}`);
        if (d.at) p.push("; lease until ", t(d.at, c));
      }
      break;
    case "waiting":
      if (c.nodeType === "signal") {
        p.push(`awaiting signal ${c.signal ?? "?"}${forHowLong(d.since, now)}`);
        if (d.at) p.push(" (times out at ", t(d.at, c), `, ${relative(d.at, now)})`);
        else p.push(" (no timeout)");
      } else if (c.nodeType === "wait" && d.at) {
        p.push("waiting until ", t(d.at, c), ` (${relative(d.at, now)})`);
      } else if (c.nodeType === "subworkflow") {
        p.push(`waiting for its child run${forHowLong(d.since, now)}`);
      } else if (c.nodeType === "join") {
        p.push(`waiting for its branches${forHowLong(d.since, now)}`);
      } else {
        p.push(d.text ? humanizeTimes(stripSubject(d.text, d.node_id), now, c.style) : `waiting${forHowLong(d.since, now)}`);
      }
      break;
    case "failed": {
      const detail = [d.error_type, c.errorMessage].filter(Boolean).join(": ");
      p.push(`${attemptOf(d)} failed${detail ? ` (${detail})` : ""}`);
      if (d.kind === "node" && d.after_last === "incident") p.push("; the run waits for an operator (nothing undone)");
      break;
    }
    default:
      p.push(d.text ? humanizeTimes(stripSubject(d.text, d.node_id), now, c.style) : d.status.replace(/_/g, " "));
  }
  return line;
}

/** The server's sentences start "node: ..."; the line shows the subject itself. */
function stripSubject(text: string, nodeId: string): string {
  return text.startsWith(`${nodeId}: `) ? text.slice(nodeId.length + 2) : text;
}

/** A line as plain text (tests, titles). */
export function lineText(line: WhyLine): string {
  return `${line.subject}: ${line.parts.map((x) => (typeof x === "string" ? x : x.text)).join("")}`;
}

/**
 * The stuck flag, live: "stuck for 2m03s (flagged at 14:03:10); no progress
 * for 7m03s (since 13:58:10)". The scheduler's reason is frozen at flag time
 * and is shown as such, apart.
 */
export function stuckParts(run: { stuck_since: string | null; last_progress_at: string | null }, c: Pick<WhyContext, "now" | "style">): WhyPart[] {
  const parts: WhyPart[] = [];
  if (run.stuck_since) parts.push(`stuck${forHowLong(run.stuck_since, c.now)} (flagged at `, { iso: run.stuck_since, text: when(run.stuck_since, c.now, c.style) }, ")");
  else parts.push("stuck");
  if (run.last_progress_at) {
    parts.push(`; no progress${forHowLong(run.last_progress_at, c.now)} (since `, { iso: run.last_progress_at, text: when(run.last_progress_at, c.now, c.style) }, ")");
  }
  return parts;
}
