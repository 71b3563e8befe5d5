/** Shared by the task and http inspectors: "Wait for callback" (the node's `callback` field). */
import { CALLBACK_DEFAULT_TIMEOUT, CALLBACK_MAX_SECONDS, type CallbackPolicy, type NodeFields } from "../../spec/types";
import { DurationInput, Field, OptionalSection } from "./fields";
import type { InspectorProps } from "./inspectorTypes";

export const CALLBACK_HELP = "The activity gets a single-use token; the step waits until POST /api/callbacks/{token}/ completes or fails it.";

/** What is wrong with one of the callback's durations (undefined: absent), or null. */
export function callbackDurationProblem(seconds: number | undefined, required: boolean): string | null {
  if (seconds === undefined) return required ? "Required" : null;
  if (!(seconds > 0)) return "Must be more than 0 seconds";
  if (seconds > CALLBACK_MAX_SECONDS) return "At most 30 days";
  return null;
}

/**
 * `fields` with one of the callback's durations set (undefined: removed). An emptied timeout
 * is kept out of the spec rather than guessed, so the spec shows it as missing (the editor
 * says "Required" and the server refuses it) until one is typed.
 */
function withCallbackField(fields: NodeFields, key: keyof CallbackPolicy, seconds: number | undefined): NodeFields {
  if (!fields.callback) return fields;
  const next: Partial<CallbackPolicy> = { ...fields.callback, [key]: seconds };
  if (seconds === undefined) delete next[key];
  return { ...fields, callback: next as CallbackPolicy };
}

/** "Wait for callback": the step waits for an external system instead of the activity's return. */
export function CallbackEditor({ data, update }: Pick<InspectorProps, "data" | "update">) {
  const cb = data.callback;
  const toggle = (on: boolean) =>
    update((f) => {
      if (on) return { ...f, callback: { timeout: CALLBACK_DEFAULT_TIMEOUT } };
      const rest = { ...f };
      delete rest.callback;
      return rest;
    });
  return (
    <OptionalSection className="fd-callback" legend="Callback" label="Wait for callback" on={!!cb} onToggle={toggle} hint={CALLBACK_HELP}>
      {cb && (
        <>
          <Field label="Callback timeout" hint="From the attempt's start; past it the attempt fails with CallbackTimeout" error={callbackDurationProblem(cb.timeout, true)}>
            <DurationInput label="Callback timeout" seconds={cb.timeout} onChange={(v) => update((f) => withCallbackField(f, "timeout", v), "callback-timeout")} />
          </Field>
          <Field label="Callback heartbeat timeout" hint="Optional: fail the attempt when the external system stops heartbeating" error={callbackDurationProblem(cb.heartbeat_timeout, false)}>
            <DurationInput
              label="Callback heartbeat timeout"
              seconds={cb.heartbeat_timeout}
              onChange={(v) => update((f) => withCallbackField(f, "heartbeat_timeout", v), "callback-heartbeat")}
            />
          </Field>
        </>
      )}
    </OptionalSection>
  );
}
