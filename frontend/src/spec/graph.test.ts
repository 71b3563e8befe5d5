import { describe, expect, it } from "vitest";
import { edgeBranch, graphToSpec, specToGraph, uniqueId } from "./graph";
import type { Spec } from "./types";

const SAGA: Spec = {
  schema_version: 1,
  settings: { stuck_after: 600 },
  nodes: [
    { id: "start", type: "start", label: "Start", position: { x: 0, y: 0 } },
    {
      id: "charge", type: "task", label: "Charge card", activity: "test.record",
      input: { amount: "input.amount", currency: "'EUR'", meta: { order: "input.order.id" } },
      retry: { max_attempts: 5, initial_interval: 2, non_retryable_errors: ["CardDeclined"] },
      timeout: 30, compensation: { activity: "test.compensate", input: "data.charge" },
      position: { x: 200, y: 0 },
    },
    { id: "route", type: "choice", rules: [
      { id: "large", label: "Large", condition: { all: [{ field: "input.amount", op: "gte", value: 1000 }, { not: { field: "input.vip", op: "is_true" } }] } },
      { id: "blocked", condition: { field: "input.country", op: "in", value: ["XX"] } },
    ], position: { x: 400, y: 0 } },
    { id: "review", type: "signal", signal: "order.approved", timeout: 3600, position: { x: 600, y: -100 } },
    { id: "fan", type: "parallel", position: { x: 600, y: 100 } },
    { id: "a", type: "wait", seconds: 5, position: { x: 800, y: 50 } },
    { id: "b", type: "http", method: "POST", url: "https://x.test/{{ input.id }}", headers: { "X-Id": "{{ run.id }}" }, expected_statuses: [200], position: { x: 800, y: 150 } },
    { id: "joined", type: "join", fork: "fan", mode: "all", position: { x: 1000, y: 100 } },
    { id: "rejected", type: "fail", error: "no", code: "nope", position: { x: 800, y: -200 } },
    { id: "end", type: "end", output: "data.charge", position: { x: 1200, y: 0 } },
  ],
  edges: [
    { id: "e1", source: "start", target: "charge" },
    { id: "e2", source: "charge", target: "route" },
    { id: "e3", source: "route", target: "review", branch: "large", label: "big one" },
    { id: "e4", source: "route", target: "rejected", branch: "blocked" },
    { id: "e5", source: "route", target: "fan", branch: "default" },
    { id: "e6", source: "review", target: "end" },
    { id: "e7", source: "review", target: "rejected", branch: "timeout" },
    { id: "e8", source: "fan", target: "a", branch: "left" },
    { id: "e9", source: "fan", target: "b" },
    { id: "e10", source: "a", target: "joined" },
    { id: "e11", source: "b", target: "joined" },
    { id: "e12", source: "joined", target: "end" },
  ],
};

describe("spec <-> graph", () => {
  it("round-trips a spec with every kind of branch unchanged", () => {
    const graph = specToGraph(SAGA);
    expect(graph.needsLayout).toBe(false);
    expect(graphToSpec(graph)).toEqual(SAGA);
  });

  it("maps branches to the source handles the node views draw", () => {
    const { nodes, edges } = specToGraph(SAGA);
    const byId = Object.fromEntries(edges.map((e) => [e.id, e]));
    expect(byId.e1.sourceHandle).toBe("next");
    expect(byId.e3.sourceHandle).toBe("large");
    expect(byId.e5.sourceHandle).toBe("default");
    expect(byId.e7.sourceHandle).toBe("timeout");
    // Parallel branches all leave the one handle but keep their names.
    expect(byId.e8.sourceHandle).toBe("next");
    expect(edgeBranch(byId.e8)).toBe("left");
    expect(nodes.find((n) => n.id === "charge")?.data).not.toHaveProperty("position");
  });

  it("keeps an edge whose branch the node has no handle for (so the server can report it)", () => {
    const spec: Spec = { ...SAGA, edges: [...SAGA.edges, { id: "bad", source: "route", target: "end", branch: "nope" }] };
    const graph = specToGraph(spec);
    const bad = graph.edges.find((e) => e.id === "bad")!;
    expect(bad.sourceHandle).toBeNull();
    expect(graphToSpec(graph).edges.at(-1)).toEqual({ id: "bad", source: "route", target: "end", branch: "nope" });
  });

  it("reports missing positions and fills them in on the way back", () => {
    const spec: Spec = { schema_version: 1, nodes: [{ id: "start", type: "start" }], edges: [] };
    const graph = specToGraph(spec);
    expect(graph.needsLayout).toBe(true);
    expect(graphToSpec(graph).nodes[0]).toEqual({ id: "start", type: "start", position: { x: 0, y: 0 } });
  });

  it("drops undefined fields, ghost (diff preview) elements, and rounds positions", () => {
    const graph = specToGraph(SAGA);
    graph.nodes[1] = { ...graph.nodes[1], position: { x: 200.04, y: 0.26 }, data: { ...graph.nodes[1].data, description: undefined } };
    graph.nodes.push({ id: "__ghost__old", type: "task", position: { x: 0, y: 0 }, data: { activity: "x" } });
    const spec = graphToSpec(graph);
    expect(spec.nodes[1].position).toEqual({ x: 200, y: 0.3 });
    expect("description" in spec.nodes[1]).toBe(false);
    expect(spec.nodes.map((n) => n.id)).not.toContain("__ghost__old");
  });

  it("makes valid unique ids", () => {
    expect(uniqueId("charge", new Set(["charge", "charge_2"]))).toBe("charge_3");
    expect(uniqueId("1st step!", new Set())).toBe("_1st_step");
    expect(uniqueId("", new Set())).toBe("node");
  });
});
