/** An operator.data_edited or operator.input_edited event in the run's history: the paths it changed, the whole before and after a click away. */
import type { RunEvent } from "../../api/runs";
import { JsonView } from "../common/JsonView";
import { ChangeList } from "./ChangeList";
import { eventChanges } from "./diff";
import "./data.css";

export const EDIT_EVENTS: Record<string, "data" | "input"> = { "operator.data_edited": "data", "operator.input_edited": "input" };

export function EditEventDiff({ event }: { event: RunEvent }) {
  const what = EDIT_EVENTS[event.type] ?? "data";
  const { changes, truncated } = eventChanges(event.payload);
  return (
    <div className="fc-edit-event" data-testid="event-diff">
      <ChangeList prefix={what} changes={changes} truncated={truncated} testId="event-changes" />
      <details>
        <summary>Whole {what} before and after</summary>
        <div className="fc-before-after">
          <div><h4>Before</h4><JsonView value={event.payload.before} label={`${what} before`} /></div>
          <div><h4>After</h4><JsonView value={event.payload.after} label={`${what} after`} /></div>
        </div>
      </details>
    </div>
  );
}
