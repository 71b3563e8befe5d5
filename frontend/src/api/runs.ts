/** Runs: test runs from the designer, a run's state, and its live event stream. */
import type { Spec } from "../spec/types";
import { get, post } from "./client";

export type StepStatus = "scheduled" | "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled";

/**
 * engine.states.RunStatus.TERMINAL: nothing more happens to these runs. The
 * one list the designer and the console share (`failed` is not in it: it
 * waits for an operator).
 */
export const TERMINAL: ReadonlySet<string> = new Set(["completed", "compensated", "cancelled", "aborted"]);

export interface RunStep {
  node_id: string;
  kind: "node" | "compensation";
  status: StepStatus;
  attempt: number;
  error?: unknown;
}

export interface Run {
  id: string;
  status: string;
  definition: string | { key: string };
  version: number | { number: number };
  spec?: Spec;
  steps: RunStep[];
  last_seq: number;
  input?: unknown;
  output?: unknown;
  error?: unknown;
}

export interface RunEvent {
  run_id: string;
  seq: number;
  type: string;
  node_id: string | null;
  payload: { status?: string; kind?: "node" | "compensation"; attempt?: number; [k: string]: unknown };
  actor?: string | null;
  reason?: string | null;
  created_at: string;
}

const k = encodeURIComponent;

export const startTestRun = (key: string, body: { spec?: Spec; version?: number; input: unknown }) =>
  post<{ run: Run }>(`/api/definitions/${k(key)}/test-runs/`, body);
export const getRun = (id: string) => get<Run>(`/api/runs/${k(id)}/`);

export interface RunStream {
  close(): void;
}

/**
 * Follow a run: its events over the websocket, resuming after the last seq
 * seen on every reconnect. When the socket cannot be opened at all, poll the run.
 */
export function followRun(
  id: string,
  afterSeq: number,
  handlers: { onEvents(events: RunEvent[]): void; onRun(run: Run): void; onState?(state: "live" | "polling" | "closed"): void },
): RunStream {
  let lastSeq = afterSeq;
  let closed = false;
  let socket: WebSocket | null = null;
  let failures = 0;
  let timer: number | undefined;

  const poll = async () => {
    if (closed) return;
    try {
      const run = await getRun(id);
      lastSeq = Math.max(lastSeq, run.last_seq ?? lastSeq);
      handlers.onRun(run);
    } catch {
      /* next tick */
    }
    timer = window.setTimeout(poll, 1000);
  };

  const connect = () => {
    if (closed) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/runs/${k(id)}/?after_seq=${lastSeq}`);
    socket.onopen = () => {
      failures = 0;
      handlers.onState?.("live");
    };
    socket.onmessage = (message) => {
      let data: { type?: string; events?: RunEvent[] };
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "events" && Array.isArray(data.events)) {
        const fresh = data.events.filter((e) => e.seq > lastSeq);
        if (fresh.length) {
          lastSeq = Math.max(...fresh.map((e) => e.seq));
          handlers.onEvents(fresh);
        }
      }
    };
    socket.onclose = () => {
      if (closed) return;
      failures += 1;
      if (failures >= 3) {
        handlers.onState?.("polling");
        void poll();
        return;
      }
      timer = window.setTimeout(connect, 500 * failures);
    };
  };
  connect();

  return {
    close() {
      closed = true;
      window.clearTimeout(timer);
      socket?.close();
      handlers.onState?.("closed");
    },
  };
}
