import { Layers } from "lucide-react";
import { MAP_DEFAULT_CONCURRENCY, MAP_MAX_CONCURRENCY, type NodeFields } from "../../spec/types";
import { onFailureProblem } from "../_base/failurePolicy";
import { defaultSubFlow, subFlowProblems, type SubFlowOwner } from "../_base/subFlow";
import type { NodeMeta } from "../types";

/** The words around a map's sub-flow. */
export const MAP_SUB_FLOW: SubFlowOwner = { node: "map", each: "item", run: "item run" };

/** A percentage of tolerated_failures: "0%" to "100%" (the number checked apart). */
export const PERCENT_PATTERN = /^\d{1,3}%$/;

/** What is wrong with the items expression, or null. */
export function itemsProblem(value: string | undefined): string | null {
  return typeof value === "string" && value.trim() !== "" ? null : "Required";
}

/** What is wrong with max_concurrency (undefined: the default, 10), or null. */
export function maxConcurrencyProblem(value: number | undefined): string | null {
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAP_MAX_CONCURRENCY) return `A whole number from 1 to ${MAP_MAX_CONCURRENCY}`;
  return null;
}

/** What is wrong with tolerated_failures (undefined: none tolerated), or null. */
export function toleratedFailuresProblem(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? null : "A whole number of 0 or more";
  if (typeof value === "string") return PERCENT_PATTERN.test(value) && parseInt(value, 10) <= 100 ? null : "A percentage from 0% to 100%, e.g. 10%";
  return "A whole number of 0 or more, or a percentage such as 10%";
}

/** "count" for a number of failures, "percent" for a share of the items; undefined when absent. */
export function toleranceKind(value: NodeFields["tolerated_failures"]): "count" | "percent" | undefined {
  return typeof value === "string" ? "percent" : typeof value === "number" ? "count" : undefined;
}

/** The number typed for tolerated_failures: the count, or the percentage without its "%". */
export function toleranceNumber(value: NodeFields["tolerated_failures"]): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const digits = value.replace(/%$/, "").trim();
  const n = Number(digits);
  return digits !== "" && Number.isFinite(n) ? n : undefined;
}

/** tolerated_failures from the number typed and its kind (undefined: absent, the default 0). */
export function toleratedFailures(n: number | undefined, kind: "count" | "percent"): number | string | undefined {
  if (n === undefined) return undefined;
  return kind === "percent" ? `${n}%` : n;
}

/** The canvas chip for tolerated failures, or null when none are (absent, 0 or "0%"). */
export function toleranceBadge(value: NodeFields["tolerated_failures"]): string | null {
  if (value === undefined || value === 0 || value === "0%") return null;
  if (typeof value === "number") return `tolerates ${value} failure${value === 1 ? "" : "s"}`;
  return `tolerates ${String(value)} failures`;
}

export const mapMeta: NodeMeta = {
  type: "map",
  title: "Map",
  hint: "Runs a sub-flow once per item of a list",
  icon: Layers,
  defaults: () => ({ label: "Map", items: "input.items", flow: defaultSubFlow(), max_concurrency: MAP_DEFAULT_CONCURRENCY }),
  summary: (f) =>
    [
      f.items ? `for each ${f.items}` : "no items set",
      `×${f.max_concurrency ?? MAP_DEFAULT_CONCURRENCY} at once`,
      f.on_failure && f.on_failure !== "compensate" ? `on failure: ${f.on_failure}` : "",
    ]
      .filter(Boolean)
      .join(" · "),
  problems: (f) => {
    const out: string[] = [];
    if (itemsProblem(f.items)) out.push("Set the items to map over (an expression giving a list)");
    const concurrency = maxConcurrencyProblem(f.max_concurrency);
    if (concurrency) out.push(`Max concurrency: ${concurrency.toLowerCase()}`);
    const tolerated = toleratedFailuresProblem(f.tolerated_failures);
    if (tolerated) out.push(`Tolerated failures: ${tolerated.toLowerCase()}`);
    const onFailure = onFailureProblem(f);
    if (onFailure) out.push(onFailure);
    out.push(...subFlowProblems(f.flow, MAP_SUB_FLOW));
    return out;
  },
};
