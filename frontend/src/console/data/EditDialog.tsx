/**
 * Edit a run's data or correct its input: a tree of its fields (raw JSON a click away), and the
 * change as the paths it makes (`data.charge.amount: 100 -> 120`) before the operator confirms.
 */
import { useMemo, useState } from "react";
import { editRunData } from "../../api/console";
import { editRunInput, type RunDetail } from "../../api/runs";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ChangeList } from "./ChangeList";
import { diffPaths } from "./diff";
import { JsonTreeEditor } from "./JsonTreeEditor";
import type { Json } from "./tree";
import "./data.css";

export type Editing = "data" | "input";

const EFFECT: Record<Editing, string> = {
  data: "Replaces the run's data (what later steps read as data.…). Nothing runs now: retry a step afterwards to use it.",
  input:
    "Corrects the run's input (what steps read as input.…), checked against the definition's input schema if it has one. " +
    "Steps that already ran keep what they read; steps not run yet, and retries, read the new input.",
};

const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

export function EditDialog({ run, what, onDone, onClose }: { run: RunDetail; what: Editing; onDone(d: RunDetail): void; onClose(): void }) {
  const saved = useMemo(() => ((what === "data" ? run.data : run.input) ?? {}) as Json, [run, what]);
  const [draft, setDraft] = useState<Json>(saved);
  const [raw, setRaw] = useState<string | null>(null);   // null: the tree; else the raw JSON text
  const parsed = useMemo((): { value?: Json; error?: string } => {
    if (raw === null) return { value: draft };
    try {
      return { value: JSON.parse(raw) as Json };
    } catch (e) {
      return { error: `Not valid JSON: ${(e as Error).message}` };
    }
  }, [raw, draft]);
  const value = parsed.value;
  const { changes, truncated } = useMemo(() => (value === undefined ? { changes: [], truncated: false } : diffPaths(saved, value)), [saved, value]);
  const changed = useMemo(() => new Set(changes.map((c) => c.path)), [changes]);
  const problem = parsed.error ?? (!isObject(value) ? `The ${what} must be a JSON object.` : !changes.length ? "Nothing changed yet." : null);

  const toTree = () => {
    if (parsed.error || !isObject(parsed.value)) return;
    setDraft(parsed.value);
    setRaw(null);
  };
  return (
    <ConfirmDialog
      title={what === "data" ? "Edit the run's data" : "Correct the run's input"}
      confirmLabel={what === "data" ? "Save data" : "Save input"}
      testId={`edit-${what}-dialog`}
      effect={<p>{EFFECT[what]} The change is kept in the run's history, path by path.</p>}
      check={() => problem}
      onClose={onClose}
      onConfirm={async (reason) => {
        const next = value as Record<string, Json>;
        onDone(await (what === "data" ? editRunData(run.id, next, reason) : editRunInput(run.id, next, reason)));
      }}
    >
      <div className="fc-edit__modes" role="group" aria-label="Edit as">
        <button type="button" aria-pressed={raw === null} onClick={toTree} disabled={raw !== null && !!(parsed.error || !isObject(parsed.value))}>
          Fields
        </button>
        <button type="button" aria-pressed={raw !== null} onClick={() => raw === null && setRaw(JSON.stringify(draft, null, 2))}>
          Raw JSON
        </button>
      </div>
      {raw === null ? (
        <JsonTreeEditor value={draft} onChange={setDraft} changed={changed} root={what} />
      ) : (
        <label className="fd-field">
          <span className="fd-field__label">Run {what} (JSON)</span>
          <textarea aria-label={`Run ${what} (JSON)`} rows={12} spellCheck={false} value={raw} onChange={(e) => setRaw(e.target.value)} />
        </label>
      )}
      <div className="fc-edit__diff">
        <span className="fd-field__label">What changes</span>
        {parsed.error ? <p className="fd-field__error" role="alert">{parsed.error}</p> : <ChangeList prefix={what} changes={changes} truncated={truncated} />}
        {!parsed.error && !isObject(value) && <p className="fd-field__error">The {what} must be a JSON object.</p>}
      </div>
    </ConfirmDialog>
  );
}
