import { CallbackEditor } from "../_base/CallbackEditor";
import { CompensationEditor } from "../_base/CompensationEditor";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { ActivitySelect, DurationInput, Field } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";
import { RetryEditor } from "../_base/RetryEditor";

export function TaskInspector({ data, update, ctx }: InspectorProps) {
  const activity = ctx.activities.find((a) => a.name === data.activity);
  return (
    <>
      <Field label="Activity" hint={activity?.description} error={data.activity ? (activity || !ctx.activities.length ? null : "Not a registered activity") : "Required"}>
        <ActivitySelect label="Activity" value={data.activity} activities={ctx.activities} onChange={(a) => update((f) => ({ ...f, activity: a }))} />
      </Field>
      <MappingEditor
        label="Input"
        absentMeans="the run's input"
        value={data.input}
        schema={activity?.input_schema}
        suggestions={ctx.suggestions}
        onChange={(input) => update((f) => ({ ...f, input }), "input")}
      />
      <Field label="Timeout per attempt" hint="Default 300 seconds">
        <DurationInput label="Timeout" seconds={data.timeout} onChange={(timeout) => update((f) => ({ ...f, timeout }), "timeout")} />
      </Field>
      <Field label="Heartbeat timeout" hint="Optional: fail an attempt that stops heartbeating">
        <DurationInput label="Heartbeat timeout" seconds={data.heartbeat_timeout} onChange={(v) => update((f) => ({ ...f, heartbeat_timeout: v }), "heartbeat")} />
      </Field>
      <CallbackEditor data={data} update={update} />
      <RetryEditor value={data.retry} finalErrors={ctx.finalErrors("task")} onChange={(retry) => update((f) => ({ ...f, retry }), "retry")} />
      <FailurePolicyField data={data} update={update} />
      <CompensationEditor data={data} update={update} ctx={ctx} />
    </>
  );
}
