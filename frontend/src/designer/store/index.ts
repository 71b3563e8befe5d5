/** The designer's one store, built from slices (graph, selection, history, draft). */
import { create } from "zustand";
import { graphToSpec } from "../../spec/graph";
import type { Spec } from "../../spec/types";
import { createDraftSlice } from "./draftSlice";
import { createGraphSlice } from "./graphSlice";
import { createHistorySlice } from "./historySlice";
import { createSelectionSlice } from "./selectionSlice";
import type { DesignerState } from "./types";

export type { DesignerState } from "./types";

export const createDesignerStore = () =>
  create<DesignerState>()((...a) => ({
    ...createGraphSlice(...a),
    ...createSelectionSlice(...a),
    ...createHistorySlice(...a),
    ...createDraftSlice(...a),
  }));

export const useDesigner = createDesignerStore();

/** The spec the canvas shows right now. */
export function currentSpec(state: DesignerState = useDesigner.getState()): Spec {
  return graphToSpec({ nodes: state.nodes, edges: state.edges, settings: state.settings });
}
