/**
 * The rule builder's model: choice conditions as structured data (never code),
 * the operators people pick from, and typed values typed into plain inputs.
 */
import type { Condition, Rule } from "./types";
import { uniqueId } from "./graph";

export type ValueKind = "text" | "number" | "boolean" | "list" | "json";
export type Leaf = { field: string; op: string; value?: unknown };
export type Group = { all: Condition[] } | { any: Condition[] };

export interface OpInfo {
  op: string;
  label: string;
  unary: boolean;
  kinds: ValueKind[]; // value editors offered, the first is the default
}

export const OPS: OpInfo[] = [
  { op: "eq", label: "equals", unary: false, kinds: ["text", "number", "boolean", "json"] },
  { op: "ne", label: "does not equal", unary: false, kinds: ["text", "number", "boolean", "json"] },
  { op: "gt", label: "is greater than", unary: false, kinds: ["number", "text"] },
  { op: "gte", label: "is at least", unary: false, kinds: ["number", "text"] },
  { op: "lt", label: "is less than", unary: false, kinds: ["number", "text"] },
  { op: "lte", label: "is at most", unary: false, kinds: ["number", "text"] },
  { op: "in", label: "is one of", unary: false, kinds: ["list"] },
  { op: "not_in", label: "is none of", unary: false, kinds: ["list"] },
  { op: "contains", label: "contains", unary: false, kinds: ["text", "number"] },
  { op: "starts_with", label: "starts with", unary: false, kinds: ["text"] },
  { op: "ends_with", label: "ends with", unary: false, kinds: ["text"] },
  { op: "exists", label: "is present", unary: true, kinds: [] },
  { op: "not_exists", label: "is missing", unary: true, kinds: [] },
  { op: "is_true", label: "is true", unary: true, kinds: [] },
  { op: "is_false", label: "is false", unary: true, kinds: [] },
];
const OP_BY_NAME = new Map(OPS.map((o) => [o.op, o]));
const SYMBOLS: Record<string, string> = { eq: "=", ne: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤" };

export function opInfo(op: string): OpInfo | undefined {
  return OP_BY_NAME.get(op);
}

export function isLeaf(c: Condition): c is Leaf {
  return typeof c === "object" && c !== null && "field" in c;
}
export function isGroup(c: Condition): c is Group {
  return typeof c === "object" && c !== null && ("all" in c || "any" in c);
}
export function isNot(c: Condition): c is { not: Condition } {
  return typeof c === "object" && c !== null && "not" in c;
}
export function groupMode(g: Group): "all" | "any" {
  return "all" in g ? "all" : "any";
}
export function groupChildren(g: Group): Condition[] {
  return "all" in g ? g.all : g.any;
}
export function makeGroup(mode: "all" | "any", children: Condition[]): Group {
  return mode === "all" ? { all: children } : { any: children };
}

export function newLeaf(field = ""): Leaf {
  return { field, op: "eq", value: "" };
}

export function newRule(existingIds: Iterable<string>): Rule {
  const taken = new Set(existingIds);
  let n = 1;
  while (taken.has(`rule_${n}`)) n++;
  return { id: `rule_${n}`, condition: newLeaf() };
}

/** A rule id made valid and unique within the choice node ("default" is reserved). */
export function ruleId(wanted: string, others: string[]): string {
  return uniqueId(wanted, new Set([...others, "default"]));
}

/** The value editor that fits a value. */
export function valueKind(value: unknown): ValueKind {
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "text";
  return "json";
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** The value typed into the editor of `kind`. Lists are comma-separated (or a JSON array). */
export function parseValue(text: string, kind: ValueKind): Parsed {
  switch (kind) {
    case "text":
      return { ok: true, value: text };
    case "number": {
      const t = text.trim();
      const n = Number(t);
      if (t === "" || !Number.isFinite(n)) return { ok: false, error: "Enter a number" };
      return { ok: true, value: n };
    }
    case "boolean":
      if (text === "true" || text === "false") return { ok: true, value: text === "true" };
      return { ok: false, error: "Choose true or false" };
    case "list": {
      const t = text.trim();
      if (t.startsWith("[")) {
        try {
          const v = JSON.parse(t);
          return Array.isArray(v) ? { ok: true, value: v } : { ok: false, error: "Enter a list" };
        } catch {
          return { ok: false, error: "Not a valid JSON list" };
        }
      }
      return { ok: true, value: t === "" ? [] : t.split(",").map((s) => s.trim()).filter((s) => s !== "") };
    }
    case "json":
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: "Not valid JSON" };
      }
  }
}

