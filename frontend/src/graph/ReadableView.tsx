/**
 * The first view of a read-only graph: the whole graph when it fits at a readable zoom, else a readable
 * zoom (labels at least ~11 px) around the node that matters (the selected one, else where the run is,
 * else the start), the rest reached by panning or the minimap. Fitting a 16-node saga into 1000 px drew
 * its labels 3 px tall.
 */
import { getViewportForBounds, useReactFlow, useStore } from "@xyflow/react";
import { useEffect, useRef } from "react";
import type { FlowEdge, FlowNode } from "../spec/graph";
import { FIT_VIEW } from "./FlowCanvas";

/** 13 px labels (styles.css .fd-node__label) at this zoom are 11.7 px on screen. */
export const READABLE_ZOOM = 0.9;
const MARGIN = 24;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The viewport showing `bounds` in a `width` x `height` pane: null when it all fits at a readable zoom
 * (fit it), else the readable zoom with `focus` 40% across (never past either end of the graph) and
 * centred vertically (the whole height when it fits).
 */
export function readableViewport(bounds: Box, focus: Box, width: number, height: number): { x: number; y: number; zoom: number } | null {
  const pad = 1 + 2 * FIT_VIEW.padding;
  const fit = Math.min(width / (bounds.width * pad), height / (bounds.height * pad), FIT_VIEW.maxZoom);
  if (fit >= READABLE_ZOOM) return null;
  const zoom = READABLE_ZOOM;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const along = (start: number, size: number, centre: number, pane: number, share: number) =>
    size * zoom + 2 * MARGIN <= pane
      ? (pane - size * zoom) / 2 - start * zoom
      : clamp(pane * share - centre * zoom, pane - MARGIN - (start + size) * zoom, MARGIN - start * zoom);
  return {
    x: along(bounds.x, bounds.width, focus.x + focus.width / 2, width, 0.4),
    y: along(bounds.y, bounds.height, focus.y + focus.height / 2, height, 0.5),
    zoom,
  };
}

export function ReadableView({ focus }: { focus: string | null }) {
  const flow = useReactFlow<FlowNode, FlowEdge>();
  // Every node measured: the bounds need their sizes (useNodesInitialized, which also waits for handle
  // bounds, stayed false for a plain three-node chain).
  const ready = useStore((s) => s.nodeLookup.size > 0 && [...s.nodeLookup.values()].every((n) => !!n.measured.width));
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  // The zoom behaviour is set up after the nodes may already be measured: a viewport set before it is lost.
  const zoomReady = useStore((s) => s.panZoom !== null);
  const done = useRef(false);
  useEffect(() => {
    if (!ready || !zoomReady || done.current || !width || !height) return;
    const nodes = flow.getNodes();
    if (!nodes.length) return;
    done.current = true;
    const focused = flow.getInternalNode(focus ?? "") ?? flow.getInternalNode(nodes.find((n) => n.type === "start")?.id ?? nodes[0].id);
    const box = (id: string): Box => flow.getNodesBounds([id]);
    const bounds = flow.getNodesBounds(nodes);
    const readable = focused ? readableViewport(bounds, box(focused.id), width, height) : null;
    void flow.setViewport(readable ?? getViewportForBounds(bounds, width, height, 0.1, FIT_VIEW.maxZoom, FIT_VIEW.padding));
  }, [ready, zoomReady, width, height, flow, focus]);
  return null;
}
