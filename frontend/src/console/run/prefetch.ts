/**
 * Start loading a run (its detail, then every event) as soon as the URL names
 * it, before the run page's code (React Flow and all) has loaded and parsed:
 * the two overlap instead of running one after the other. The run page takes
 * what was started here; anything newer comes over its websocket.
 */
import { allEvents, getRunDetail, type RunDetail, type RunEvent } from "../../api/runs";

export interface Prefetched {
  id: string;
  at: number;
  detail: Promise<RunDetail>;
  events: Promise<RunEvent[]>;
}

/** Older than this, a prefetch is dropped and the page loads afresh. */
const FRESH_MS = 30_000;
const RUN_PATH = /^\/console\/runs\/([^/]+)\/?$/;
let pending: Prefetched | null = null;

export function prefetchRun(id: string): void {
  if (pending?.id === id && Date.now() - pending.at < FRESH_MS) return;
  const detail = getRunDetail(id);
  const events = detail.then((d) => allEvents(id, 0, d.last_seq));
  // Errors surface when the page takes these (it reloads and reports them).
  detail.catch(() => undefined);
  events.catch(() => undefined);
  pending = { id, at: Date.now(), detail, events };
}

/** The prefetch for `id`, once; null when there is none (or it is stale). */
export function takePrefetched(id: string): Prefetched | null {
  const p = pending;
  pending = null;
  return p && p.id === id && Date.now() - p.at < FRESH_MS ? p : null;
}

/** Called once at start-up: prefetch when the page opened on a run's URL. */
export function prefetchFromLocation(path: string = location.pathname): void {
  const m = RUN_PATH.exec(path);
  if (m) prefetchRun(decodeURIComponent(m[1]));
}
