/** The runs API as the operator console uses it (dashboard/urls.py). */
import type { Spec } from "../spec/types";
import { TERMINAL, type RunEvent, type StepStatus } from "./runs";
import { get, post } from "./client";

export type RunStatus =
  | "pending" | "running" | "waiting" | "completed" | "failed" | "aborted"
  | "compensating" | "compensated" | "compensation_failed" | "cancelled";

/** engine.states.RunStatus.ALL, in the order the console lists them. */
export const RUN_STATUSES: RunStatus[] = [
  "pending", "running", "waiting", "completed", "failed", "aborted", "compensating", "compensated", "compensation_failed", "cancelled",
];
/** `failed`: failed, awaiting an operator (an incident); `aborted` is failed for good and terminal. */
export const NEEDS_OPERATOR: ReadonlySet<string> = new Set(["failed", "compensation_failed"]);
export { TERMINAL };

export interface RunError {
  type?: string;
  message?: string;
  node_id?: string;
  traceback?: string;
  compensation?: RunError;
  [k: string]: unknown;
}

export interface RunSummary {
  id: string;
  definition: string;
  version: number;
  business_key: string | null;
  status: RunStatus;
  stuck: boolean;
  stuck_reason: string;
  stuck_since: string | null;
  error: RunError | null;
  is_test: boolean;
  parent_run: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  last_progress_at: string | null;
}

export interface Attempt {
  attempt: number;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  worker: string | null;
  error: RunError | null;
}

export interface Step {
  id: number;
  node_id: string;
  node_type: string;
  kind: "node" | "compensation";
  status: StepStatus;
  attempt: number;
  attempts: Attempt[];
  input: unknown;
  output: unknown;
  error: RunError | null;
  worker: string | null;
  wait_reason: string | null;
  child_run_id: string | null;
  arrivals: number;
  completion_order: number | null;
  scheduled_at: string | null;
  next_attempt_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  lease_expires_at: string | null;
  heartbeat_at: string | null;
}

export type ActionName =
  | "retry" | "retry_step" | "force_retry" | "skip" | "edit_data" | "compensate" | "cancel" | "signal";

/**
 * One operator action as the server's policy answers it for this run right
 * now (engine's action table): the console renders these and decides nothing.
 */
export interface AvailableAction {
  action: ActionName;
  /** null for run-level actions (a signal entry names its waiting node). */
  node_id: string | null;
  kind: "node" | "compensation" | null;
  allowed: boolean;
  /** Why it is refused, when allowed is false. */
  reason: string | null;
  /** The button's text, e.g. "Retry from failed step". */
  label: string;
  destructive: boolean;
  /** For "signal": the signal the waiting node expects. */
  signal: string | null;
}

export type FailurePolicy = "compensate" | "incident" | "fail";

/** What one open (or failed) step is waiting for, as fields to render live. */
export interface WhyDetail {
  node_id: string;
  kind: "node" | "compensation";
  status: string;
  /** The server's sentence (durations frozen when it was written): a fallback. */
  text: string;
  /** ISO: when this wait started. */
  since: string | null;
  /** ISO: next attempt, timeout, lease expiry or wait-until. */
  at: string | null;
  attempt: number;
  max_attempts: number | null;
  error_type: string | null;
  after_last: FailurePolicy | null;
  /** Node ids compensating would undo, newest first. */
  compensations: string[];
  worker: string | null;
  worker_alive: boolean | null;
  worker_last_seen: string | null;
}

export interface RunDetail extends RunSummary {
  input: unknown;
  data: Record<string, unknown>;
  output: unknown;
  parent_node_id: string | null;
  spec: Spec;
  steps: Step[];
  last_seq: number;
  why: string[];
  available_actions: AvailableAction[];
  why_details: WhyDetail[];
}

export type { RunEvent };

export interface RunPage {
  results: RunSummary[];
  next_cursor: string | null;
}

export type StatusCounts = Partial<Record<RunStatus | "stuck", number>>;

export interface Incident {
  definition: string;
  node_id: string;
  error_type: string;
  /** A grouping key, with '#' for the parts that vary: never shown to people. */
  signature: string;
  /** A sample message of the group, e.g. "out of stock: SKU-SOLD-OUT". */
  title: string;
  status: RunStatus;
  count: number;
  first_seen: string;
  last_seen: string;
  sample_run_ids: string[];
}

