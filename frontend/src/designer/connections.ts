/** Which connections the canvas accepts while dragging (the server's rules, applied early). */
import { edgeBranch, type FlowEdge, type FlowNode } from "../spec/graph";

export interface Attempt {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
}

/** Why `attempt` is refused, or null when it is fine. `ignoreEdge` is the edge being reconnected. */
export function connectionProblem(attempt: Attempt, nodes: FlowNode[], edges: FlowEdge[], ignoreEdge?: string | null): string | null {
  const { source, target } = attempt;
  if (!source || !target) return "Drop the connection on a node";
  if (source === target) return "A node cannot lead to itself";
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const from = byId.get(source);
  const to = byId.get(target);
  if (!from || !to) return "Unknown node";
  if (to.type === "start") return "Nothing may lead into the start node";
  if (from.type === "end" || from.type === "fail") return "Nothing may leave an end or fail node";
  const others = edges.filter((e) => e.id !== ignoreEdge);
  if (others.some((e) => e.source === source && e.target === target)) return "These two nodes are already connected";
  const branch = attempt.sourceHandle ?? "next";
  if (from.type !== "parallel" && others.some((e) => e.source === source && edgeBranch(e) === branch)) {
    return `The "${branch}" exit of ${from.data.label || source} is already connected; drag that edge's end to move it`;
  }
  if (reaches(target, source, others)) return "This would make a loop; workflows must be acyclic";
  return null;
}

/** Whether `to` can be reached from `from` along `edges`. */
export function reaches(from: string, to: string, edges: FlowEdge[]): boolean {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}

/** The end of a connection drag as @xyflow/react reports it (onConnectEnd's FinalConnectionState). */
export interface DragEnd {
  isValid: boolean | null;
  fromNode: { id: string } | null;
  fromHandle: { id?: string | null; type: "source" | "target" } | null;
  toNode: { id: string } | null;
  toHandle: { id?: string | null; type: "source" | "target" } | null;
}

export const WRONG_END = "Connect a node's exit (its right side) to another node's entry (its left side)";
export const MISSED_ENTRY = "Drop the connection on the node's entry (the dot on its left side)";

/**
 * Why a connection let go on a node was refused, or null when nothing was refused (it was
 * accepted, or let go over empty canvas, which simply cancels it). `droppedOn` is the node
 * under the pointer, for a drop on a node's body rather than near one of its handles (a start
 * node has no entry handle at all). A drag may start from either end.
 */
export function refusalOf(end: DragEnd, droppedOn: string | null, nodes: FlowNode[], edges: FlowEdge[], ignoreEdge?: string | null): string | null {
  if (end.isValid === true || !end.fromNode) return null;
  const other = end.toNode?.id ?? droppedOn;
  if (!other || (other === end.fromNode.id && !end.toHandle)) return null;
  const backwards = end.fromHandle?.type === "target";
  const attempt: Attempt = backwards
    ? { source: other, target: end.fromNode.id, sourceHandle: end.toHandle?.type === "source" ? end.toHandle.id ?? null : null }
    : { source: end.fromNode.id, target: other, sourceHandle: end.fromHandle?.id ?? null };
  const problem = connectionProblem(attempt, nodes, edges, ignoreEdge);
  if (problem) return problem;
  if (end.toHandle && end.toHandle.type === end.fromHandle?.type) return WRONG_END;
  return end.isValid === false ? WRONG_END : MISSED_ENTRY;
}

/** The node under the pointer where a drag ended (a mouse event's target; a touch's last point). */
export function nodeUnder(event: MouseEvent | TouchEvent): string | null {
  let el: Element | null = event.target instanceof Element ? event.target : null;
  if ("changedTouches" in event && event.changedTouches.length && typeof document.elementFromPoint === "function") {
    const t = event.changedTouches[0];
    el = document.elementFromPoint(t.clientX, t.clientY);
  }
  return el?.closest(".react-flow__node")?.getAttribute("data-id") ?? null;
}
