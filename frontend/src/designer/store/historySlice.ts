/** Undo and redo: snapshots of the graph taken before each edit. */
import type { Graph } from "../../spec/graph";
import type { DesignerState, Slice } from "./types";

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

type Stack = "past" | "future";

/** Undo (from past to future) or redo (the other way): the graph becomes the stack's last snapshot. */
function step(set: Parameters<Slice<HistorySlice>>[0], get: Parameters<Slice<HistorySlice>>[1], from: Stack, to: Stack) {
  const s = get();
  if (s.readOnly || !s[from].length) return;
  const snap = s[from][s[from].length - 1];
  set({
    [from]: s[from].slice(0, -1),
    [to]: [...s[to], { nodes: s.nodes, edges: s.edges, settings: s.settings }],
    nodes: unselect(snap.nodes),
    edges: unselect(snap.edges),
    settings: snap.settings,
    lastCoalesce: null,
  } as Partial<DesignerState>);
  get().touch(true);
}

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
    step(set, get, "past", "future");
  },
  redo() {
    step(set, get, "future", "past");
  },
  clearHistory() {
    set({ past: [], future: [], lastCoalesce: null });
  },
});
