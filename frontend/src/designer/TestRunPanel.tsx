/** Start a test run (the canvas as an ephemeral test version, or a published version) and watch it on the canvas. */
import { useState } from "react";
import type { SocketState } from "../api/socket";
import { useDesigner, useDesignerActions } from "./context";

const STREAM_TEXT: Record<SocketState, string> = {
  connecting: "connecting…",
  live: "● live",
  reconnecting: "reconnecting… (what happens meanwhile is caught up)",
  closed: "stopped following",
  refused: "live updates refused",
};

export function TestRunPanel({ onClose }: { onClose(): void }) {
  const { clearRun, runTest } = useDesignerActions();
  const versions = useDesigner((s) => s.versions);
  const run = useDesigner((s) => s.run);
  const errors = useDesigner((s) => s.errors);
  const published = versions.filter((v) => (v.status === "published" || v.status === "archived") && !v.is_test);
  const [source, setSource] = useState<string>("draft");
  const [input, setInput] = useState("{\n  \n}");
  const [inputError, setInputError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const counts = run ? Object.values(run.statuses).reduce<Record<string, number>>((m, s) => ({ ...m, [s.status]: (m[s.status] ?? 0) + 1 }), {}) : {};

  return (
    <aside className="fd-drawer" aria-label="Test run">
      <header>
        <h2>Test run</h2>
        <button type="button" className="fd-icon-button" aria-label="Close" onClick={onClose}>×</button>
      </header>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          let parsed: unknown;
          try {
            parsed = input.trim() ? JSON.parse(input) : {};
          } catch (err) {
            setInputError(`The input is not valid JSON: ${(err as Error).message}`);
            return;
          }
          setInputError(null);
          setBusy(true);
          await runTest(source === "draft" ? "draft" : Number(source), parsed);
          setBusy(false);
        }}
      >
        <label className="fd-field">
          <span className="fd-field__label">Run</span>
          <select aria-label="Run source" value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="draft">the canvas as it is now (test version)</option>
            {published.map((v) => (
              <option key={v.number} value={v.number}>v{v.number} ({v.status})</option>
            ))}
          </select>
        </label>
        <label className="fd-field">
          <span className="fd-field__label">Sample input (JSON)</span>
          <textarea aria-label="Sample input" rows={6} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
          {inputError && <span className="fd-field__error" role="alert">{inputError}</span>}
        </label>
        {source === "draft" && errors.length > 0 && <p className="fd-field__error">The canvas has {errors.length} problem(s); the server will refuse to run it.</p>}
        <button type="submit" className="fd-primary" disabled={busy}>{busy ? "Starting…" : "Start test run"}</button>
      </form>
      {run && (
        <div className="fd-run" data-testid="run-panel">
          <p>
            Run <code>{run.runId}</code> (<span data-testid="run-source">{run.source}</span>):{" "}
            <strong data-testid="run-status" className={`fd-run-status fd-run-status--${run.status}`}>{run.status}</strong>
          </p>
          <p className="fd-muted">
            <span data-testid="run-stream" data-state={run.stream}>{STREAM_TEXT[run.stream]}</span>
            {" · "}
            {Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ") || "no steps yet"}
          </p>
          <p>
            <a href={`/console/runs/${encodeURIComponent(run.runId)}`}>Open in the console</a>{" "}
            <button type="button" onClick={clearRun}>Clear statuses</button>
          </p>
        </div>
      )}
    </aside>
  );
}
