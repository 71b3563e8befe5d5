/**
 * The runs list's filters: one shape for the page's URL, the API's query
 * string and the bulk action's body, and the same test the server applies
 * (engine/selectors/runs.py RunFilters.apply) for rows pushed live.
 */
import { NEEDS_OPERATOR, type RunSummary, type SlaFilter } from "../api/runs";

export interface RunFilters {
  definition?: string;
  version?: string;
  status: string[];
  stuck?: boolean;
  needs_operator?: boolean;
  failed_at?: string;
  /** The error type a run failed with (an incident group's own selection). */
  error_type?: string;
  created_after?: string;
  created_before?: string;
  q?: string;
  /** Test runs (from the designer) are left out unless asked for. */
  include_test?: boolean;
  /** Runs whose SLA (their own or a step's) was breached, or is at risk now. */
  sla?: SlaFilter;
}

export const SLA_FILTERS: readonly SlaFilter[] = ["breached", "at_risk"];

export const EMPTY_FILTERS: RunFilters = { status: [] };

const TEXT_KEYS = ["definition", "version", "failed_at", "error_type", "created_after", "created_before", "q"] as const;
const BOOL_KEYS = ["stuck", "needs_operator", "include_test"] as const;

function parseBool(value: string | null): boolean | undefined {
  if (value === null || value === "") return undefined;
  const v = value.toLowerCase();
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  return undefined;
}

/** Filters from a query string; unknown keys (cursor, ...) are ignored. */
export function filtersFromSearch(search: URLSearchParams | string): RunFilters {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const f: RunFilters = { status: [] };
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) f[key] = value;
  }
  for (const key of BOOL_KEYS) {
    const value = parseBool(params.get(key));
    if (value !== undefined) f[key] = value;
  }
  f.status = params.getAll("status").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  f.status = [...new Set(f.status)];
  const sla = params.get("sla")?.trim();
  if (sla && (SLA_FILTERS as readonly string[]).includes(sla)) f.sla = sla as SlaFilter;
  return f;
}

/** The filters as the API's (and the page's) query parameters, in a stable order; empty ones left out. */
export function filtersToParams(f: RunFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.definition) out.definition = f.definition;
  if (f.version) out.version = f.version;
  if (f.status.length) out.status = f.status.join(",");
  if (f.stuck !== undefined) out.stuck = String(f.stuck);
  if (f.needs_operator !== undefined) out.needs_operator = String(f.needs_operator);
  if (f.failed_at) out.failed_at = f.failed_at;
  if (f.error_type) out.error_type = f.error_type;
  if (f.created_after) out.created_after = f.created_after;
  if (f.created_before) out.created_before = f.created_before;
  if (f.q) out.q = f.q;
  if (f.include_test) out.include_test = "true";
  if (f.sla) out.sla = f.sla;
  return out;
}

export function filtersToSearch(f: RunFilters): string {
  return new URLSearchParams(filtersToParams(f)).toString();
}

export function sameFilters(a: RunFilters, b: RunFilters): boolean {
  return filtersToSearch(a) === filtersToSearch(b);
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Whether a run (pushed live) belongs in the list under these filters, as the server decides it. */
export function matchesFilters(run: RunSummary, f: RunFilters): boolean {
  if (run.is_test && !f.include_test) return false;
  if (f.definition && run.definition !== f.definition) return false;
  if (f.version && String(run.version) !== f.version) return false;
  if (f.status.length && !f.status.includes(run.status)) return false;
  if (f.stuck !== undefined && run.stuck !== f.stuck) return false;
  if (f.needs_operator && !NEEDS_OPERATOR.has(run.status)) return false;
  if (f.failed_at && (run.error?.node_id ?? run.error?.compensation?.node_id) !== f.failed_at) return false;
  if (f.error_type && (run.error?.type ?? run.error?.compensation?.type) !== f.error_type) return false;
  const created = Date.parse(run.created_at);
  if (f.created_after && !(created >= Date.parse(f.created_after))) return false;
  if (f.created_before && !(created < Date.parse(f.created_before))) return false;
  if (f.q) {
    const q = f.q.trim();
    const byKey = (run.business_key ?? "").startsWith(q);
    const byId = UUID.test(q) && run.id.replace(/-/g, "").toLowerCase() === q.replace(/-/g, "").toLowerCase();
    if (!byKey && !byId) return false;
  }
  // A pushed row carries its state as of the push (at risk is the server's to judge, at read time).
  if (f.sla && run.sla_state !== f.sla) return false;
  return true;
}

/** One line for a confirmation: "status failed, failed at charge, definition order-saga". */
export function describeFilters(f: RunFilters): string {
  const parts: string[] = [];
  if (f.definition) parts.push(`definition ${f.definition}${f.version ? ` v${f.version}` : ""}`);
  else if (f.version) parts.push(`version ${f.version}`);
  if (f.status.length) parts.push(`status ${f.status.join(" or ")}`);
  if (f.needs_operator) parts.push("failed, awaiting an operator");
  if (f.stuck === true) parts.push("stuck");
  if (f.stuck === false) parts.push("not stuck");
  if (f.failed_at) parts.push(`failed at ${f.failed_at}`);
  if (f.error_type) parts.push(`with ${f.error_type}`);
  if (f.created_after) parts.push(`created from ${f.created_after}`);
  if (f.created_before) parts.push(`created before ${f.created_before}`);
  if (f.q) parts.push(`business key or id "${f.q}"`);
  if (f.include_test) parts.push("test runs included");
  if (f.sla) parts.push(f.sla === "breached" ? "SLA breached" : "SLA at risk");
  return parts.length ? parts.join(", ") : "every run";
}
