/** The graph being edited: nodes and edges in @xyflow/react's shape, and every edit to them. */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { NODE_META } from "../../nodes/registry";
import { layoutNodes } from "../../spec/layout";
import {
  edgeId,
  handleFor,
  uniqueId,
  type FlowEdge,
  type FlowNode,
  type Graph,
} from "../../spec/graph";
import { ID_PATTERN, type NodeFields, type NodeType, type Position, type Spec } from "../../spec/types";
import { connectionProblem } from "../connections";
import type { Slice } from "./types";

export interface GraphSlice {
  nodes: FlowNode[];
  edges: FlowEdge[];
  settings: Spec["settings"];
  /** Bumped by every edit that changes the saved spec (moves included). */
  contentVersion: number;
  /** Bumped by every edit except moves: what validation cares about. */
  structureVersion: number;
  /** The edge whose end is being dragged to a new node, if any. */
  reconnecting: string | null;
  /** Why the last connection dropped on the canvas was refused; cleared by the next edit. */
  refusal: { text: string; n: number } | null;
  refuse(text: string): void;
  clearRefusal(): void;
  touch(structural: boolean): void;
  loadGraph(graph: Graph): void;
  replaceGraph(graph: Graph): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  onConnect(connection: Connection): string | null;
  onReconnect(old: FlowEdge, connection: Connection): string | null;
  setReconnecting(edgeId: string | null): void;
  addNode(type: NodeType, position: Position, fields?: NodeFields): string;
  updateNode(id: string, update: (fields: NodeFields) => NodeFields, coalesce?: string): void;
  renameNode(id: string, newId: string): string | null;
  updateEdge(id: string, patch: { branch?: string; label?: string }): void;
  deleteElements(nodeIds: string[], edgeIds: string[]): void;
  deleteSelection(): void;
  autoLayout(): void;
}

