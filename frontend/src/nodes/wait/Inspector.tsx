import { DurationInput, Field, TextInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";

export function WaitInspector({ data, update, ctx }: InspectorProps) {
  const mode = data.until !== undefined ? "until" : "seconds";
  return (
    <>
      <Field label="Wait">
        <select
          aria-label="Wait kind"
          value={mode}
          onChange={(e) => update((f) => (e.target.value === "until" ? { ...f, seconds: undefined, until: "input.resume_at" } : { ...f, until: undefined, seconds: 60 }))}
        >
          <option value="seconds">for a duration</option>
          <option value="until">until a time (an ISO-8601 timestamp)</option>
        </select>
      </Field>
      {mode === "seconds" ? (
        <Field label="Duration">
          <DurationInput label="Duration" seconds={data.seconds} onChange={(seconds) => update((f) => ({ ...f, seconds }), "seconds")} />
        </Field>
      ) : (
        <Field label="Until (expression)" hint="e.g. input.ship_at">
          <TextInput aria-label="Until" list="" value={data.until} onChange={(until) => update((f) => ({ ...f, until }), "until")} />
          <span className="fd-muted">{ctx.suggestions.slice(0, 4).join(" · ")}</span>
        </Field>
      )}
    </>
  );
}
