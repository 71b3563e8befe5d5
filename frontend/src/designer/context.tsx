/**
 * One designer per editor: DesignerProvider creates the editor's store and
 * its actions once, and every component below reads them from context (as
 * zustand recommends for stores that belong to a component tree). Two editors
 * on one page, or one test after another, never share state.
 */
import { createContext, useContext, useState, type ReactNode } from "react";
import { useStore } from "zustand";
import { createDesignerActions, type DesignerActions } from "./actions";
import { createDesignerStore, type DesignerState, type DesignerStore } from "./store";

interface Designer {
  store: DesignerStore;
  actions: DesignerActions;
}

const DesignerContext = createContext<Designer | null>(null);

/** A designer for the tree below; pass `store` to start from one prepared elsewhere (tests). */
export function DesignerProvider({ store, children }: { store?: DesignerStore; children: ReactNode }) {
  const [designer] = useState<Designer>(() => {
    const s = store ?? createDesignerStore();
    return { store: s, actions: createDesignerActions(s) };
  });
  return <DesignerContext.Provider value={designer}>{children}</DesignerContext.Provider>;
}

function useDesignerContext(): Designer {
  const designer = useContext(DesignerContext);
  if (!designer) throw new Error("designer hooks need a <DesignerProvider> above them");
  return designer;
}

/** A slice of this editor's state; re-renders when the selected value changes. */
export function useDesigner<T>(selector: (state: DesignerState) => T): T {
  return useStore(useDesignerContext().store, selector);
}

/** This editor's store, for reading and writing in event handlers without subscribing. */
export function useDesignerStore(): DesignerStore {
  return useDesignerContext().store;
}

/** This editor's conversations with the server (designer/actions.ts). */
export function useDesignerActions(): DesignerActions {
  return useDesignerContext().actions;
}
