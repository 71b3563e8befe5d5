import { conditionProblems, describeCondition } from "../../spec/conditions";
import { formatSeconds } from "../../spec/retry";
import { LOOP_MAX_DELAY, LOOP_MAX_ITERATIONS, type Condition, type LoopFields, type NodeFields, type SubFlow } from "../../spec/types";
import { onFailureProblem } from "../_base/failurePolicy";
import type { NodeMeta } from "../types";

/** A loop node's fields with `until` as the condition it is (NodeFields types it as wait's string). */
export function asLoop(fields: NodeFields): LoopFields {
  return fields as unknown as LoopFields;
}

/** Loop fields as the canvas stores them. */
export function fromLoop(fields: LoopFields): NodeFields {
  return fields as unknown as NodeFields;
}

/** The condition a new loop ends on: a valid one, with no value to type. */
export function defaultLoopCondition(): Condition {
  return { field: "iteration.output.done", op: "is_true" };
}

/** The smallest valid sub-flow: a start node joined to an end node. */
export function defaultSubFlow(): SubFlow {
  return {
    nodes: [
      { id: "start", type: "start" },
      { id: "end", type: "end" },
    ],
    edges: [{ id: "e_start_end", source: "start", target: "end" }],
  };
}

/** Which of `until` / `while` the loop has ("until" when it has neither). */
export function loopMode(fields: LoopFields): "until" | "while" {
  return fields.until === undefined && fields.while !== undefined ? "while" : "until";
}

/** What is wrong with max_iterations, or null. */
export function maxIterationsProblem(value: number | undefined): string | null {
  if (value === undefined) return "Required";
  if (!Number.isInteger(value) || value < 1 || value > LOOP_MAX_ITERATIONS) return `A whole number from 1 to ${LOOP_MAX_ITERATIONS}`;
  return null;
}

/** What is wrong with the delay (undefined: none), or null. */
export function delayProblem(value: number | undefined): string | null {
  if (value === undefined) return null;
  if (!(value > 0)) return "Must be more than 0 seconds";
  if (value > LOOP_MAX_DELAY) return "At most 365 days";
  return null;
}

/** "3 nodes", "1 node". */
export function nodeCount(flow: SubFlow | undefined): string {
  const n = Array.isArray(flow?.nodes) ? flow.nodes.length : 0;
  return `${n} node${n === 1 ? "" : "s"}`;
}

/** Problems of the sub-flow visible without the server (it checks the rest). */
export function subFlowProblems(flow: SubFlow | undefined): string[] {
  if (!flow || !Array.isArray(flow.nodes) || !Array.isArray(flow.edges)) return ["The sub-flow needs nodes and edges"];
  const out: string[] = [];
  if (!flow.nodes.some((n) => n?.type === "start")) out.push("The sub-flow needs a start node");
  if (!flow.nodes.some((n) => n?.type === "end")) out.push("The sub-flow needs an end node");
  for (const n of flow.nodes) {
    if (n && typeof n === "object" && "compensation" in n) {
      out.push(`Sub-flow step ${n.id} has a compensation: an iteration's steps are not undone (undo them in a step after the loop)`);
    }
  }
  return out;
}

export const loopMeta: NodeMeta = {
  type: "loop",
  title: "Loop",
  hint: "Repeats a sub-flow until a condition holds",
  icon: "⟳",
  defaults: () => fromLoop({ label: "Loop", max_iterations: 10, until: defaultLoopCondition(), flow: defaultSubFlow() }),
  summary: (fields) => {
    const f = asLoop(fields);
    const n = f.max_iterations;
    const cond = f.until !== undefined ? `until ${describeCondition(f.until)}` : f.while !== undefined ? `while ${describeCondition(f.while)}` : "";
    return [
      n === undefined ? "no limit set" : `≤ ${n} iteration${n === 1 ? "" : "s"}`,
      cond,
      f.delay ? `${formatSeconds(f.delay)} apart` : "",
      f.on_failure && f.on_failure !== "compensate" ? `on failure: ${f.on_failure}` : "",
    ]
      .filter(Boolean)
      .join(" · ");
  },
  problems: (fields) => {
    const f = asLoop(fields);
    const out: string[] = [];
    const max = maxIterationsProblem(f.max_iterations);
    if (max) out.push(f.max_iterations === undefined ? "Set the maximum number of iterations" : `Max iterations: ${max.toLowerCase()}`);
    if (f.until === undefined && f.while === undefined) out.push("Set the condition that ends the loop (until or while)");
    else if (f.until !== undefined && f.while !== undefined) out.push("Set either until or while, not both");
    if (f.until !== undefined) out.push(...conditionProblems(f.until).map((p) => `Until: ${p}`));
    if (f.while !== undefined) out.push(...conditionProblems(f.while).map((p) => `While: ${p}`));
    const delay = delayProblem(f.delay);
    if (delay) out.push(`Delay: ${delay.toLowerCase()}`);
    const onFailure = onFailureProblem(fields);
    if (onFailure) out.push(onFailure);
    out.push(...subFlowProblems(f.flow));
    return out;
  },
};

export type ParsedSubFlow = { ok: true; flow: SubFlow } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The sub-flow typed as JSON, checked for its shape only (an object with lists of node and
 * edge objects): the server checks the rest, as it does for a spec.
 */
export function parseSubFlow(text: string): ParsedSubFlow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isObject(value)) return { ok: false, error: 'The sub-flow must be an object: {"nodes": [...], "edges": [...]}' };
  if (!Array.isArray(value.nodes)) return { ok: false, error: '"nodes" must be a list of nodes' };
  if (!Array.isArray(value.edges)) return { ok: false, error: '"edges" must be a list of edges' };
  if (!value.nodes.every(isObject)) return { ok: false, error: "Each node must be an object" };
  if (!value.edges.every(isObject)) return { ok: false, error: "Each edge must be an object" };
  return { ok: true, flow: value as unknown as SubFlow };
}

/** The sub-flow as the inspector shows it: pretty-printed JSON. */
export function formatSubFlow(flow: SubFlow | undefined): string {
  return flow === undefined ? "" : JSON.stringify(flow, null, 2);
}
