import { describe, expect, it } from "vitest";
import { codeCall, codeColumns, isCodeSpec, layoutCode, needsCodeLayout } from "./code";
import { specToGraph } from "./graph";
import { emptySpec, type SpecNode } from "./types";

const call = (pos: number, name: string, epoch: number, type = "task"): SpecNode =>
  ({ id: `${pos}:${name}`, type, label: name, position: { x: 0, y: 0 }, code: { pos, call: name, epoch } }) as unknown as SpecNode;

describe("code specs", () => {
  it("are told by kind === 'code' alone", () => {
    expect(isCodeSpec({ kind: "code", workflow: "w", code_version: "1", nodes: [], edges: [] })).toBe(true);
    expect(isCodeSpec(emptySpec())).toBe(false);
    expect(isCodeSpec({ ...emptySpec(), kind: "graph" })).toBe(false);
    expect(isCodeSpec(null)).toBe(false);
    expect(isCodeSpec("code")).toBe(false);
  });

  it("read the call a node records, never a fail node's error code", () => {
    expect(codeCall({ code: { pos: 3, call: "shop.ship", epoch: 2 } } as never)).toEqual({ pos: 3, call: "shop.ship", epoch: 2 });
    expect(codeCall({ code: "E_OUT_OF_STOCK" })).toBeNull();
    expect(codeCall({})).toBeNull();
  });
});

describe("a code run's layout", () => {
  const nodes = specToGraph({
    nodes: [
      { id: "start", type: "start" },
      call(1, "shop.charge_payment", 0),
      call(4, "ctx.now", 2, "value"),
      call(2, "shop.reserve_stock", 1),
      call(3, "shop.notify_warehouse", 1),
      call(5, "workflow", 0, "workflow"),
      { id: "end", type: "end" },
    ],
    edges: [],
  }).nodes;

  it("puts calls in call order, one epoch's calls in one column, a failed workflow alone", () => {
    const ids = codeColumns(nodes).map((column) => column.map((n) => n.id));
    expect(ids).toEqual([
      ["start"],
      ["1:shop.charge_payment"],
      ["2:shop.reserve_stock", "3:shop.notify_warehouse"],
      ["4:ctx.now"],
      ["5:workflow"],
      ["end"],
    ]);
  });

  it("draws parallel calls side by side, in columns left to right", () => {
    const at = new Map(layoutCode(nodes).map((n) => [n.id, n.position]));
    expect(at.get("2:shop.reserve_stock")!.x).toBe(at.get("3:shop.notify_warehouse")!.x);
    expect(at.get("2:shop.reserve_stock")!.y).toBeLessThan(at.get("3:shop.notify_warehouse")!.y);
    const xs = ["start", "1:shop.charge_payment", "2:shop.reserve_stock", "4:ctx.now", "5:workflow", "end"].map((id) => at.get(id)!.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(new Set(xs).size).toBe(xs.length);
    expect(layoutCode(nodes)).toEqual(layoutCode(nodes));
  });
});

describe("whether a code run's graph is laid out here", () => {
  const at = (id: string, x?: number, y = 0): SpecNode => ({ id, type: "task", ...(x === undefined ? {} : { position: { x, y } }) });
  it("keeps the places the server gave", () => {
    expect(needsCodeLayout({ nodes: [at("start", 0), at("1:a", 260, -65), at("2:b", 260, 65)] })).toBe(false);
    expect(needsCodeLayout({ nodes: [] })).toBe(false);
  });
  it("lays out when a node has no place, or two share one", () => {
    expect(needsCodeLayout({ nodes: [at("start", 0), at("1:a")] })).toBe(true);
    expect(needsCodeLayout({ nodes: [at("start", 0), at("1:a", 0)] })).toBe(true);
  });
});
