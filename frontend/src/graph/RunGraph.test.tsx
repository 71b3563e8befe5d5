// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunDetail, Step } from "../api/runs";
import type { Spec } from "../spec/types";
import { RunGraph } from "./RunGraph";
import { applyEvents, statusFromRun } from "./runStatus";

// What React Flow measures with and jsdom lacks (xyflow's own testing notes).
beforeAll(() => {
  class ResizeObserver {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      this.callback([{ target } as ResizeObserverEntry], this as unknown as globalThis.ResizeObserver);
    }
    unobserve() {}
    disconnect() {}
  }
  class DOMMatrixReadOnly {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([\d.]+)\)/)?.[1];
      this.m22 = scale !== undefined ? Number(scale) : 1;
    }
  }
  vi.stubGlobal("ResizeObserver", ResizeObserver);
  vi.stubGlobal("DOMMatrixReadOnly", DOMMatrixReadOnly);
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { get: () => 60, configurable: true },
    offsetWidth: { get: () => 190, configurable: true },
  });
  (SVGElement.prototype as unknown as { getBBox(): DOMRect }).getBBox = () => ({ x: 0, y: 0, width: 0, height: 0 }) as DOMRect;
});
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

  it("reports the node clicked, and marks the selected one", () => {
    const onSelect = vi.fn();
    const { rerender } = render(<RunGraph spec={DETAIL.spec} runStatus={statusFromRun(DETAIL)} onSelect={onSelect} />);
    fireEvent.click(nodeEl("reserve"));
    expect(onSelect).toHaveBeenCalledWith("reserve");
    rerender(<RunGraph spec={DETAIL.spec} runStatus={statusFromRun(DETAIL)} selected="reserve" onSelect={onSelect} />);
    expect(nodeEl("reserve").className).toContain("is-selected");
  });
});
