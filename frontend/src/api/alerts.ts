/** The alerts API (docs/operating-alerts.md): rules (admins write), groups firing now, the alert log. */
import { get, patch, post, request } from "./client";

export type RuleKind = "incident_group" | "stuck" | "sla_breach" | "failure_rate";
export type ChannelType = "webhook" | "slack" | "email";

export type Channel = { type: "webhook" | "slack"; url: string } | { type: "email"; to: string[] };

export interface AlertRule {
  id: number;
  name: string;
  kind: RuleKind;
  params: Record<string, unknown>;
  definition_key: string;
  /** A webhook's URL in full for admins only; others see its scheme and host. */
  channels: Channel[];
  repeat_interval_seconds: number;
  enabled: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** Groups of this rule firing now. */
  firing: number;
}

export interface RuleFields {
  name: string;
  kind: RuleKind;
  params: Record<string, unknown>;
  definition_key: string;
  channels: Channel[];
  repeat_interval_seconds: number;
  enabled: boolean;
  reason?: string;
}

export interface AlertState {
  id: number;
  rule: number;
  rule_name: string;
  kind: RuleKind;
  group_key: string;
  status: "firing" | "resolved";
  notified: "" | "firing" | "resolved";
  summary: string;
  runs: string[];
  console_path: string;
  first_seen: string;
  last_seen: string;
  last_sent_at: string | null;
  resolved_at: string | null;
}

export interface AlertMessage {
  id: number;
  rule: number | null;
  rule_name: string;
  group_key: string;
  kind: "firing" | "repeat" | "resolved" | "test";
  channel: ChannelType;
  target: string;
  summary: string;
  status: "pending" | "sent" | "failed";
  ok: boolean | null;
  response_code: number | null;
  error: string;
  body: unknown;
  created_at: string;
  delivered_at: string | null;
}

export interface MessagePage {
  results: AlertMessage[];
  next_cursor: string | null;
}

const rulePath = (id: number) => `/api/alerts/rules/${encodeURIComponent(String(id))}/`;

export const listRules = () => get<AlertRule[]>("/api/alerts/rules/");
export const createRule = (fields: RuleFields) => post<AlertRule>("/api/alerts/rules/", fields);
export const updateRule = (id: number, fields: Partial<RuleFields>) => patch<AlertRule>(rulePath(id), fields);
export const deleteRule = (id: number, reason = "") => request<unknown>("DELETE", rulePath(id), { reason });
export const testRule = (id: number) => post<{ messages: AlertMessage[] }>(`${rulePath(id)}test/`, {});
export const listFiring = () => get<AlertState[]>("/api/alerts/states/");
export const listMessages = (cursor?: string | null, limit = 50) =>
  get<MessagePage>(`/api/alerts/messages/?${new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) })}`);
