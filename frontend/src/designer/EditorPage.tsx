/**
 * /designer/:key — the editor: palette, canvas, inspector, problems, and the draft's lifecycle.
 * A code workflow's key shows its read-only page instead (CodeDefinitionPage).
 */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useEffect, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { versionLabel } from "../api/definitions";
import { FIT_VIEW } from "../graph/FlowCanvas";
import type { FlowEdge, FlowNode } from "../spec/graph";
import { Canvas } from "./Canvas";
import { readText } from "../common/files";
import { canvasExport, downloadJson } from "./canvasFile";
import { CodeDefinitionPage } from "./CodeDefinitionPage";
import { DesignerProvider, useDesigner, useDesignerActions, useDesignerStore } from "./context";
import { useAutosave, useShortcuts, useValidation } from "./hooks";
import { Inspector } from "./Inspector";
import { Palette, type PaletteItem } from "./Palette";
import { ProblemsPanel } from "./ProblemsPanel";
import { PublishPreview } from "./PublishPreview";
import { SIDE_PANEL_ID, SkipToSidePanel } from "./SkipLink";
import { StartRunButton } from "./StartRun";
import { TestRunPanel } from "./TestRunPanel";
import { VersionsPanel } from "./VersionsPanel";
import "./designer.css";

export default function EditorPage() {
  const { key = "" } = useParams();
  // A designer (store and actions) of its own for every definition opened.
  return (
    <DesignerProvider key={key}>
      <ReactFlowProvider>
        <Editor definitionKey={key} />
      </ReactFlowProvider>
    </DesignerProvider>
  );
}

function Editor({ definitionKey }: { definitionKey: string }) {
  const [params] = useSearchParams();
  const version = params.get("version");
  const versionNumber = version && /^\d+$/.test(version) ? Number(version) : undefined;
  const store = useDesignerStore();
  const actions = useDesignerActions();
  useEffect(() => {
    void actions.loadDefinition(definitionKey, versionNumber);
    return () => actions.close();
  }, [actions, definitionKey, versionNumber]);
  useAutosave();
  useValidation();
  useShortcuts();
  const loadError = useDesigner((s) => s.loadError);
  const loaded = useDesigner((s) => s.loaded);
  const definition = useDesigner((s) => s.definition);
  const versions = useDesigner((s) => s.versions);
  const [drawer, setDrawer] = useState<"versions" | "run" | null>(null);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const addAtCentre = (item: PaletteItem) => {
    const rect = document.querySelector(".fd-canvas")?.getBoundingClientRect();
    const p = rect ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }) : { x: 0, y: 0 };
    store.getState().addNode(item.type, { x: p.x - 95, y: p.y - 30 }, item.fields);
  };
  if (loadError) {
    // Only the error (and a way out): nothing of the editor that is not there.
    return (
      <main className="fd-page">
        <div role="alert" className="fd-alert fd-alert--error" data-testid="load-error">
          <p>{loadError}</p>
          <div className="fd-row">
            <button type="button" onClick={() => void actions.loadDefinition(definitionKey, versionNumber)}>Try again</button>
            <Link to="/designer/">Back to the definitions</Link>
          </div>
        </div>
      </main>
    );
  }
  if (definition?.kind === "code") {
    return <CodeDefinitionPage definition={definition} versions={versions} version={versionNumber} />;
  }
  return (
    <div className="fd-editor" aria-busy={!loaded}>
      <Toolbar drawer={drawer} setDrawer={setDrawer} />
      {loaded && <Banners />}
      <div className="fd-editor__body">
        {loaded ? (
          <>
            <Palette onAdd={addAtCentre} />
            <div className="fd-editor__centre">
              {/* Tab would cross every node of the canvas before the inspector: a way past them. */}
              <SkipToSidePanel label={drawer === "versions" ? "History" : drawer === "run" ? "Test run" : "Inspector"} />
              <Canvas />
              <ProblemsPanel />
            </div>
            {/* A drawer opens beside the inspector (above it on narrower screens), never over it. */}
            <div className={`fd-side${drawer ? " fd-side--drawer" : ""}`} id={SIDE_PANEL_ID} tabIndex={-1} data-testid="side-panel">
              {drawer === "versions" && <VersionsPanel onClose={() => setDrawer(null)} />}
              {drawer === "run" && <TestRunPanel onClose={() => setDrawer(null)} />}
              <Inspector />
            </div>
          </>
        ) : (
          <div className="fd-editor__loading" role="status" data-testid="editor-loading">
            <span className="fd-spinner" aria-hidden="true" /> Loading {definition ? `“${definition.name}”` : "the definition"}…
          </div>
        )}
      </div>
      <Toast />
    </div>
  );
}

