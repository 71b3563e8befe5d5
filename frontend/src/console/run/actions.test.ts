import { describe, expect, it } from "vitest";
import type { RunDetail, Step } from "../../api/console";
import { compensable, outputTemplate, runActionBlocked, stepActionBlocked, waitingSignals } from "./actions";

const step = (node_id: string, status: Step["status"], over: Partial<Step> = {}): Step => ({
  id: 1, node_id, node_type: "task", kind: "node", status, attempt: 1, attempts: [], input: null, output: null, error: null,
  worker: null, wait_reason: null, child_run_id: null, arrivals: 0, completion_order: null, scheduled_at: null,
  next_attempt_at: null, started_at: null, finished_at: null, lease_expires_at: null, heartbeat_at: null, ...over,
});
const run = (status: RunDetail["status"], steps: Step[]): RunDetail => ({
  id: "r", definition: "d", version: 1, business_key: null, status, stuck: false, stuck_reason: "", stuck_since: null,
  error: null, is_test: false, parent_run: null, created_at: "", updated_at: "", finished_at: null, last_progress_at: null,
  input: {}, data: {}, output: null, parent_node_id: null, last_seq: 1, why: [], steps,
  spec: {
    schema_version: 1,
    nodes: [
      { id: "charge", type: "task", activity: "a", compensation: { activity: "undo" } },
      { id: "reserve", type: "task", activity: "a", compensation: { activity: "undo" } },
      { id: "email", type: "task", activity: "a" },
      { id: "approval", type: "signal", signal: "order.approved" },
    ],
    edges: [],
  },
});

describe("which actions apply", () => {
  it("run actions follow the run's status", () => {
    const failed = run("failed", [step("charge", "failed")]);
    expect(runActionBlocked("retry", failed)).toBeNull();
    expect(runActionBlocked("compensate", failed)).toBeNull();
    expect(runActionBlocked("cancel", failed)).toBeNull();
    expect(runActionBlocked("signal", failed)).toBe("no step is waiting for a signal");
    const done = run("completed", []);
    for (const kind of ["retry", "compensate", "cancel", "data", "signal"] as const) expect(runActionBlocked(kind, done)).not.toBeNull();
    expect(runActionBlocked("retry", run("running", []))).toMatch(/only a failed run/);
  });

  it("step actions follow the step", () => {
    const r = run("failed", [step("charge", "succeeded"), step("reserve", "failed")]);
    expect(stepActionBlocked("retry_step", r, "reserve")).toBeNull();
    expect(stepActionBlocked("skip", r, "reserve")).toBeNull();
    expect(stepActionBlocked("retry_step", r, "charge")).toMatch(/succeeded/);
    expect(stepActionBlocked("skip", r, "email")).toMatch(/has not run/);
    const comp = run("compensation_failed", [step("charge", "succeeded"), step("charge", "failed", { kind: "compensation" })]);
    expect(stepActionBlocked("retry_step", comp, "charge")).toBeNull();
  });

  it("signals that are awaited", () => {
    const r = run("waiting", [step("approval", "waiting", { node_type: "signal" })]);
    expect(waitingSignals(r).map((w) => w.signal)).toEqual(["order.approved"]);
    expect(runActionBlocked("signal", r)).toBeNull();
  });

  it("compensate undoes succeeded steps with a compensation, newest first", () => {
    const r = run("failed", [
      step("charge", "succeeded", { completion_order: 1 }),
      step("reserve", "succeeded", { completion_order: 2 }),
      step("email", "succeeded", { completion_order: 3 }),
    ]);
    expect(compensable(r)).toEqual(["reserve", "charge"]);
  });

  it("a skip output template from the output schema", () => {
    expect(outputTemplate({ type: "object", properties: { id: { type: "string" }, n: { type: "integer" }, x: { type: "string" } }, required: ["id", "n"] }))
      .toEqual({ id: "", n: 0 });
    expect(outputTemplate(null)).toEqual({});
  });
});
