/** Retry policy defaults and the delays a policy produces (docs/spec.md "Retry policy"). */
import type { RetryPolicy } from "./types";

export const RETRY_DEFAULTS: Required<RetryPolicy> = {
  max_attempts: 3,
  initial_interval: 1,
  backoff_coefficient: 2,
  max_interval: 60,
  jitter: 0.1,
  non_retryable_errors: [],
};

export function retryPolicy(retry: RetryPolicy | undefined): Required<RetryPolicy> {
  return { ...RETRY_DEFAULTS, ...(retry ?? {}) };
}

export interface RetryDelay {
  /** The attempt that failed (1-based); the delay comes before attempt + 1. */
  attempt: number;
  base: number;
  min: number;
  max: number;
}

/** The delay after each failed attempt, with its jitter range, capped at `limit` rows. */
export function retryDelays(retry: RetryPolicy | undefined, limit = 10): RetryDelay[] {
  const p = retryPolicy(retry);
  const rows: RetryDelay[] = [];
  for (let n = 1; n < p.max_attempts && rows.length < limit; n++) {
    const base = Math.min(p.initial_interval * p.backoff_coefficient ** (n - 1), p.max_interval);
    rows.push({
      attempt: n,
      base,
      min: Math.min(p.max_interval, Math.max(0, base * (1 - p.jitter))),
      max: Math.min(p.max_interval, Math.max(0, base * (1 + p.jitter))),
    });
  }
  return rows;
}

/** The problem with a policy, as the server would report it (E022), or null. */
export function retryProblem(retry: RetryPolicy | undefined): string | null {
  const p = retryPolicy(retry);
  if (p.max_interval < p.initial_interval) return "The maximum interval is shorter than the initial interval.";
  return null;
}

/** "1.5s", "2m 30s", "1h 5m". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))}s`;
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [size, name] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}
