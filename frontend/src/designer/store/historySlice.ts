/** Undo and redo: snapshots of the graph taken before each edit. */
import type { Graph } from "../../spec/graph";
import type { Slice } from "./types";

const LIMIT = 100;
const COALESCE_MS = 1500;

export type Snapshot = Graph;

export interface HistorySlice {
  past: Snapshot[];
  future: Snapshot[];
  lastCoalesce: string | null;
  lastCheckpointAt: number;
  /** Remember the graph before an edit. Edits with the same `coalesce` key in quick succession (typing) share one step. */
  checkpoint(coalesce?: string): void;
  undo(): void;
  redo(): void;
  clearHistory(): void;
}

const unselect = <T extends { selected?: boolean }>(items: T[]) =>
  items.map((i) => (i.selected ? { ...i, selected: false } : i));

export const createHistorySlice: Slice<HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  lastCoalesce: null,
  lastCheckpointAt: 0,
  checkpoint(coalesce) {
    const s = get();
    const now = Date.now();
    if (coalesce && s.lastCoalesce === coalesce && now - s.lastCheckpointAt < COALESCE_MS) {
      set({ lastCheckpointAt: now });
      return;
    }
    const snap: Snapshot = { nodes: s.nodes, edges: s.edges, settings: s.settings };
    set({ past: [...s.past.slice(-(LIMIT - 1)), snap], future: [], lastCoalesce: coalesce ?? null, lastCheckpointAt: now });
  },
  undo() {
    const s = get();
    if (s.readOnly || !s.past.length) return;
    const prev = s.past[s.past.length - 1];
    set({
      past: s.past.slice(0, -1),
      future: [...s.future, { nodes: s.nodes, edges: s.edges, settings: s.settings }],
      nodes: unselect(prev.nodes),
      edges: unselect(prev.edges),
      settings: prev.settings,
      lastCoalesce: null,
    });
    get().touch(true);
  },
  redo() {
    const s = get();
    if (s.readOnly || !s.future.length) return;
    const next = s.future[s.future.length - 1];
    set({
      future: s.future.slice(0, -1),
      past: [...s.past, { nodes: s.nodes, edges: s.edges, settings: s.settings }],
      nodes: unselect(next.nodes),
      edges: unselect(next.edges),
      settings: next.settings,
      lastCoalesce: null,
    });
    get().touch(true);
  },
  clearHistory() {
    set({ past: [], future: [], lastCoalesce: null });
  },
});
