// @vitest-environment jsdom
import { Layers } from "lucide-react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { INSPECTORS } from "../../designer/inspectors";
import { stubFlowMeasurements } from "../../designer/jsdomFlow";
import { currentSpec } from "../../designer/store";
import { designerWith, fieldsOf, renderInspector } from "../../designer/testing";
import { nodeTypes } from "../../graph/nodeTypes";
import { RunGraph } from "../../graph/RunGraph";
import { NODE_TYPES, type NodeFields, type SpecNode, type SubFlow } from "../../spec/types";
import { defaultSubFlow } from "../_base/subFlow";
import { NODE_META } from "../registry";
import { MapInspector } from "./Inspector";
import { mapMeta, maxConcurrencyProblem, toleranceBadge, toleratedFailuresProblem } from "./model";
import { MapView } from "./View";

afterEach(cleanup);

const LINE_FLOW: SubFlow = {
  nodes: [
    { id: "start", type: "start" },
    { id: "reserve", type: "task", activity: "shop.reserve_line" },
    { id: "end", type: "end", output: "data.reserve" },
  ],
  edges: [
    { id: "e1", source: "start", target: "reserve" },
    { id: "e2", source: "reserve", target: "end" },
  ],
};

const LINES: NodeFields = { label: "Reserve lines", items: "input.lines", max_concurrency: 5, flow: LINE_FLOW };

describe("the map node's model", () => {
  it("is registered for the palette, the canvas and the inspector", () => {
    expect(NODE_TYPES).toContain("map");
    expect(NODE_META.map).toBe(mapMeta);
    expect(nodeTypes.map).toBe(MapView);
    expect(INSPECTORS.map).toBe(MapInspector);
    expect(mapMeta).toMatchObject({ type: "map", title: "Map", hint: "Runs a sub-flow once per item of a list" });
    expect(mapMeta.icon).toBe(Layers);
  });

  it("starts mapping input.items, 10 at once, with a start → end sub-flow, and no problems", () => {
    const d = mapMeta.defaults();
    expect(d).toEqual({ label: "Map", items: "input.items", max_concurrency: 10, flow: defaultSubFlow() });
    expect(d).not.toHaveProperty("tolerated_failures");
    expect(mapMeta.problems(d)).toEqual([]);
    // Each new node gets its own objects.
    expect(mapMeta.defaults().flow).not.toBe(d.flow);
  });

  it("gives a node added from the palette those defaults", () => {
    const store = designerWith([]);
    const id = store.getState().addNode("map", { x: 0, y: 0 });
    expect(id).toBe("map");
    expect(fieldsOf(store, id)).toEqual(mapMeta.defaults());
  });

  it("summarises the items, the concurrency and a failure policy", () => {
    expect(mapMeta.summary(LINES)).toBe("for each input.lines · ×5 at once");
    expect(mapMeta.summary(mapMeta.defaults())).toBe("for each input.items · ×10 at once");
    expect(mapMeta.summary({ items: "data.fetch.rows", on_failure: "incident" })).toBe("for each data.fetch.rows · ×10 at once · on failure: incident");
    expect(mapMeta.summary({})).toBe("no items set · ×10 at once");
  });

  it("reports items missing or empty", () => {
    expect(mapMeta.problems(LINES)).toEqual([]);
    for (const items of [undefined, "", "   "]) {
      expect(mapMeta.problems({ ...LINES, items })).toEqual(["Set the items to map over (an expression giving a list)"]);
    }
  });

  it("reports max_concurrency out of range, and takes it absent as the default", () => {
    for (const ok of [undefined, 1, 10, 100]) expect(mapMeta.problems({ ...LINES, max_concurrency: ok })).toEqual([]);
    for (const bad of [0, 101, 2.5, -3]) {
      expect(mapMeta.problems({ ...LINES, max_concurrency: bad })).toEqual(["Max concurrency: a whole number from 1 to 100"]);
    }
    expect(maxConcurrencyProblem(7)).toBeNull();
  });

  it("takes tolerated_failures as a count of 0 or more or a percentage up to 100%", () => {
    for (const ok of [undefined, 0, 3, 10_000, "0%", "10%", "100%", "007%"]) {
      expect(mapMeta.problems({ ...LINES, tolerated_failures: ok })).toEqual([]);
    }
    for (const bad of [-1, 1.5]) {
      expect(mapMeta.problems({ ...LINES, tolerated_failures: bad })).toEqual(["Tolerated failures: a whole number of 0 or more"]);
    }
    for (const bad of ["101%", "1000%", "10", "%", "10.5%", "-5%", " 10%", "ten%"]) {
      expect(mapMeta.problems({ ...LINES, tolerated_failures: bad })).toEqual(["Tolerated failures: a percentage from 0% to 100%, e.g. 10%"]);
    }
    expect(toleratedFailuresProblem(true)).toBe("A whole number of 0 or more, or a percentage such as 10%");
  });

  it("reports a bad failure policy and the sub-flow's problems in a map's words", () => {
    expect(mapMeta.problems({ ...LINES, on_failure: "retry" as NodeFields["on_failure"] })).toEqual([expect.stringMatching(/^"When the last attempt fails" must be one of/)]);
    expect(mapMeta.problems({ ...LINES, flow: undefined })).toEqual(["The sub-flow needs nodes and edges"]);
    expect(mapMeta.problems({ ...LINES, flow: { nodes: [], edges: [] } })).toEqual(["The sub-flow needs a start node", "The sub-flow needs an end node"]);
    const withComp: SubFlow = { ...LINE_FLOW, nodes: LINE_FLOW.nodes.map((n) => (n.id === "reserve" ? { ...n, compensation: { activity: "shop.release" } } : n)) };
    expect(mapMeta.problems({ ...LINES, flow: withComp })).toEqual([
      "Sub-flow step reserve has a compensation: an item run's steps are not undone (undo them in a step after the map)",
    ]);
  });

  it("has a chip for tolerated failures only when some are tolerated", () => {
    expect(toleranceBadge(undefined)).toBeNull();
    expect(toleranceBadge(0)).toBeNull();
    expect(toleranceBadge("0%")).toBeNull();
    expect(toleranceBadge(1)).toBe("tolerates 1 failure");
    expect(toleranceBadge(3)).toBe("tolerates 3 failures");
    expect(toleranceBadge("10%")).toBe("tolerates 10% failures");
  });
});

