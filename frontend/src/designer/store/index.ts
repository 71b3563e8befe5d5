/**
 * The designer's store, built from slices (graph, selection, history, draft).
 * One per editor: EditorPage creates it and hands it down through
 * DesignerProvider (designer/context.tsx); nothing holds one at module scope.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import { graphToSpec } from "../../spec/graph";
import type { Spec } from "../../spec/types";
import { createDraftSlice } from "./draftSlice";
import { createGraphSlice } from "./graphSlice";
import { createHistorySlice } from "./historySlice";
import { createSelectionSlice } from "./selectionSlice";
import type { DesignerState } from "./types";

export type { DesignerState } from "./types";
export type DesignerStore = StoreApi<DesignerState>;

export const createDesignerStore = (): DesignerStore =>
  createStore<DesignerState>()((...a) => ({
    ...createGraphSlice(...a),
    ...createSelectionSlice(...a),
    ...createHistorySlice(...a),
    ...createDraftSlice(...a),
  }));

/** The spec a store's canvas shows right now. */
export function currentSpec(state: DesignerState): Spec {
  return graphToSpec({ nodes: state.nodes, edges: state.edges, settings: state.settings });
}
