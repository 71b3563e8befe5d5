import { Repeat } from "lucide-react";
import { conditionProblems, describeCondition } from "../../spec/conditions";
import { formatSeconds } from "../../spec/retry";
import { LOOP_MAX_DELAY, LOOP_MAX_ITERATIONS, type Condition, type LoopFields, type NodeFields } from "../../spec/types";
import { onFailureProblem } from "../_base/failurePolicy";
import { defaultSubFlow, subFlowProblems, type SubFlowOwner } from "../_base/subFlow";
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

/** The words around a loop's sub-flow. */
export const LOOP_SUB_FLOW: SubFlowOwner = { node: "loop", each: "iteration", run: "iteration" };

export const loopMeta: NodeMeta = {
  type: "loop",
  title: "Loop",
  hint: "Repeats a sub-flow until a condition holds",
  icon: Repeat,
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
    out.push(...subFlowProblems(f.flow, LOOP_SUB_FLOW));
    return out;
  },
};
