/**
 * /designer/:key for a code workflow (a Python function, engine/workflows):
 * read-only. Its versions (one per code version label, made when a process
 * loads the function), the source of the one picked, and its runs in the
 * console. Nothing here edits, publishes, imports, exports or test-runs it:
 * it changes when its code does. The source is text in a <pre>, never HTML.
 */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import * as api from "../api/definitions";
import { when } from "../console/format";
import { isCodeSpec } from "../spec/code";

interface Props {
  definition: api.Definition;
  versions: api.VersionSummary[];
  /** The version asked for (?version=); else the latest. */
  version?: number;
}

/** The version to show: the one asked for when it exists, else the highest number. */
export function shownVersion(versions: api.VersionSummary[], asked?: number): api.VersionSummary | null {
  const real = versions.filter((v) => !v.is_test).sort((a, b) => b.number - a.number);
  return real.find((v) => v.number === asked) ?? real[0] ?? null;
}

const runsUrl = (key: string, version?: number) =>
  `/console/runs?definition=${encodeURIComponent(key)}${version ? `&version=${version}` : ""}`;

export function CodeDefinitionPage({ definition, versions, version }: Props) {
  const key = definition.key;
  const shown = shownVersion(versions, version);
  const [detail, setDetail] = useState<api.Version | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!shown) return;
    let live = true;
    setError(null);
    api.getVersion(key, shown.number).then(
      (v) => live && setDetail(v),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [key, shown?.number]);
  const source = detail && detail.number === shown?.number ? detail : null;
  const module = source && isCodeSpec(source.spec) ? source.spec.module : undefined;
  const rows = versions.filter((v) => !v.is_test).sort((a, b) => b.number - a.number);

  return (
    <main className="fd-page" data-testid="code-definition">
      <nav className="fd-breadcrumb">
        <Link to="/designer/">Definitions</Link> / <strong data-testid="definition-name">{definition.name}</strong>
      </nav>
      <header className="fd-page__header">
        <h1>
          {definition.name} <span className="fd-chip fd-chip--code" data-testid="code-badge">code</span>
        </h1>
        <Link to={runsUrl(key)} data-testid="code-runs-link">Runs in the console</Link>
      </header>
      {definition.description && <p>{definition.description}</p>}
      <p className="fd-muted" data-testid="code-read-only">
        <code>{key}</code> is a workflow written in Python{module ? <> (<code>{module}</code>)</> : null}.
        It changes when its code does (a new code version), not in the designer.
      </p>
      <table className="fd-table" aria-label="Versions">
        <thead>
          <tr><th>Version</th><th>Code version</th><th>Published</th><th>Runs</th><th /></tr>
        </thead>
        <tbody>
          {rows.map((v) => (
            <tr key={v.number} data-testid={`code-version-${v.number}`} className={v.number === shown?.number ? "is-current" : undefined}>
              <td>
                <Link to={`/designer/${encodeURIComponent(key)}?version=${v.number}`} title="Show this version's source">v{v.number}</Link>{" "}
                {v.status !== "published" && <span className={`fd-chip fd-chip--${v.status}`}>{v.status}</span>}
              </td>
              <td><code>{v.code_version ?? "—"}</code></td>
              <td className="fd-muted" title={v.published_at ?? ""}>{v.published_at ? when(v.published_at) : "—"}</td>
              <td>{v.run_count}</td>
              <td><Link to={runsUrl(key, v.number)}>Runs</Link></td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown ? (
        <section aria-label="Source">
          <h2>
            Source of v{shown.number}
            {shown.code_version ? <> (<code>{shown.code_version}</code>)</> : null}
          </h2>
          {error ? (
            <p className="fd-alert fd-alert--error" role="alert">{error}</p>
          ) : !source ? (
            <p className="fd-muted">Loading…</p>
          ) : source.source ? (
            <pre className="fd-source" data-testid="code-source">{source.source}</pre>
          ) : (
            <p className="fd-muted">The source of this code version was not recorded.</p>
          )}
        </section>
      ) : (
        <p className="fd-muted">No process has loaded this workflow yet: it has no versions.</p>
      )}
    </main>
  );
}
