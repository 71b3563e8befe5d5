import { describe, expect, it } from "vitest";
import { changeLine, describeEdit, diffPaths, eventChanges, showPath } from "./diff";
import { convert, removeAt, setAt } from "./tree";

describe("an edit as changed paths", () => {
  it("walks objects and lists like the server (engine/jsonpaths.py)", () => {
    const before = { charge: { amount: 100, currency: "EUR" }, items: [{ qty: 1 }], note: "x", flag: 1 };
    const after = { charge: { amount: 120, currency: "EUR" }, items: [{ qty: 1 }, { qty: 3 }], flag: true, new: { a: 1 } };
    expect(diffPaths(before, after)).toEqual({
      truncated: false,
      changes: [
        { path: "charge.amount", op: "changed", before: 100, after: 120 },
        { path: "items[1]", op: "added", after: { qty: 3 } },
        { path: "note", op: "removed", before: "x" },
        { path: "flag", op: "changed", before: 1, after: true },
        { path: "new", op: "added", after: { a: 1 } },
      ],
    });
    expect(diffPaths({ n: 1 }, { n: 1.0 }).changes).toEqual([]);
    expect(showPath(["a.b", 0, "c d", "e"])).toBe('["a.b"][0]["c d"].e');
    const many = diffPaths({}, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])), 50);
    expect(many.changes).toHaveLength(50);
    expect(many.truncated).toBe(true);
  });

  it("reads as data.charge.amount: 100 -> 120", () => {
    expect(changeLine("data", { path: "charge.amount", op: "changed", before: 100, after: 120 })).toBe("data.charge.amount: 100 -> 120");
    expect(changeLine("input", { path: "items[1]", op: "added", after: { qty: 3 } })).toBe('input.items[1]: added {"qty":3}');
    expect(changeLine("data", { path: "note", op: "removed", before: "x" })).toBe('data.note: removed (was "x")');
    expect(changeLine("data", { path: "(the whole value)", op: "changed", before: 1, after: 2 })).toBe("data: 1 -> 2");
    expect(changeLine("data", { path: "s", op: "changed", before: "a", after: "b".repeat(100) })).toMatch(/^data\.s: "a" -> "b+…$/);
  });

  it("a history event: the server's changes, else its before and after", () => {
    const listed = { changes: [{ path: "email", op: "changed", before: "a@x", after: "a@x.com" }], truncated: false, before: {}, after: {} };
    expect(eventChanges(listed).changes).toHaveLength(1);
    expect(describeEdit("input", listed)).toBe('run input corrected: input.email: "a@x" -> "a@x.com"');
    expect(describeEdit("data", { before: { a: 1, b: 1 }, after: { a: 2, b: 2 } })).toBe("run data edited: data.a: 1 -> 2 (and 1 more)");
    expect(describeEdit("data", { before: {}, after: {} })).toBe("run data edited: nothing changed");
  });
});

describe("editing a value at a path", () => {
  it("sets, removes and converts without touching the original", () => {
    const doc = { a: { b: 1 }, list: [1, 2, 3] };
    expect(setAt(doc, ["a", "b"], 2)).toEqual({ a: { b: 2 }, list: [1, 2, 3] });
    expect(setAt(doc, ["a", "c"], "x")).toEqual({ a: { b: 1, c: "x" }, list: [1, 2, 3] });
    expect(setAt(doc, ["list", 3], 4)).toEqual({ a: { b: 1 }, list: [1, 2, 3, 4] });
    expect(removeAt(doc, ["list", 0])).toEqual({ a: { b: 1 }, list: [2, 3] });
    expect(removeAt(doc, ["a", "b"])).toEqual({ a: {}, list: [1, 2, 3] });
    expect(doc).toEqual({ a: { b: 1 }, list: [1, 2, 3] });
    expect([convert("12", "number"), convert("x", "number"), convert(12, "string"), convert("true", "boolean"), convert({ a: 1 }, "string")]).toEqual([
      12, 0, "12", true, '{"a":1}',
    ]);
  });
});
