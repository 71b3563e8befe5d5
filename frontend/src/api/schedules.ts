/** The Schedules API: docs/operating-schedules.md. */
import { get, patch, post, request } from "./client";

export type OverlapPolicy = "skip" | "buffer_one" | "allow_all";
export type FireOutcome = "started" | "skipped_overlap" | "buffered" | "missed" | "failed";
export type ScheduleAction = "update" | "delete" | "pause" | "resume" | "trigger";

export interface Schedule {
  slug: string;
  name: string;
  description: string;
  definition_key: string;
  input: Record<string, unknown>;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  /** In words: "cron 0 2 * * * (Europe/Berlin)", "every 15 min". */
  timing: string;
  overlap_policy: OverlapPolicy;
  catchup_window_seconds: number;
  paused: boolean;
  paused_reason: string;
  next_fire_at: string | null;
  last_fire_at: string | null;
  last_outcome: FireOutcome | null;
  last_reason: string;
  last_run_id: string | null;
  last_run_status: string | null;
  last_run_open: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** Each action: null when you may do it now, else why not (the server's one rule). */
  actions: Record<ScheduleAction, string | null>;
}

export interface ScheduleList {
  results: Schedule[];
  actions: { create: string | null };
}

export interface ScheduleFire {
  id: number;
  fire_at: string;
  kind: "scheduled" | "trigger";
  outcome: FireOutcome;
  reason: string;
  run_id: string | null;
  run_status: string | null;
  business_key: string | null;
  user: string | null;
  request_id: string | null;
  recorded_at: string;
  started_at: string | null;
}

export interface FireList {
  results: ScheduleFire[];
  upcoming: string[];
}

/** The fields a schedule is created or changed with. */
export interface ScheduleFields {
  name: string;
  description: string;
  definition_key: string;
  input: Record<string, unknown>;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  overlap_policy: OverlapPolicy;
  catchup_window_seconds: number;
}

const url = (slug: string, tail = "") => `/api/schedules/${encodeURIComponent(slug)}/${tail}`;

export const listSchedules = () => get<ScheduleList>("/api/schedules/");
export const getSchedule = (slug: string) => get<Schedule>(url(slug));
export const listFires = (slug: string, limit = 50) => get<FireList>(`${url(slug, "fires/")}?limit=${limit}`);
export const createSchedule = (fields: ScheduleFields & { slug: string; paused?: boolean }) =>
  post<Schedule>("/api/schedules/", fields);
export const updateSchedule = (slug: string, fields: Partial<ScheduleFields>, reason = "") =>
  patch<Schedule>(url(slug), { ...fields, reason });
export const deleteSchedule = (slug: string, reason = "") => request<void>("DELETE", url(slug), { reason });
export const pauseSchedule = (slug: string, reason = "") => post<Schedule>(url(slug, "pause/"), { reason });
export const resumeSchedule = (slug: string, reason = "") => post<Schedule>(url(slug, "resume/"), { reason });
/** `requestId`: one per click; sent again (a retry) it returns that click's fire and starts nothing. */
export const triggerSchedule = (slug: string, requestId: string, reason = "") =>
  post<{ fire: ScheduleFire; schedule: Schedule }>(url(slug, "trigger/"), { request_id: requestId, reason });
