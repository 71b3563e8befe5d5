/**
 * A definitions-list row's Archive / Unarchive / Delete. Archived: hidden from the list by default and no
 * run can be started; its runs are kept. Delete is offered only for a definition that never had a real
 * run (its test runs go with it; the server refuses the others, and says why): it asks first, naming what goes.
 */
import { useState } from "react";
import * as api from "../api/definitions";

export function DefinitionLifecycle({ definition: d, onChanged }: { definition: api.Definition; onChanged(message: string): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const archived = !!d.archived_at;
  const realRuns = d.real_run_count ?? d.run_count;
  const testRuns = d.run_count - realRuns;
  const neverRan = realRuns === 0;
  const act = async (what: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      setConfirming(false);
      onChanged(message);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (confirming) {
    return (
      <span className="fd-confirm-inline" role="group" aria-label={`Delete ${d.key}?`} data-testid={`delete-confirm-${d.key}`}>
        <span>
          Delete {d.name}, its {d.version_count} version(s){testRuns > 0 ? ` and its ${testRuns} test run(s)` : ""}? This cannot be undone.
        </span>
        <button type="button" className="fd-danger-button" disabled={busy} onClick={() => void act(() => api.deleteDefinition(d.key), `Deleted ${d.key}.`)}>
          Delete {d.key}
        </button>
        <button type="button" onClick={() => setConfirming(false)} autoFocus>Cancel</button>
        {error && <span className="fd-field__error" role="alert">{error}</span>}
      </span>
    );
  }
  const why = `${d.key} has ${realRuns} run(s), which are kept: archive it instead`;
  return (
    <>
      {archived ? (
        <button type="button" disabled={busy} onClick={() => void act(() => api.unarchiveDefinition(d.key), `Unarchived ${d.key}: runs can be started again.`)} data-testid={`unarchive-${d.key}`}>
          Unarchive
        </button>
      ) : (
        <button
          type="button"
          disabled={busy}
          title="Hide it from this list and refuse new runs; its runs are kept"
          onClick={() => void act(() => api.archiveDefinition(d.key), `Archived ${d.key}: hidden from the list, no new runs.`)}
          data-testid={`archive-${d.key}`}
        >
          Archive
        </button>
      )}
      <button
        type="button"
        aria-disabled={!neverRan}
        className={neverRan ? "fd-danger-button" : undefined}
        title={neverRan ? "Delete it, its versions and its test runs (it never had a real run)" : why}
        onClick={() => (neverRan ? setConfirming(true) : setError(why))}
        data-testid={`delete-${d.key}`}
      >
        Delete…
      </button>
      {error && <span className="fd-field__error" role="alert">{error}</span>}
    </>
  );
}
