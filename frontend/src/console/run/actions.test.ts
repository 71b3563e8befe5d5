import { describe, expect, it } from "vitest";
import type { AvailableAction, RunDetail, Step } from "../../api/runs";
import { actionableSteps, actionKey, buttonText, compensable, findAction, outputTemplate, runActions, stepActions } from "./actions";

const step = (node_id: string, status: Step["status"], over: Partial<Step> = {}): Step => ({
  id: 1, node_id, node_type: "task", kind: "node", status, attempt: 1, attempts: [], input: null, output: null, error: null,
  worker: null, wait_reason: null, child_run_id: null, arrivals: 0, completion_order: null, scheduled_at: null,
  next_attempt_at: null, started_at: null, finished_at: null, lease_expires_at: null, heartbeat_at: null, ...over,
});
const run = (status: RunDetail["status"], steps: Step[]): RunDetail => ({
  id: "r", definition: "d", version: 1, business_key: null, status, stuck: false, stuck_reason: "", stuck_since: null,
  error: null, is_test: false, parent_run: null, created_at: "", updated_at: "", finished_at: null, last_progress_at: null,
  input: {}, data: {}, output: null, parent_node_id: null, last_seq: 1, why: [], available_actions: [], why_details: [], steps,
  spec: {
    schema_version: 1,
    nodes: [
      { id: "charge", type: "task", activity: "a", compensation: { activity: "undo" } },
      { id: "reserve", type: "task", activity: "a", compensation: { activity: "undo" } },
      { id: "email", type: "task", activity: "a" },
    ],
    edges: [],
  },
});

const act = (action: AvailableAction["action"], over: Partial<AvailableAction> = {}): AvailableAction => ({
  action, node_id: null, kind: null, allowed: true, reason: null, label: action, destructive: false, signal: null, ...over,
});
const refused = (action: AvailableAction["action"], reason: string, over: Partial<AvailableAction> = {}) => act(action, { allowed: false, reason, ...over });

// What the server answers for a failed run whose reserve step failed while charge succeeded.
const FAILED: AvailableAction[] = [
  act("cancel", { label: "Cancel", destructive: true }),
  act("compensate", { label: "Compensate now", destructive: true }),
  act("retry", { label: "Retry from failed step" }),
  refused("signal", "no step is waiting for a signal", { label: "Send signal" }),
  act("edit_data", { label: "Edit data" }),
  refused("retry_step", "step charge is succeeded", { node_id: "charge", kind: "node", label: "Retry this step now" }),
  refused("skip", "step charge is succeeded", { node_id: "charge", kind: "node", label: "Skip with an output" }),
  refused("force_retry", "step charge is not running", { node_id: "charge", kind: "node", label: "Force retry", destructive: true }),
  refused("force_retry", "step reserve is not running", { node_id: "reserve", kind: "node", label: "Force retry", destructive: true }),
  act("skip", { node_id: "reserve", kind: "node", label: "Skip with an output" }),
  act("retry_step", { node_id: "reserve", kind: "node", label: "Retry this step now" }),
  act("retry_step", { node_id: "charge", kind: "compensation", label: "Retry this step now" }),
];

describe("buttons come from the server's available_actions", () => {
  it("run-level entries in bar order, step entries left out", () => {
    expect(runActions(FAILED).map((a) => a.action)).toEqual(["retry", "signal", "edit_data", "compensate", "cancel"]);
  });

  it("one entry per waiting signal node is one button each", () => {
    const waiting = [act("signal", { node_id: "approval", signal: "order.approved" }), act("signal", { node_id: "kyc", signal: "kyc.done" }), act("cancel")];
    expect(runActions(waiting).map((a) => [a.action, a.node_id])).toEqual([["signal", "approval"], ["signal", "kyc"], ["cancel", null]]);
  });

  it("a step's entries, both kinds or one, in button order", () => {
    expect(stepActions(FAILED, "reserve").map((a) => a.action)).toEqual(["retry_step", "force_retry", "skip"]);
    expect(stepActions(FAILED, "charge").map((a) => `${a.kind}:${a.action}`)).toEqual([
      "node:retry_step", "compensation:retry_step", "node:force_retry", "node:skip",
    ]);
    expect(stepActions(FAILED, "charge", "compensation").map((a) => a.action)).toEqual(["retry_step"]);
    expect(stepActions(FAILED, "email")).toEqual([]);
  });

  it("the overview lists every step with an allowed action, and all of that step's actions", () => {
    const groups = actionableSteps(FAILED);
    expect(groups.map((g) => `${g.kind}:${g.nodeId}`)).toEqual(["node:reserve", "compensation:charge"]);
    expect(groups[0].actions.map((a) => [a.action, a.allowed])).toEqual([["retry_step", true], ["force_retry", false], ["skip", true]]);
    // Every allowed step entry is on the page through the overview.
    const allowedSteps = FAILED.filter((a) => a.allowed && a.node_id).map(actionKey).sort();
    expect(groups.flatMap((g) => g.actions).filter((a) => a.allowed).map(actionKey).sort()).toEqual(allowedSteps);
  });

  it("nothing allowed on steps: no overview", () => {
    expect(actionableSteps(FAILED.filter((a) => !a.node_id || !a.allowed))).toEqual([]);
  });

  it("finds the force retry a why line offers", () => {
    const list = [act("force_retry", { node_id: "ship", kind: "node" }), act("force_retry", { node_id: "ship", kind: "compensation", allowed: false })];
    expect(findAction(list, "force_retry", "ship", "node")?.allowed).toBe(true);
    expect(findAction(list, "force_retry", "ship", "compensation")?.allowed).toBe(false);
    expect(findAction(list, "force_retry", "charge", "node")).toBeUndefined();
  });

  it("button text is the server's label, ending in an ellipsis (each opens a confirmation)", () => {
    expect(buttonText(act("force_retry", { label: "Force retry" }))).toBe("Force retry…");
    expect(buttonText(act("retry", { label: "Retry from failed step…" }))).toBe("Retry from failed step…");
    expect(buttonText(act("edit_data", { label: "" }))).toBe("edit data…");
  });

  it("keys are unique per action, kind and node, and safe as element ids", () => {
    const keys = FAILED.map(actionKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(actionKey(act("retry_step", { node_id: "a b<c>", kind: "node" }))).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe("display helpers", () => {
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
