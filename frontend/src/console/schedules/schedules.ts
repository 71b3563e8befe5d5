/** The Schedules pages' words and the form's draft: what an outcome says, a refused action's reason, the checks before sending. */
import type { FireOutcome, OverlapPolicy, Schedule, ScheduleAction, ScheduleFields } from "../../api/schedules";

export const OVERLAP: { value: OverlapPolicy; label: string; hint: string }[] = [
  { value: "skip", label: "Skip", hint: "A fire time while the last run is still going is skipped (recorded)." },
  { value: "buffer_one", label: "Buffer one", hint: "One fire waits for the last run to end, then starts; more are skipped." },
  { value: "allow_all", label: "Allow all", hint: "Every fire time starts a run, even while others are going." },
];

const OUTCOME_TEXT: Record<FireOutcome, string> = {
  started: "started",
  skipped_overlap: "skipped (overlap)",
  buffered: "buffered",
  missed: "missed",
  failed: "failed",
};

export function outcomeText(outcome: FireOutcome | null): string {
  return outcome ? OUTCOME_TEXT[outcome] ?? outcome : "not fired yet";
}

export function overlapText(policy: OverlapPolicy): string {
  return OVERLAP.find((o) => o.value === policy)?.label ?? policy;
}

/** Why the button for `action` is disabled ("" when it is not): the server's reason, as a sentence. */
export function refusedText(schedule: Pick<Schedule, "actions">, action: ScheduleAction): string {
  const why = schedule.actions[action];
  return why ? why.charAt(0).toUpperCase() + why.slice(1) + "." : "";
}

/** "5m", "1h", "300s": a catch-up window in words. */
export function secondsText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** One id per click of "Trigger now": a retried request returns that click's fire instead of a second one. */
export function newRequestId(): string {
  const c = globalThis.crypto;
  return c && "randomUUID" in c ? c.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The form as typed (strings), before it is checked and turned into fields. */
export interface ScheduleDraft {
  slug: string;
  name: string;
  description: string;
  definition_key: string;
  timing: "cron" | "interval";
  cron: string;
  interval: string;
  timezone: string;
  overlap_policy: OverlapPolicy;
  catchup: string;
  input: string;
}

export function emptyDraft(): ScheduleDraft {
  return {
    slug: "", name: "", description: "", definition_key: "", timing: "cron", cron: "0 2 * * *", interval: "3600",
    timezone: "UTC", overlap_policy: "skip", catchup: "300", input: "{}",
  };
}

export function draftOf(s: Schedule): ScheduleDraft {
  return {
    slug: s.slug, name: s.name, description: s.description, definition_key: s.definition_key,
    timing: s.cron ? "cron" : "interval", cron: s.cron ?? "0 2 * * *", interval: String(s.interval_seconds ?? 3600),
    timezone: s.timezone, overlap_policy: s.overlap_policy, catchup: String(s.catchup_window_seconds),
    input: JSON.stringify(s.input, null, 2),
  };
}

const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;

function whole(text: string): number | null {
  return /^\d{1,10}$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** The fields to send, or every problem found before asking the server (which checks the rest: cron, time zone, definition). */
export function fieldsOf(draft: ScheduleDraft, creating: boolean): { fields: ScheduleFields | null; problems: string[] } {
  const problems: string[] = [];
  if (creating && !SLUG.test(draft.slug)) problems.push("Slug: lowercase letters, digits, - and _, starting with a letter or digit.");
  if (!draft.definition_key.trim()) problems.push("Definition: the key of the definition (or code workflow) to start.");
  let input: unknown = null;
  try {
    input = JSON.parse(draft.input.trim() || "{}");
  } catch {
    problems.push("Input: not valid JSON.");
  }
  if (input !== null && (typeof input !== "object" || Array.isArray(input))) problems.push("Input: must be a JSON object, e.g. {\"region\": \"eu\"}.");
  const interval = whole(draft.interval);
  if (draft.timing === "interval" && (interval === null || interval < 1)) problems.push("Interval: a whole number of seconds, at least 1.");
  if (draft.timing === "cron" && draft.cron.trim().split(/\s+/).length !== 5) problems.push("Cron: 5 fields (minute hour day-of-month month day-of-week).");
  const catchup = whole(draft.catchup);
  if (catchup === null || catchup < 10) problems.push("Catch-up window: a whole number of seconds, at least 10.");
  if (problems.length) return { fields: null, problems };
  return {
    fields: {
      name: draft.name.trim() || draft.slug, description: draft.description, definition_key: draft.definition_key.trim(),
      input: input as Record<string, unknown>,
      cron: draft.timing === "cron" ? draft.cron.trim() : null,
      interval_seconds: draft.timing === "interval" ? interval : null,
      timezone: draft.timezone.trim() || "UTC", overlap_policy: draft.overlap_policy, catchup_window_seconds: catchup as number,
    },
    problems,
  };
}
