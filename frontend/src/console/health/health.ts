/**
 * The health of the processes that move runs, as the console reads it: one
 * store, polled at the shortest interval any mounted view asks for (the
 * banner on every page: 10 s; the Health page: 5 s), so one request stream
 * feeds both. Pure helpers for what the banner and badges show.
 */
import { useEffect } from "react";
import { create } from "zustand";
import { getHealth, type Health, type HealthAlert, type WorkerHealth } from "../../api/health";
import { errorLines } from "../common/ConfirmDialog";

interface HealthState {
  health: Health | null;
  error: string | null;
  /** Date.now() of the last answer. */
  at: number | null;
}

export const useHealthStore = create<HealthState>(() => ({ health: null, error: null, at: null }));

const wanted = new Map<number, number>();
let nextId = 0;
let timer: number | undefined;
let every: number | null = null;
let inFlight = false;

async function poll(): Promise<void> {
  if (inFlight) return;
  inFlight = true;
  try {
    const health = await getHealth();
    useHealthStore.setState({ health, error: null, at: Date.now() });
  } catch (e) {
    useHealthStore.setState({ error: errorLines(e).join(" "), at: Date.now() });
  } finally {
    inFlight = false;
  }
}

function reschedule(): void {
  const ms = wanted.size ? Math.min(...wanted.values()) : null;
  if (ms === every) return;
  window.clearInterval(timer);
  every = ms;
  if (ms === null) return;
  void poll();
  timer = window.setInterval(() => void poll(), ms);
}

/** The latest health, polled every `everyMs` at most while the caller is mounted. */
export function useHealth(everyMs: number): HealthState {
  useEffect(() => {
    const id = nextId++;
    wanted.set(id, everyMs);
    reschedule();
    return () => {
      wanted.delete(id);
      reschedule();
    };
  }, [everyMs]);
  return useHealthStore();
}

/** What the banner shows: the server's alerts with text, each code once. */
export function bannerAlerts(health: Health | null): HealthAlert[] {
  if (!health?.alerts?.length) return [];
  const seen = new Set<string>();
  return health.alerts.filter((a) => {
    if (!a.text?.trim() || seen.has(a.code)) return false;
    seen.add(a.code);
    return true;
  });
}

export type WorkerState = "alive" | "stopped" | "dead";

/** A stopped worker said goodbye (stopped_at); a dead one just stopped beating. */
export function workerState(w: Pick<WorkerHealth, "alive" | "stopped_at" | "state">): WorkerState {
  if (w.state) return w.state;
  if (w.alive) return "alive";
  return w.stopped_at ? "stopped" : "dead";
}

/** The dead first (what needs looking at), then the alive, then the cleanly stopped; by name within. */
export function sortWorkers(workers: WorkerHealth[]): WorkerHealth[] {
  const rank: Record<WorkerState, number> = { dead: 0, alive: 1, stopped: 2 };
  return [...workers].sort((a, b) => rank[workerState(a)] - rank[workerState(b)] || a.name.localeCompare(b.name));
}

/** The live part after an alert's (frozen) text: "last sweep", "last beat", from its `since`. */
export function alertSince(alert: HealthAlert, health: Health | null): { label: string; iso: string } | null {
  const iso = alert.since ?? (alert.code === "scheduler.down" ? health?.scheduler?.last_sweep_at : null);
  if (!iso) return null;
  return { label: alert.code === "scheduler.down" ? "last sweep" : alert.code === "workers.none" ? "last beat" : "since", iso };
}

/** "1.2 s", "340 ms", "—". */
export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "0.4 s", "—". */
export function lag(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
}
