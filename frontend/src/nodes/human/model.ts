import { UserCheck } from "lucide-react";
import { formatSeconds } from "../../spec/retry";
import { HUMAN_MAX_DUE, HUMAN_ROLES, type HumanAssignee, type NodeFields } from "../../spec/types";
import { onFailureProblem } from "../_base/failurePolicy";
import type { NodeMeta } from "../types";

export const DEFAULT_FORM = { type: "object" };

/** What is wrong with the title (a template), or null. */
export function titleProblem(value: string | undefined): string | null {
  if (typeof value !== "string" || value.trim() === "") return "Required";
  return templateProblem(value);
}

/** Broken {{ }} braces in a template, or null (the server also checks what is inside: E015). */
export function templateProblem(value: string | undefined): string | null {
  if (!value) return null;
  let at = 0;
  for (;;) {
    const open = value.indexOf("{{", at);
    const close = value.indexOf("}}", at);
    if (open < 0) return close < 0 ? null : "A }} with no {{ before it";
    if (close >= 0 && close < open) return "A }} with no {{ before it";
    const end = value.indexOf("}}", open + 2);
    if (end < 0) return "A {{ that is never closed";
    if (value.slice(open + 2, end).trim() === "") return "An empty {{ }} placeholder";
    at = end + 2;
  }
}

/** What is wrong with the assignee, or null (E039 on the server). */
export function assigneeProblem(value: HumanAssignee | undefined): string | null {
  if (!value) return "Choose a role or a user";
  const role = "role" in value ? value.role : undefined;
  const user = "user" in value ? value.user : undefined;
  if ((role === undefined) === (user === undefined)) return "Exactly one of a role or a user";
  if (role !== undefined && !(HUMAN_ROLES as readonly string[]).includes(role)) return `A role of ${HUMAN_ROLES.join(", ")}`;
  if (user !== undefined && (user.trim() === "" || user.length > 150)) return "A username (1 to 150 characters)";
  return null;
}

/** What is wrong with the form (a JSON Schema of an object), or null; the server checks it fully (E038). */
export function formProblem(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "A JSON object: a JSON Schema";
  if ((value as { type?: unknown }).type !== "object") return 'The form must be a schema of an object: {"type": "object", ...}';
  return null;
}

/** What is wrong with due (undefined: none), or null. */
export function dueProblem(value: number | undefined): string | null {
  if (value === undefined) return null;
  if (!(value > 0) || value > HUMAN_MAX_DUE) return "More than 0 and at most 365 days";
  return null;
}

export function assigneeText(value: HumanAssignee | undefined): string {
  if (!value) return "no assignee";
  return "role" in value && value.role !== undefined ? `role ${value.role}` : `user ${(value as { user: string }).user}`;
}

export const humanMeta: NodeMeta = {
  type: "human",
  title: "Human task",
  hint: "Waits for a person to complete a form in their Inbox",
  icon: UserCheck,
  defaults: () => ({ label: "Human task", title: "Review {{ run.business_key }}", assignee: { role: "operator" } }),
  summary: (f: NodeFields) =>
    [assigneeText(f.assignee), f.due ? `due in ${formatSeconds(f.due)}` : "", f.on_failure && f.on_failure !== "compensate" ? `on reject: ${f.on_failure}` : ""]
      .filter(Boolean)
      .join(" · "),
  problems: (f) => {
    const out: string[] = [];
    const title = titleProblem(f.title);
    if (title) out.push(`Title: ${title.toLowerCase()}`);
    const description = templateProblem(f.description);
    if (description) out.push(`Description: ${description.toLowerCase()}`);
    const assignee = assigneeProblem(f.assignee);
    if (assignee) out.push(`Assignee: ${assignee.toLowerCase()}`);
    const form = formProblem(f.form);
    if (form) out.push(`Form: ${form}`);
    const due = dueProblem(f.due);
    if (due) out.push(`Due: ${due.toLowerCase()}`);
    const onFailure = onFailureProblem(f);
    if (onFailure) out.push(onFailure);
    return out;
  },
};
