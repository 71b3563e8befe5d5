/** Per-node run status for drawing a run on its graph (designer test runs, the console). */
import { TERMINAL, type RunDetail, type RunEvent, type StepStatus } from "../api/runs";

export interface NodeRunStatus {
  status: StepStatus;
  attempt: number;
  /** The status of this node's compensation step, when it has one. */
  compensation?: StepStatus;
}

export type RunStatusMap = Record<string, NodeRunStatus>;

/** Failed runs are not finished: an operator may still retry or compensate them. */
export function isRunFinished(status: string | undefined): boolean {
  return !!status && TERMINAL.has(status);
}

/** Statuses from a run's steps (the last step per node and kind wins). */
export function statusFromRun(run: Pick<RunDetail, "steps">): RunStatusMap {
  const map: RunStatusMap = {};
  for (const step of run.steps ?? []) {
    const current = map[step.node_id];
    if (step.kind === "compensation") {
      map[step.node_id] = { ...(current ?? { status: "succeeded", attempt: 1 }), compensation: step.status };
    } else {
      map[step.node_id] = { ...current, status: step.status, attempt: Math.max(step.attempt ?? 1, 1) };
    }
  }
  return map;
}

/** Apply step events ("step.*") in seq order; other events are ignored here. */
export function applyEvents(map: RunStatusMap, events: RunEvent[]): RunStatusMap {
  let next = map;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (!event.type.startsWith("step.") || !event.node_id || !event.payload?.status) continue;
    const status = event.payload.status as StepStatus;
    const current = next[event.node_id];
    next = next === map ? { ...map } : next;
    if (event.payload.kind === "compensation") {
      next[event.node_id] = { ...(current ?? { status: "succeeded", attempt: 1 }), compensation: status };
    } else {
      const attempt = typeof event.payload.attempt === "number" ? event.payload.attempt : current?.attempt ?? 1;
      next[event.node_id] = { ...current, status, attempt };
    }
  }
  return next;
}

/** The run's own status after these events ("run.*" and "compensation.started"), or `current`. */
export function runStatusAfter(current: string, events: RunEvent[]): string {
  let status = current;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if ((event.type.startsWith("run.") || event.type === "compensation.started") && event.payload?.status) {
      status = String(event.payload.status);
    }
  }
  return status;
}
