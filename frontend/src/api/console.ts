/**
 * The operator console's own endpoints (dashboard/urls.py): run lists and
 * counts, incidents, stats, who is signed in, operator actions, bulk actions.
 * The run model itself (a run's detail, its events, TERMINAL) is api/runs.ts.
 */
import { get, post } from "./client";
import { normalizeDetail, type RunDetail, type RunStatus, type RunSummary } from "./runs";

// api/socket.ts imports RunSummary from here.
export type { RunSummary };

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
export const listIncidents = () => get<Incident[]>("/api/incidents/");
export const getStats = (minutes = 60) => get<DefinitionStats[]>(`/api/stats/?minutes=${minutes}`);

const detail = (p: Promise<RunDetail>) => p.then(normalizeDetail);

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
