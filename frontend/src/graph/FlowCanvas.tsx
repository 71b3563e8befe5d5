/**
 * The graph canvas, shared by the designer (editable) and the operator console
 * (read-only, with a run's per-node status). Decorations come in as props;
 * editing handlers come in through `editing` and are simply absent read-only.
 */
import {
  Background,
  Controls,
  ReactFlow,
  type Node,
  type ReactFlowProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo, type ReactNode } from "react";
import { edgeBranch, type FlowEdge, type FlowNode } from "../spec/graph";
import type { SpecError } from "../spec/types";
import { DecorationsContext, groupErrors, type Decorations, type DiffMark, type DiffMarks } from "./decorations";
import { GraphMiniMap } from "./GraphMiniMap";
import { nodeTypes } from "./nodeTypes";
import { ReadableView } from "./ReadableView";
import type { RunStatusMap } from "./runStatus";

export interface FlowCanvasProps {
  nodes: FlowNode[];
  edges: FlowEdge[];
  readOnly?: boolean;
  /** Server validation problems: drawn on the node or edge they name. */
  errors?: SpecError[];
  /** A run's status per node id: colours and attempt counts. */
  runStatus?: RunStatusMap | null;
  /** Diff marks per node id and per edge id. */
  diff?: DiffMarks | null;
  /** Designer-only props (changes, connections, drop target...). */
  editing?: Partial<ReactFlowProps<FlowNode, FlowEdge>>;
  /**
   * The first view: "fit" the whole graph (the designer), or "readable": fit only when the labels stay
   * readable, else a readable zoom around `focus` (the console's run graph).
   */
  firstView?: "fit" | "readable";
  focus?: string | null;
  children?: ReactNode;
}

const STATUS_COLOURS: Record<string, string> = {
  scheduled: "#94a3b8",
  running: "#3b82f6",
  waiting: "#a855f7",
  succeeded: "#16a34a",
  failed: "#dc2626",
  skipped: "#cbd5e1",
  cancelled: "#64748b",
};
const DIFF_COLOURS: Record<DiffMark, string> = {
  added: "#16a34a",
  removed: "#dc2626",
  changed: "#d97706",
  moved: "#0ea5e9",
};

/** Zoom to fit, never beyond 100% (a two-node graph should not fill the screen). */
export const FIT_VIEW = { maxZoom: 1, padding: 0.15 };

const READ_ONLY: Partial<ReactFlowProps<FlowNode, FlowEdge>> = {
  nodesDraggable: false,
  nodesConnectable: false,
  edgesReconnectable: false,
  deleteKeyCode: null,
  elementsSelectable: true,
};

export function FlowCanvas({ nodes, edges, readOnly = false, errors, runStatus = null, diff = null, editing, firstView = "fit", focus = null, children }: FlowCanvasProps) {
  const grouped = useMemo(() => groupErrors(errors ?? []), [errors]);
  const decorations: Decorations = useMemo(
    () => ({ readOnly, ...grouped, runStatus, diff: diff?.nodes ?? null }),
    [readOnly, grouped, runStatus, diff],
  );

  const shownEdges = useMemo(
    () =>
      edges.map((e) => {
        const branch = edgeBranch(e);
        const classes = ["fd-edge"];
        if (grouped.errorsByEdge.has(e.id)) classes.push("fd-edge--error");
        const mark = diff?.edges.get(e.id);
        if (mark) classes.push(`fd-edge--${mark}`);
        const target = runStatus?.[e.target];
        if (target && target.status !== "scheduled") classes.push("fd-edge--taken");
        const label = e.data?.label || (branch !== "next" ? branch : undefined);
        return { ...e, label, className: classes.join(" "), interactionWidth: 16 };
      }),
    [edges, grouped, diff, runStatus],
  );

  const nodeColor = useMemo(
    () => (n: Node) => {
      const status = runStatus?.[n.id]?.status;
      if (status) return STATUS_COLOURS[status] ?? "#94a3b8";
      const mark = diff?.nodes.get(n.id);
      if (mark) return DIFF_COLOURS[mark];
      if (grouped.errorsByNode.has(n.id)) return "#dc2626";
      return "#cbd5e1";
    },
    [runStatus, diff, grouped],
  );

  return (
    <DecorationsContext.Provider value={decorations}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        fitView={firstView === "fit"}
        fitViewOptions={FIT_VIEW}
        minZoom={0.1}
        maxZoom={2}
        onlyRenderVisibleElements={nodes.length > 150}
        defaultEdgeOptions={{ type: "smoothstep" }}
        proOptions={{ hideAttribution: true }}
        {...editing}
        {...(readOnly ? READ_ONLY : {})}
      >
        <Background gap={20} size={1} />
        <GraphMiniMap nodeColor={nodeColor} storageKey={readOnly ? "read-only" : "editing"} defaultOpen={!readOnly} />
        {firstView === "readable" && <ReadableView focus={focus} />}
        <Controls showInteractive={false} fitViewOptions={FIT_VIEW} />
        {children}
      </ReactFlow>
    </DecorationsContext.Provider>
  );
}
