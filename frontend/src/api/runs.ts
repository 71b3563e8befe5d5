/**
 * Runs: the one run model the designer and the console share (a run's
 * summary, its detail, its events, which statuses are final) and the reads
 * both make. A run is followed live with api/socket.ts followRunEvents; the
 * console's own endpoints (lists, counts, actions) live in api/console.ts.
 */
import type { AnySpec } from "../spec/code";
import type { OnFailure, Spec } from "../spec/types";
import { get, post } from "./client";

export type RunStatus =
  | "pending" | "running" | "waiting" | "completed" | "failed" | "aborted"
  | "compensating" | "compensated" | "compensation_failed" | "cancelled";

export type StepStatus = "scheduled" | "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled";

/** engine.states.RunStatus.ALL, in the order the console lists them. */
export const RUN_STATUSES: RunStatus[] = [
  "pending", "running", "waiting", "completed", "failed", "aborted", "compensating", "compensated", "compensation_failed", "cancelled",
];

/**
 * engine.states.RunStatus.TERMINAL: nothing more happens to these runs. The
 * one list the designer and the console share (`failed` is not in it: it
 * waits for an operator).
 */
export const TERMINAL: ReadonlySet<string> = new Set(["completed", "compensated", "cancelled", "aborted"]);

/** `failed`: failed, awaiting an operator (an incident); `aborted` is failed for good and terminal. */
export const NEEDS_OPERATOR: ReadonlySet<string> = new Set(["failed", "compensation_failed"]);

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
  /** The worst of the run's SLA and its steps' (null: none; absent from servers that predate SLAs). */
  sla_state?: SlaState | null;
}

export interface Attempt {
  attempt: number;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  worker: string | null;
  error: RunError | null;
}

export type CallbackState = "open" | "completed" | "failed" | "expired" | "superseded" | "cancelled";

/** The callback token of a callback task's latest attempt (ISO timestamps). */
export interface StepCallback {
  state: CallbackState;
  attempt: number;
  expires_at: string | null;
  heartbeat_due: string | null;
}

/** One iteration of a loop step, or one item run of a map step: a run of the node's sub-flow. */
export interface StepIteration {
  run_id: string;
  index: number;
  status: string;
  started_at: string;
  finished_at: string | null;
}

/** A map step's items, by how their runs stand (pending: not started yet). */
export interface MapProgress {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  pending: number;
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
  /** Set for callback tasks (absent from servers that predate them). */
  callback?: StepCallback | null;
  /** Set for loop steps (its iterations) and map steps (its item runs, `index` the item's): oldest first. */
  iterations?: StepIteration[] | null;
  /** Set for map steps: how its items stand. */
  map_progress?: MapProgress | null;
}

export type ActionName =
  | "retry" | "retry_step" | "force_retry" | "skip" | "edit_data" | "edit_input" | "compensate" | "cancel" | "signal";

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

/** A step's `on_failure`, as the "why" reports it. */
export type FailurePolicy = OnFailure;

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

