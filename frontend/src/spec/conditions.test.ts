import { describe, expect, it } from "vitest";
import {
  changeOp, conditionProblems, describeCondition, formatValue, newRule, parseValue, renameBranch, ruleId, valueKind,
} from "./conditions";

describe("rule builder values", () => {
  it("parses typed values from plain inputs", () => {
    expect(parseValue("1000", "number")).toEqual({ ok: true, value: 1000 });
    expect(parseValue("abc", "number").ok).toBe(false);
    expect(parseValue("", "number").ok).toBe(false);
    expect(parseValue("XX, YY ,ZZ", "list")).toEqual({ ok: true, value: ["XX", "YY", "ZZ"] });
    expect(parseValue("[1, 2]", "list")).toEqual({ ok: true, value: [1, 2] });
    expect(parseValue("[1,", "list").ok).toBe(false);
    expect(parseValue("false", "boolean")).toEqual({ ok: true, value: false });
    expect(parseValue('{"a": 1}', "json")).toEqual({ ok: true, value: { a: 1 } });
    expect(parseValue("  spaced ", "text")).toEqual({ ok: true, value: "  spaced " });
  });

  it("formats values back to the text people typed", () => {
    expect(formatValue(["XX", "YY"], "list")).toBe("XX, YY");
    expect(formatValue(["a,b", 1], "list")).toBe('["a,b",1]');
    expect(formatValue(12.5, "number")).toBe("12.5");
    expect(formatValue(true, "boolean")).toBe("true");
    for (const [v, k] of [[["x", "y"], "list"], [3, "number"], ["hi", "text"], [{ a: [1] }, "json"]] as const) {
      const parsed = parseValue(formatValue(v, k), k);
      expect(parsed.ok && parsed.value).toEqual(v);
    }
    expect(valueKind([1])).toBe("list");
    expect(valueKind(null)).toBe("json");
  });

  it("reshapes the value when the operator changes", () => {
    expect(changeOp({ field: "input.c", op: "eq", value: "XX" }, "in")).toEqual({ field: "input.c", op: "in", value: ["XX"] });
    expect(changeOp({ field: "input.c", op: "in", value: ["XX", "YY"] }, "eq")).toEqual({ field: "input.c", op: "eq", value: "XX" });
    expect(changeOp({ field: "input.c", op: "eq", value: 3 }, "exists")).toEqual({ field: "input.c", op: "exists" });
    expect(changeOp({ field: "input.c", op: "exists" }, "gt")).toEqual({ field: "input.c", op: "gt", value: 0 });
  });
});

describe("rule builder conditions", () => {
  it("describes conditions in words", () => {
    expect(describeCondition({ field: "input.amount", op: "gte", value: 1000 })).toBe("input.amount ≥ 1000");
    expect(
      describeCondition({ any: [{ field: "input.vip", op: "is_true" }, { all: [{ field: "a", op: "eq", value: "x" }, { not: { field: "b", op: "in", value: ["y"] } }] }] }),
    ).toBe('input.vip is true or (a = "x" and not (b is one of ["y"]))');
  });

  it("finds what a person must still fill in", () => {
    expect(conditionProblems({ field: "", op: "eq", value: 1 })).toEqual(["Choose the field to test"]);
    expect(conditionProblems({ all: [] })).toEqual(["A group needs at least one condition"]);
    expect(conditionProblems({ field: "x", op: "in", value: "a" })).toEqual(["Enter a list of values"]);
    expect(conditionProblems({ not: { field: "x", op: "exists" } })).toEqual([]);
  });

  it("makes rule ids that are valid, unique and never 'default'", () => {
    expect(newRule(["rule_1", "rule_2"]).id).toBe("rule_3");
    expect(ruleId("default", [])).toBe("default_2");
    expect(ruleId("big order", ["big_order"])).toBe("big_order_2");
  });

  it("keeps edges on a renamed rule", () => {
    const edges = [
      { id: "a", source: "route", sourceHandle: "large", data: { branch: "large" } },
      { id: "b", source: "other", sourceHandle: "large", data: { branch: "large" } },
    ];
    const out = renameBranch(edges, "route", "large", "huge");
    expect(out[0]).toMatchObject({ sourceHandle: "huge", data: { branch: "huge" } });
    expect(out[1]).toBe(edges[1]);
  });
});
