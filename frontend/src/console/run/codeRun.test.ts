import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../api/runs";
import type { CodeSpec } from "../../spec/code";
import { emptySpec, type SpecNode } from "../../spec/types";
import { unknownNodeIds } from "./codeRun";

const CODE: CodeSpec = {
  kind: "code", workflow: "place-order-code", code_version: "2026-12-01", source: "",
  nodes: [{ id: "start", type: "start" }, { id: "1:shop.charge_payment", type: "task" }] as SpecNode[],
  edges: [],
};
const ev = (seq: number, type: string, node_id: string | null): RunEvent => ({ run_id: "r", seq, type, node_id, payload: {}, created_at: "" });

describe("which events make a code run's detail be fetched again", () => {
  it("names the nodes a code run's spec lacks, each once", () => {
    const events = [ev(1, "step.succeeded", "1:shop.charge_payment"), ev(2, "step.scheduled", "2:shop.ship"), ev(3, "step.started", "2:shop.ship"), ev(4, "run.completed", null)];
    expect(unknownNodeIds(CODE, events)).toEqual(["2:shop.ship"]);
  });

  it("names nothing when every node is known, or the event names none", () => {
    expect(unknownNodeIds(CODE, [ev(1, "step.started", "1:shop.charge_payment"), ev(2, "run.waiting", null)])).toEqual([]);
    expect(unknownNodeIds(CODE, [])).toEqual([]);
  });

  it("never asks twice for a node already waited for", () => {
    expect(unknownNodeIds(CODE, [ev(2, "step.started", "2:shop.ship")], new Set(["2:shop.ship"]))).toEqual([]);
    expect(unknownNodeIds(CODE, [ev(2, "step.started", "3:x")], new Set(["2:shop.ship"]))).toEqual(["3:x"]);
  });

  it("never refetches for a graph run (its spec is the whole pinned version)", () => {
    expect(unknownNodeIds(emptySpec(), [ev(1, "step.scheduled", "nowhere")])).toEqual([]);
    expect(unknownNodeIds({ ...emptySpec(), kind: "graph" } as never, [ev(1, "step.scheduled", "nowhere")])).toEqual([]);
    expect(unknownNodeIds(null, [ev(1, "step.scheduled", "nowhere")])).toEqual([]);
  });
});