/** GET /api/runs/<id>/ (dashboard RunDetailSerializer): everything about one run up to `last_seq`. */
export interface RunDetail extends RunSummary {
  input: unknown;
  data: Record<string, unknown>;
  output: unknown;
  parent_node_id: string | null;
  /** The pinned version's graph; for a code run, a graph made of the steps it has made so far (spec/code.ts). */
  spec: AnySpec;
  steps: Step[];
  last_seq: number;
  why: string[];
  available_actions: AvailableAction[];
  why_details: WhyDetail[];
  /** The run's SLA timers (null: nothing in the run has one; absent from servers that predate them). */
  sla?: RunSla | null;
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

/** What starting a test run answers: the run's id and first status; read its detail for the rest. */
export type StartedRun = Pick<RunDetail, "id" | "status" | "version">;

const k = encodeURIComponent;
const run = (id: string) => `/api/runs/${k(id)}`;

/** A detail as the pages rely on it: lists always present (an older server may omit them). */
export function normalizeDetail(d: RunDetail): RunDetail {
  return { ...d, why: d.why ?? [], available_actions: d.available_actions ?? [], why_details: d.why_details ?? [] };
}

export const getRunDetail = (id: string) => get<RunDetail>(`${run(id)}/`).then(normalizeDetail);

/** The server's cap on one events page. */
export const EVENTS_PAGE = 5000;

export const listEvents = (id: string, afterSeq: number, limit = EVENTS_PAGE) =>
  get<Omit<RunEvent, "run_id">[]>(`${run(id)}/events/?after_seq=${afterSeq}&limit=${limit}`);

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

/** A test run of the canvas (`spec`, as an ephemeral test version) or of a published `version`. */
export const startTestRun = (key: string, body: { spec?: Spec; version?: number; input: unknown }) =>
  post<{ run: StartedRun & { version_label?: string } }>(`/api/definitions/${k(key)}/test-runs/`, body);

/** What POST /api/runs/ takes: a real run of a published (or archived) `version` of `definition`. */
export interface StartRunBody {
  definition: string;
  version: number;
  input: Record<string, unknown>;
  /** Idempotency: a second start with the same key answers the existing run (200) instead of a new one. */
  business_key?: string;
  /** Recorded in the run's history (optional: the server does not require one to start). */
  reason?: string;
}

/** Start a real run (dashboard RunListView.post): the new run's detail. */
export const startRun = (body: StartRunBody) => post<RunDetail>("/api/runs/", body).then(normalizeDetail);

/**
 * The run of `definition` whose business key is exactly `businessKey`, or null. The list matches
 * keys by prefix (`q`), test runs included: the server's uniqueness covers them too.
 */
export async function findRunByBusinessKey(definition: string, businessKey: string): Promise<RunSummary | null> {
  const page = await get<{ results: RunSummary[] }>(
    `/api/runs/?definition=${k(definition)}&q=${k(businessKey)}&include_test=true&limit=500`,
  );
  return page.results.find((r) => r.business_key === businessKey) ?? null;
}

/** An SLA timer's state, computed by the server when read (docs/spec.md, "SLA timers"). */
export type SlaState = "ok" | "at_risk" | "breached";

/** The runs list's `sla` filter. */
export type SlaFilter = "breached" | "at_risk";

/** One step's SLA (a node with `sla`): due `within` seconds after the step was created. */
export interface SlaStep {
  node_id: string;
  state: SlaState;
  due_at: string;
  breached_at: string | null;
  within: number | null;
}

/** GET /api/runs/<id>/'s `sla`: the run's own SLA (null fields without one) and its steps'. */
export interface RunSla {
  /** The worst of the run's own and its steps'. */
  state: SlaState;
  run_state: SlaState | null;
  due_at: string | null;
  breached_at: string | null;
  within: number | null;
  steps: SlaStep[];
}

/**
 * Correct a run's input (dashboard InputView): checked against the definition's input schema; steps
 * that already ran keep what they read, the others read the new input. 409 where the policy refuses.
 */
export const editRunInput = (id: string, input: Record<string, unknown>, reason: string) =>
  post<RunDetail>(`${run(id)}/input/`, { input, reason }).then(normalizeDetail);

/** Bulk actions (engine/services/bulk.py): on a filter's runs or on runs picked by id. */
export type BulkActionName = "retry" | "cancel" | "compensate" | "signal" | "skip";
export type BulkTarget = { filters: Record<string, string> } | { run_ids: string[] };
/** signal: its name and payload; skip: the step and its output. */
export interface BulkParams {
  signal?: string;
  payload?: unknown;
  node_id?: string;
  output?: unknown;
}
/** The dry run: how many runs the action applies to; for picked runs, also which are refused and why. */
export interface BulkPreview {
  count: number;
  selected?: number;
  refused?: { run_id: string; reason: string }[];
  missing?: string[];
}
export interface BulkOutcome {
  action: BulkActionName;
  matched: number;
  applied: number;
  errors: { run_id: string; code?: string; detail?: string }[];
  run_ids: string[];
}

export const bulkPreview = (action: BulkActionName, target: BulkTarget, params: BulkParams = {}) =>
  post<BulkPreview & { dry_run: true }>("/api/runs/bulk/", { action, ...target, ...params, dry_run: true });
export const bulkRun = (action: BulkActionName, target: BulkTarget, params: BulkParams, reason: string) =>
  post<BulkOutcome>("/api/runs/bulk/", { action, ...target, ...params, dry_run: false, reason });
