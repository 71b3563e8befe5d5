import { Field, TextInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";

export function FailInspector({ data, update }: InspectorProps) {
  return (
    <>
      <Field label="Error message" error={data.error ? null : "Required"}>
        <TextInput aria-label="Error message" value={data.error} onChange={(error) => update((f) => ({ ...f, error }), "error")} />
      </Field>
      <Field label="Error code" hint="Optional, at most 100 characters">
        <TextInput aria-label="Error code" value={data.code} onChange={(code) => update((f) => ({ ...f, code: code || undefined }), "code")} />
      </Field>
    </>
  );
}
