// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunDetail, Step } from "../api/runs";
import { stubFlowMeasurements } from "../designer/jsdomFlow";
import type { CodeSpec } from "../spec/code";
import type { Spec, SpecNode } from "../spec/types";
import { RunGraph } from "./RunGraph";
import { applyEvents, statusFromRun } from "./runStatus";

beforeAll(stubFlowMeasurements);
afterEach(cleanup);

const SPEC: Spec = {
  schema_version: 1,
  nodes: [
    { id: "start", type: "start" },
    { id: "charge", type: "task", label: "Charge card", activity: "shop.charge", compensation: { activity: "shop.refund" } },
    { id: "reserve", type: "task", activity: "shop.reserve" },
    { id: "ship", type: "task", activity: "shop.ship" },
    { id: "end", type: "end" },
  ],
  edges: [
    { id: "e1", source: "start", target: "charge" },
    { id: "e2", source: "charge", target: "reserve" },
    { id: "e3", source: "reserve", target: "ship" },
    { id: "e4", source: "ship", target: "end" },
  ],
};

let stepIds = 0;
const step = (node_id: string, status: Step["status"], over: Partial<Step> = {}): Step => ({
  id: ++stepIds, node_id, node_type: "task", kind: "node", status, attempt: 1, attempts: [], input: null,
  output: null, error: null, worker: null, wait_reason: null, child_run_id: null, arrivals: 0, completion_order: null,
  scheduled_at: null, next_attempt_at: null, started_at: null, finished_at: null, lease_expires_at: null, heartbeat_at: null, ...over,
});

/** ORD-DEMO-3 as the console reads it: reserve failed for good, the charge compensated. */
const DETAIL: RunDetail = {
  id: "r-1", definition: "order-saga", version: 1, business_key: "ORD-DEMO-3", status: "compensated", stuck: false,
  stuck_reason: "", stuck_since: null, error: { type: "OutOfStock" }, is_test: false, parent_run: null, created_at: "",
  updated_at: "", finished_at: null, last_progress_at: null, input: {}, data: {}, output: null, parent_node_id: null,
  spec: SPEC, last_seq: 9, why: [], available_actions: [], why_details: [],
  steps: [
    step("start", "succeeded"),
    step("charge", "succeeded", { attempt: 3 }),
    step("reserve", "failed", { attempt: 2 }),
    step("charge", "succeeded", { kind: "compensation" }),
  ],
};

const nodeEl = (id: string) => screen.getByTestId(`node-${id}`);

// React Flow's first render in jsdom is slow on a loaded machine.
describe("the run graph", { timeout: 20_000 }, () => {
  it("draws every node of the pinned spec with its status from the run detail", () => {
    render(<RunGraph spec={DETAIL.spec} runStatus={statusFromRun(DETAIL)} />);
    for (const id of ["start", "charge", "reserve", "ship", "end"]) expect(nodeEl(id)).toBeTruthy();
    expect(nodeEl("start").getAttribute("data-status")).toBe("succeeded");
    expect(nodeEl("charge").getAttribute("data-status")).toBe("succeeded");
    expect(nodeEl("reserve").getAttribute("data-status")).toBe("failed");
    expect(nodeEl("ship").getAttribute("data-status")).toBe("");
    expect(screen.getByTestId("label-charge").textContent).toBe("Charge card");
    expect(screen.getByTestId("status-charge").textContent).toBe("done · attempt 3");
    expect(screen.getByTestId("status-reserve").textContent).toBe("failed · attempt 2");
    expect(screen.queryByTestId("status-ship")).toBeNull();
    expect(nodeEl("charge").className).toContain("fd-comp--succeeded");
    expect(nodeEl("charge").textContent).toContain("↺ compensation succeeded");
  });

  it("moves a node on when a live event arrives", () => {
    const detail: RunDetail = { ...DETAIL, status: "running", steps: [step("start", "succeeded"), step("charge", "running")] };
    const { rerender } = render(<RunGraph spec={detail.spec} runStatus={statusFromRun(detail)} />);
    expect(nodeEl("charge").getAttribute("data-status")).toBe("running");
    const next = applyEvents(statusFromRun(detail), [
      { run_id: "r-1", seq: 10, type: "step.succeeded", node_id: "charge", payload: { status: "succeeded", attempt: 1 }, created_at: "" },
      { run_id: "r-1", seq: 11, type: "step.scheduled", node_id: "reserve", payload: { status: "scheduled" }, created_at: "" },
    ]);
    rerender(<RunGraph spec={detail.spec} runStatus={next} />);
    expect(nodeEl("charge").getAttribute("data-status")).toBe("succeeded");
    expect(nodeEl("reserve").getAttribute("data-status")).toBe("scheduled");
  });

  it("marks task and http nodes that wait for a callback with a chip", () => {
    const spec: Spec = {
      ...SPEC,
      nodes: [
        ...SPEC.nodes.map((n) => (n.id === "reserve" ? { ...n, callback: { timeout: 3600 } } : n)),
        { id: "notify", type: "http", method: "POST", url: "https://example.test/jobs", callback: { timeout: 60, heartbeat_timeout: 30 } },
      ],
    };
    render(<RunGraph spec={spec} runStatus={{}} />);
    expect(screen.getByTestId("badge-reserve-callback").textContent).toBe("callback");
    expect(screen.getByTestId("badge-reserve-callback").className).toContain("fd-chip");
    expect(screen.getByTestId("badge-notify-callback").textContent).toBe("callback");
    expect(screen.queryByTestId("badge-charge-callback")).toBeNull();
    expect(nodeEl("charge").querySelector(".fd-node__badge")).toBeNull();
  });

  it("reports the node clicked, and marks the selected one", () => {
    const onSelect = vi.fn();
    const { rerender } = render(<RunGraph spec={DETAIL.spec} runStatus={statusFromRun(DETAIL)} onSelect={onSelect} />);
    fireEvent.click(nodeEl("reserve"));
    expect(onSelect).toHaveBeenCalledWith("reserve");
    rerender(<RunGraph spec={DETAIL.spec} runStatus={statusFromRun(DETAIL)} selected="reserve" onSelect={onSelect} />);
    expect(nodeEl("reserve").className).toContain("is-selected");
  });
});

