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
