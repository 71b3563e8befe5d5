/** The editable canvas: FlowCanvas plus drop target, connection rules and focus requests. */
import { useReactFlow, type Connection, type Edge, type IsValidConnection } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, type DragEvent } from "react";
import { FlowCanvas } from "../graph/FlowCanvas";
import type { FlowEdge, FlowNode } from "../spec/graph";
import { connectionProblem } from "./connections";
import { ConnectionNotice, explainDragEnd } from "./ConnectionNotice";
import { DRAG_MIME, type PaletteItem } from "./Palette";
import { useDesigner, useDesignerStore } from "./context";

export function Canvas() {
  const store = useDesignerStore();
  const nodes = useDesigner((s) => s.nodes);
  const edges = useDesigner((s) => s.edges);
  const errors = useDesigner((s) => s.errors);
  const readOnly = useDesigner((s) => s.readOnly);
  const preview = useDesigner((s) => s.diffPreview);
  const run = useDesigner((s) => s.run);
  const focusRequest = useDesigner((s) => s.focusRequest);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const wrapper = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!focusRequest) return;
    const s = store.getState();
    const ids = focusRequest.kind === "node" ? [focusRequest.id] : (() => {
      const e = s.edges.find((x) => x.id === focusRequest.id);
      return e ? [e.source, e.target] : [];
    })();
    const boxes = ids.map((id) => flow.getNode(id)).filter((n): n is FlowNode => !!n);
    if (!boxes.length) return;
    const xs = boxes.flatMap((n) => [n.position.x, n.position.x + (n.measured?.width ?? 190)]);
    const ys = boxes.flatMap((n) => [n.position.y, n.position.y + (n.measured?.height ?? 60)]);
    const zoom = Math.max(flow.getZoom(), 0.8);
    void flow.setCenter((Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2, { zoom, duration: 300 });
  }, [store, focusRequest, flow]);

  const isValidConnection: IsValidConnection<FlowEdge> = useCallback((c: Connection | Edge) => {
    const s = store.getState();
    return connectionProblem(c, s.nodes, s.edges, s.reconnecting) === null;
  }, [store]);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const raw = event.dataTransfer.getData(DRAG_MIME);
      if (!raw) return;
      event.preventDefault();
      const item = JSON.parse(raw) as PaletteItem;
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(item.type, { x: position.x - 95, y: position.y - 30 }, item.fields);
    },
    [store, flow],
  );

  const editing = useMemo(
    () => ({
      onNodesChange: store.getState().onNodesChange,
      onEdgesChange: store.getState().onEdgesChange,
      onConnect: (c: Connection) => {
        const problem = store.getState().onConnect(c);
        if (problem) store.getState().refuse(problem);
      },
      // A refused drop never reaches onConnect (isValidConnection said no): say why here.
      onConnectEnd: (event: MouseEvent | TouchEvent, end: Parameters<typeof explainDragEnd>[2]) => explainDragEnd(store, event, end),
      onReconnectStart: (_: unknown, edge: FlowEdge) => store.getState().setReconnecting(edge.id),
      onReconnect: (old: FlowEdge, c: Connection) => {
        const problem = store.getState().onReconnect(old, c);
        if (problem) store.getState().refuse(problem);
      },
      onReconnectEnd: () => store.getState().setReconnecting(null),
      onNodeDragStart: () => store.getState().checkpoint(),
      isValidConnection,
      edgesReconnectable: true,
      // Not tab stops: Tab would cross every edge before a node (xyflow draws edges first). A
      // keyboard reaches a connection from its node's inspector (ConnectTo.tsx); a click selects one.
      edgesFocusable: false,
      deleteKeyCode: null,
      selectionKeyCode: "Shift",
      multiSelectionKeyCode: ["Meta", "Control"],
      onDragOver: (e: DragEvent) => {
        if (e.dataTransfer.types.includes(DRAG_MIME)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "move";
        }
      },
      onDrop,
    }),
    [store, isValidConnection, onDrop],
  );

  const shownNodes = useMemo(() => (preview ? [...nodes, ...preview.ghostNodes] : nodes), [nodes, preview]);
  const shownEdges = useMemo(() => (preview ? [...edges, ...preview.ghostEdges] : edges), [edges, preview]);

  return (
    <div className="fd-canvas" ref={wrapper} data-testid="canvas">
      <FlowCanvas
        nodes={shownNodes}
        edges={shownEdges}
        readOnly={readOnly || !!preview}
        errors={errors}
        runStatus={run?.statuses ?? null}
        diff={preview?.marks ?? null}
        editing={editing}
      />
      <ConnectionNotice />
    </div>
  );
}
