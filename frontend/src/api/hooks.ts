/** Webhooks (admins only): docs/operating-webhooks.md. No read carries a secret; create and rotate do, once. */
import { get, patch, post, request } from "./client";

export type DeliveryOutcome = "started" | "existing" | "refused";

export interface Hook {
  key: string;
  /** Where senders POST, signed (Flowdeck-Signature). */
  url: string;
  definition_name: string;
  enabled: boolean;
  /** "header:<Name>", "body:<JMESPath>", or "" (every delivery starts a run). */
  business_key_from: string;
  rate_per_minute: number;
  /** The secret's last characters, to tell which one a sender holds. */
  secret_hint: string;
  secret_set_at: string;
  previous_secret_valid_until: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_delivery_at: string | null;
  last_outcome: DeliveryOutcome | null;
}

/** The answer to create and rotate: the only time the secret is shown. */
export interface HookWithSecret extends Hook {
  secret: string;
}

export interface Delivery {
  id: number;
  received_at: string;
  outcome: DeliveryOutcome;
  business_key: string | null;
  run_id: string | null;
  detail: string;
}

export interface HookFields {
  business_key_from?: string;
  rate_per_minute?: number;
  enabled?: boolean;
  reason?: string;
}

const k = encodeURIComponent;

export const listHooks = () => get<Hook[]>("/api/hooks/");
export const createHook = (definition: string, fields: HookFields) =>
  post<HookWithSecret>("/api/hooks/", { definition, ...fields });
export const updateHook = (key: string, fields: HookFields) => patch<Hook>(`/api/hooks/${k(key)}/`, fields);
export const rotateHookSecret = (key: string, keepPreviousFor: number, reason: string) =>
  post<HookWithSecret>(`/api/hooks/${k(key)}/rotate/`, { keep_previous_for: keepPreviousFor, reason });
export const deleteHook = (key: string, reason: string) => request<void>("DELETE", `/api/hooks/${k(key)}/`, { reason });
export const listDeliveries = (key: string) => get<Delivery[]>(`/api/hooks/${k(key)}/deliveries/`);

/** What the business key source means, in words. */
export function businessKeyText(source: string): string {
  if (source.startsWith("header:")) return `the ${source.slice("header:".length)} header`;
  if (source.startsWith("body:")) return `the body at ${source.slice("body:".length)}`;
  return "none: every delivery starts a run";
}
