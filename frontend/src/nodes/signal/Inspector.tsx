import { DurationInput, Field, TextInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { SIGNAL_PATTERN } from "../../spec/types";

export function SignalInspector({ data, update }: InspectorProps) {
  return (
    <>
      <Field label="Signal name" error={data.signal && SIGNAL_PATTERN.test(data.signal) ? null : "Letters, digits and . _ : - (1 to 100)"}>
        <TextInput aria-label="Signal name" value={data.signal} onChange={(signal) => update((f) => ({ ...f, signal }), "signal")} />
      </Field>
      <Field label="Timeout" hint="Optional. With a timeout, connect the node's “timeout” exit to say what happens then.">
        <DurationInput label="Signal timeout" seconds={data.timeout} onChange={(timeout) => update((f) => ({ ...f, timeout }), "timeout")} />
      </Field>
    </>
  );
}