const SAVE_TEXT: Record<string, string> = {
  idle: "",
  dirty: "Unsaved changes…",
  saving: "Saving…",
  saved: "All changes saved",
  error: "Not saved",
  conflict: "Not saved: conflict",
};

function Toolbar({ drawer, setDrawer }: { drawer: string | null; setDrawer(d: "versions" | "run" | null): void }) {
  const definition = useDesigner((s) => s.definition);
  const key = useDesigner((s) => s.key);
  const loaded = useDesigner((s) => s.loaded);
  const viewing = useDesigner((s) => s.viewing);
  const draftNumber = useDesigner((s) => s.draftNumber);
  const baseNumber = useDesigner((s) => s.baseNumber);
  const saveState = useDesigner((s) => s.saveState);
  const canUndo = useDesigner((s) => s.past.length > 0 && !s.readOnly);
  const canRedo = useDesigner((s) => s.future.length > 0 && !s.readOnly);
  const errorCount = useDesigner((s) => s.errors.length);
  const readOnly = useDesigner((s) => s.readOnly);
  const preview = useDesigner((s) => !!s.diffPreview);
  const versions = useDesigner((s) => s.versions);
  const fileInput = useRef<HTMLInputElement>(null);
  const { fitView } = useReactFlow();
  const store = useDesignerStore();
  const { exportDocument, importIntoCanvas, preparePublish } = useDesignerActions();
  const s = store.getState;
  // Nothing is said about the draft until it has loaded ("new draft" would be a guess).
  const where = !loaded ? "" : viewing ? `${versionLabel(viewing.number)} (${viewing.status}, read-only)` : draftNumber ? `draft v${draftNumber}` : baseNumber ? `new draft on top of v${baseNumber}` : "new draft";
  const exported = canvasExport({ key, viewing, draftNumber, baseNumber });

  return (
    <header className="fd-toolbar">
      <nav className="fd-breadcrumb" aria-label="Breadcrumb">
        <Link to="/designer/">Definitions</Link> / <strong data-testid="definition-name">{definition?.name ?? "…"}</strong>{" "}
        <span className="fd-muted" data-testid="editing-what">{where}</span>
      </nav>
      <span className={`fd-save fd-save--${saveState}`} data-testid="save-state" role="status">{SAVE_TEXT[saveState]}</span>
      <div className="fd-toolbar__buttons">
        <button type="button" disabled={!canUndo} onClick={() => s().undo()} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" disabled={!canRedo} onClick={() => s().redo()} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <button type="button" disabled={!loaded || readOnly || preview} onClick={() => { s().autoLayout(); window.setTimeout(() => void fitView({ ...FIT_VIEW, duration: 300 }), 50); }} title="Arrange the nodes automatically">Auto-layout</button>
        <button type="button" disabled={!loaded} onClick={() => void fitView({ ...FIT_VIEW, duration: 300 })} title="Zoom to fit">Fit</button>
        <button type="button" disabled={!loaded || readOnly || preview} onClick={() => fileInput.current?.click()} title="Replace the canvas with a JSON export or spec (undoable)">Import</button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) importIntoCanvas(await readText(file));
            e.target.value = "";
          }}
        />
        <button type="button" disabled={!loaded} onClick={() => downloadJson(exportDocument(), exported.file)} title={`Download the canvas as ${exported.file}`} data-testid="export-canvas">
          {exported.label}
        </button>
        <button type="button" disabled={!loaded} aria-pressed={drawer === "versions"} onClick={() => setDrawer(drawer === "versions" ? null : "versions")}>History</button>
        <button type="button" disabled={!loaded} aria-pressed={drawer === "run"} onClick={() => setDrawer(drawer === "run" ? null : "run")}>Test run</button>
        <StartRunButton definitionKey={key ?? ""} definitionName={definition?.name ?? key ?? ""} versions={definition && key ? versions : null} />
        {!readOnly && (
          <button
            type="button"
            className="fd-primary"
            disabled={!loaded || errorCount > 0 || preview || saveState === "conflict"}
            title={!loaded ? "Loading the definition…" : errorCount ? `Fix the ${errorCount} problem(s) first` : "Review the changes, then publish"}
            onClick={() => void preparePublish()}
            data-testid="publish"
          >
            Publish…
          </button>
        )}
        <Link className="fd-toolbar__console" to={key ? `/console/runs?definition=${encodeURIComponent(key)}` : "/console/"} title="This definition's runs in the operator console">
          Console
        </Link>
      </div>
    </header>
  );
}

