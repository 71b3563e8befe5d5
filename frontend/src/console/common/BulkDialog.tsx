/**
 * A bulk action on a filtered selection: the number of runs it would touch is
 * asked from the server (a dry run) and shown before anything happens.
 */
import { useEffect, useState } from "react";
import { bulkApply, bulkCount, type BulkAction, type BulkResult } from "../../api/console";
import { describeFilters, filtersToParams, type RunFilters } from "../filters";
import { ConfirmDialog, errorLines } from "./ConfirmDialog";

const EFFECT: Record<BulkAction, string> = {
  retry: "each is retried from the step it failed at (a failed compensation is retried instead)",
  compensate: "each stops going forward and undoes the steps that succeeded, in reverse order",
  cancel: "each is stopped for good: open steps are cancelled and nothing is undone",
};
const VERB: Record<BulkAction, string> = { retry: "Retry", compensate: "Compensate", cancel: "Cancel" };
/** engine/services/bulk.py applies at most this many per request (BulkSerializer.limit). */
export const BULK_LIMIT = 1000;

export function bulkSummary(action: BulkAction, r: BulkResult): string {
  const refused = Array.isArray(r.errors) ? r.errors.length : 0;
  const verb = { retry: "Retried", compensate: "Compensating", cancel: "Cancelled" }[action];
  return `${verb} ${r.applied} of ${r.matched} run${r.matched === 1 ? "" : "s"}` + (refused ? `; ${refused} had moved on and were left alone.` : ".");
}

/**
 * Nothing is preselected: the operator picks the action (none is the default,
 * least of all a destructive one), then the count is asked, then a reason.
 */
export function BulkDialog(props: {
  filters: RunFilters;
  actions?: BulkAction[];
  what?: string;
  onDone(action: BulkAction, result: BulkResult): void;
  onClose(): void;
}) {
  const { filters, actions = ["retry", "compensate", "cancel"], what, onDone, onClose } = props;
  const [action, setAction] = useState<BulkAction | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const params = filtersToParams(filters);
  const key = JSON.stringify(params);

  useEffect(() => {
    let live = true;
    setCount(null);
    setCountError(null);
    if (!action) return;
    bulkCount(action, JSON.parse(key)).then(
      (r) => live && setCount(r.count),
      (e) => live && setCountError(errorLines(e).join(" ")),
    );
    return () => {
      live = false;
    };
  }, [action, key]);

  const effect = action ? (
    <>
      <p>
        Runs matching <strong>{what ?? describeFilters(filters)}</strong> that can be {action === "retry" ? "retried" : action === "cancel" ? "cancelled" : "compensated"}:{" "}
        <strong data-testid="bulk-count">{count === null ? (countError ? "unknown" : "counting…") : count.toLocaleString()}</strong>
        {count !== null && ` run${count === 1 ? "" : "s"}`}.
      </p>
      {countError && <p className="fd-field__error" role="alert">{countError}</p>}
      <p>{count !== null && count > 0 ? `${VERB[action]}: ${EFFECT[action]}.` : ""}</p>
      {count !== null && count > BULK_LIMIT && <p className="fd-field__error">Only the oldest {BULK_LIMIT} are handled per press; press again for the rest.</p>}
    </>
  ) : (
    <p>
      Runs matching <strong>{what ?? describeFilters(filters)}</strong>. Choose what to do with them; the number of runs it applies to is shown before
      anything happens.
    </p>
  );
  return (
    <ConfirmDialog
      title="Bulk action"
      testId="bulk-dialog"
      effect={effect}
      confirmLabel={
        !action ? "Choose an action" : count ? `${VERB[action]} ${Math.min(count, BULK_LIMIT).toLocaleString()} run${count === 1 ? "" : "s"}` : VERB[action]
      }
      danger={!!action && action !== "retry"}
      blocked={!action || !count}
      onClose={onClose}
      onConfirm={async (reason) => {
        if (!action) return;
        const result = await bulkApply(action, params, reason);
        onDone(action, result);
      }}
    >
      <label className="fd-field">
        <span className="fd-field__label">Action</span>
        <select aria-label="Bulk action" data-testid="bulk-action" value={action ?? ""} onChange={(e) => setAction((e.target.value || null) as BulkAction | null)}>
          <option value="" disabled>
            Choose an action…
          </option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {VERB[a]}
              {a === "retry" ? "" : " (destructive)"}
            </option>
          ))}
        </select>
      </label>
    </ConfirmDialog>
  );
}