/** A code run's graph as the run detail synthesizes it from its steps so far. */
const code = (pos: number, call: string, epoch: number, type: string, label = call.split(".").pop()): SpecNode =>
  ({ id: `${pos}:${call}`, type, label, activity: type === "task" ? call : undefined, position: { x: 0, y: 0 }, code: { pos, call, epoch } }) as unknown as SpecNode;
const CODE_RUN: CodeSpec = {
  kind: "code", workflow: "place-order-code", code_version: "2026-12-01", source: "def place_order(ctx, order): ...",
  nodes: [
    { id: "start", type: "start", position: { x: 0, y: 0 } },
    code(1, "ctx.now", 0, "value"),
    code(2, "shop.charge_payment", 0, "task"),
    code(3, "workflow", 0, "workflow", "workflow code failed"),
    code(4, "shop.teleport", 1, "hologram"),
  ],
  edges: [{ id: "e1", source: "start", target: "1:ctx.now" }],
};

describe("a code run's graph", { timeout: 20_000 }, () => {
  it("draws value, workflow and unknown node types with the generic view", () => {
    const runStatus = statusFromRun({ steps: [step("2:shop.charge_payment", "succeeded"), step("3:workflow", "failed")] });
    render(<RunGraph spec={CODE_RUN} runStatus={runStatus} />);
    expect(nodeEl("1:ctx.now").className).toContain("fd-node--value");
    expect(nodeEl("1:ctx.now").textContent).toContain("Value");
    expect(nodeEl("1:ctx.now").textContent).toContain("ctx.now");
    expect(nodeEl("3:workflow").className).toContain("fd-node--workflow");
    expect(nodeEl("3:workflow").getAttribute("data-status")).toBe("failed");
    expect(screen.getByTestId("label-3:workflow").textContent).toBe("workflow code failed");
    expect(nodeEl("4:shop.teleport").className).toContain("fd-node--hologram");
    expect(nodeEl("4:shop.teleport").textContent).toContain("hologram");
    expect(nodeEl("2:shop.charge_payment").getAttribute("data-status")).toBe("succeeded");
  });

  it("lays parallel calls side by side rather than on top of each other", () => {
    const { container } = render(<RunGraph spec={CODE_RUN} runStatus={{}} />);
    const at = (id: string) => container.querySelector(`.react-flow__node[data-id="${id}"]`)!.getAttribute("style");
    expect(at("1:ctx.now")).not.toEqual(at("2:shop.charge_payment"));
    expect(at("start")).not.toEqual(at("1:ctx.now"));
  });
});
