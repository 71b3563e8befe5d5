/** Autosave, validation-as-you-edit and keyboard shortcuts for the editor. */
import { useEffect } from "react";
import { CONNECT_TARGET_ID } from "./ConnectTo";
import { useDesigner, useDesignerActions, useDesignerStore } from "./context";

export const SAVE_DELAY_MS = 800;
export const VALIDATE_DELAY_MS = 400;

/** Save the draft a moment after the last change. */
export function useAutosave(): void {
  const store = useDesignerStore();
  const { saveNow } = useDesignerActions();
  const contentVersion = useDesigner((s) => s.contentVersion);
  const saved = useDesigner((s) => s.savedContentVersion);
  const saveState = useDesigner((s) => s.saveState);
  useEffect(() => {
    if (contentVersion === saved || saveState === "conflict" || saveState === "saving") return;
    if (saveState !== "dirty" && saveState !== "error") store.setState({ saveState: "dirty" });
    const timer = window.setTimeout(() => void saveNow(), SAVE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [store, saveNow, contentVersion, saved, saveState]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      const s = store.getState();
      if (s.contentVersion !== s.savedContentVersion) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [store]);
}

/** Ask the server to validate a moment after the last structural change. */
export function useValidation(): void {
  const { validateNow } = useDesignerActions();
  const structureVersion = useDesigner((s) => s.structureVersion);
  const validated = useDesigner((s) => s.validatedStructureVersion);
  const key = useDesigner((s) => s.key);
  const loaded = useDesigner((s) => s.nodes.length > 0);
  useEffect(() => {
    if (!key || !loaded || structureVersion === validated) return;
    const timer = window.setTimeout(() => void validateNow(), VALIDATE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [validateNow, structureVersion, validated, key, loaded]);
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

/** Delete, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, Ctrl+C / Ctrl+V, Ctrl+A, Ctrl+S; C: "Connect to…" for the selected node. */
export function useShortcuts(): void {
  const store = useDesignerStore();
  const { saveNow } = useDesignerActions();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = store.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "s") {
        e.preventDefault();
        void saveNow().then(() => {
          const after = store.getState();
          if (after.saveState === "saved") after.notify("success", "Draft saved.");
        });
        return;
      }
      if (typing(e.target)) return;
      if (mod && key === "z" && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if (mod && ((key === "z" && e.shiftKey) || key === "y")) {
        e.preventDefault();
        s.redo();
      } else if (mod && key === "c") {
        const n = s.copySelection();
        if (n) s.notify("info", `Copied ${n} node${n === 1 ? "" : "s"}.`);
      } else if (mod && key === "v") {
        e.preventDefault();
        s.paste();
      } else if (mod && key === "a") {
        e.preventDefault();
        s.selectAll();
      } else if ((e.key === "Delete" || e.key === "Backspace") && !mod) {
        e.preventDefault();
        s.deleteSelection();
      } else if (key === "c" && !mod && !e.altKey && !e.shiftKey) {
        // The inspector's "Connect to…" (ConnectTo.tsx), when one node is selected and it shows.
        const target = s.nodes.filter((n) => n.selected).length === 1 ? document.getElementById(CONNECT_TARGET_ID) : null;
        if (target) {
          e.preventDefault();
          target.focus();
        }
      } else if (e.key === "Escape") {
        s.select({});
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, saveNow]);
}
