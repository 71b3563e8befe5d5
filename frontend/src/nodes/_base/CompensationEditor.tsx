/** Shared by the task and http inspectors. */
import { ActivitySelect, Field } from "./fields";
import type { InspectorProps } from "./inspectorTypes";
import { MappingEditor } from "./MappingEditor";
import { RetryEditor } from "./RetryEditor";

/** The activity that undoes a task or http step when the run compensates. */
export function CompensationEditor({ data, update, ctx }: Omit<InspectorProps, "id">) {
  const comp = data.compensation;
  return (
    <fieldset className="fd-compensation">
      <legend>Compensation</legend>
      <label className="fd-check">
        <input
          type="checkbox"
          aria-label="Undo with a compensation activity"
          checked={!!comp}
          onChange={(e) => update((f) => ({ ...f, compensation: e.target.checked ? { activity: "" } : undefined }))}
        />
        Undo this step with an activity when a later step fails
      </label>
      {comp && (
        <>
          <Field label="Compensation activity" error={comp.activity ? null : "Required"}>
            <ActivitySelect
              label="Compensation activity"
              value={comp.activity}
              activities={ctx.activities}
              onChange={(activity) => update((f) => ({ ...f, compensation: { ...f.compensation!, activity } }))}
            />
          </Field>
          <MappingEditor
            label="Compensation input"
            absentMeans="the run's input"
            value={comp.input}
            schema={ctx.activities.find((a) => a.name === comp.activity)?.input_schema}
            suggestions={ctx.suggestions}
            onChange={(input) => update((f) => ({ ...f, compensation: { ...f.compensation!, input } }), "comp-input")}
          />
          <RetryEditor label="Compensation retry" finalErrors={ctx.finalErrors("task")} value={comp.retry} onChange={(retry) => update((f) => ({ ...f, compensation: { ...f.compensation!, retry } }), "comp-retry")} />
        </>
      )}
    </fieldset>
  );
}
