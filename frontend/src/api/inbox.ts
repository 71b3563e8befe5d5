/** The Inbox API (human tasks): docs/console.md "Inbox". */
import type { JsonSchema } from "./definitions";
import { get, post } from "./client";

export type TaskStatus = "open" | "claimed" | "completed" | "rejected" | "cancelled";
export type TaskAction = "claim" | "unclaim" | "complete" | "reject";

export interface HumanTask {
  id: number;
  run_id: string;
  definition: string;
  business_key: string | null;
  node_id: string;
  title: string;
  description: string;
  form: JsonSchema;
  status: TaskStatus;
  assignee_role: string | null;
  assignee_user: string | null;
  claimed_by: string | null;
  claimed_at: string | null;
  completed_by: string | null;
  completed_at: string | null;
  result: unknown;
  reason: string;
  due_at: string | null;
  overdue: boolean;
  created_at: string;
  /** Each action: null when you may do it now, else why not (the server's one rule). */
  actions: Record<TaskAction, string | null>;
}

export interface Inbox {
  results: HumanTask[];
  open_count: number;
}

/** The Inbox's filters: open and claimed (the default), those you claimed, or every status. */
export type InboxFilter = "active" | "open" | "claimed" | "mine" | "all";

export function inboxQuery(filter: InboxFilter): string {
  switch (filter) {
    case "open": return "?status=open";
    case "claimed": return "?status=claimed";
    case "mine": return "?mine=true";
    case "all": return "?status=all";
    default: return "";
  }
}

export const listInbox = (filter: InboxFilter = "active") => get<Inbox>(`/api/inbox/${inboxQuery(filter)}`);
export const getTask = (id: number | string) => get<HumanTask>(`/api/inbox/${encodeURIComponent(String(id))}/`);
const act = (id: number, action: TaskAction, body?: unknown) =>
  post<HumanTask>(`/api/inbox/${encodeURIComponent(String(id))}/${action}/`, body);
export const claimTask = (id: number) => act(id, "claim");
export const unclaimTask = (id: number) => act(id, "unclaim");
export const completeTask = (id: number, data: Record<string, unknown>, reason = "") => act(id, "complete", { data, reason });
export const rejectTask = (id: number, reason: string) => act(id, "reject", { reason });
