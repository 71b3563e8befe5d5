/**
 * One editor's conversations with the server: load, autosave (refusing stale
 * saves), validate, publish with a diff preview, import/export, test runs.
 * State lives in the editor's store; API calls live in api/. What is in
 * flight (the latest load, the save, the test run's stream) belongs to the
 * editor that created these actions, never to the module.
 */
import { ApiError } from "../api/client";
import * as api from "../api/definitions";
import { getRunDetail, startTestRun, type RunDetail, type StartedRun } from "../api/runs";
import { followRunEvents, type Connection } from "../api/socket";
import type { DiffMark } from "../graph/decorations";
import { applyEvents, isRunFinished, runStatusAfter, statusFromRun } from "../graph/runStatus";
import { specEdgeToFlow, specNodeToFlow, specToGraph, type FlowEdge, type FlowNode } from "../spec/graph";
import { layoutNodes } from "../spec/layout";
import { emptySpec, type Spec, type SpecError } from "../spec/types";
import { exportDocumentOf, importSpecText } from "./canvasFile";
import { currentSpec, type DesignerStore } from "./store";
import type { DiffPreview, RunOverlay } from "./store/draftSlice";

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export type DesignerActions = ReturnType<typeof createDesignerActions>;

/** The actions of the editor that owns `store`. */
export function createDesignerActions(store: DesignerStore) {
  /** Bumped by every load (and by close): an answer for an older load is dropped. */
  let loadToken = 0;
  /** The save in flight: the next save waits for it. */
  let saving: Promise<void> | null = null;
  /** The test run's live stream, and a token bumped whenever it stops: an older runTest gives up. */
  let stream: Connection | null = null;
  let runToken = 0;

  /** Open `key` for editing (its draft, or a new draft on top of the latest version), or `version` read-only. */
  async function loadDefinition(key: string, version?: number): Promise<void> {
    const token = ++loadToken;
    stopRun();
    store.setState({
      key,
      loadError: null,
      loaded: false,
      definition: null,
      refusal: null,
      viewing: null,
      readOnly: version !== undefined,
      diffPreview: null,
      run: null,
      errors: [],
      validatedStructureVersion: -1,
      saveState: "idle",
      saveMessage: null,
      nodes: [],
      edges: [],
    });
    try {
      const [definition, versions] = await Promise.all([api.getDefinition(key), api.listVersions(key)]);
      if (token !== loadToken) return;
      // A code workflow is shown read-only (CodeDefinitionPage), never loaded onto the canvas.
      if (definition.kind === "code") return void store.setState({ definition, versions, readOnly: true });
      store.setState({ definition, versions });
      void loadCatalogues();
      const real = versions.filter((v) => !v.is_test);
      let spec: Spec;
      let draftNumber: number | null = null;
      let revision: number | null = null;
      let baseNumber: number | null = null;
      if (version !== undefined) {
        const v = await api.getVersion(key, version);
        spec = v.spec;
        baseNumber = v.number;
        store.setState({ viewing: { number: v.number, status: v.status } });
      } else {
        const draft = real.find((v) => v.status === "draft");
        const latest = [...real].sort((a, b) => b.number - a.number)[0];
        const base = draft ?? latest;
        if (base) {
          const v = await api.getVersion(key, base.number);
          spec = v.spec;
          baseNumber = v.number;
          if (v.status === "draft") {
            draftNumber = v.number;
            revision = v.revision;
          }
        } else {
          spec = emptySpec();
        }
      }
      if (token !== loadToken) return;
      const graph = specToGraph(spec);
      const nodes = graph.needsLayout ? layoutNodes(graph.nodes, graph.edges) : graph.nodes;
      store.getState().loadGraph({ nodes, edges: graph.edges, settings: graph.settings });
      store.setState((s) => ({ draftNumber, revision, baseNumber, savedContentVersion: s.contentVersion, loaded: true }));
    } catch (e) {
      if (token !== loadToken) return;
      store.setState({ loadError: e instanceof ApiError && e.status === 404 ? `There is no definition called "${key}".` : messageOf(e) });
    }
  }

  /** The palette's activities, the node types and the definition keys; the palette says while they load or if they failed. */
  async function loadCatalogues(): Promise<void> {
    const token = loadToken;
    store.setState({ catalogue: "loading", catalogueError: null });
    try {
      const [activities, definitions, nodeTypes] = await Promise.all([api.listActivities(), api.listDefinitions(), api.listNodeTypes()]);
      if (token !== loadToken) return;
      store.setState({ activities, definitionKeys: definitions.map((d) => d.key), nodeTypes, catalogue: "ready" });
    } catch (e) {
      if (token !== loadToken) return;
      store.setState({ catalogue: "error", catalogueError: `Could not load the activities: ${messageOf(e)}` });
    }
  }

  async function refreshVersions(): Promise<void> {
    const key = store.getState().key;
    if (!key) return;
    try {
      store.setState({ versions: await api.listVersions(key) });
    } catch {
      /* the list stays as it was */
    }
  }

  /** Save the draft now if the canvas has unsaved changes. Stale saves are refused by the server (409). */
  function saveNow(): Promise<void> {
    if (saving) return saving.then(() => saveNow());
    const s = store.getState();
    if (s.readOnly || !s.key || s.saveState === "conflict" || s.diffPreview) return Promise.resolve();
    if (s.contentVersion === s.savedContentVersion) return Promise.resolve();
    saving = doSave().finally(() => {
      saving = null;
    });
    return saving;
  }

  async function doSave(): Promise<void> {
    const s = store.getState();
    const key = s.key!;
    const contentVersion = s.contentVersion;
    const spec = currentSpec(s);
    store.setState({ saveState: "saving", saveMessage: null });
    try {
      if (s.draftNumber === null) {
        // Starting a new draft: if someone else started one meanwhile, this would overwrite it.
        const versions = await api.listVersions(key);
        const theirs = versions.find((v) => v.status === "draft" && !v.is_test);
        if (theirs) {
          store.setState({
            versions,
            saveState: "conflict",
            saveMessage: `Someone else started draft v${theirs.number} since you opened this definition. Your changes are not saved.`,
          });
          return;
        }
      }
      const version = await api.saveDraft(key, spec, s.draftNumber === null ? null : s.revision);
      const created = s.draftNumber === null;
      store.setState((now) => ({
        draftNumber: version.number,
        revision: version.revision,
        baseNumber: version.number,
        savedContentVersion: contentVersion,
        saveState: now.contentVersion === contentVersion ? "saved" : "dirty",
      }));
      if (created) void refreshVersions();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        store.setState({
          saveState: "conflict",
          saveMessage: `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}. Your changes are not saved.`,
        });
      } else {
        store.setState({ saveState: "error", saveMessage: `Could not save: ${messageOf(e)}` });
      }
    }
  }

  /** Ask the server to validate the canvas; the answer is kept only if nothing changed meanwhile. */
  async function validateNow(): Promise<void> {
    const s = store.getState();
    if (!s.key) return;
    const version = s.structureVersion;
    const spec = currentSpec(s);
    store.setState({ validating: true });
    try {
      const errors = await api.validateSpec(s.key, spec);
      if (store.getState().structureVersion === version) {
        store.setState({ errors, validatedStructureVersion: version, validationUnavailable: null });
      }
    } catch (e) {
      store.setState({ validationUnavailable: `Validation is unavailable: ${messageOf(e)}` });
    } finally {
      store.setState({ validating: false });
    }
  }

  /** Save, then show what publishing would change against the published version (read-only until confirmed or cancelled). */
  async function preparePublish(): Promise<void> {
    const st = store.getState();
    if (st.readOnly || !st.key) return;
    if (st.validatedStructureVersion !== st.structureVersion) await validateNow();
    if (store.getState().errors.length) {
      st.notify("error", "Fix the problems listed below before publishing.");
      return;
    }
    await saveNow();
    const s = store.getState();
    if (s.saveState === "conflict" || s.saveState === "error") {
      s.notify("error", "The draft is not saved, so it cannot be published.");
      return;
    }
    if (s.draftNumber === null) {
      s.notify("info", "There is no draft to publish: this is the published version. Change something first.");
      return;
    }
    const key = s.key!;
    try {
      const versions = await api.listVersions(key);
      store.setState({ versions });
      const previous = versions.find((v) => v.status === "published" && !v.is_test);
      const nodes = new Map<string, DiffMark>();
      const edges = new Map<string, DiffMark>();
      const ghostNodes: FlowNode[] = [];
      const ghostEdges: FlowEdge[] = [];
      let counts = { added: 0, removed: 0, changed: 0, moved: 0, edges: 0 };
      let changes: DiffPreview["changes"] = [];
      if (previous) {
        const [diff, before] = await Promise.all([
          api.diffVersions(key, previous.number, s.draftNumber),
          api.getVersion(key, previous.number),
        ]);
        const moved = new Set(diff.nodes.moved);
        for (const id of diff.nodes.added) nodes.set(id, "added");
        for (const id of diff.nodes.changed) nodes.set(id, moved.has(id) ? "moved" : "changed");
        for (const id of diff.edges.added) edges.set(id, "added");
        for (const id of diff.edges.changed) edges.set(id, "changed");
        const removed = new Set(diff.nodes.removed);
        for (const n of before.spec.nodes.filter((n) => removed.has(n.id))) {
          const ghost = { ...specNodeToFlow(n), id: `__ghost__${n.id}`, draggable: false, selectable: false, connectable: false };
          ghostNodes.push(ghost);
          nodes.set(ghost.id, "removed");
        }
        const present = new Set([...store.getState().nodes.map((n) => n.id)]);
        const ghostId = (id: string) => (removed.has(id) ? `__ghost__${id}` : present.has(id) ? id : null);
        for (const e of before.spec.edges.filter((e) => diff.edges.removed.includes(e.id))) {
          const source = ghostId(e.source);
          const target = ghostId(e.target);
          if (!source || !target) continue;
          const ghost = { ...specEdgeToFlow({ ...e, source, target, branch: undefined }), id: `__ghost__${e.id}`, selectable: false };
          ghostEdges.push(ghost);
          edges.set(ghost.id, "removed");
        }
        const labels = new Map(before.spec.nodes.map((n) => [n.id, n.label || n.id]));
        for (const n of store.getState().nodes) labels.set(n.id, n.data.label || n.id);
        changes = Object.entries(diff.node_changes ?? {})
          .filter(([, fields]) => fields.length)
          .map(([id, fields]) => ({ id, label: labels.get(id) ?? id, fields }));
        counts = {
          added: diff.nodes.added.length,
          removed: diff.nodes.removed.length,
          changed: diff.nodes.changed.length - moved.size,
          moved: moved.size,
          edges: diff.edges.added.length + diff.edges.removed.length + diff.edges.changed.length,
        };
      }
      store.setState({
        diffPreview: { from: previous?.number ?? null, to: s.draftNumber, marks: { nodes, edges }, ghostNodes, ghostEdges, counts, changes },
      });
    } catch (e) {
      s.notify("error", `Could not prepare the publish preview: ${messageOf(e)}`);
    }
  }

  function cancelPublish(): void {
    store.setState({ diffPreview: null });
  }

  /** Publish the previewed draft, with an optional note (kept on the version, shown in the history). */
  async function confirmPublish(note = ""): Promise<void> {
    const s = store.getState();
    if (!s.key || !s.diffPreview) return;
    try {
      const version = await api.publishVersion(s.key, s.diffPreview.to, note);
      store.setState({ diffPreview: null, draftNumber: null, revision: null, baseNumber: version.number, saveState: "idle" });
      s.notify("success", `Published v${version.number}. Further edits start draft v${version.number + 1}.`);
      await refreshVersions();
    } catch (e) {
      store.setState({ diffPreview: null });
      if (e instanceof ApiError && Array.isArray(e.body.errors)) {
        store.setState({ errors: e.body.errors as SpecError[] });
        s.notify("error", "Publishing was refused: the spec has problems (listed below).");
      } else {
        s.notify("error", `Publishing failed: ${messageOf(e)}`);
      }
      await refreshVersions();
    }
  }

  const importIntoCanvas = (text: string) => importSpecText(store, text);
  const exportDocument = () => exportDocumentOf(store.getState());

  /** Start a test run of the canvas (as an ephemeral test version) or of a published version, and follow it live. */
  async function runTest(source: "draft" | number, input: unknown): Promise<void> {
    const s = store.getState();
    if (!s.key) return;
    stopRun();
    const mine = runToken;
    let run: StartedRun & { version_label?: string };
    try {
      const body = source === "draft" ? { spec: currentSpec(s), input } : { version: source, input };
      ({ run } = await startTestRun(s.key, body));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && !e.body.detail?.toString().includes("definition")) {
        s.notify("error", "Test runs are not available on this server (the test-runs endpoint answered 404).");
      } else if (e instanceof ApiError && Array.isArray(e.body.errors)) {
        store.setState({ errors: e.body.errors as SpecError[] });
        s.notify("error", "The run was refused: the spec has problems (listed below).");
      } else {
        s.notify("error", `Could not start the test run: ${messageOf(e)}`);
      }
      return;
    }
    if (mine !== runToken) return;
    const label = run.version_label ?? (source === "draft" ? "the current draft" : api.versionLabel(source));
    store.setState({ run: { runId: run.id, status: run.status ?? "pending", statuses: {}, stream: "connecting", source: label } });
    /** Change the overlay only while it still shows this run. */
    const patch = (fn: (overlay: RunOverlay) => Partial<RunOverlay>) =>
      store.setState((st) => (st.run?.runId === run.id ? { run: { ...st.run, ...fn(st.run) } } : {}));
    // The detail up to its last_seq, then every event after it from the stream: nothing missed, nothing twice.
    let detail: RunDetail | null = null;
    try {
      detail = await getRunDetail(run.id);
    } catch {
      /* the stream replays every event from the first */
    }
    if (mine !== runToken || store.getState().run?.runId !== run.id) return;
    if (detail) {
      const seen = detail;
      patch(() => ({ status: seen.status, statuses: statusFromRun(seen) }));
      if (isRunFinished(seen.status)) {
        patch(() => ({ stream: "closed" }));
        return;
      }
    }
    stream = followRunEvents(
      run.id,
      detail?.last_seq ?? 0,
      (events) => {
        patch((o) => ({ statuses: applyEvents(o.statuses, events), status: runStatusAfter(o.status, events) }));
        if (isRunFinished(store.getState().run?.status)) stopRun();
      },
      (state) => patch(() => ({ stream: state })),
    );
  }

  function stopRun(): void {
    runToken++;
    const s = stream;
    stream = null;
    s?.close();
  }

  function clearRun(): void {
    stopRun();
    store.setState({ run: null });
  }

  /** The editor is going away: drop answers still on their way, stop following the test run. */
  function close(): void {
    loadToken++;
    stopRun();
  }

  return {
    loadDefinition,
    loadCatalogues,
    refreshVersions,
    saveNow,
    validateNow,
    preparePublish,
    cancelPublish,
    confirmPublish,
    importIntoCanvas,
    exportDocument,
    runTest,
    stopRun,
    clearRun,
    close,
  };
}
