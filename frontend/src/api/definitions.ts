/** The definitions API (designer/urls.py). */
import type { Spec, SpecError } from "../spec/types";
import { ApiError, get, patch, post, request } from "./client";

/** "code": a Python function (engine/workflows), read-only in the designer; "graph": drawn here. */
export type DefinitionKind = "code" | "graph";

export interface Definition {
  key: string;
  name: string;
  description: string;
  /** Its latest version's kind. */
  kind: DefinitionKind;
  created_at: string;
  updated_at: string;
  version_count: number;
  run_count: number;
  /** Its runs that are not test runs (older servers: absent). */
  real_run_count?: number;
  /** Archived: hidden from the list by default, no run can be started; its runs are kept. */
  archived_at?: string | null;
}

export type VersionStatus = "draft" | "published" | "archived";

export interface VersionSummary {
  number: number;
  /** "v4", or "test of draft v4" for a test version (older servers: absent; see versionLabel). */
  label?: string;
  /** A test version's draft number, else null. */
  test_of?: number | null;
  status: VersionStatus;
  checksum: string;
  revision: number;
  is_test: boolean;
  note: string;
  created_by: string | null;
  published_by: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  run_count: number;
  /** A code version's label (`@workflow(..., version=...)`); null for a graph version. */
  code_version: string | null;
}

export interface Version extends VersionSummary {
  /** A code version's Python source (text, never HTML); null for a graph version. */
  source: string | null;
  spec: Spec;
}

export interface Activity {
  name: string;
  description: string;
  input_schema: JsonSchema | null;
  output_schema: JsonSchema | null;
}

export interface FinalError {
  type: string;
  why: string;
}

export interface NodeTypeInfo {
  type: string;
  runs_activity: boolean;
  defaults: Record<string, unknown>;
  /** Error types an attempt fails with at once, whatever its retry policy says. */
  final_errors: FinalError[];
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
}

/** One field that changed inside a node ("retry.max_attempts": 3 -> 5); null is "not set". */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface SpecDiff {
  from: number;
  to: number;
  nodes: { added: string[]; removed: string[]; changed: string[]; moved: string[] };
  edges: { added: string[]; removed: string[]; changed: string[] };
  /** For each changed (not only moved) node, what changed inside it. */
  node_changes?: Record<string, FieldChange[]>;
}

/**
 * Test versions (a designer's test run of a draft) are numbered apart from a definition's own
 * versions: test k of draft vN is TEST_NUMBER_BASE + N * TEST_SLOTS + k (engine/selectors/definitions.py).
 */
export const TEST_NUMBER_BASE = 1_000_000_000;
export const TEST_SLOTS = 10_000;

/** "v4", or "test of draft v4" for a test version's number. */
export function versionLabel(number: number): string {
  if (number < TEST_NUMBER_BASE) return `v${number}`;
  return `test of draft v${Math.floor((number - TEST_NUMBER_BASE) / TEST_SLOTS)}`;
}

export interface ExportDocument {
  format: string;
  key: string;
  name: string;
  description: string;
  version: number;
  spec: Spec;
}

const k = encodeURIComponent;

export const listDefinitions = () => get<Definition[]>("/api/definitions/");
/** Archive (hidden from the list by default, no new runs) and back; delete one that never ran. */
export const archiveDefinition = (key: string, reason = "") => post<Definition>(`/api/definitions/${k(key)}/archive/`, { reason });
export const unarchiveDefinition = (key: string, reason = "") => post<Definition>(`/api/definitions/${k(key)}/unarchive/`, { reason });
export const deleteDefinition = (key: string, reason = "") => request<void>("DELETE", `/api/definitions/${k(key)}/`, { reason });
export const getDefinition = (key: string) => get<Definition>(`/api/definitions/${k(key)}/`);
export const createDefinition = (body: { key: string; name: string; description?: string; spec?: Spec }) =>
  post<Definition>("/api/definitions/", body);
export const renameDefinition = (key: string, body: { name?: string; description?: string }) =>
  patch<Definition>(`/api/definitions/${k(key)}/`, body);
