/**
 * Node types and registered activities, searchable; drag onto the canvas (or press Enter to add at the centre).
 * The items are one tab stop (a vertical toolbar with a roving tabindex): the arrow keys, Home and End
 * move between them, ArrowDown from the search box enters them.
 * Until the activity list has loaded it says so (never "No activities registered."); if it failed, why, with a retry.
 */
import { useMemo, useState } from "react";
import type { LucideIcon } from "lucide-react";
import { NodeIcon } from "../nodes/_base/NodeIcon";
import { NODE_META } from "../nodes/registry";
import { NODE_TYPES, type NodeFields, type NodeType } from "../spec/types";
import { useRovingFocus } from "../common/roving";
import { useDesigner, useDesignerActions } from "./context";

export const DRAG_MIME = "application/x-flowdeck-node";

export interface PaletteItem {
  type: NodeType;
  fields?: NodeFields;
}

export function Palette({ onAdd }: { onAdd(item: PaletteItem): void }) {
  const activities = useDesigner((s) => s.activities);
  const catalogue = useDesigner((s) => s.catalogue);
  const catalogueError = useDesigner((s) => s.catalogueError);
  const { loadCatalogues } = useDesignerActions();
  const readOnly = useDesigner((s) => s.readOnly || !!s.diffPreview);
  const [query, setQuery] = useState("");
  const q = query.trim().toLowerCase();
  const types = useMemo(
    () => NODE_TYPES.filter((t) => !q || t.includes(q) || NODE_META[t].title.toLowerCase().includes(q) || NODE_META[t].hint.toLowerCase().includes(q)),
    [q],
  );
  const acts = useMemo(
    () => activities.filter((a) => !q || a.name.toLowerCase().includes(q) || a.description.toLowerCase().includes(q)),
    [activities, q],
  );
  const keys = useMemo(() => [...types, ...acts.map((a) => `a:${a.name}`)], [types, acts]);
  const roving = useRovingFocus(keys);
  const item = (key: string, label: string, hint: string, icon: LucideIcon, payload: PaletteItem, testid: string) => {
    const { tabIndex, ref, onFocus } = roving.itemProps(key);
    return (
      <div
        key={key}
        ref={ref}
        onFocus={onFocus}
        // Read-only, nothing can be added: no tab stop at all.
        tabIndex={readOnly ? -1 : tabIndex}
        className="fd-palette__item"
        draggable={!readOnly}
        role="button"
        aria-disabled={readOnly}
        data-testid={testid}
        title={`${hint}\nDrag onto the canvas, or press Enter to add it`}
        onDragStart={(e) => {
          e.dataTransfer.setData(DRAG_MIME, JSON.stringify(payload));
          e.dataTransfer.effectAllowed = "move";
        }}
        onKeyDown={(e) => {
          if (!readOnly && (e.key === "Enter" || e.key === " ")) {
            e.preventDefault();
            onAdd(payload);
          }
        }}
        onDoubleClick={() => !readOnly && onAdd(payload)}
      >
        <span className="fd-palette__icon" aria-hidden="true"><NodeIcon icon={icon} size={16} /></span>
        <span className="fd-palette__text">
          <span className="fd-palette__name">{label}</span>
          <span className="fd-palette__hint">{hint}</span>
        </span>
      </div>
    );
  };
  return (
    <nav className="fd-palette" aria-label="Palette">
      <input
        type="search"
        aria-label="Search the palette"
        placeholder="Search steps and activities…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !readOnly && keys.length) {
            e.preventDefault();
            roving.focusActive();
          }
        }}
      />
      <p className="fd-sr-only" id="fd-palette-help">Arrow keys, Home and End move between the steps; Enter adds the step at the centre of the canvas.</p>
      {/* One tab stop for every step and activity (a roving tabindex): Tab goes on to the canvas. */}
      <div role="toolbar" aria-orientation="vertical" aria-label="Steps and activities" aria-describedby="fd-palette-help" className="fd-palette__items" onKeyDown={roving.onKeyDown} data-testid="palette-items">
        <h3 id="fd-palette-steps">Steps</h3>
        <div role="group" aria-labelledby="fd-palette-steps">
          {types.map((t) => item(t, NODE_META[t].title, NODE_META[t].hint, NODE_META[t].icon, { type: t }, `palette-${t}`))}
        </div>
        <h3 id="fd-palette-activities">Activities</h3>
        <div role="group" aria-labelledby="fd-palette-activities">
          {acts.map((a) => item(`a:${a.name}`, a.name, a.description || "Runs this activity", NODE_META.task.icon, { type: "task", fields: { activity: a.name } }, `palette-activity-${a.name}`))}
        </div>
      </div>
      {!acts.length && (activities.length || catalogue === "ready" ? (
        <p className="fd-muted">{activities.length ? "No activity matches." : "No activities registered."}</p>
      ) : catalogue === "loading" ? (
        <p className="fd-muted" role="status" data-testid="activities-loading">Loading activities…</p>
      ) : (
        <p className="fd-field__error" role="alert" data-testid="activities-error">
          {catalogueError}{" "}
          <button type="button" onClick={() => void loadCatalogues()}>Try again</button>
        </p>
      ))}
    </nav>
  );
}