function Banners() {
  const { cancelPublish, confirmPublish, exportDocument, loadDefinition, saveNow } = useDesignerActions();
  const saveState = useDesigner((s) => s.saveState);
  const message = useDesigner((s) => s.saveMessage);
  const viewing = useDesigner((s) => s.viewing);
  const key = useDesigner((s) => s.key);
  const preview = useDesigner((s) => s.diffPreview);
  const archivedAt = useDesigner((s) => s.definition?.archived_at);
  return (
    <>
      {archivedAt && (
        <div className="fd-alert fd-alert--info" role="status" data-testid="archived">
          This definition is archived: no run can be started until it is unarchived (on the <Link to="/designer/">definitions list</Link>). Its runs are kept.
        </div>
      )}
      {saveState === "conflict" && (
        <div className="fd-alert fd-alert--error" role="alert" data-testid="conflict">
          <strong>Someone else saved this draft.</strong> {message}
          <div className="fd-row">
            <button type="button" onClick={() => key && void loadDefinition(key)}>Reload the latest draft (discard my changes)</button>
            <button
              type="button"
              onClick={() => downloadJson(exportDocument(), `${key}-my-changes.flowdeck.json`)}
            >
              Download my version first
            </button>
          </div>
        </div>
      )}
      {saveState === "error" && (
        <div className="fd-alert fd-alert--error" role="alert">
          {message} <button type="button" onClick={() => void saveNow()}>Try again</button>
        </div>
      )}
      {viewing && (
        <div className="fd-alert fd-alert--info" role="status" data-testid="read-only">
          You are looking at {versionLabel(viewing.number)} ({viewing.status}); it is read-only. <Link to={`/designer/${key}`}>Back to the draft</Link>
        </div>
      )}
      {preview && <PublishPreview preview={preview} onPublish={(note) => confirmPublish(note)} onCancel={cancelPublish} />}
    </>
  );
}

function Toast() {
  const store = useDesignerStore();
  const toast = useDesigner((s) => s.toast);
  useEffect(() => {
    if (!toast) return;
    const t = window.setTimeout(() => store.setState((s) => (s.toast?.id === toast.id ? { toast: null } : {})), toast.kind === "error" ? 7000 : 3500);
    return () => window.clearTimeout(t);
  }, [store, toast]);
  if (!toast) return null;
  return (
    <div className={`fd-toast fd-toast--${toast.kind}`} role={toast.kind === "error" ? "alert" : "status"} data-testid="toast">
      {toast.text}
    </div>
  );
}

