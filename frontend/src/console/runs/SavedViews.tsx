/**
 * Saved views of the runs list: a menu of the user's own views and the ones others shared
 * (choosing one applies its filters), "Save view…" for the filters in use, and for one's own
 * view in use: rename, share or stop sharing, delete.
 */
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { createView, deleteView, listViews, updateView, type SavedView } from "../../api/views";
import { errorLines } from "../common/ConfirmDialog";

const same = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function SavedViews({ params, onApply }: { params: Record<string, string>; onApply(params: Record<string, string>): void }) {
  const [views, setViews] = useState<SavedView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ view?: SavedView } | null>(null);
  const load = useCallback(() => listViews().then(setViews, (e) => setError(errorLines(e).join(" "))), []);
  useEffect(() => {
    void load();
  }, [load]);
  const current = views.find((v) => same(v.filters, params)) ?? null;
  const mine = views.filter((v) => v.mine);
  const shared = views.filter((v) => !v.mine);

  const act = async (p: Promise<unknown>) => {
    try {
      await p;
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
    await load();
  };
  return (
    <div className="fc-views" data-testid="saved-views">
      <label className="fc-filter">
        <span>View</span>
        <select
          aria-label="Saved views"
          data-testid="views-menu"
          value={current ? String(current.id) : ""}
          onChange={(e) => {
            const view = views.find((v) => String(v.id) === e.target.value);
            if (view) onApply(view.filters);
          }}
        >
          <option value="">{views.length ? "choose a saved view…" : "no saved views yet"}</option>
          {mine.length > 0 && (
            <optgroup label="My views">
              {mine.map((v) => (
                <option key={v.id} value={v.id}>{v.name}{v.shared ? " (shared)" : ""}</option>
              ))}
            </optgroup>
          )}
          {shared.length > 0 && (
            <optgroup label="Shared with everyone">
              {shared.map((v) => (
                <option key={v.id} value={v.id}>{v.name} — {v.owner}</option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <button type="button" onClick={() => setEditing({})} data-testid="save-view" title="Keep these filters under a name">
        Save view…
      </button>
      {current?.mine && (
        <>
          <button type="button" className="fd-link" onClick={() => setEditing({ view: current })}>Rename</button>
          <button type="button" className="fd-link" onClick={() => act(updateView(current.id, { shared: !current.shared }))} data-testid="view-share">
            {current.shared ? "Stop sharing" : "Share with everyone"}
          </button>
          <button type="button" className="fd-link" onClick={() => act(deleteView(current.id))} data-testid="view-delete">Delete view</button>
        </>
      )}
      {error && <span className="fd-field__error" role="alert">{error}</span>}
      {editing && (
        <ViewNameDialog
          view={editing.view}
          onClose={() => setEditing(null)}
          onSave={async (name, share) => {
            if (editing.view) await updateView(editing.view.id, { name });
            else await createView({ name, filters: params, shared: share });
            await load();
          }}
        />
      )}
    </div>
  );
}

function ViewNameDialog({ view, onSave, onClose }: { view?: SavedView; onSave(name: string, shared: boolean): Promise<void>; onClose(): void }) {
  const [name, setName] = useState(view?.name ?? "");
  const [share, setShare] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const titleId = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true);
    try {
      await onSave(name.trim(), share);
      onClose();
    } catch (err) {
      setErrors(errorLines(err));
      setBusy(false);
    }
  };
  return (
    <div className="fc-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <form className="fc-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="view-dialog" onSubmit={submit}>
        <h2 id={titleId}>{view ? `Rename view ${view.name}` : "Save these filters as a view"}</h2>
        <label className="fd-field">
          <span className="fd-field__label">Name</span>
          <input aria-label="View name" autoFocus maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Failed at charge, this week" />
        </label>
        {!view && (
          <label className="fd-check">
            <input type="checkbox" checked={share} onChange={(e) => setShare(e.target.checked)} /> share with everyone (only you can change or delete it)
          </label>
        )}
        {errors.length > 0 && (
          <div className="fd-alert fd-alert--error" role="alert">
            {errors.map((line, i) => <div key={i}>{line}</div>)}
          </div>
        )}
        <div className="fc-dialog__buttons">
          <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
          <button type="submit" className="fd-primary" disabled={busy || !name.trim()}>{view ? "Rename" : "Save view"}</button>
        </div>
      </form>
    </div>
  );
}