const field = (name: string) => screen.getByLabelText(name, { exact: true }) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
const change = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });
const suggestionsOf = (name: string) => [...(document.getElementById(field(name).getAttribute("list") ?? "")?.querySelectorAll("option") ?? [])].map((o) => o.value);
const fieldError = (text: string) => screen.queryByText(text, { selector: ".fd-field__error" });

function mapEditor(fields: NodeFields = LINES) {
  const store = designerWith([{ id: "reserve_lines", type: "map", ...(fields as Omit<SpecNode, "id" | "type">) }]);
  renderInspector(store, "reserve_lines");
  return {
    store,
    fields: () => fieldsOf(store, "reserve_lines") ?? {},
    specNode: () => currentSpec(store.getState()).nodes.find((n) => n.id === "reserve_lines"),
  };
}

describe("the map inspector", () => {
  it("edits the items expression and says when it is missing", () => {
    const { fields, specNode, store } = mapEditor();
    expect(field("Items").value).toBe("input.lines");
    expect(field("Items mode").value).toBe("expression");
    expect(suggestionsOf("Items")).not.toContain("item.value");
    change("Items", "input.order.lines");
    expect(fields().items).toBe("input.order.lines");
    expect(specNode()?.items).toBe("input.order.lines");
    change("Items", "");
    expect(fields()).not.toHaveProperty("items");
    expect(fieldError("Required")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Set the items to map over");
    change("Items", "data.fetch");
    expect(screen.queryByRole("status")).toBeNull();
    // Typing is one undo step.
    act(() => store.getState().undo());
    expect(fieldsOf(store, "reserve_lines")?.items).toBe("input.lines");
  });

  it("edits max concurrency, empty meaning the default", () => {
    const { fields } = mapEditor();
    expect(field("Max concurrency").value).toBe("5");
    change("Max concurrency", "20");
    expect(fields().max_concurrency).toBe(20);
    change("Max concurrency", "101");
    expect(fieldError("A whole number from 1 to 100")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Max concurrency: a whole number from 1 to 100");
    change("Max concurrency", "");
    expect(fields()).not.toHaveProperty("max_concurrency");
    expect(fieldError("A whole number from 1 to 100")).toBeNull();
    expect((field("Max concurrency") as HTMLInputElement).placeholder).toBe("10");
  });

  it("edits tolerated failures as a count or a percentage", () => {
    const { fields } = mapEditor();
    expect(field("Tolerated failures").value).toBe("");
    expect(field("Tolerated failures kind").value).toBe("count");
    change("Tolerated failures", "3");
    expect(fields().tolerated_failures).toBe(3);
    change("Tolerated failures kind", "percent");
    expect(fields().tolerated_failures).toBe("3%");
    change("Tolerated failures", "10");
    expect(fields().tolerated_failures).toBe("10%");
    change("Tolerated failures", "150");
    expect(fields().tolerated_failures).toBe("150%");
    expect(fieldError("A percentage from 0% to 100%, e.g. 10%")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Tolerated failures: a percentage from 0% to 100%, e.g. 10%");
    change("Tolerated failures kind", "count");
    expect(fields().tolerated_failures).toBe(150);
    expect(screen.queryByRole("status")).toBeNull();
    change("Tolerated failures", "2.5");
    expect(fieldError("A whole number of 0 or more")).toBeTruthy();
    change("Tolerated failures", "");
    expect(fields()).not.toHaveProperty("tolerated_failures");
    // The kind chosen before a number is typed is the one it gets.
    change("Tolerated failures kind", "percent");
    expect(fields()).not.toHaveProperty("tolerated_failures");
    expect(field("Tolerated failures kind").value).toBe("percent");
    change("Tolerated failures", "5");
    expect(fields().tolerated_failures).toBe("5%");
  });

  it("shows a stored percentage as its number and kind", () => {
    mapEditor({ ...LINES, tolerated_failures: "10%" });
    expect(field("Tolerated failures").value).toBe("10");
    expect(field("Tolerated failures kind").value).toBe("percent");
  });

  it("edits each item run's input, offering item.value and item.index, and the failure policy", () => {
    const { fields } = mapEditor();
    expect(field("Input kind").value).toBe("absent");
    expect((field("Input kind") as HTMLSelectElement).selectedOptions[0].textContent).toBe("the item, its index and the run's input");
    change("Input kind", "fields");
    fireEvent.change(field("Input new field name"), { target: { value: "sku" } });
    fireEvent.click(screen.getByRole("button", { name: "Add field" }));
    expect(suggestionsOf("Input sku").slice(0, 2)).toEqual(["item.value", "item.index"]);
    change("Input sku", "item.value.sku");
    expect(fields().input).toEqual({ sku: "item.value.sku" });
    change("Input kind", "absent");
    expect(fields()).not.toHaveProperty("input");
    change("When the last attempt fails", "incident");
    expect(fields().on_failure).toBe("incident");
  });

  it("lists the sub-flow and applies its JSON when the field is left", () => {
    const { fields, specNode } = mapEditor();
    expect(screen.getByTestId("subflow-count").textContent).toBe("3 nodes, 2 edges. Each item runs this graph as a run of its own, with the map's input as its input.");
    expect(field("Sub-flow JSON").value).toBe(JSON.stringify(LINE_FLOW, null, 2));
    const next = defaultSubFlow();
    const box = field("Sub-flow JSON");
    fireEvent.change(box, { target: { value: JSON.stringify(next) } });
    expect(fields().flow).toEqual(LINE_FLOW);
    fireEvent.blur(box);
    expect(fields().flow).toEqual(next);
    expect(specNode()?.flow).toEqual(next);
    expect(screen.queryByTestId("subflow-node-reserve")).toBeNull();
    fireEvent.change(box, { target: { value: "[]" } });
    fireEvent.blur(box);
    expect(screen.getByRole("alert").textContent).toMatch(/must be an object/);
    expect(fields().flow).toEqual(next);
  });
});

describe("the map node's view", () => {
  beforeAll(stubFlowMeasurements);

  it("shows what it maps over, how many at once, its sub-flow and its tolerated failures", () => {
    render(
      <RunGraph
        spec={{
          schema_version: 1,
          nodes: [
            { id: "start", type: "start", position: { x: 0, y: 0 } },
            { id: "reserve_lines", type: "map", position: { x: 200, y: 0 }, ...(LINES as Omit<SpecNode, "id" | "type">), tolerated_failures: "10%" },
            { id: "all", type: "map", position: { x: 400, y: 0 }, items: "input.all", flow: LINE_FLOW },
            { id: "end", type: "end", position: { x: 600, y: 0 } },
          ],
          edges: [
            { id: "e1", source: "start", target: "reserve_lines" },
            { id: "e2", source: "reserve_lines", target: "all" },
            { id: "e3", source: "all", target: "end" },
          ],
        }}
        runStatus={{}}
      />,
    );
    const node = screen.getByTestId("node-reserve_lines");
    expect(node.textContent).toContain("Map");
    expect(screen.getByTestId("label-reserve_lines").textContent).toBe("Reserve lines");
    expect(node.textContent).toContain("for each input.lines · ×5 at once");
    expect(screen.getByTestId("badge-reserve_lines-sub-flow: 3 nodes").textContent).toBe("sub-flow: 3 nodes");
    expect(screen.getByTestId("badge-reserve_lines-tolerates 10% failures").textContent).toBe("tolerates 10% failures");
    // Without max_concurrency or tolerated failures: the default, and no chip.
    const plain = screen.getByTestId("node-all");
    expect(plain.textContent).toContain("for each input.all · ×10 at once");
    expect(plain.querySelectorAll(".fd-node__badge")).toHaveLength(1);
  });
});
