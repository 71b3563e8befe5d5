/** The Inbox's words: who a task is for, what a refused action says, the filters. */
import type { HumanTask, InboxFilter, TaskAction } from "../../api/inbox";

export const FILTERS: { value: InboxFilter; label: string }[] = [
  { value: "active", label: "Open & claimed" },
  { value: "open", label: "Open" },
  { value: "claimed", label: "Claimed" },
  { value: "mine", label: "Mine" },
  { value: "all", label: "All" },
];

export function assigneeText(task: Pick<HumanTask, "assignee_role" | "assignee_user">): string {
  return task.assignee_role ? `role ${task.assignee_role}` : `user ${task.assignee_user ?? "?"}`;
}

export function claimText(task: Pick<HumanTask, "status" | "claimed_by">): string {
  return task.status === "claimed" && task.claimed_by ? `claimed by ${task.claimed_by}` : task.status;
}

/** Why the button for `action` is disabled ("" when it is not): the server's reason, as a sentence. */
export function refusedText(task: Pick<HumanTask, "actions">, action: TaskAction): string {
  const why = task.actions[action];
  return why ? why.charAt(0).toUpperCase() + why.slice(1) + "." : "";
}

export function filterOf(search: string): InboxFilter {
  const value = new URLSearchParams(search).get("show");
  return FILTERS.some((f) => f.value === value) ? (value as InboxFilter) : "active";
}