/** The text shown in the editor of `kind` for `value` (inverse of parseValue). */
export function formatValue(value: unknown, kind: ValueKind): string {
  if (kind === "text") return typeof value === "string" ? value : value === undefined ? "" : String(value);
  if (kind === "number") return typeof value === "number" ? String(value) : "";
  if (kind === "boolean") return value === true ? "true" : value === false ? "false" : "";
  if (kind === "list") {
    if (!Array.isArray(value)) return "";
    const plain = value.every((v) => typeof v === "string" && !v.includes(",") && v.trim() === v && v !== "");
    return plain ? value.join(", ") : JSON.stringify(value);
  }
  return value === undefined ? "" : JSON.stringify(value);
}

/** A leaf with operator `op`, its value carried over (or reshaped) sensibly. */
export function changeOp(leaf: Leaf, op: string): Leaf {
  const info = opInfo(op);
  if (!info) return { ...leaf, op };
  if (info.unary) return { field: leaf.field, op };
  let value = leaf.value;
  if (info.kinds.includes("list")) {
    if (!Array.isArray(value)) value = value === undefined || value === "" ? [] : [value];
  } else if (Array.isArray(value)) {
    value = value.length ? value[0] : "";
  } else if (value === undefined) {
    value = info.kinds[0] === "number" ? 0 : "";
  }
  return { field: leaf.field, op, value };
}

/** Problems a person should fix before the server is asked ("" field, missing list...). */
export function conditionProblems(c: Condition): string[] {
  if (isNot(c)) return conditionProblems(c.not);
  if (isGroup(c)) {
    const kids = groupChildren(c);
    if (!kids.length) return ["A group needs at least one condition"];
    return kids.flatMap(conditionProblems);
  }
  if (isLeaf(c)) {
    const out: string[] = [];
    if (!c.field.trim()) out.push("Choose the field to test");
    const info = opInfo(c.op);
    if (!info) out.push(`Unknown operator ${c.op}`);
    else if (!info.unary && c.value === undefined) out.push("Enter a value");
    else if (info.kinds.includes("list") && !Array.isArray(c.value)) out.push("Enter a list of values");
    return out;
  }
  return ["Not a condition"];
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describeValue).join(", ")}]`;
  return JSON.stringify(v);
}

/** One line a person can read: `input.amount ≥ 1000 and not (input.country is one of ["XX"])`. */
export function describeCondition(c: Condition): string {
  if (isNot(c)) return `not (${describeCondition(c.not)})`;
  if (isGroup(c)) {
    const kids = groupChildren(c);
    const joined = kids.map((k) => (isGroup(k) && groupChildren(k).length > 1 ? `(${describeCondition(k)})` : describeCondition(k)));
    return joined.join(groupMode(c) === "all" ? " and " : " or ") || "(empty)";
  }
  if (isLeaf(c)) {
    const info = opInfo(c.op);
    const field = c.field || "?";
    if (info?.unary) return `${field} ${info.label}`;
    return `${field} ${SYMBOLS[c.op] ?? info?.label ?? c.op} ${describeValue(c.value)}`;
  }
  return "?";
}

/** Replace the rule ids in edges' branches after a rename. */
export function renameBranch<E extends { source: string; data?: { branch: string } }>(
  edges: E[], nodeId: string, from: string, to: string,
): E[] {
  return edges.map((e) =>
    e.source === nodeId && e.data?.branch === from ? { ...e, sourceHandle: to, data: { ...e.data, branch: to } } : e,
  );
}
