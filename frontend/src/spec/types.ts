/** The workflow spec (schema_version 1), as documented in docs/spec.md. */

export const NODE_TYPES = [
  "start", "end", "fail", "task", "http", "choice", "parallel", "join", "wait", "signal", "subworkflow", "loop", "map",
  "human",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const SIGNAL_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;
export const DEFINITION_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const DEFAULT_BRANCH = "next";

/** An expression string, or an object of mappings (docs/spec.md "Mappings"). */
export type Mapping = string | { [key: string]: Mapping };

export interface RetryPolicy {
  max_attempts?: number;
  initial_interval?: number;
  backoff_coefficient?: number;
  max_interval?: number;
  jitter?: number;
  non_retryable_errors?: string[];
}

/** What follows the last failed attempt of a task or http step (absent: "compensate"). */
export type OnFailure = "compensate" | "incident" | "fail";
export const ON_FAILURE: readonly OnFailure[] = ["compensate", "incident", "fail"];

export interface Compensation {
  activity: string;
  input?: Mapping;
  retry?: RetryPolicy;
}

/**
 * A task or http step that waits for an external system (docs/spec.md "Callback tasks"): the
 * activity gets a single-use token and the step waits, without a worker, until
 * POST /api/callbacks/{token}/ completes or fails it. Seconds, each > 0 and at most 30 days.
 */
export interface CallbackPolicy {
  timeout: number;
  heartbeat_timeout?: number;
}
/** The longest callback timeout or heartbeat timeout the server accepts (30 days). */
export const CALLBACK_MAX_SECONDS = 2_592_000;
export const CALLBACK_DEFAULT_TIMEOUT = 3600;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; op: string; value?: unknown };

export interface Rule {
  id: string;
  label?: string;
  condition: Condition;
}

export interface Position {
  x: number;
  y: number;
}

/** Fields of a node other than id, type and position (those live on the canvas node). */
export type NodeFields = {
  label?: string;
  description?: string;
  stuck_after?: number;
  // end
  output?: Mapping;
  // fail
  error?: string;
  code?: string;
  // task / http
  activity?: string;
  input?: Mapping;
  retry?: RetryPolicy;
  timeout?: number;
  heartbeat_timeout?: number;
  compensation?: Compensation;
  on_failure?: OnFailure;
  callback?: CallbackPolicy;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: Mapping;
  expected_statuses?: number[];
  // choice
  rules?: Rule[];
  // join
  fork?: string;
  mode?: "all" | "first";
  // wait
  seconds?: number;
  /** wait: an expression (a timestamp). A loop's `until` is a Condition: see LoopFields. */
  until?: string;
  // signal
  signal?: string;
  // subworkflow
  definition?: string;
  version?: number;
  // loop (also `until`, `input`, `on_failure`; see LoopFields)
  max_iterations?: number;
  while?: Condition;
  delay?: number;
  /** loop and map: the sub-flow each iteration or item runs. */
  flow?: SubFlow;
  // map (also `flow`, `input`, `on_failure`)
  /** An expression giving the list to map over (E034 when absent). */
  items?: string;
  max_concurrency?: number;
  /** A count (`3`) or a share of the items (`"10%"`); absent: 0. */
  tolerated_failures?: number | string;
  // human (also `description`, a template here, and `on_failure`)
  /** A template: the task's title in the Inbox. */
  title?: string;
  assignee?: HumanAssignee;
  /** A JSON Schema of an object: what completing the task takes (absent: {"type": "object"}). */
  form?: Record<string, unknown>;
  /** Seconds after the step starts when the task is due (> 0, at most 365 days). */
  due?: number;
};

/** Who a human task is for: exactly one of a role (not viewer) or a username (docs/spec.md "human"). */
export type HumanAssignee = { role: string; user?: never } | { user: string; role?: never };
/** The roles a human task may be assigned to (engine/roles.py, less viewer: a viewer acts on no task). */
export const HUMAN_ROLES = ["operator", "designer", "admin"] as const;
/** human.due: seconds, > 0 and at most 365 days (E029). */
export const HUMAN_MAX_DUE = 31_536_000;

/**
 * A loop's or a map's sub-flow (docs/spec.md "loop", "map"): a graph of the same node and edge format as a
 * spec, with its own start and end nodes.
 */
export interface SubFlow {
  nodes: SpecNode[];
  edges: SpecEdge[];
}

/**
 * A loop node's fields. The spec's `until` is a condition here, where a wait node's is an
 * expression string (NodeFields types it so); nodes/loop/model.ts converts between the two.
 */
export type LoopFields = Omit<NodeFields, "until"> & { until?: Condition };

/** loop.max_iterations: an integer from 1 to this (E029 above). */
export const LOOP_MAX_ITERATIONS = 1000;
/** loop.delay: seconds, > 0 and at most 365 days (E029). */
export const LOOP_MAX_DELAY = 31_536_000;

/** map.max_concurrency: an integer from 1 to this (E029); absent means MAP_DEFAULT_CONCURRENCY. */
export const MAP_MAX_CONCURRENCY = 100;
export const MAP_DEFAULT_CONCURRENCY = 10;

export interface SpecNode extends NodeFields {
  id: string;
  type: NodeType;
  position?: Position;
}

export interface SpecEdge {
  id: string;
  source: string;
  target: string;
  branch?: string;
  label?: string;
}

export interface Spec {
  schema_version: 1;
  settings?: { stuck_after?: number };
  nodes: SpecNode[];
  edges: SpecEdge[];
}

export function emptySpec(): Spec {
  return {
    schema_version: 1,
    nodes: [
      { id: "start", type: "start", label: "Start", position: { x: 0, y: 0 } },
      { id: "end", type: "end", label: "End", position: { x: 400, y: 0 } },
    ],
    edges: [],
  };
}

/** A server validation problem (docs/spec.md "Error codes"). */
export interface SpecError {
  code: string;
  message: string;
  node_id: string | null;
  edge_id: string | null;
  path: string | null;
}
