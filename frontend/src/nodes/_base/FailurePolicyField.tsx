/** "When the last attempt fails": the on_failure of task and http nodes. */
import { ON_FAILURE, type OnFailure } from "../../spec/types";
import { DEFAULT_ON_FAILURE, ON_FAILURE_TEXT, onFailureOf, withOnFailure } from "./failurePolicy";
import { Field } from "./fields";
import type { InspectorProps } from "./inspectorTypes";

export function FailurePolicyField({ data, update }: Pick<InspectorProps, "data" | "update">) {
  const value = onFailureOf(data);
  return (
    <Field label="When the last attempt fails" hint={ON_FAILURE_TEXT[value].help}>
      <select aria-label="When the last attempt fails" data-testid="on-failure" value={value} onChange={(e) => update((f) => withOnFailure(f, e.target.value as OnFailure))}>
        {ON_FAILURE.map((v) => (
          <option key={v} value={v} title={ON_FAILURE_TEXT[v].help}>
            {ON_FAILURE_TEXT[v].label}
            {v === DEFAULT_ON_FAILURE ? " (default)" : ""} — {ON_FAILURE_TEXT[v].help}
          </option>
        ))}
      </select>
    </Field>
  );
}
