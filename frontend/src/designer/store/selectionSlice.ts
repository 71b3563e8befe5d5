/** Selection helpers and the clipboard (copy, paste with fresh ids). */
import { edgeId, uniqueId, type FlowEdge, type FlowNode } from "../../spec/graph";
import type { Slice } from "./types";

export interface Clipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface SelectionSlice {
  clipboard: Clipboard | null;
  pasteCount: number;
  copySelection(): number;
  paste(): number;
  selectAll(): void;
  select(ids: { nodes?: string[]; edges?: string[] }): void;
}

export const createSelectionSlice: Slice<SelectionSlice> = (set, get) => ({
  clipboard: null,
  pasteCount: 0,

  copySelection() {
    const s = get();
    const nodes = s.nodes.filter((n) => n.selected);
    if (!nodes.length) return 0;
    const ids = new Set(nodes.map((n) => n.id));
    const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    set({ clipboard: structuredClone({ nodes, edges }), pasteCount: 0 });
    return nodes.length;
  },

  paste() {
    const s = get();
    if (s.readOnly || !s.clipboard?.nodes.length) return 0;
    const offset = 40 * (s.pasteCount + 1);
    const taken = new Set(s.nodes.map((n) => n.id));
    const rename = new Map<string, string>();
    const nodes: FlowNode[] = s.clipboard.nodes.map((n) => {
      const id = uniqueId(n.id, taken);
      taken.add(id);
      rename.set(n.id, id);
      return { ...structuredClone(n), id, selected: true, position: { x: n.position.x + offset, y: n.position.y + offset } };
    });
    for (const n of nodes) {
      if (n.type === "join" && n.data.fork && rename.has(n.data.fork)) n.data = { ...n.data, fork: rename.get(n.data.fork) };
    }
    const takenEdges = new Set(s.edges.map((e) => e.id));
    const edges: FlowEdge[] = s.clipboard.edges.map((e) => {
      const source = rename.get(e.source)!;
      const target = rename.get(e.target)!;
      const id = edgeId(source, target, takenEdges);
      takenEdges.add(id);
      return { ...structuredClone(e), id, source, target, selected: false };
    });
    s.checkpoint();
    set({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes],
      edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
      pasteCount: s.pasteCount + 1,
    });
    s.touch(true);
    return nodes.length;
  },

  selectAll() {
    set((s) => ({
      nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
      edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
    }));
  },

  select({ nodes = [], edges = [] }) {
    const n = new Set(nodes);
    const e = new Set(edges);
    set((s) => ({
      nodes: s.nodes.map((x) => (!!x.selected === n.has(x.id) ? x : { ...x, selected: n.has(x.id) })),
      edges: s.edges.map((x) => (!!x.selected === e.has(x.id) ? x : { ...x, selected: e.has(x.id) })),
    }));
  },
});
