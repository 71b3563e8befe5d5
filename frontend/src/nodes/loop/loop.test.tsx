// @vitest-environment jsdom
import { Repeat } from "lucide-react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stubFlowMeasurements } from "../../designer/jsdomFlow";
import { designerWith, fieldsOf, renderInspector } from "../../designer/testing";
import { currentSpec } from "../../designer/store";
import { INSPECTORS } from "../../designer/inspectors";
import { RunGraph } from "../../graph/RunGraph";
import { nodeTypes } from "../../graph/nodeTypes";
import { NODE_TYPES, type LoopFields, type NodeFields, type SpecNode, type SubFlow } from "../../spec/types";
import { parseSubFlow } from "../_base/subFlow";
import { NODE_META } from "../registry";
import { LoopInspector } from "./Inspector";
import { asLoop, fromLoop, loopMeta } from "./model";
import { LoopView } from "./View";

afterEach(cleanup);

const POLL_FLOW: SubFlow = {
  nodes: [
    { id: "start", type: "start" },
    { id: "check", type: "task", activity: "shop.carrier_status" },
    { id: "end", type: "end", output: "data.check" },
  ],
  edges: [
    { id: "e1", source: "start", target: "check" },
    { id: "e2", source: "check", target: "end" },
  ],
};

const POLL: LoopFields = {
  label: "Poll carrier",
  max_iterations: 20,
  until: { field: "iteration.output.picked_up", op: "is_true" },
  delay: 5,
  flow: POLL_FLOW,
};

const loop = (f: LoopFields): NodeFields => fromLoop(f);

describe("the loop node's model", () => {
  it("is registered for the palette, the canvas and the inspector", () => {
    expect(NODE_TYPES).toContain("loop");
    expect(NODE_META.loop).toBe(loopMeta);
    expect(nodeTypes.loop).toBe(LoopView);
    expect(INSPECTORS.loop).toBe(LoopInspector);
    expect(loopMeta).toMatchObject({ type: "loop", title: "Loop", hint: "Repeats a sub-flow until a condition holds" });
    expect(loopMeta.icon).toBe(Repeat);
  });

  it("starts with 10 iterations, a valid until condition and a start → end sub-flow", () => {
    const d = asLoop(loopMeta.defaults());
    expect(d.max_iterations).toBe(10);
    expect(d.until).toEqual({ field: "iteration.output.done", op: "is_true" });
    expect(d.while).toBeUndefined();
    expect(d.flow).toEqual({
      nodes: [{ id: "start", type: "start" }, { id: "end", type: "end" }],
      edges: [{ id: "e_start_end", source: "start", target: "end" }],
    });
    expect(loopMeta.problems(loopMeta.defaults())).toEqual([]);
    // Each new node gets its own objects.
    expect(asLoop(loopMeta.defaults()).flow).not.toBe(d.flow);
  });

  it("summarises the limit, the condition and the delay", () => {
    expect(loopMeta.summary(loop(POLL))).toBe("≤ 20 iterations · until iteration.output.picked_up is true · 5s apart");
    expect(loopMeta.summary(loop({ max_iterations: 1, while: { field: "iteration.index", op: "lt", value: 3 }, on_failure: "incident" })))
      .toBe("≤ 1 iteration · while iteration.index < 3 · on failure: incident");
    expect(loopMeta.summary(loopMeta.defaults())).toBe("≤ 10 iterations · until iteration.output.done is true");
  });

  it("reports max_iterations missing or out of range", () => {
    expect(loopMeta.problems(loop(POLL))).toEqual([]);
    expect(loopMeta.problems(loop({ ...POLL, max_iterations: undefined }))).toEqual(["Set the maximum number of iterations"]);
    for (const bad of [0, 1001, 2.5, -3]) {
      expect(loopMeta.problems(loop({ ...POLL, max_iterations: bad }))).toEqual(["Max iterations: a whole number from 1 to 1000"]);
    }
    expect(loopMeta.problems(loop({ ...POLL, max_iterations: 1000 }))).toEqual([]);
    expect(loopMeta.problems(loop({ ...POLL, max_iterations: 1 }))).toEqual([]);
  });

  it("reports a loop without until or while, or with both", () => {
    expect(loopMeta.problems(loop({ ...POLL, until: undefined }))).toEqual(["Set the condition that ends the loop (until or while)"]);
    expect(loopMeta.problems(loop({ ...POLL, while: { field: "input.go", op: "is_true" } }))).toEqual(["Set either until or while, not both"]);
    expect(loopMeta.problems(loop({ ...POLL, until: undefined, while: { field: "input.go", op: "is_true" } }))).toEqual([]);
    expect(loopMeta.problems(loop({ ...POLL, until: { field: "", op: "eq", value: "" } }))).toEqual(["Until: Choose the field to test"]);
  });

  it("reports a sub-flow without a start or an end node", () => {
    const without = (type: string): SubFlow => ({ nodes: POLL_FLOW.nodes.filter((n) => n.type !== type), edges: [] });
    expect(loopMeta.problems(loop({ ...POLL, flow: without("start") }))).toEqual(["The sub-flow needs a start node"]);
    expect(loopMeta.problems(loop({ ...POLL, flow: without("end") }))).toEqual(["The sub-flow needs an end node"]);
    expect(loopMeta.problems(loop({ ...POLL, flow: { nodes: [], edges: [] } }))).toEqual(["The sub-flow needs a start node", "The sub-flow needs an end node"]);
    expect(loopMeta.problems(loop({ ...POLL, flow: undefined }))).toEqual(["The sub-flow needs nodes and edges"]);
  });

  it("reports a delay that is not above 0, and a compensation in the sub-flow", () => {
    expect(loopMeta.problems(loop({ ...POLL, delay: 0 }))).toEqual(["Delay: must be more than 0 seconds"]);
    const withComp: SubFlow = { ...POLL_FLOW, nodes: POLL_FLOW.nodes.map((n) => (n.id === "check" ? { ...n, compensation: { activity: "shop.refund" } } : n)) };
    expect(loopMeta.problems(loop({ ...POLL, flow: withComp }))).toEqual([expect.stringMatching(/^Sub-flow step check has a compensation/)]);
  });

  it("reads the sub-flow's JSON for its shape only", () => {
    expect(parseSubFlow(JSON.stringify(POLL_FLOW))).toEqual({ ok: true, flow: POLL_FLOW });
    expect(parseSubFlow("{").ok).toBe(false);
    expect(parseSubFlow("[]")).toMatchObject({ ok: false, error: expect.stringMatching(/must be an object/) });
    expect(parseSubFlow('{"nodes": []}')).toMatchObject({ ok: false, error: '"edges" must be a list of edges' });
    expect(parseSubFlow('{"nodes": [1], "edges": []}')).toMatchObject({ ok: false, error: "Each node must be an object" });
  });
});

