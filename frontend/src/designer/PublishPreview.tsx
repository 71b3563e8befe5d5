/**
 * "Publish draft vN?": what changes against the published version (counts, and inside each changed node
 * its fields before and after), an optional note kept on the version and shown in the history, then
 * Publish or Cancel. Values are shown as text, never HTML.
 */
import { useState } from "react";
import type { FieldChange } from "../api/definitions";
import type { DiffPreview } from "./store/draftSlice";

const NOTE_MAX = 500;

/** A field's value as one short line: "(not set)" for a field that is absent on that side. */
export function shownValue(value: unknown, limit = 120): string {
  if (value === null || value === undefined) return "(not set)";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function FieldChanges({ fields }: { fields: FieldChange[] }) {
  return (
    <table className="fd-changes__fields">
      <thead>
        <tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.field}>
            <th scope="row"><code>{f.field}</code></th>
            <td className="fd-changes__before" title={shownValue(f.before, 2000)}>{shownValue(f.before)}</td>
            <td className="fd-changes__after" title={shownValue(f.after, 2000)}>{shownValue(f.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PublishPreview({ preview, onPublish, onCancel }: { preview: DiffPreview; onPublish(note: string): Promise<void> | void; onCancel(): void }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <div className="fd-alert fd-alert--publish fd-publish" role="dialog" aria-label="Publish" data-testid="publish-preview">
      <div>
        <strong>Publish draft v{preview.to}?</strong>{" "}
        {preview.from === null ? (
          "This is the first published version."
        ) : (
          <>
            Compared with the published v{preview.from}:{" "}
            <span className="fd-legend fd-legend--added">{preview.counts.added} added</span>{" "}
            <span className="fd-legend fd-legend--removed">{preview.counts.removed} removed</span>{" "}
            <span className="fd-legend fd-legend--changed">{preview.counts.changed} changed</span>{" "}
            <span className="fd-legend fd-legend--moved">{preview.counts.moved} moved</span>{" "}
            <span className="fd-muted">{preview.counts.edges} connection change(s)</span>
          </>
        )}
        {preview.changes.length > 0 && (
          <ul className="fd-changes" aria-label="What changed inside the nodes" data-testid="publish-changes">
            {preview.changes.map((c) => (
              <li key={c.id} data-testid={`changes-${c.id}`}>
                <details open={preview.changes.length <= 3}>
                  <summary>
                    {c.label} <span className="fd-muted">({c.fields.length} field{c.fields.length === 1 ? "" : "s"})</span>
                  </summary>
                  <FieldChanges fields={c.fields} />
                </details>
              </li>
            ))}
          </ul>
        )}
        <label className="fd-field fd-publish__note">
          <span className="fd-field__label">Note (optional): what changed and why</span>
          <textarea
            aria-label="Publish note"
            data-testid="publish-note"
            rows={2}
            maxLength={NOTE_MAX}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            placeholder="e.g. refunds over 500 need a manager's approval"
          />
        </label>
      </div>
      <div className="fd-row">
        <button
          type="button"
          className="fd-primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onPublish(note);
            } finally {
              setBusy(false);
            }
          }}
          data-testid="publish-confirm"
        >
          Publish v{preview.to}
        </button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
