/**
 * Helpers for the designer's component tests (jsdom): an editor's store
 * holding a spec, and the real Inspector rendered against it, so a test
 * edits a form and reads what reached the store. Never imported by the app.
 */
import { render } from "@testing-library/react";
import type { Activity } from "../api/definitions";
import { specToGraph } from "../spec/graph";
import type { NodeFields, Spec, SpecEdge, SpecNode } from "../spec/types";
import { DesignerProvider } from "./context";
import { Inspector } from "./Inspector";
import { createDesignerStore, type DesignerStore } from "./store";

export const ACTIVITIES: Activity[] = [
  { name: "shop.charge", description: "Charge the card", input_schema: { type: "object", properties: { amount: { type: "number" } } }, output_schema: null },
  { name: "shop.refund", description: "Refund a charge", input_schema: null, output_schema: null },
];

/** A store, as an editor has it after loading `nodes` and `edges` (with start and end added). */
export function designerWith(nodes: SpecNode[], edges: SpecEdge[] = []): DesignerStore {
  const spec: Spec = {
    schema_version: 1,
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 } },
      ...nodes.map((n, i) => ({ position: { x: 200 * (i + 1), y: 0 }, ...n })),
      { id: "end", type: "end", position: { x: 200 * (nodes.length + 1), y: 0 } },
    ],
    edges,
  };
  const store = createDesignerStore();
  store.getState().loadGraph(specToGraph(spec));
  store.setState({ key: "test", activities: ACTIVITIES, catalogue: "ready", loaded: true });
  return store;
}

/** The Inspector of `store`'s editor, showing node `selected`. */
export function renderInspector(store: DesignerStore, selected: string) {
  store.getState().select({ nodes: [selected] });
  return render(
    <DesignerProvider store={store}>
      <Inspector />
    </DesignerProvider>,
  );
}

/** A node's fields as the store holds them now. */
export function fieldsOf(store: DesignerStore, id: string): NodeFields | undefined {
  return store.getState().nodes.find((n) => n.id === id)?.data;
}
