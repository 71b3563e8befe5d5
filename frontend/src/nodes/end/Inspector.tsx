import { MappingEditor } from "../../designer/fields";
import type { InspectorProps } from "../../designer/inspectorTypes";

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
