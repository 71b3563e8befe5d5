/**
 * One run as the console shows it: the detail from the API plus the events
 * that came after it. Pure functions, so the rules are tested without a
 * browser: events are kept once each in seq order; node and run statuses are
 * the detail's, moved on by every event newer than the detail.
 */
import type { RunDetail, RunEvent } from "../../api/runs";
import { applyEvents, runStatusAfter, statusFromRun, type RunStatusMap } from "../../graph/runStatus";

export interface RunView {
  detail: RunDetail | null;
  /** Ascending seq, no duplicates. */
  events: RunEvent[];
  /** The highest seq in `events` (0 when none). */
  lastSeq: number;
  statuses: RunStatusMap;
  status: string;
}

export const EMPTY_VIEW: RunView = { detail: null, events: [], lastSeq: 0, statuses: {}, status: "" };

/** `events` plus `incoming`, each seq once, ascending. Appending in order is the fast path. */
export function mergeEvents(events: RunEvent[], incoming: RunEvent[]): RunEvent[] {
  if (!incoming.length) return events;
  const last = events.length ? events[events.length - 1].seq : 0;
  let ordered = true;
  let prev = last;
  for (const e of incoming) {
    if (e.seq <= prev) {
      ordered = false;
      break;
    }
    prev = e.seq;
  }
  if (ordered) return events.concat(incoming);
  const bySeq = new Map<number, RunEvent>();
  for (const e of events) bySeq.set(e.seq, e);
  let added = false;
  for (const e of incoming) {
    if (!bySeq.has(e.seq)) {
      bySeq.set(e.seq, e);
      added = true;
    }
  }
  if (!added) return events;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Events newer than the detail (the ones its steps do not show yet). */
function after(events: RunEvent[], seq: number): RunEvent[] {
  let i = events.length;
  while (i > 0 && events[i - 1].seq > seq) i--;
  return events.slice(i);
}

function derive(detail: RunDetail | null, events: RunEvent[]): Pick<RunView, "statuses" | "status"> {
  if (!detail) return { statuses: {}, status: "" };
  const newer = after(events, detail.last_seq);
  return {
    statuses: applyEvents(statusFromRun(detail), newer),
    status: runStatusAfter(detail.status, newer),
  };
}

/** A fresh detail from the API (after load, an action or a step event). */
export function withDetail(view: RunView, detail: RunDetail): RunView {
  // An answer older than what is shown already (requests can cross) is dropped.
  if (view.detail && view.detail.id === detail.id && detail.last_seq < view.detail.last_seq) return view;
  return { ...view, detail, ...derive(detail, view.events) };
}

/** Events from the stream or a page of the events API. */
export function withEvents(view: RunView, incoming: RunEvent[]): RunView {
  const events = mergeEvents(view.events, incoming);
  if (events === view.events) return view;
  const lastSeq = events.length ? events[events.length - 1].seq : 0;
  if (!view.detail) return { ...view, events, lastSeq };
  // Only what is newer than the detail moves the statuses on.
  const fresh = incoming.filter((e) => e.seq > view.detail!.last_seq);
  const inOrder = incoming.every((e) => e.seq > view.lastSeq);
  if (inOrder) {
    return {
      ...view,
      events,
      lastSeq,
      statuses: applyEvents(view.statuses, fresh),
      status: runStatusAfter(view.status, fresh),
    };
  }
  return { ...view, events, lastSeq, ...derive(view.detail, events) };
}

/** Whether an event changes something only a fresh detail shows (attempts, outputs, why). */
export function needsDetail(event: RunEvent): boolean {
  return (
    event.type.startsWith("run.") ||
    event.type.startsWith("operator.") ||
    event.type === "compensation.started" ||
    event.type === "signal.received" ||
    event.type === "join.arrived" ||
    event.type.startsWith("map.") ||   // a map's items started or ended: its progress and item runs
    event.type === "sla.breached" ||   // the detail's sla: badges, the why line, the graph's chip
    (event.type.startsWith("step.") && event.type !== "step.started" && event.type !== "step.scheduled")
  );
}
