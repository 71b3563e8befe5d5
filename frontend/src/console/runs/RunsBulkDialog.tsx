/**
 * A bulk action on the checked rows or on every run the filters select: retry, compensate,
 * cancel, send a signal ("approve these 12"), skip a named step. The server answers how many runs
 * it applies to (and, for checked rows, which it refuses and why) before anything happens, from
 * the same selection the action then uses; each run is then acted on and refused on its own.
 */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { bulkPreview, bulkRun, type BulkActionName, type BulkOutcome, type BulkParams, type BulkPreview, type BulkTarget } from "../../api/runs";
import { ConfirmDialog, errorLines } from "../common/ConfirmDialog";
import { describeFilters, filtersToParams, type RunFilters } from "../filters";
import { shortId } from "../format";

export type Selection = { kind: "filters"; filters: RunFilters } | { kind: "ids"; ids: string[] };

const VERB: Record<BulkActionName, string> = { retry: "Retry", compensate: "Compensate", cancel: "Cancel", signal: "Send signal", skip: "Skip step" };
const EFFECT: Record<BulkActionName, string> = {
  retry: "each is retried from the step it failed at (a failed compensation is retried instead)",
  compensate: "each stops going forward and undoes the steps that succeeded, in reverse order",
  cancel: "each is stopped for good: open steps are cancelled and nothing is undone",
  signal: "each gets the signal with the payload below: the step waiting for it goes on (or it is kept for a signal node not reached yet)",
  skip: "in each, the step is marked skipped with the output below and the run goes on",
};
const DESTRUCTIVE = new Set<BulkActionName>(["compensate", "cancel"]);
/** engine/services/bulk.py acts on at most this many runs of a filter per request (BulkSerializer.limit). */
export const BULK_LIMIT = 1000;

function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: text.trim() ? JSON.parse(text) : {} };
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
}

export function selectionTarget(s: Selection): BulkTarget {
  return s.kind === "ids" ? { run_ids: s.ids } : { filters: filtersToParams(s.filters) };
}

export function outcomeSummary(action: BulkActionName, r: BulkOutcome): string {
  const refused = r.errors.length;
  return `${VERB[action]}: done for ${r.applied} run${r.applied === 1 ? "" : "s"}` + (refused ? `; ${refused} refused or gone (why below).` : ".");
}

