import { MappingEditor } from "../_base/MappingEditor";
import type { InspectorProps } from "../_base/inspectorTypes";

export function EndInspector({ data, update, ctx }: InspectorProps) {
  return (
    <MappingEditor
      label="Run output"
      absentMeans="no output"
      value={data.output}
      suggestions={ctx.suggestions}
      onChange={(output) => update((f) => ({ ...f, output }), "output")}
    />
  );
}
