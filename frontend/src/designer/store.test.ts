import { beforeEach, describe, expect, it } from "vitest";
import { specToGraph } from "../spec/graph";
import { emptySpec } from "../spec/types";
import { connectionProblem } from "./connections";
import { createDesignerStore, currentSpec } from "./store";

let store: ReturnType<typeof createDesignerStore>;
beforeEach(() => {
  store = createDesignerStore();
  store.getState().loadGraph(specToGraph(emptySpec()));
});

describe("designer store", () => {
  it("adds, connects, undoes and redoes", () => {
    const s = () => store.getState();
    const id = s().addNode("task", { x: 200, y: 0 }, { activity: "shop.charge" });
    expect(id).toBe("charge");
    expect(s().nodes.find((n) => n.id === id)?.data).toMatchObject({ activity: "shop.charge", label: "Charge" });
    expect(s().onConnect({ source: "start", target: "charge", sourceHandle: "next", targetHandle: null })).toBeNull();
    expect(s().onConnect({ source: "charge", target: "end", sourceHandle: "next", targetHandle: null })).toBeNull();
    expect(currentSpec(s()).edges).toEqual([
      { id: "e_start_charge", source: "start", target: "charge" },
      { id: "e_charge_end", source: "charge", target: "end" },
    ]);
    s().undo();
    expect(s().edges).toHaveLength(1);
    s().undo();
    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual(["start", "end"]);
    s().redo();
    s().redo();
    s().redo();
    expect(s().edges).toHaveLength(2);
  });

  it("groups typing into one undo step", () => {
    const s = () => store.getState();
    s().addNode("task", { x: 0, y: 0 });
    for (const label of ["C", "Ch", "Cha"]) s().updateNode("task", (f) => ({ ...f, label }), "label");
    expect(s().nodes.find((n) => n.id === "task")?.data.label).toBe("Cha");
    s().undo();
    expect(s().nodes.find((n) => n.id === "task")?.data.label).toBe("Task");
  });

  it("copies and pastes with fresh ids and the edges between copied nodes", () => {
    const s = () => store.getState();
    s().addNode("task", { x: 0, y: 0 }, { activity: "a.one" });
    s().addNode("task", { x: 0, y: 0 }, { activity: "a.two" });
    s().onConnect({ source: "one", target: "two", sourceHandle: "next", targetHandle: null });
    s().select({ nodes: ["one", "two"] });
    expect(s().copySelection()).toBe(2);
    expect(s().paste()).toBe(2);
    const ids = s().nodes.map((n) => n.id);
    expect(ids).toEqual(["start", "end", "one", "two", "one_2", "two_2"]);
    expect(s().edges.map((e) => [e.source, e.target])).toContainEqual(["one_2", "two_2"]);
    expect(s().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["one_2", "two_2"]);
  });

  it("deletes a selection with its edges in one step, and renames nodes everywhere", () => {
    const s = () => store.getState();
    s().addNode("parallel", { x: 0, y: 0 });
    s().addNode("join", { x: 0, y: 0 }, { fork: "parallel" });
    s().onConnect({ source: "start", target: "parallel", sourceHandle: "next", targetHandle: null });
    expect(s().renameNode("parallel", "fan")).toBeNull();
    expect(s().nodes.find((n) => n.id === "join")?.data.fork).toBe("fan");
    expect(s().edges[0].target).toBe("fan");
    expect(s().renameNode("fan", "9bad")).toMatch(/letter/);
    s().select({ nodes: ["fan"] });
    s().deleteSelection();
    expect(s().edges).toEqual([]);
    s().undo();
    expect(s().edges).toHaveLength(1);
  });

  it("stays read-only when viewing a version", () => {
    store.setState({ readOnly: true });
    expect(store.getState().addNode("task", { x: 0, y: 0 })).toBe("");
    expect(store.getState().onConnect({ source: "start", target: "end", sourceHandle: null, targetHandle: null })).toMatch(/read-only/);
  });
});

describe("connection rules", () => {
  const graph = () => store.getState();
  it("refuses edges into start, out of end, duplicates, second exits and loops", () => {
    const s = graph();
    s.addNode("task", { x: 0, y: 0 }, { activity: "x.a" });
    s.addNode("parallel", { x: 0, y: 0 });
    const { nodes, edges } = store.getState();
    expect(connectionProblem({ source: "a", target: "start" }, nodes, edges)).toMatch(/start/);
    expect(connectionProblem({ source: "end", target: "a" }, nodes, edges)).toMatch(/end/);
    expect(connectionProblem({ source: "a", target: "a" }, nodes, edges)).toMatch(/itself/);
    store.getState().onConnect({ source: "start", target: "a", sourceHandle: "next", targetHandle: null });
    store.getState().onConnect({ source: "a", target: "parallel", sourceHandle: "next", targetHandle: null });
    const after = store.getState();
    expect(connectionProblem({ source: "a", target: "end", sourceHandle: "next" }, after.nodes, after.edges)).toMatch(/already connected/);
    expect(connectionProblem({ source: "parallel", target: "a", sourceHandle: "next" }, after.nodes, after.edges)).toMatch(/loop/);
    expect(connectionProblem({ source: "parallel", target: "end", sourceHandle: "next" }, after.nodes, after.edges)).toBeNull();
    // Reconnecting an edge ignores the edge itself.
    expect(connectionProblem({ source: "a", target: "end", sourceHandle: "next" }, after.nodes, after.edges, "e_a_parallel")).toBeNull();
  });
});