const field = (name: string) => screen.getByLabelText(name, { exact: true }) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
const change = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });

function loopEditor(fields: LoopFields = POLL) {
  const store = designerWith([{ id: "poll", type: "loop", ...(fromLoop(fields) as Omit<SpecNode, "id" | "type">) }]);
  renderInspector(store, "poll");
  return {
    store,
    fields: () => asLoop(fieldsOf(store, "poll") ?? {}),
    specNode: () => currentSpec(store.getState()).nodes.find((n) => n.id === "poll"),
  };
}

describe("the loop inspector", () => {
  it("edits max iterations and says when it is missing or out of range", () => {
    const { fields, store } = loopEditor();
    expect(field("Max iterations").value).toBe("20");
    change("Max iterations", "50");
    expect(fields().max_iterations).toBe(50);
    expect(screen.queryByText("Required", { selector: ".fd-field__error" })).toBeNull();
    change("Max iterations", "1001");
    expect(fields().max_iterations).toBe(1001);
    expect(screen.getByText("A whole number from 1 to 1000", { selector: ".fd-field__error" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Max iterations: a whole number from 1 to 1000");
    change("Max iterations", "");
    expect(fields().max_iterations).toBeUndefined();
    expect(screen.getByText("Required", { selector: ".fd-field__error" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Set the maximum number of iterations");
    change("Max iterations", "7");
    expect(fields().max_iterations).toBe(7);
    expect(screen.queryByRole("status")).toBeNull();
    // Typing is one undo step.
    store.getState().undo();
    expect(fields().max_iterations).toBe(20);
  });

  it("lists the sub-flow's nodes and shows it as pretty-printed JSON", () => {
    loopEditor();
    const items = screen.getByRole("list", { name: "Sub-flow nodes" }).querySelectorAll("li");
    expect([...items].map((li) => li.textContent)).toEqual(["start start", "check task", "end end"]);
    expect(screen.getByTestId("subflow-count").textContent).toMatch(/^3 nodes, 2 edges\./);
    expect(field("Sub-flow JSON").value).toBe(JSON.stringify(POLL_FLOW, null, 2));
  });

  it("applies the sub-flow's JSON when the field is left", () => {
    const { fields, specNode, store } = loopEditor();
    const next: SubFlow = {
      nodes: [...POLL_FLOW.nodes, { id: "sleep", type: "wait", seconds: 1 }],
      edges: [POLL_FLOW.edges[0], { id: "e2", source: "check", target: "sleep" }, { id: "e3", source: "sleep", target: "end" }],
    };
    const box = field("Sub-flow JSON");
    fireEvent.change(box, { target: { value: JSON.stringify(next) } });
    expect(fields().flow).toEqual(POLL_FLOW); // not before the blur
    fireEvent.blur(box);
    expect(fields().flow).toEqual(next);
    expect(specNode()?.flow).toEqual(next);
    expect(field("Sub-flow JSON").value).toBe(JSON.stringify(next, null, 2));
    expect(screen.getByTestId("subflow-node-sleep").textContent).toBe("sleep wait");
    // A change from elsewhere shows in the list and the JSON.
    act(() => store.getState().updateNode("poll", (f) => ({ ...f, flow: POLL_FLOW })));
    expect(field("Sub-flow JSON").value).toBe(JSON.stringify(POLL_FLOW, null, 2));
    expect(screen.queryByTestId("subflow-node-sleep")).toBeNull();
    // Undo (which clears the selection) brings back the edited sub-flow, then the first one.
    act(() => store.getState().undo());
    expect(fields().flow).toEqual(next);
    act(() => store.getState().undo());
    expect(fields().flow).toEqual(POLL_FLOW);
    act(() => store.getState().select({ nodes: ["poll"] }));
    expect(field("Sub-flow JSON").value).toBe(JSON.stringify(POLL_FLOW, null, 2));
    expect(screen.queryByTestId("subflow-node-sleep")).toBeNull();
  });

  it("shows an error for invalid JSON and leaves the node as it was", () => {
    const { fields, store } = loopEditor();
    const before = store.getState().nodes;
    const box = field("Sub-flow JSON");
    fireEvent.change(box, { target: { value: '{"nodes": [' } });
    fireEvent.blur(box);
    expect(screen.getByRole("alert").textContent).toMatch(/^Not valid JSON/);
    expect(fields().flow).toEqual(POLL_FLOW);
    expect(store.getState().nodes).toBe(before);
    expect(field("Sub-flow JSON").value).toBe('{"nodes": ['); // kept, to fix
    fireEvent.change(box, { target: { value: '{"nodes": {}, "edges": []}' } });
    fireEvent.blur(box);
    expect(screen.getByRole("alert").textContent).toBe('"nodes" must be a list of nodes');
    expect(store.getState().nodes).toBe(before);
    // Fixed: the error goes and the change is applied.
    fireEvent.change(box, { target: { value: '{"nodes": [{"id": "start", "type": "start"}], "edges": []}' } });
    fireEvent.blur(box);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(fields().flow).toEqual({ nodes: [{ id: "start", type: "start" }], edges: [] });
    expect(screen.getByRole("status").textContent).toContain("The sub-flow needs an end node");
  });

  it("switches between until and while, keeping the condition", () => {
    const { fields } = loopEditor();
    expect(field("Repeat").value).toBe("until");
    expect(field("Condition field").value).toBe("iteration.output.picked_up");
    expect(screen.getByTestId("loop-condition-summary").textContent).toBe("Ends when iteration.output.picked_up is true");
    change("Repeat", "while");
    expect(fields().while).toEqual(POLL.until);
    expect(fields()).not.toHaveProperty("until");
    expect(screen.getByTestId("loop-condition-summary").textContent).toBe("Goes on while iteration.output.picked_up is true");
    change("Condition field", "iteration.output.pending");
    expect(fields().while).toEqual({ field: "iteration.output.pending", op: "is_true" });
    change("Repeat", "until");
    expect(fields().until).toEqual({ field: "iteration.output.pending", op: "is_true" });
    expect(fields()).not.toHaveProperty("while");
  });

  it("offers a condition when the loop has none", () => {
    const { fields } = loopEditor({ ...POLL, until: undefined });
    expect(screen.getByRole("status").textContent).toContain("Set the condition that ends the loop");
    fireEvent.click(screen.getByRole("button", { name: "+ condition" }));
    expect(fields().until).toEqual({ field: "iteration.output.done", op: "is_true" });
  });

  it("edits the delay in seconds and the iteration input", () => {
    const { fields } = loopEditor();
    expect(field("Delay").value).toBe("5");
    change("Delay unit", "60");
    expect(fields().delay).toBe(300);
    change("Delay", "");
    expect(fields().delay).toBeUndefined();
    change("Input kind", "fields");
    fireEvent.change(field("Input new field name"), { target: { value: "tracking" } });
    fireEvent.click(screen.getByRole("button", { name: "Add field" }));
    change("Input tracking", "data.ship.tracking");
    expect(fields().input).toEqual({ tracking: "data.ship.tracking" });
    change("When the last attempt fails", "incident");
    expect(fields().on_failure).toBe("incident");
  });
});

describe("the loop node's view", () => {
  beforeAll(stubFlowMeasurements);

  it("shows the iteration limit and the size of its sub-flow", () => {
    render(
      <RunGraph
        spec={{
          schema_version: 1,
          nodes: [
            { id: "start", type: "start", position: { x: 0, y: 0 } },
            { id: "poll", type: "loop", position: { x: 200, y: 0 }, ...(fromLoop(POLL) as Omit<SpecNode, "id" | "type">) },
            { id: "end", type: "end", position: { x: 400, y: 0 } },
          ],
          edges: [
            { id: "e1", source: "start", target: "poll" },
            { id: "e2", source: "poll", target: "end" },
          ],
        }}
        runStatus={{}}
      />,
    );
    const node = screen.getByTestId("node-poll");
    expect(node.textContent).toContain("Loop");
    expect(node.textContent).toContain("Poll carrier");
    expect(node.textContent).toContain("≤ 20 iterations");
    expect(screen.getByTestId("badge-poll-sub-flow: 3 nodes").textContent).toBe("sub-flow: 3 nodes");
  });
});
