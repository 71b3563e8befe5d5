/** Rows pushed by the runs socket, applied to the page the operator is looking at. */
import type { RunSummary } from "../../api/runs";
import { matchesFilters, type RunFilters } from "../filters";
import { splitSearch } from "./search";

export type ListChange = "updated" | "inserted" | "removed" | "none";

/** Newest first, as the API orders them: created_at desc, then id desc. */
function before(a: RunSummary, b: RunSummary): boolean {
  if (a.created_at !== b.created_at) return Date.parse(a.created_at) > Date.parse(b.created_at);
  return a.id > b.id;
}

/**
 * Apply one pushed summary: a row on the page changes in place (or leaves when
 * it no longer matches the filters); a new matching run appears in its place
 * on the first page, which keeps its size.
 */
export function upsertRun(
  rows: RunSummary[],
  run: RunSummary,
  filters: RunFilters,
  page: { first: boolean; limit: number },
): { rows: RunSummary[]; change: ListChange } {
  const at = rows.findIndex((r) => r.id === run.id);
  // A pushed summary has no input: field terms are the server's to judge. A row it listed stays
  // (checked on the rest of the filters); a new run waits for the next load.
  const search = splitSearch(filters.q);
  const matches = matchesFilters(run, search.fields.length ? { ...filters, q: search.text } : filters);
  if (at < 0 && search.fields.length) return { rows, change: "none" };
  if (at >= 0) {
    if (Date.parse(run.updated_at) < Date.parse(rows[at].updated_at)) return { rows, change: "none" };
    if (!matches) return { rows: rows.filter((_, i) => i !== at), change: "removed" };
    const next = rows.slice();
    next[at] = run;
    return { rows: next, change: "updated" };
  }
  if (!matches || !page.first) return { rows, change: "none" };
  let pos = rows.findIndex((r) => before(run, r));
  if (pos < 0) pos = rows.length;
  if (pos >= page.limit) return { rows, change: "none" };
  const next = [...rows.slice(0, pos), run, ...rows.slice(pos)].slice(0, page.limit);
  return { rows: next, change: "inserted" };
}
