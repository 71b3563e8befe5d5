import { describe, expect, it } from "vitest";
import type { RunDetail, RunEvent, Step } from "../../api/runs";
import { EMPTY_VIEW, mergeEvents, needsDetail, withDetail, withEvents } from "./runView";

const ev = (seq: number, type: string, node_id: string | null = null, payload: RunEvent["payload"] = {}): RunEvent => ({
  run_id: "r", seq, type, node_id, payload, actor: "system", reason: "", created_at: "2026-11-27T08:00:00Z",
});

const step = (node_id: string, status: Step["status"], over: Partial<Step> = {}): Step => ({
  id: Math.floor(Math.random() * 1e6), node_id, node_type: "task", kind: "node", status, attempt: 1, attempts: [],
  input: null, output: null, error: null, worker: null, wait_reason: null, child_run_id: null, arrivals: 0,
  completion_order: null, scheduled_at: null, next_attempt_at: null, started_at: null, finished_at: null,
  lease_expires_at: null, heartbeat_at: null, ...over,
});

const detail = (over: Partial<RunDetail> = {}): RunDetail => ({
  id: "r", definition: "d", version: 1, business_key: "order-1", status: "failed", stuck: false, stuck_reason: "",
  stuck_since: null, error: null, is_test: false, parent_run: null, created_at: "", updated_at: "", finished_at: null,
  last_progress_at: null, input: {}, data: {}, output: null, parent_node_id: null,
  spec: { schema_version: 1, nodes: [], edges: [] }, steps: [step("charge", "failed")], last_seq: 5, why: [], available_actions: [], why_details: [], ...over,
});

describe("mergeEvents", () => {
  it("appends in order and keeps each seq once", () => {
    const a = [ev(1, "run.created"), ev(2, "run.started")];
    expect(mergeEvents(a, [ev(3, "step.scheduled")]).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(mergeEvents(a, [ev(2, "run.started"), ev(1, "run.created")])).toBe(a);
    expect(mergeEvents(a, [ev(5, "x"), ev(2, "run.started"), ev(4, "y")]).map((e) => e.seq)).toEqual([1, 2, 4, 5]);
    expect(mergeEvents(a, [])).toBe(a);
  });
});

describe("a run's view", () => {
  it("takes node statuses from the detail and moves them on with newer events only", () => {
    let view = withDetail(EMPTY_VIEW, detail());
    expect(view.statuses.charge).toEqual({ status: "failed", attempt: 1 });
    // Events up to the detail's last_seq are history: they do not move the statuses.
    view = withEvents(view, [ev(4, "step.started", "charge", { status: "running", attempt: 1 }), ev(5, "step.failed", "charge", { status: "failed", attempt: 1 })]);
    expect(view.statuses.charge.status).toBe("failed");
    expect(view.lastSeq).toBe(5);
    // The operator's retry, then the step succeeds: failed -> scheduled -> running -> succeeded, run -> completed.
    view = withEvents(view, [
      ev(6, "operator.retry", "charge", {}),
      ev(7, "step.scheduled", "charge", { status: "scheduled", kind: "node" }),
      ev(8, "run.running", null, { status: "running" }),
    ]);
    expect(view.statuses.charge.status).toBe("scheduled");
    expect(view.status).toBe("running");
    view = withEvents(view, [ev(9, "step.started", "charge", { status: "running", attempt: 2, kind: "node" })]);
    expect(view.statuses.charge).toEqual({ status: "running", attempt: 2 });
    view = withEvents(view, [ev(10, "step.succeeded", "charge", { status: "succeeded", attempt: 2, kind: "node" }), ev(11, "run.completed", null, { status: "completed" })]);
    expect(view.statuses.charge).toEqual({ status: "succeeded", attempt: 2 });
    expect(view.status).toBe("completed");
    expect(view.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("ignores duplicates delivered again (a reconnect, a resume)", () => {
    let view = withDetail(EMPTY_VIEW, detail({ last_seq: 0, steps: [] }));
    view = withEvents(view, [ev(1, "step.scheduled", "a", { status: "scheduled" }), ev(2, "step.started", "a", { status: "running", attempt: 1 })]);
    const again = withEvents(view, [ev(1, "step.scheduled", "a", { status: "scheduled" }), ev(2, "step.started", "a", { status: "running", attempt: 1 })]);
    expect(again).toBe(view);
  });

  it("recomputes from the detail when an older event arrives late", () => {
    let view = withDetail(EMPTY_VIEW, detail({ last_seq: 0, steps: [], status: "running" }));
    view = withEvents(view, [ev(2, "step.succeeded", "a", { status: "succeeded", attempt: 1 })]);
    view = withEvents(view, [ev(1, "step.started", "a", { status: "running", attempt: 1 })]);
    expect(view.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(view.statuses.a.status).toBe("succeeded");
  });

  it("draws compensation steps on their node", () => {
    let view = withDetail(EMPTY_VIEW, detail({ last_seq: 0, status: "running", steps: [step("charge", "succeeded")] }));
    view = withEvents(view, [
      ev(1, "compensation.started", null, { status: "compensating" }),
      ev(2, "step.scheduled", "charge", { status: "scheduled", kind: "compensation" }),
      ev(3, "step.succeeded", "charge", { status: "succeeded", kind: "compensation", attempt: 1 }),
      ev(4, "run.compensated", null, { status: "compensated" }),
    ]);
    expect(view.statuses.charge).toEqual({ status: "succeeded", attempt: 1, compensation: "succeeded" });
    expect(view.status).toBe("compensated");
  });

  it("a fresh detail replaces the statuses; an older answer is dropped", () => {
    let view = withDetail(EMPTY_VIEW, detail({ last_seq: 5 }));
    view = withEvents(view, [ev(6, "step.scheduled", "charge", { status: "scheduled" })]);
    const fresh = detail({ last_seq: 9, status: "completed", steps: [step("charge", "succeeded", { attempt: 2 })] });
    view = withDetail(view, fresh);
    expect(view.statuses.charge).toEqual({ status: "succeeded", attempt: 2 });
    expect(view.status).toBe("completed");
    expect(withDetail(view, detail({ last_seq: 7 }))).toBe(view);
  });

  it("keeps events that arrive before the detail", () => {
    let view = withEvents(EMPTY_VIEW, [ev(1, "run.created"), ev(2, "step.scheduled", "a", { status: "scheduled" })]);
    expect(view.lastSeq).toBe(2);
    view = withDetail(view, detail({ last_seq: 1, steps: [], status: "running" }));
    expect(view.statuses.a.status).toBe("scheduled");
  });
});

describe("needsDetail", () => {
  it("asks for a fresh detail after results, not for every start", () => {
    expect(needsDetail(ev(1, "step.started", "a"))).toBe(false);
    expect(needsDetail(ev(1, "step.scheduled", "a"))).toBe(false);
    expect(needsDetail(ev(1, "step.failed", "a"))).toBe(true);
    expect(needsDetail(ev(1, "run.completed"))).toBe(true);
    expect(needsDetail(ev(1, "operator.data_edited"))).toBe(true);
  });
  it("asks for one when a map's item run starts or ends: its progress line and item list change", () => {
    expect(needsDetail(ev(1, "map.item_started", "lines"))).toBe(true);
    expect(needsDetail(ev(1, "map.item_ended", "lines"))).toBe(true);
  });
});
