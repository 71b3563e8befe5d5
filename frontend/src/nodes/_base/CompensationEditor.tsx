/** Shared by the task and http inspectors. */
import { ActivitySelect, Field, OptionalSection } from "./fields";
import type { InspectorProps } from "./inspectorTypes";
import { MappingEditor } from "./MappingEditor";
import { RetryEditor } from "./RetryEditor";

/** The activity that undoes a task or http step when the run compensates. */
export function CompensationEditor({ data, update, ctx }: Omit<InspectorProps, "id">) {
  const comp = data.compensation;
  return (
    <OptionalSection
      className="fd-compensation"
      legend="Compensation"
      label="Undo this step with an activity when a later step fails"
      ariaLabel="Undo with a compensation activity"
      on={!!comp}
      onToggle={(on) => update((f) => ({ ...f, compensation: on ? { activity: "" } : undefined }))}
    >
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
    </OptionalSection>
  );
}
