/** How long runs are kept after they end (docs/operating-retention.md): GET /api/retention/. */
import { get, request } from "./client";

export interface DefinitionRetention {
  key: string;
  name: string;
  /** The definition's own setting; null: the default. */
  retention_days: number | null;
  /** Days its runs are kept after they end; 0: forever. */
  kept_days: number;
}

export interface Retention {
  default_days: number;
  /** Whether runs are archived before they are deleted. */
  archived: boolean;
  /** When the daily prune starts (HH:MM UTC), or null. */
  daily_at: string | null;
  definitions: DefinitionRetention[];
}

export const getRetention = () => get<Retention>("/api/retention/");

/** An admin's setting of one definition's retention (days; 0: forever; null: the default). */
export const setDefinitionRetention = (key: string, retentionDays: number | null, reason = "") =>
  request<DefinitionRetention>("PUT", `/api/retention/definitions/${encodeURIComponent(key)}/`,
    { retention_days: retentionDays, reason });
