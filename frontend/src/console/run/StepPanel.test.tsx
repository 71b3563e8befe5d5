// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import type { RunDetail, Step, StepCallback } from "../../api/runs";
import { StepPanel } from "./StepPanel";

afterEach(cleanup);

const step = (over: Partial<Step> = {}): Step => ({
  id: 1, node_id: "charge", node_type: "task", kind: "node", status: "waiting", attempt: 2, attempts: [], input: null,
  output: null, error: null, worker: null, wait_reason: null, child_run_id: null, arrivals: 0, completion_order: null,
  scheduled_at: null, next_attempt_at: null, started_at: null, finished_at: null, lease_expires_at: null, heartbeat_at: null, ...over,
});

const detail = (steps: Step[]): RunDetail => ({
  id: "r-1", definition: "order", version: 1, business_key: "ORD-1", status: "running", stuck: false,
  stuck_reason: "", stuck_since: null, error: null, is_test: false, parent_run: null, created_at: "",
  updated_at: "", finished_at: null, last_progress_at: null, input: {}, data: {}, output: null, parent_node_id: null,
  spec: { schema_version: 1, nodes: [{ id: "charge", type: "task", activity: "shop.charge", callback: { timeout: 3600 } }], edges: [] },
  last_seq: 3, why: [], available_actions: [], why_details: [], steps,
});

function panel(steps: Step[]) {
  return render(
    <MemoryRouter>
      <StepPanel run={detail(steps)} node="charge" canOperate cannot="" onAction={() => undefined} onClose={() => undefined} />
    </MemoryRouter>,
  );
}

const OPEN: StepCallback = { state: "open", attempt: 2, expires_at: "2026-12-02T11:00:00Z", heartbeat_due: "2026-12-02T10:05:00Z" };

describe("the step panel's callback line", () => {
  it("shows the callback's state, attempt and deadlines while it is open", () => {
    panel([step({ callback: OPEN })]);
    const line = screen.getByTestId("step-callback");
    expect(line.textContent).toMatch(/^Callback \(attempt 2\): open, expires .+, heartbeat due .+$/);
    const times = [...line.querySelectorAll("time")].map((t) => t.getAttribute("dateTime"));
    expect(times).toEqual(["2026-12-02T11:00:00Z", "2026-12-02T10:05:00Z"]);
  });

  it("shows a closed callback's state without deadlines", () => {
    panel([step({ status: "failed", attempt: 3, callback: { ...OPEN, state: "expired", attempt: 3, heartbeat_due: null } })]);
    expect(screen.getByTestId("step-callback").textContent).toBe("Callback (attempt 3): expired");
  });

  it("renders the state as text, never markup", () => {
    const { container } = panel([step({ callback: { ...OPEN, state: "<b>open</b>" as StepCallback["state"], expires_at: null, heartbeat_due: null } })]);
    expect(screen.getByTestId("step-callback").textContent).toBe("Callback (attempt 2): <b>open</b>");
    expect(container.querySelector("[data-testid=step-callback] b")).toBeNull();
  });

  it("shows no callback line for a step without one (null or absent)", () => {
    panel([step({ callback: null }), step({ id: 2, kind: "compensation" })]);
    expect(screen.queryByTestId("step-callback")).toBeNull();
  });
});

describe("the step panel's iterations", () => {
  it("lists a loop step's iterations, each a link to its run with its status", () => {
    panel([step({ node_type: "loop", iterations: [
      { run_id: "it-0", index: 0, status: "completed", started_at: "2026-12-02T10:00:00Z", finished_at: "2026-12-02T10:00:01Z" },
      { run_id: "it-1", index: 1, status: "running", started_at: "2026-12-02T10:05:00Z", finished_at: null },
    ] })]);
    const list = screen.getByTestId("step-iterations");
    expect(list.querySelector("h4")?.textContent).toBe("Iterations (2)");
    const links = [...list.querySelectorAll("a")].map((a) => [a.textContent, a.getAttribute("href")]);
    expect(links).toEqual([["iteration 1", "/console/runs/it-0"], ["iteration 2", "/console/runs/it-1"]]);
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["iteration 1 completed", "iteration 2 running"]);
  });

  it("shows no iterations for other steps", () => {
    panel([step()]);
    expect(screen.queryByTestId("step-iterations")).toBeNull();
  });
});

describe("the step panel's map items", () => {
  const ITEMS = [
    { run_id: "item-0", index: 0, status: "completed", started_at: "2026-12-02T10:00:00Z", finished_at: "2026-12-02T10:00:01Z" },
    { run_id: "item-1", index: 1, status: "aborted", started_at: "2026-12-02T10:00:00Z", finished_at: "2026-12-02T10:00:02Z" },
    { run_id: "item-2", index: 2, status: "running", started_at: "2026-12-02T10:00:01Z", finished_at: null },
  ];

  it("shows how the items stand and lists the item runs by index, each a link to its run", () => {
    panel([step({ node_type: "map", status: "running", iterations: ITEMS, map_progress: { total: 50, succeeded: 37, failed: 2, running: 3, pending: 8 } })]);
    expect(screen.getByTestId("step-map-progress").textContent).toBe("37 of 50 done, 2 failed, 3 running");
    const list = screen.getByTestId("step-iterations");
    expect(list.querySelector("h4")?.textContent).toBe("Item runs (3)");
    const links = [...list.querySelectorAll("a")].map((a) => [a.textContent, a.getAttribute("href")]);
    expect(links).toEqual([["item 0", "/console/runs/item-0"], ["item 1", "/console/runs/item-1"], ["item 2", "/console/runs/item-2"]]);
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["item 0 completed", "item 1 aborted", "item 2 running"]);
  });

  it("names failed and running items only when there are some", () => {
    panel([step({ node_type: "map", status: "succeeded", iterations: ITEMS.slice(0, 1), map_progress: { total: 1, succeeded: 1, failed: 0, running: 0, pending: 0 } })]);
    expect(screen.getByTestId("step-map-progress").textContent).toBe("1 of 1 done");
    cleanup();
    panel([step({ node_type: "map", status: "running", iterations: [], map_progress: { total: 4, succeeded: 0, failed: 1, running: 0, pending: 3 } })]);
    expect(screen.getByTestId("step-map-progress").textContent).toBe("0 of 4 done, 1 failed");
    expect(screen.queryByTestId("step-iterations")).toBeNull();
  });

  it("renders item statuses as text, never markup", () => {
    const { container } = panel([step({ node_type: "map", iterations: [{ ...ITEMS[0], status: "<b>done</b>" }], map_progress: null })]);
    expect(screen.queryByTestId("step-map-progress")).toBeNull();
    expect(screen.getByTestId("step-iterations").querySelector("li")?.textContent).toBe("item 0 <b>done</b>");
    expect(container.querySelector("[data-testid=step-iterations] b")).toBeNull();
  });
});