export const listVersions = (key: string) => get<VersionSummary[]>(`/api/definitions/${k(key)}/versions/`);
export const getVersion = (key: string, n: number) => get<Version>(`/api/definitions/${k(key)}/versions/${n}/`);
export const saveDraft = (key: string, spec: Spec, revision: number | null) =>
  post<Version>(`/api/definitions/${k(key)}/versions/`, revision === null ? { spec } : { spec, revision });
export const publishVersion = (key: string, n: number, note = "") =>
  post<Version>(`/api/definitions/${k(key)}/versions/${n}/publish/`, note.trim() ? { note: note.trim() } : undefined);
export const diffVersions = (key: string, a: number, b: number) =>
  get<SpecDiff>(`/api/definitions/${k(key)}/versions/${a}/diff/${b}/`);
export const exportUrl = (key: string, version?: number) =>
  `/api/definitions/${k(key)}/export/${version ? `?version=${version}` : ""}`;
export const exportDefinition = (key: string, version?: number) => get<ExportDocument>(exportUrl(key, version));
/** What an import would replace: the key's unpublished draft (409 import.draft_exists). */
export interface DraftInTheWay {
  key: string;
  number: number;
  revision: number;
  updated_at: string;
  created_by: string | null;
}

export const importDefinition = (document: unknown, options: { publish?: boolean; overwriteDraft?: boolean } = {}) =>
  post<Version & { key: string }>("/api/definitions/import/", {
    document,
    publish: options.publish ?? false,
    ...(options.overwriteDraft ? { overwrite_draft: true } : {}),
  });

/** The draft an import was refused for (409 import.draft_exists), else null. */
export function draftInTheWay(e: unknown): DraftInTheWay | null {
  if (!(e instanceof ApiError) || e.status !== 409 || e.code !== "import.draft_exists") return null;
  const d = e.body.draft as Partial<DraftInTheWay> | undefined;
  return d && typeof d.number === "number" ? (d as DraftInTheWay) : null;
}

/** The version the definitions list exports: the latest published one, else the draft, else the latest. */
export function exportChoice(versions: VersionSummary[]): { number: number; draft: boolean } | null {
  const real = versions.filter((v) => !v.is_test).sort((a, b) => b.number - a.number);
  const chosen = real.find((v) => v.status === "published") ?? real.find((v) => v.status === "draft") ?? real[0];
  return chosen ? { number: chosen.number, draft: chosen.status === "draft" } : null;
}

/**
 * The versions a real run may start on, newest first: published and archived ones (never a
 * draft or a test version; the server refuses them). `latest` is the published one, the default.
 */
export function runnableVersions(versions: VersionSummary[]): { choices: VersionSummary[]; latest: VersionSummary | null } {
  const choices = versions.filter((v) => !v.is_test && (v.status === "published" || v.status === "archived")).sort((a, b) => b.number - a.number);
  return { choices, latest: choices.find((v) => v.status === "published") ?? null };
}

export const listActivities = () => get<Activity[]>("/api/activities/");
/** The engine's node types (engine/nodes): defaults, and the errors no retry policy retries. */
export const listNodeTypes = () => get<NodeTypeInfo[]>("/api/node-types/");

export interface ValidationResult {
  valid: boolean;
  errors: SpecError[];
}

/**
 * The server's validation of a spec: [] when valid. The server answers a checked spec 200
 * (`{"valid": false, "errors": [...]}` when it has problems); a 4xx means the request itself was
 * refused, which is thrown (an older server's 400 with the spec's errors is still read as a result).
 */
export async function validateSpec(key: string, spec: Spec): Promise<SpecError[]> {
  try {
    const result = await post<ValidationResult>(`/api/definitions/${k(key)}/validate/`, { spec });
    return Array.isArray(result.errors) ? result.errors : [];
  } catch (e) {
    if (e instanceof ApiError && e.status === 400 && e.code === "spec.invalid" && Array.isArray(e.body.errors)) {
      return e.body.errors as SpecError[];
    }
    throw e;
  }
}
