/**
 * A small minimap that can be folded away: folded it is one small button in the corner, so it never
 * sits over nodes that someone means to click; open, it is 150x100 and takes clicks only on itself.
 * Whether it is open is remembered per canvas kind (designer, console).
 */
import { MiniMap, Panel, type Node } from "@xyflow/react";
import { Map as MapIcon, X } from "lucide-react";
import { useState } from "react";

const stored = (key: string, fallback: boolean): boolean => {
  try {
    const v = window.localStorage.getItem(key);
    return v === null ? fallback : v === "1";
  } catch {
    return fallback;
  }
};

export function GraphMiniMap({ nodeColor, storageKey, defaultOpen }: { nodeColor(n: Node): string; storageKey: string; defaultOpen: boolean }) {
  const key = `flowdeck.minimap.${storageKey}`;
  const [open, setOpen] = useState(() => stored(key, defaultOpen));
  const toggle = () => {
    setOpen(!open);
    try {
      window.localStorage.setItem(key, open ? "0" : "1");
    } catch {
      /* private mode: not remembered */
    }
  };
  return (
    <>
      {open && <MiniMap className="fd-minimap" style={{ width: 150, height: 100 }} pannable zoomable nodeColor={nodeColor} ariaLabel="Minimap" position="bottom-right" />}
      <Panel position="bottom-right" className="fd-minimap-toggle">
        <button
          type="button"
          className="fd-icon-button"
          aria-pressed={open}
          aria-label={open ? "Hide the minimap" : "Show the minimap"}
          title={open ? "Hide the minimap" : "Show the minimap"}
          onClick={toggle}
          data-testid="minimap-toggle"
        >
          {open ? <X size={14} aria-hidden="true" /> : <MapIcon size={14} aria-hidden="true" />}
        </button>
      </Panel>
    </>
  );
}
