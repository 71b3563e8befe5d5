/** Liveness of the processes that move runs: workers and schedulers (GET /api/health/). */
import { get } from "./client";

export interface WorkerHealth {
  name: string;
  host: string;
  pid: number;
  threads: number;
  queues: string[];
  /** Steps this worker holds right now. */
  in_hand: number;
  threads_busy: number;
  started_at: string | null;
  beat_at: string | null;
  alive: boolean;
  /** Set when the worker stopped cleanly; null when it just stopped beating. */
  stopped_at: string | null;
  /** The server's reading of alive/stopped_at, when it sends one. */
  state?: "alive" | "dead" | "stopped";
}

export interface SchedulerHealth {
  name: string;
  host: string;
  pid: number;
  beat_at: string | null;
  alive: boolean;
  info: { sweep_ms?: number | null; lag_seconds?: number | null; counts?: Record<string, number> } | null;
}

export type HealthAlertCode = "scheduler.down" | "workers.none";

export interface HealthAlert {
  code: HealthAlertCode | string;
  text: string;
  /** When the condition started (the last sweep, the last worker beat), when the server says. */
  since?: string | null;
}

export interface Health {
  workers: WorkerHealth[];
  schedulers: SchedulerHealth[];
  scheduler: { alive: boolean; last_sweep_at: string | null; lag_seconds: number | null; sweep_ms: number | null };
  alerts: HealthAlert[];
}

export const getHealth = () => get<Health>("/api/health/");
