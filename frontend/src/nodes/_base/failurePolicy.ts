/** A task's or http step's `on_failure` (docs/spec.md): what follows its last failed attempt. */
import { ON_FAILURE, type NodeFields, type OnFailure } from "../../spec/types";

export const DEFAULT_ON_FAILURE: OnFailure = "compensate";

export const ON_FAILURE_TEXT: Record<OnFailure, { label: string; help: string }> = {
  compensate: { label: "Compensate", help: "Undo what succeeded, newest first; the run ends compensated." },
  incident: { label: "Wait for an operator", help: "Nothing is undone; the run waits as failed until an operator retries, skips or compensates." },
  fail: { label: "Fail the run", help: "Nothing is undone; the run ends aborted for good." },
};

/** The policy in effect: absent means compensate. */
export function onFailureOf(fields: NodeFields): OnFailure {
  return fields.on_failure ?? DEFAULT_ON_FAILURE;
}

/** Set the policy; the default is stored as absent, so specs stay as they were. */
export function withOnFailure(fields: NodeFields, value: OnFailure): NodeFields {
  const next = { ...fields };
  if (value === DEFAULT_ON_FAILURE) delete next.on_failure;
  else next.on_failure = value;
  return next;
}

/** A problem with the field as the server would see it, or null. */
export function onFailureProblem(fields: NodeFields): string | null {
  const v = fields.on_failure as unknown;
  if (v === undefined) return null;
  return (ON_FAILURE as readonly unknown[]).includes(v) ? null : `"When the last attempt fails" must be one of ${ON_FAILURE.join(", ")}`;
}