export function RunsBulkDialog({ selection, onDone, onClose }: { selection: Selection; onDone(action: BulkActionName, r: BulkOutcome): void; onClose(): void }) {
  const [action, setAction] = useState<BulkActionName | null>(null);
  const [signal, setSignal] = useState("");
  const [node, setNode] = useState("");
  const [json, setJson] = useState("{}");
  const [preview, setPreview] = useState<BulkPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const target = selectionTarget(selection);
  const key = JSON.stringify(target);
  const body = parseJson(json);
  const params: BulkParams =
    action === "signal" ? { signal: signal.trim(), payload: body.value } : action === "skip" ? { node_id: node.trim(), output: body.value } : {};
  const needs = action === "signal" ? (!signal.trim() ? "Name the signal." : null) : action === "skip" ? (!node.trim() ? "Name the step to skip." : null) : null;
  const paramKey = action === "signal" ? signal.trim() : action === "skip" ? node.trim() : "";

  useEffect(() => {
    let live = true;
    setPreview(null);
    setPreviewError(null);
    if (!action || (action !== "retry" && action !== "cancel" && action !== "compensate" && !paramKey)) return;
    const t = window.setTimeout(() => {
      const p: BulkParams = action === "signal" ? { signal: paramKey } : action === "skip" ? { node_id: paramKey } : {};
      bulkPreview(action, JSON.parse(key) as BulkTarget, p).then(
        (r) => live && setPreview(r),
        (e) => live && setPreviewError(errorLines(e).join(" ")),
      );
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [action, key, paramKey]);

  const what = selection.kind === "ids" ? `the ${selection.ids.length} checked run${selection.ids.length === 1 ? "" : "s"}` : describeFilters(selection.filters);
  const count = preview?.count ?? null;
  const n = count === null ? 0 : selection.kind === "filters" ? Math.min(count, BULK_LIMIT) : count;
  return (
    <ConfirmDialog
      title={selection.kind === "ids" ? "Act on the checked runs" : "Bulk action"}
      testId="bulk-dialog"
      danger={!!action && DESTRUCTIVE.has(action)}
      blocked={!action || !count || !!needs || !!body.error}
      confirmLabel={!action ? "Choose an action" : count ? `${VERB[action]}${action === "signal" && signal ? ` ${signal.trim()}` : ""} on ${n.toLocaleString()} run${n === 1 ? "" : "s"}` : VERB[action]}
      check={() => needs ?? body.error ?? null}
      onClose={onClose}
      onConfirm={async (reason) => {
        if (!action) return;
        onDone(action, await bulkRun(action, target, params, reason));
      }}
      effect={
        <>
          <p>
            Runs: <strong>{what}</strong>.{" "}
            {action ? (
              <>
                It applies to{" "}
                <strong data-testid="bulk-count">{count === null ? (previewError ? "unknown" : needs ? "…" : "counting…") : count.toLocaleString()}</strong>
                {count !== null && ` run${count === 1 ? "" : "s"}`}
                {preview?.selected !== undefined && ` of the ${preview.selected} checked`}.
              </>
            ) : (
              "Choose what to do with them; the number of runs it applies to is shown before anything happens."
            )}
          </p>
          {previewError && <p className="fd-field__error" role="alert">{previewError}</p>}
          {action && count !== null && count > 0 && <p>{VERB[action]}: {EFFECT[action]}. Each run is acted on by itself; one that moved on meanwhile is refused and said so.</p>}
          {selection.kind === "filters" && count !== null && count > BULK_LIMIT && (
            <p className="fd-field__error">Only the oldest {BULK_LIMIT} are handled per press; press again for the rest.</p>
          )}
          {!!preview?.refused?.length && <RefusedList items={preview.refused.map((r) => ({ run_id: r.run_id, detail: r.reason }))} title="Refused by the policy, left alone" testId="bulk-refused" />}
          {!!preview?.missing?.length && <p className="fd-muted">{preview.missing.length} checked run{preview.missing.length === 1 ? " is" : "s are"} gone.</p>}
        </>
      }
    >
      <label className="fd-field">
        <span className="fd-field__label">Action</span>
        <select aria-label="Bulk action" data-testid="bulk-action" value={action ?? ""} onChange={(e) => setAction((e.target.value || null) as BulkActionName | null)}>
          <option value="" disabled>Choose an action…</option>
          {(Object.keys(VERB) as BulkActionName[]).map((a) => (
            <option key={a} value={a}>{VERB[a]}{DESTRUCTIVE.has(a) ? " (destructive)" : ""}</option>
          ))}
        </select>
      </label>
      {action === "signal" && (
        <label className="fd-field">
          <span className="fd-field__label">Signal name</span>
          <input aria-label="Signal name" data-testid="bulk-signal" value={signal} placeholder="e.g. approve" onChange={(e) => setSignal(e.target.value)} />
        </label>
      )}
      {action === "skip" && (
        <label className="fd-field">
          <span className="fd-field__label">Step to skip (node id)</span>
          <input aria-label="Step to skip" data-testid="bulk-node" value={node} placeholder="e.g. reserve" onChange={(e) => setNode(e.target.value)} />
        </label>
      )}
      {(action === "signal" || action === "skip") && (
        <label className="fd-field">
          <span className="fd-field__label">{action === "signal" ? "Payload (JSON)" : "Output (JSON)"}</span>
          <textarea aria-label={action === "signal" ? "Payload (JSON)" : "Output (JSON)"} rows={3} spellCheck={false} value={json} onChange={(e) => setJson(e.target.value)} />
          {body.error && <span className="fd-field__error">{body.error}</span>}
        </label>
      )}
    </ConfirmDialog>
  );
}

/** Runs left alone, each with the reason (the policy's words). */
export function RefusedList({ items, title, testId }: { items: { run_id: string; detail?: string }[]; title: string; testId?: string }) {
  return (
    <details className="fc-refused" data-testid={testId} open={items.length <= 5}>
      <summary>{title}: {items.length}</summary>
      <ul>
        {items.map((r) => (
          <li key={r.run_id} data-run-id={r.run_id}>
            <Link to={`/console/runs/${encodeURIComponent(r.run_id)}`}><code title={r.run_id}>{shortId(r.run_id)}</code></Link>: {r.detail ?? "refused"}
          </li>
        ))}
      </ul>
    </details>
  );
}