export interface DefinitionStats {
  definition: string;
  series: { minute: string | null; completed: number; failed: number }[];
  completed: number;
  failed: number;
  failure_rate: number;
  throughput_per_min: number;
  step_latency_p50?: number | null;
  step_latency_p95?: number | null;
  steps?: number;
}

export interface Me {
  username: string;
  roles: string[];
  capabilities: string[];
}

export type BulkAction = "retry" | "cancel" | "compensate";
export interface BulkResult {
  matched: number;
  applied: number;
  errors: { run_id: string; code?: string; detail?: string }[] | Record<string, unknown>;
  run_ids: string[];
}

const k = encodeURIComponent;
const run = (id: string) => `/api/runs/${k(id)}`;

export const getMe = () => get<Me>("/api/me/");
export const listRuns = (query: string) => get<RunPage>(`/api/runs/${query ? `?${query}` : ""}`);
export const countRuns = (query: string) => get<StatusCounts>(`/api/runs/counts/${query ? `?${query}` : ""}`);
/** A detail as the console relies on it: lists always present (an older server may omit them). */
export function normalizeDetail(d: RunDetail): RunDetail {
  return { ...d, why: d.why ?? [], available_actions: d.available_actions ?? [], why_details: d.why_details ?? [] };
}
const detail = (p: Promise<RunDetail>) => p.then(normalizeDetail);

export const getRunDetail = (id: string) => detail(get<RunDetail>(`${run(id)}/`));
export const listEvents = (id: string, afterSeq: number, limit = EVENTS_PAGE) =>
  get<Omit<RunEvent, "run_id">[]>(`${run(id)}/events/?after_seq=${afterSeq}&limit=${limit}`);
export const listIncidents = () => get<Incident[]>("/api/incidents/");
export const getStats = (minutes = 60) => get<DefinitionStats[]>(`/api/stats/?minutes=${minutes}`);

/** The server's cap on one events page. */
export const EVENTS_PAGE = 5000;

/**
 * Every event of a run after `afterSeq` up to `lastSeq` (the detail's
 * last_seq). Seqs are gapless, so the pages are fetched side by side; what
 * comes after lastSeq is the websocket's to deliver (it starts there).
 */
export async function allEvents(id: string, afterSeq: number, lastSeq: number): Promise<RunEvent[]> {
  const starts: number[] = [];
  for (let s = afterSeq; s < lastSeq; s += EVENTS_PAGE) starts.push(s);
  const pages = await Promise.all(starts.map((s) => listEvents(id, s, Math.min(EVENTS_PAGE, lastSeq - s))));
  const out: RunEvent[] = [];
  for (const page of pages) for (const e of page) out.push({ ...e, run_id: id } as RunEvent);
  return out;
}

// Actions: each needs a reason (400 without); 409 when the policy refuses; each answers with the run's fresh detail.
export const cancelRun = (id: string, reason: string) => detail(post<RunDetail>(`${run(id)}/cancel/`, { reason }));
export const compensateRun = (id: string, reason: string) => detail(post<RunDetail>(`${run(id)}/compensate/`, { reason }));
export const retryRun = (id: string, reason: string) => detail(post<RunDetail>(`${run(id)}/retry/`, { reason }));
export const signalRun = (id: string, name: string, payload: unknown, reason: string) =>
  detail(post<RunDetail>(`${run(id)}/signal/`, { name, payload, reason }));
export const editRunData = (id: string, data: unknown, reason: string) =>
  detail(post<RunDetail>(`${run(id)}/data/`, { data, reason }));
export const retryStep = (id: string, nodeId: string, reason: string) =>
  detail(post<RunDetail>(`${run(id)}/steps/${k(nodeId)}/retry/`, { reason }));
/** A running step whose lease expired or whose worker is dead: a new attempt now; the old one's late result is discarded. */
export const forceRetryStep = (id: string, nodeId: string, reason: string) =>
  detail(post<RunDetail>(`${run(id)}/steps/${k(nodeId)}/force-retry/`, { reason }));
export const skipStep = (id: string, nodeId: string, output: unknown, reason: string) =>
  detail(post<RunDetail>(`${run(id)}/steps/${k(nodeId)}/skip/`, { output, reason }));

export const bulkCount = (action: BulkAction, filters: Record<string, string>) =>
  post<{ count: number }>("/api/runs/bulk/", { action, filters, dry_run: true });
export const bulkApply = (action: BulkAction, filters: Record<string, string>, reason: string) =>
  post<BulkResult>("/api/runs/bulk/", { action, filters, dry_run: false, reason });
