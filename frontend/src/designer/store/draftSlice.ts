/** The definition and version being edited, its save and validation state, and overlays (diff, test run). */
import type { Activity, Definition, FieldChange, NodeTypeInfo, VersionSummary } from "../../api/definitions";
import type { SocketState } from "../../api/socket";
import type { DiffMarks } from "../../graph/decorations";
import type { RunStatusMap } from "../../graph/runStatus";
import type { FlowEdge, FlowNode } from "../../spec/graph";
import type { SpecError } from "../../spec/types";
import type { Slice } from "./types";

export type SaveState = "idle" | "dirty" | "saving" | "saved" | "error" | "conflict";

export interface DiffPreview {
  from: number | null;
  to: number;
  marks: DiffMarks;
  ghostNodes: FlowNode[];
  ghostEdges: FlowEdge[];
  counts: { added: number; removed: number; changed: number; moved: number; edges: number };
  /** What changed inside each changed node (its label, and before/after by field). */
  changes: { id: string; label: string; fields: FieldChange[] }[];
}

/** A test run drawn on the canvas, followed live (api/socket.ts followRunEvents). */
export interface RunOverlay {
  runId: string;
  status: string;
  statuses: RunStatusMap;
  stream: SocketState;
  source: string;
}

export interface Toast {
  kind: "info" | "error" | "success";
  text: string;
  id: number;
}

export interface DraftSlice {
  key: string | null;
  definition: Definition | null;
  versions: VersionSummary[];
  activities: Activity[];
  nodeTypes: NodeTypeInfo[];
  definitionKeys: string[];
  loadError: string | null;
  /** Whether the canvas holds what was loaded (false while the definition and its version are on their way). */
  loaded: boolean;
  /** The palette's activity list (and the node types and definition keys loaded with it). */
  catalogue: "loading" | "ready" | "error";
  catalogueError: string | null;
  /** A version opened read-only from the history (null while editing the draft). */
  viewing: { number: number; status: string } | null;
  readOnly: boolean;
  /** The draft being edited, when one exists; `revision` is the one this editor loaded or last saved. */
  draftNumber: number | null;
  revision: number | null;
  /** The version the canvas started from (the draft, or the latest version when there is no draft). */
  baseNumber: number | null;
  savedContentVersion: number;
  saveState: SaveState;
  saveMessage: string | null;
  errors: SpecError[];
  validatedStructureVersion: number;
  validating: boolean;
  validationUnavailable: string | null;
  diffPreview: DiffPreview | null;
  run: RunOverlay | null;
  toast: Toast | null;
  focusRequest: { id: string; kind: "node" | "edge"; n: number } | null;
  /** Toasts shown so far: the next one's id. */
  toastCount: number;
  patchDraft(patch: Partial<DraftSlice>): void;
  notify(kind: Toast["kind"], text: string): void;
  focus(kind: "node" | "edge", id: string): void;
}

export const createDraftSlice: Slice<DraftSlice> = (set, get) => ({
  key: null,
  definition: null,
  versions: [],
  activities: [],
  nodeTypes: [],
  definitionKeys: [],
  loadError: null,
  loaded: false,
  catalogue: "loading",
  catalogueError: null,
  viewing: null,
  readOnly: false,
  draftNumber: null,
  revision: null,
  baseNumber: null,
  savedContentVersion: 0,
  saveState: "idle",
  saveMessage: null,
  errors: [],
  validatedStructureVersion: -1,
  validating: false,
  validationUnavailable: null,
  diffPreview: null,
  run: null,
  toast: null,
  focusRequest: null,
  toastCount: 0,
  patchDraft(patch) {
    set(patch);
  },
  notify(kind, text) {
    set((s) => ({ toast: { kind, text, id: s.toastCount + 1 }, toastCount: s.toastCount + 1 }));
  },
  focus(kind, id) {
    const n = (get().focusRequest?.n ?? 0) + 1;
    set({ focusRequest: { kind, id, n } });
    if (kind === "node") get().select({ nodes: [id] });
    else get().select({ edges: [id] });
  },
});
