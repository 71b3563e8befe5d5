/**
 * The why panel's SLA lines, from the run detail's `sla` (docs/spec.md, "SLA timers"): "SLA breached
 * at 14:03:10: approval not done within 4h" and "SLA at risk: approval due at 14:05:00 (in 1m50s)".
 * Pure: tested with tables. Plain text, rendered as text.
 */
import type { RunSla, SlaState } from "../../api/runs";
import { relative, when, type TimeStyle } from "../format";

/** Seconds as the spec's author wrote them: 5 -> "5s", 90 -> "1m30s", 3600 -> "1h", 93600 -> "1d2h". */
export function withinText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "its time";
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const s = Math.round(seconds);
  const units: [string, number, string, number][] = [["d", 86400, "h", 3600], ["h", 3600, "m", 60], ["m", 60, "s", 1]];
  for (const [unit, size, sub, subSize] of units) {
    if (s >= size) {
      const rest = Math.floor((s % size) / subSize);
      return `${Math.floor(s / size)}${unit}${rest ? `${rest}${sub}` : ""}`;
    }
  }
  return `${s}s`;
}

interface Entry {
  nodeId: string | null;
  state: SlaState | null;
  dueAt: string | null;
  breachedAt: string | null;
  within: number | null;
}

function entries(sla: RunSla): Entry[] {
  return [
    { nodeId: null, state: sla.run_state, dueAt: sla.due_at, breachedAt: sla.breached_at, within: sla.within },
    ...sla.steps.map((s) => ({ nodeId: s.node_id, state: s.state, dueAt: s.due_at, breachedAt: s.breached_at, within: s.within })),
  ];
}

/** One line per SLA breached or at risk: the run's own first, then its steps'. */
export function slaLines(sla: RunSla | null | undefined, now: number, style: TimeStyle = {}): string[] {
  if (!sla) return [];
  const lines: string[] = [];
  for (const e of entries(sla)) {
    if (e.state === "breached" && e.breachedAt) {
      lines.push(`SLA breached at ${when(e.breachedAt, now, style)}: ${e.nodeId ?? "the run"} not done within ${withinText(e.within)}`);
    } else if (e.state === "at_risk" && e.dueAt) {
      lines.push(`SLA at risk: ${e.nodeId ? `${e.nodeId} ` : ""}due at ${when(e.dueAt, now, style)} (${relative(e.dueAt, now)})`);
    }
  }
  return lines;
}

/** The nodes whose step's SLA was breached (their chip on the run's graph). */
export function breachedNodes(sla: RunSla | null | undefined): string[] {
  return sla ? sla.steps.filter((s) => s.state === "breached").map((s) => s.node_id) : [];
}
