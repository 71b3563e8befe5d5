/**
 * Why the canvas refused a connection, said where the user is working: a live region at the
 * top of the canvas (role="alert"), shown when a drag is let go on a node that may not be
 * connected that way, cleared by the next edit, by "×", or after NOTICE_MS.
 */
import { useEffect } from "react";
import { nodeUnder, refusalOf, type DragEnd } from "./connections";
import { useDesigner, useDesignerStore } from "./context";
import type { DesignerStore } from "./store";

export const NOTICE_MS = 6000;

/** onConnectEnd (also called at the end of a reconnect): say why, when the drop was refused. */
export function explainDragEnd(store: DesignerStore, event: MouseEvent | TouchEvent, end: DragEnd): void {
  const s = store.getState();
  if (s.readOnly || s.diffPreview) return;
  const why = refusalOf(end, nodeUnder(event), s.nodes, s.edges, s.reconnecting);
  if (why) s.refuse(why);
}

export function ConnectionNotice() {
  const store = useDesignerStore();
  const refusal = useDesigner((s) => s.refusal);
  useEffect(() => {
    if (!refusal) return;
    const timer = window.setTimeout(() => {
      if (store.getState().refusal === refusal) store.getState().clearRefusal();
    }, NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [store, refusal]);
  // The live region is always there, so screen readers announce the text when it appears.
  return (
    <div className="fd-canvas-notice" role="alert" aria-live="assertive" aria-atomic="true" data-testid="connection-notice">
      {refusal && (
        <p className="fd-canvas-notice__text">
          <span>Not connected: {refusal.text}.</span>
          <button type="button" className="fd-icon-button" aria-label="Dismiss" onClick={() => store.getState().clearRefusal()}>×</button>
        </p>
      )}
    </div>
  );
}
