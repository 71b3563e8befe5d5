/**
 * A code run's graph grows as the run goes on (spec/code.ts): a live event may
 * name a node the held spec does not have yet. Which ones do is decided here,
 * purely, so the store only has to fetch the detail again.
 */
import type { RunEvent } from "../../api/runs";
import { isCodeSpec, type AnySpec } from "../../spec/code";

/**
 * Ids the events name that `spec` lacks, when it is a code run's (a graph
 * run's spec is its pinned version's: complete, never refetched for this).
 * `asked`: ids already waited for since the last detail (not asked again).
 */
export function unknownNodeIds(spec: AnySpec | null | undefined, events: RunEvent[], asked: ReadonlySet<string> = new Set()): string[] {
  if (!isCodeSpec(spec)) return [];
  const known = new Set(spec.nodes.map((n) => n.id));
  const out = new Set<string>();
  for (const e of events) {
    if (e.node_id && !known.has(e.node_id) && !asked.has(e.node_id)) out.add(e.node_id);
  }
  return [...out];
}
