/**
 * /designer/ — every definition with its versions (status and run counts); create, rename, open, import.
 * Code workflows (Python functions) are listed with a "code" badge and only opened: never renamed or exported.
 * Export downloads the latest published version (a draft only when none is published, named as one); an
 * import that would replace a key's unpublished draft asks first.
 */
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { readText } from "../common/files";
import * as api from "../api/definitions";
import { DEFINITION_KEY_PATTERN } from "../spec/types";
import { when } from "../console/format";
import { DefinitionLifecycle } from "./DefinitionLifecycle";
import { StartRunButton } from "./StartRun";
import "./designer.css";

interface Row {
  definition: api.Definition;
  /** null while loading; "error" when they could not be read (said so, rather than shown as none). */
  versions: api.VersionSummary[] | null | "error";
}

/** An import waiting for the user to confirm that it replaces the key's unpublished draft. */
interface PendingImport {
  document: unknown;
  fileName: string;
  draft: api.DraftInTheWay;
}

export default function DefinitionsPage() {
  const [rows, setRows] = useState<Row[] | null>(null);
  /** Why the list could not be read: shown alone, with a retry (never beside "Loading…"). */
  const [listError, setListError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingImport | null>(null);
  /** Archived definitions are hidden unless asked for. */
  const [showArchived, setShowArchived] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const load = async () => {
    setListError(null);
    try {
      const defs = await api.listDefinitions();
      setRows(defs.map((d) => ({ definition: d, versions: null })));
      const versions = await Promise.all(defs.map((d) => api.listVersions(d.key).catch((): "error" => "error")));
      setRows(defs.map((d, i) => ({ definition: d, versions: versions[i] })));
    } catch (e) {
      setRows(null);
      setListError(`Could not load the definitions: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const runImport = async (document: unknown, fileName: string, overwriteDraft: boolean) => {
    setError(null);
    setNotice(null);
    try {
      const imported = await api.importDefinition(document, { overwriteDraft });
      setPending(null);
      setNotice(`Imported ${imported.key} (v${imported.number}, ${imported.status})${overwriteDraft ? ", replacing its previous draft" : ""}.`);
      void load();
    } catch (err) {
      const draft = api.draftInTheWay(err);
      if (draft && !overwriteDraft) return setPending({ document, fileName, draft });
      setPending(null);
      setError(`Import failed: ${(err as Error).message}`);
    }
  };
  return (
    <main className="fd-page">
      <header className="fd-page__header">
        <h1>Workflow definitions</h1>
        <div className="fd-row">
          <button type="button" onClick={() => file.current?.click()}>Import JSON…</button>
          <input
            ref={file}
            type="file"
            hidden
            accept="application/json,.json"
            data-testid="import-definition"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              e.target.value = "";
              if (!f) return;
              let document: unknown;
              try {
                document = JSON.parse(await readText(f));
              } catch (err) {
                setError(err instanceof SyntaxError ? "That file is not JSON." : `Could not read that file: ${(err as Error).message}`);
                return;
              }
              await runImport(document, f.name, false);
            }}
          />
          <Link to="/console/" className="fd-nav-link" title="Runs, incidents and health">Console</Link>
        </div>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status">{notice}</p>}
      {pending && (
        <ConfirmReplace
          pending={pending}
          onConfirm={() => void runImport(pending.document, pending.fileName, true)}
          onCancel={() => {
            setPending(null);
            setNotice(`Import cancelled: draft v${pending.draft.number} of ${pending.draft.key} is unchanged.`);
          }}
        />
      )}
      <CreateForm onCreated={() => void load()} />
      {rows !== null && rows.some((r) => r.definition.archived_at) && (
        <label className="fd-row fd-muted">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} data-testid="show-archived" />
          Show archived ({rows.filter((r) => r.definition.archived_at).length})
        </label>
      )}
      {listError ? (
        <div className="fd-alert fd-alert--error" role="alert" data-testid="list-error">
          {listError} <button type="button" onClick={() => void load()}>Try again</button>
        </div>
      ) : rows === null ? (
        <p className="fd-muted" role="status" data-testid="list-loading">Loading the definitions…</p>
      ) : rows.length === 0 ? (
        <p className="fd-muted">No definitions yet. Create one above.</p>
      ) : !showArchived && rows.every((r) => r.definition.archived_at) ? (
        <p className="fd-muted">Every definition is archived. Tick “Show archived” to see them.</p>
      ) : (
        <table className="fd-table">
          <thead>
            <tr><th>Name</th><th>Key</th><th>Versions (runs)</th><th>Runs</th><th>Updated</th><th /></tr>
          </thead>
          <tbody>
            {rows.filter((r) => showArchived || !r.definition.archived_at).map((r) => (
              <DefinitionRow
                key={r.definition.key}
                row={r}
                onRenamed={(d) => setRows((rs) => rs!.map((x) => (x.definition.key === d.key ? { ...x, definition: d } : x)))}
                onChanged={(message) => {
                  setNotice(message);
                  void load();
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** "Replace draft vN?": names the draft an import would overwrite; Cancel leaves it as it is. */
function ConfirmReplace({ pending, onConfirm, onCancel }: { pending: PendingImport; onConfirm(): void; onCancel(): void }) {
  const { draft, fileName } = pending;
  return (
    <div className="fd-alert fd-alert--publish" role="alertdialog" aria-labelledby="fd-import-title" aria-describedby="fd-import-text" data-testid="import-confirm">
      <div>
        <strong id="fd-import-title">Replace the unpublished draft v{draft.number} of {draft.key}?</strong>
        <p id="fd-import-text">
          Importing {fileName} replaces draft v{draft.number} of {draft.key} (last saved {when(draft.updated_at)}
          {draft.created_by ? `, started by ${draft.created_by}` : ""}) with the file's spec. Published versions do not change;
          the draft's current content is lost unless you export it first.
        </p>
      </div>
      <div className="fd-row">
        <button type="button" className="fd-danger-button" onClick={onConfirm}>Replace draft v{draft.number}</button>
        <a href={api.exportUrl(draft.key, draft.number)} download={`${draft.key}-v${draft.number}-draft.flowdeck.json`}>Export the draft first</a>
        <button type="button" onClick={onCancel} autoFocus>Cancel</button>
      </div>
    </div>
  );
}

function DefinitionRow({ row, onRenamed, onChanged }: { row: Row; onRenamed(d: api.Definition): void; onChanged(message: string): void }) {
  const d = row.definition;
  const code = d.kind === "code";
  // The published version when there is one; a draft is exported only when nothing is published, and says so.
  const exported = Array.isArray(row.versions) ? api.exportChoice(row.versions) : null;
  // A real run starts on a published version: offered on the rows that have one.
  const runnable = !d.archived_at && Array.isArray(row.versions) && api.runnableVersions(row.versions).latest !== null;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(d.name);
  const [error, setError] = useState<string | null>(null);
  return (
    <tr data-testid={`definition-${d.key}`} className={d.archived_at ? "fd-archived-row" : undefined}>
      <td>
        {editing ? (
          <form
            className="fd-row"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                onRenamed(await api.renameDefinition(d.key, { name }));
                setEditing(false);
                setError(null);
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            <input type="text" aria-label={`New name for ${d.key}`} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} autoFocus />
            <button type="submit" disabled={!name.trim()}>Save</button>
            <button type="button" onClick={() => { setEditing(false); setName(d.name); }}>Cancel</button>
            {error && <span className="fd-field__error">{error}</span>}
          </form>
        ) : (
          <>
            <Link to={`/designer/${encodeURIComponent(d.key)}`} className="fd-strong">{d.name}</Link>
            {code && <> <span className="fd-chip fd-chip--code" data-testid={`code-badge-${d.key}`} title="A workflow written in Python: read-only here">code</span></>}
            {d.archived_at && <> <span className="fd-chip fd-chip--archived" data-testid={`archived-badge-${d.key}`} title={`Archived ${when(d.archived_at)}: no new runs; its runs are kept`}>archived</span></>}
            {d.description && <div className="fd-muted">{d.description}</div>}
          </>
        )}
      </td>
      <td><code>{d.key}</code></td>
      <td>
        {row.versions === null ? (
          <span className="fd-muted" aria-label="Loading the versions">…</span>
        ) : row.versions === "error" ? (
          <span className="fd-muted" data-testid={`versions-error-${d.key}`}>Could not load the versions.</span>
        ) : (
          row.versions.filter((v) => !v.is_test).sort((a, b) => b.number - a.number).map((v) => (
            <Link
              key={v.number}
              to={v.status === "draft" ? `/designer/${d.key}` : `/designer/${d.key}?version=${v.number}`}
              className={`fd-chip fd-chip--${v.status}`}
              title={`v${v.number} ${v.code_version ? `(code ${v.code_version}) ` : ""}${v.status}, ${v.run_count} run(s)`}
              data-testid={`chip-${d.key}-${v.number}`}
            >
              v{v.number} {v.code_version ?? v.status} · {v.run_count}
            </Link>
          ))
        )}
      </td>
      <td>{d.run_count}</td>
      <td className="fd-muted" title={d.updated_at}>{when(d.updated_at)}</td>
      <td className="fd-row">
        <Link to={`/designer/${encodeURIComponent(d.key)}`}>Open</Link>
        {!editing && !code && <button type="button" onClick={() => setEditing(true)}>Rename</button>}
        {!code && exported && (
          <a
            href={api.exportUrl(d.key, exported.number)}
            download={`${d.key}-v${exported.number}${exported.draft ? "-draft" : ""}.flowdeck.json`}
            title={exported.draft ? `Download draft v${exported.number} (not published yet)` : `Download the published v${exported.number}`}
            data-testid={`export-${d.key}`}
          >
            {exported.draft ? `Export draft v${exported.number}` : `Export v${exported.number}`}
          </a>
        )}
        {runnable && <StartRunButton definitionKey={d.key} definitionName={d.name} versions={row.versions as api.VersionSummary[]} />}
        {!code && <DefinitionLifecycle definition={d} onChanged={onChanged} />}
      </td>
    </tr>
  );
}

function CreateForm({ onCreated }: { onCreated(): void }) {
  const navigate = useNavigate();
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [touchedKey, setTouchedKey] = useState(false);
  const suggested = name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  const effectiveKey = touchedKey ? key : suggested;
  const keyError = effectiveKey && !DEFINITION_KEY_PATTERN.test(effectiveKey) ? "Keys use lowercase letters, digits, - and _, starting with a letter or digit" : null;
  return (
    <form
      className="fd-create"
      aria-label="New definition"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const created = await api.createDefinition({ key: effectiveKey, name, description });
          onCreated();
          navigate(`/designer/${encodeURIComponent(created.key)}`);
        } catch (err) {
          setError(err instanceof ApiError && err.status === 409 ? `A definition with the key "${effectiveKey}" already exists.` : (err as Error).message);
        }
      }}
    >
      <h2>New definition</h2>
      <label className="fd-field">
        <span className="fd-field__label">Name</span>
        <input type="text" aria-label="Name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="fd-field">
        <span className="fd-field__label">Key</span>
        <input type="text" aria-label="Key" value={effectiveKey} onChange={(e) => { setTouchedKey(true); setKey(e.target.value); }} required />
        {keyError && <span className="fd-field__error">{keyError}</span>}
      </label>
      <label className="fd-field">
        <span className="fd-field__label">Description</span>
        <input type="text" aria-label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <button type="submit" className="fd-primary" disabled={!name.trim() || !effectiveKey || !!keyError}>Create</button>
      {error && <p className="fd-field__error" role="alert">{error}</p>}
    </form>
  );
}
