// @vitest-environment jsdom
/** The node shell: an SVG icon, and a node's exits (choice rules) as rows below its summary, never over it. */
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stubFlowMeasurements } from "../designer/jsdomFlow";
import type { Spec } from "../spec/types";
import { activeNode, RunGraph } from "./RunGraph";

beforeAll(stubFlowMeasurements);
beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

const SPEC: Spec = {
  schema_version: 1,
  nodes: [
    { id: "start", type: "start", position: { x: 0, y: 0 } },
    {
      id: "route", type: "choice", label: "Route the order", position: { x: 250, y: 0 },
      rules: [
        { id: "big", label: "amount over 500: ask a manager", condition: { field: "input.amount", op: "gt", value: 500 } },
        { id: "abroad", label: "shipping abroad", condition: { field: "input.country", op: "ne", value: "FR" } },
      ],
    },
    { id: "end", type: "end", position: { x: 500, y: 0 } },
  ],
  edges: [
    { id: "e1", source: "start", target: "route" },
    { id: "e2", source: "route", target: "end", branch: "big" },
    { id: "e3", source: "route", target: "end", branch: "abroad" },
    { id: "e4", source: "route", target: "end", branch: "default" },
  ],
};

describe("a node with several exits", { timeout: 20_000 }, () => {
  it("lists each exit in a row of its own, after the summary, with its handle in that row", () => {
    render(<RunGraph spec={SPEC} runStatus={{}} />);
    const node = screen.getByTestId("node-route");
    const summary = node.querySelector(".fd-node__summary")!;
    expect(summary.textContent).toBe("2 rule(s) + default");
    const rows = [...node.querySelectorAll(".fd-node__exit")];
    expect(rows.map((r) => r.textContent)).toEqual(["amount over 500: ask a manager", "shipping abroad", "default"]);
    for (const row of rows) {
      expect(summary.compareDocumentPosition(row) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
      expect(row.querySelector(".react-flow__handle.source")).toBeTruthy();
    }
    // A one-exit node keeps its single handle on the node itself.
    expect(screen.getByTestId("node-start").querySelector(".fd-node__exit")).toBeNull();
    expect(node.querySelector(".fd-node__icon svg")).toBeTruthy();
  });
});

describe("the run graph's minimap", { timeout: 20_000 }, () => {
  it("starts folded away on a read-only graph and opens from its button", () => {
    render(<RunGraph spec={SPEC} runStatus={{}} />);
    expect(document.querySelector(".react-flow__minimap")).toBeNull();
    const toggle = screen.getByTestId("minimap-toggle");
    expect(toggle.getAttribute("aria-label")).toBe("Show the minimap");
    fireEvent.click(toggle);
    expect(document.querySelector(".react-flow__minimap")).toBeTruthy();
    expect(window.localStorage.getItem("flowdeck.minimap.read-only")).toBe("1");
  });
});

describe("activeNode", () => {
  it("is a failed node first, then one running or waiting, else none", () => {
    const s = (status: string) => ({ status, attempt: 1 }) as never;
    expect(activeNode({ a: s("succeeded"), b: s("waiting"), c: s("failed") })).toBe("c");
    expect(activeNode({ a: s("succeeded"), b: s("running") })).toBe("b");
    expect(activeNode({ a: s("succeeded") })).toBeNull();
  });
});
