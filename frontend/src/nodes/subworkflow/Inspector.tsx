import { Field, NumberInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";

export function SubworkflowInspector({ data, update, ctx }: InspectorProps) {
  return (
    <>
      <Field label="Definition" error={data.definition ? null : "Required"}>
        <select aria-label="Definition" value={data.definition ?? ""} onChange={(e) => update((f) => ({ ...f, definition: e.target.value }))}>
          <option value="">Choose…</option>
          {data.definition && !ctx.definitionKeys.includes(data.definition) && <option value={data.definition}>{data.definition} (not found)</option>}
          {ctx.definitionKeys.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </Field>
      <Field label="Version" hint="Empty: the latest published version when the step starts">
        <NumberInput aria-label="Version" min={1} step={1} value={data.version} onChange={(version) => update((f) => ({ ...f, version }), "version")} />
      </Field>
      <MappingEditor label="Input" absentMeans="the run's input" value={data.input} suggestions={ctx.suggestions} onChange={(input) => update((f) => ({ ...f, input }), "input")} />
    </>
  );
}