export const createGraphSlice: Slice<GraphSlice> = (set, get) => ({
  nodes: [],
  edges: [],
  settings: undefined,
  contentVersion: 0,
  structureVersion: 0,
  reconnecting: null,
  refusal: null,

  refuse(text) {
    set((s) => ({ refusal: { text, n: (s.refusal?.n ?? 0) + 1 } }));
  },

  clearRefusal() {
    if (get().refusal) set({ refusal: null });
  },

  touch(structural) {
    set((s) => ({
      refusal: null,
      contentVersion: s.contentVersion + 1,
      structureVersion: structural ? s.structureVersion + 1 : s.structureVersion,
    }));
  },

  loadGraph(graph) {
    set({ nodes: graph.nodes, edges: graph.edges, settings: graph.settings });
    get().clearHistory();
  },

  replaceGraph(graph) {
    if (get().readOnly) return;
    get().checkpoint();
    set({ nodes: graph.nodes, edges: graph.edges, settings: graph.settings });
    get().touch(true);
  },

  onNodesChange(changes) {
    const readOnly = get().readOnly;
    // Deletions go through deleteSelection (one undo step, edges included).
    const allowed = changes.filter((c) => c.type !== "remove" && (!readOnly || c.type === "select" || c.type === "dimensions"));
    if (!allowed.length) return;
    set({ nodes: applyNodeChanges(allowed, get().nodes) });
    if (allowed.some((c) => c.type === "position" && c.position)) get().touch(false);
    if (allowed.some((c) => c.type === "add" || c.type === "replace")) get().touch(true);
  },

  onEdgesChange(changes) {
    const allowed = changes.filter((c) => c.type === "select");
    if (allowed.length) set({ edges: applyEdgeChanges(allowed, get().edges) });
  },

  onConnect(connection) {
    const s = get();
    if (s.readOnly) return "This version is read-only";
    const problem = connectionProblem(connection, s.nodes, s.edges);
    if (problem) return problem;
    const taken = new Set(s.edges.map((e) => e.id));
    const branch = connection.sourceHandle ?? "next";
    const source = s.nodes.find((n) => n.id === connection.source);
    const edge: FlowEdge = {
      id: edgeId(connection.source, connection.target, taken),
      source: connection.source,
      target: connection.target,
      sourceHandle: handleFor(source, branch),
      data: { branch },
    };
    s.checkpoint();
    set({ edges: [...s.edges, edge] });
    s.touch(true);
    return null;
  },

  onReconnect(old, connection) {
    const s = get();
    if (s.readOnly) return "This version is read-only";
    const problem = connectionProblem(connection, s.nodes, s.edges, old.id);
    if (problem) return problem;
    const branch = connection.sourceHandle ?? "next";
    const source = s.nodes.find((n) => n.id === connection.source);
    s.checkpoint();
    set({
      edges: s.edges.map((e) =>
        e.id === old.id
          ? { ...e, source: connection.source, target: connection.target, sourceHandle: handleFor(source, branch), data: { ...e.data, branch } }
          : e,
      ),
    });
    s.touch(true);
    return null;
  },

  setReconnecting(id) {
    set({ reconnecting: id });
  },

  addNode(type, position, fields) {
    const s = get();
    if (s.readOnly || s.diffPreview) return "";
    const taken = new Set(s.nodes.map((n) => n.id));
    const activity = fields?.activity;
    const base = activity ? activity.split(".").pop() ?? type : type;
    const id = uniqueId(base, taken);
    const data: NodeFields = { ...NODE_META[type].defaults(), ...fields };
    if (activity && !fields?.label) data.label = humanize(activity.split(".").pop() ?? activity);
    s.checkpoint();
    set({
      nodes: [
        ...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        { id, type, position, data, selected: true },
      ],
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    });
    s.touch(true);
    return id;
  },

  updateNode(id, update, coalesce) {
    const s = get();
    if (s.readOnly) return;
    s.checkpoint(coalesce ? `${id}:${coalesce}` : undefined);
    set({ nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: update(n.data) } : n)) });
    s.touch(true);
  },

  renameNode(id, newId) {
    const s = get();
    if (s.readOnly) return "This version is read-only";
    if (id === newId) return null;
    if (!ID_PATTERN.test(newId)) return "Ids start with a letter or _ and use only letters, digits and _ (at most 64)";
    if (s.nodes.some((n) => n.id === newId)) return `Another node is already called ${newId}`;
    s.checkpoint();
    const swap = (v: string) => (v === id ? newId : v);
    set({
      nodes: s.nodes.map((n) =>
        n.id === id ? { ...n, id: newId } : n.type === "join" && n.data.fork === id ? { ...n, data: { ...n.data, fork: newId } } : n,
      ),
      edges: s.edges.map((e) => (e.source === id || e.target === id ? { ...e, source: swap(e.source), target: swap(e.target) } : e)),
    });
    s.touch(true);
    return null;
  },

  updateEdge(id, patch) {
    const s = get();
    if (s.readOnly) return;
    s.checkpoint(`edge:${id}`);
    set({
      edges: s.edges.map((e) => {
        if (e.id !== id) return e;
        const branch = patch.branch ?? e.data?.branch ?? "next";
        const source = s.nodes.find((n) => n.id === e.source);
        const label = patch.label !== undefined ? patch.label || undefined : e.data?.label;
        return { ...e, sourceHandle: handleFor(source, branch), data: { branch, label } };
      }),
    });
    s.touch(true);
  },

  deleteElements(nodeIds, edgeIds) {
    const s = get();
    if (s.readOnly || (!nodeIds.length && !edgeIds.length)) return;
    const gone = new Set(nodeIds);
    const goneEdges = new Set(edgeIds);
    s.checkpoint();
    set({
      nodes: s.nodes.filter((n) => !gone.has(n.id)),
      edges: s.edges.filter((e) => !goneEdges.has(e.id) && !gone.has(e.source) && !gone.has(e.target)),
    });
    s.touch(true);
  },

  deleteSelection() {
    const s = get();
    s.deleteElements(
      s.nodes.filter((n) => n.selected).map((n) => n.id),
      s.edges.filter((e) => e.selected).map((e) => e.id),
    );
  },

  autoLayout() {
    const s = get();
    if (s.readOnly || !s.nodes.length) return;
    s.checkpoint();
    set({ nodes: layoutNodes(s.nodes, s.edges) });
    s.touch(false);
  },
});

export function humanize(name: string): string {
  const words = name.replace(/[_.-]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}
