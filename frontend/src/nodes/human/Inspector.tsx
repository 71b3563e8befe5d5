import { useEffect, useRef, useState } from "react";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { DurationInput, Field, TextInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { HUMAN_ROLES, type HumanAssignee, type NodeFields } from "../../spec/types";
import { assigneeProblem, DEFAULT_FORM, dueProblem, formProblem, templateProblem, titleProblem } from "./model";

type Kind = "role" | "user";

export function HumanInspector({ data, update }: InspectorProps) {
  /** Set one field; undefined removes it (the spec's default applies). */
  const set = <K extends keyof NodeFields>(key: K, value: NodeFields[K], coalesce?: string) =>
    update((f) => {
      const next = { ...f };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    }, coalesce);
  const assignee = data.assignee;
  const kind: Kind = assignee && "user" in assignee && assignee.user !== undefined ? "user" : "role";
  const setAssignee = (value: HumanAssignee) => set("assignee", value, "assignee");
  return (
    <>
      <Field label="Title" hint="What the task asks, as its assignee reads it in the Inbox: a template, e.g. Approve refund for {{ input.order }}" error={titleProblem(data.title)}>
        <TextInput aria-label="Task title" value={data.title} onChange={(title) => set("title", title, "title")} />
      </Field>
      {templateProblem(data.description) && <p className="fd-field__error" role="alert">Description: {templateProblem(data.description)}</p>}
      <p className="fd-field__hint">The description above is a template too: the task shows it rendered.</p>
      <Field label="Assigned to" hint="A role (anyone with it may claim the task) or one user; admins may claim any task" error={assigneeProblem(assignee)}>
        <span className="fd-row">
          <select
            aria-label="Assignee kind"
            value={kind}
            onChange={(e) => setAssignee(e.target.value === "user" ? { user: "" } : { role: "operator" })}
          >
            <option value="role">a role</option>
            <option value="user">a user</option>
          </select>
          {kind === "role" ? (
            <select aria-label="Assignee role" value={assignee && "role" in assignee ? assignee.role : ""} onChange={(e) => setAssignee({ role: e.target.value })}>
              {HUMAN_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          ) : (
            <TextInput aria-label="Assignee user" placeholder="username" value={assignee && "user" in assignee ? assignee.user : ""} onChange={(user) => setAssignee({ user })} />
          )}
        </span>
      </Field>
      <FormSchemaEditor value={data.form} onChange={(form) => set("form", form, "form")} />
      <Field label="Due" hint="Optional: how long after the step starts the task is due; past it the Inbox shows it overdue" error={dueProblem(data.due)}>
        <DurationInput label="Task due" seconds={data.due} onChange={(due) => set("due", due, "due")} />
      </Field>
      <FailurePolicyField data={data} update={update} />
    </>
  );
}

/** The form's JSON Schema as JSON text: kept while it does not parse, stored once it does. */
function FormSchemaEditor({ value, onChange }: { value: Record<string, unknown> | undefined; onChange(v: Record<string, unknown> | undefined): void }) {
  const shown = (v: unknown) => (v === undefined ? "" : JSON.stringify(v, null, 2));
  const [text, setText] = useState(() => shown(value));
  const emitted = useRef(value);
  useEffect(() => {
    if (value !== emitted.current) {
      emitted.current = value;
      setText(shown(value));
    }
  }, [value]);
  let problem: string | null = null;
  let parsed: unknown;
  if (text.trim() !== "") {
    try {
      parsed = JSON.parse(text);
      problem = formProblem(parsed);
    } catch (e) {
      problem = `Not JSON: ${(e as Error).message}`;
    }
  }
  return (
    <Field label="Form (JSON Schema)" hint={`What completing the task takes: a JSON Schema of an object. Empty: ${JSON.stringify(DEFAULT_FORM)}, no data`} error={problem}>
      <textarea
        aria-label="Form schema"
        className="fd-mono"
        rows={8}
        spellCheck={false}
        value={text}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          if (next.trim() === "") {
            emitted.current = undefined;
            onChange(undefined);
            return;
          }
          try {
            const v = JSON.parse(next);
            if (formProblem(v) === null) {
              emitted.current = v;
              onChange(v);
            }
          } catch {
            // kept as typed until it parses
          }
        }}
      />
      {parsed !== undefined && problem === null && <span className="fd-muted">Valid: {Object.keys((parsed as { properties?: object }).properties ?? {}).length} field(s)</span>}
    </Field>
  );
}
