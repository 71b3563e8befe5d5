/** The canvas as a file: import a spec or an export into it (undoable), export it, download it. */
import { specToGraph } from "../spec/graph";
import { layoutNodes } from "../spec/layout";
import type { Spec } from "../spec/types";
import { currentSpec, type DesignerState, type DesignerStore } from "./store";

/** Replace the canvas with a spec or an exported definition document (undoable). */
export function importSpecText(store: DesignerStore, text: string): void {
  const s = store.getState();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    s.notify("error", "That file is not JSON.");
    return;
  }
  const spec = (doc && typeof doc === "object" && "spec" in doc ? (doc as { spec: unknown }).spec : doc) as Spec;
  if (!spec || typeof spec !== "object" || !Array.isArray(spec.nodes) || !Array.isArray(spec.edges)) {
    s.notify("error", "That file holds neither a Flowdeck definition export nor a spec (nodes and edges).");
    return;
  }
  const graph = specToGraph(spec);
  const nodes = graph.needsLayout ? layoutNodes(graph.nodes, graph.edges) : graph.nodes;
  s.replaceGraph({ nodes, edges: graph.edges, settings: graph.settings });
  s.notify("success", `Imported ${nodes.length} nodes into the canvas. Undo (Ctrl+Z) brings back the previous graph.`);
}

/** The canvas as an export document, the same shape the server exports. */
export function exportDocumentOf(s: DesignerState): string {
  return JSON.stringify(
    {
      format: "flowdeck.definition/v1",
      key: s.key,
      name: s.definition?.name ?? s.key,
      description: s.definition?.description ?? "",
      version: s.viewing?.number ?? s.draftNumber ?? s.baseNumber,
      spec: currentSpec(s),
    },
    null,
    2,
  );
}

/** What the editor's Export downloads: the version viewed, the draft (said so), or the canvas on top of a version. */
export function canvasExport(s: Pick<DesignerState, "key" | "viewing" | "draftNumber" | "baseNumber">): { label: string; file: string } {
  const key = s.key ?? "definition";
  if (s.viewing) return { label: `Export v${s.viewing.number}`, file: `${key}-v${s.viewing.number}.flowdeck.json` };
  if (s.draftNumber !== null) return { label: "Export draft", file: `${key}-v${s.draftNumber}-draft.flowdeck.json` };
  return { label: "Export", file: s.baseNumber !== null ? `${key}-v${s.baseNumber}.flowdeck.json` : `${key}-draft.flowdeck.json` };
}

/** Save `text` as `file` in the browser. */
export function downloadJson(text: string, file: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = file;
  a.click();
  URL.revokeObjectURL(a.href);
}

