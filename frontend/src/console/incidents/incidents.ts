/** Incident groups as the page shows them: what selects their runs, and a title people can read. */
import type { Incident } from "../../api/console";
import type { RunFilters } from "../filters";

/** The runs of a group, as list filters (what its bulk action and its "show runs" link select). */
export function incidentFilters(incident: Incident): RunFilters {
  const f: RunFilters = { definition: incident.definition, status: [incident.status] };
  if (incident.error_type === "Stuck") f.stuck = true;
  else if (isSlaBreached(incident)) f.sla = "breached";
  else {
    if (incident.node_id) f.failed_at = incident.node_id;
    if (incident.error_type) f.error_type = incident.error_type;
  }
  return f;
}

/** A group of runs going on past a breached SLA (the server's kind "sla_breached", error type SlaBreached). */
export function isSlaBreached(incident: Pick<Incident, "error_type"> & { kind?: string }): boolean {
  return incident.kind === "sla_breached" || incident.error_type === SLA_BREACHED;
}

export const SLA_BREACHED = "SlaBreached";

/** The group's error column: "stuck", "SLA breached", else its error type. */
export function incidentKindText(incident: Pick<Incident, "error_type"> & { kind?: string }): string {
  if (incident.error_type === "Stuck") return "stuck";
  return isSlaBreached(incident) ? "SLA breached" : incident.error_type;
}

/** Grouping keys replace what varies with '#': such a key is for machines, not people. */
export function hasPlaceholders(signature: string): boolean {
  return /#/.test(signature);
}

/**
 * The group's line for people: its sample message ("out of stock: SKU-SOLD-OUT"),
 * else its signature when that is plain text, else nothing beyond the error type.
 */
export function incidentTitle(incident: Pick<Incident, "title" | "signature" | "error_type">): string {
  const title = incident.title?.trim();
  if (title) return title === incident.error_type ? "" : title; // the type is shown already
  const signature = incident.signature?.trim() ?? "";
  return signature && !hasPlaceholders(signature) ? signature : "";
}
