/**
 * One operator action as a button, straight from the server's entry: enabled
 * exactly when the policy allows it (and the user may operate), the refusal
 * shown next to it and read out with it (aria-describedby).
 */
import type { AvailableAction } from "../../api/runs";
import { actionKey, buttonText } from "./actions";

interface Props {
  action: AvailableAction;
  canOperate: boolean;
  /** Why this user cannot act at all ("Your role (viewer) ..."), or "". */
  cannot: string;
  onOpen(action: AvailableAction): void;
  /** Where the button sits (keeps element ids unique when one entry shows twice). */
  place: string;
  /** Button text instead of the entry's label. */
  text?: string;
}

export function ActionButton({ action, canOperate, cannot, onOpen, place, text }: Props) {
  const refused = !action.allowed;
  const whyId = `why-not-${place}-${actionKey(action)}`;
  const note = refused ? action.reason || "not possible now" : !canOperate ? cannot : "";
  return (
    <span className={`fc-action${action.destructive ? " fc-action--destructive" : ""}`}>
      <button
        type="button"
        className={action.destructive ? "fc-danger-outline" : undefined}
        data-action={action.action}
        data-node-id={action.node_id ?? undefined}
        data-kind={action.kind ?? undefined}
        data-signal={action.signal ?? undefined}
        data-destructive={action.destructive ? "true" : undefined}
        disabled={refused || !canOperate}
        title={note || undefined}
        aria-describedby={refused ? whyId : undefined}
        onClick={() => onOpen(action)}
      >
        {text ?? buttonText(action)}
      </button>
      {refused && (
        <span id={whyId} className="fc-action__why" data-testid="action-reason">
          {note}
        </span>
      )}
    </span>
  );
}
