import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../api/runs";
import { describeActor, describeEvent, eventTone } from "./describe";

const ev = (type: string, payload: RunEvent["payload"] = {}, over: Partial<RunEvent> = {}): RunEvent => ({
  run_id: "r", seq: 1, type, node_id: "charge", payload, actor: "system", reason: "", created_at: "2026-11-27T08:00:00Z", ...over,
});

describe("describeEvent", () => {
  it("says what happened in words", () => {
    expect(describeEvent(ev("step.failed", { attempt: 3, final: true, error: { type: "CardDeclined", message: "no funds" } })))
      .toBe("charge failed (attempt 3) for good: CardDeclined: no funds");
    expect(describeEvent(ev("step.failed", { attempt: 1, final: false, error: { type: "Timeout", message: "slow" } })))
      .toBe("charge failed (attempt 1): Timeout: slow");
    expect(describeEvent(ev("step.succeeded", { kind: "compensation", attempt: 1 }))).toBe("compensation of charge succeeded (attempt 1)");
    expect(describeEvent(ev("step.waiting", { signal: "order.approved" }, { node_id: "approval" }))).toBe("approval waiting for signal order.approved");
    expect(describeEvent(ev("run.failed", { status: "failed", previous: "running" }, { node_id: "" }))).toBe("run failed (was running)");
    expect(describeEvent(ev("operator.retry", {}, { node_id: "" }))).toBe("retry from the failed step requested");
  });

  it("keeps user text as it is (rendered as text, never markup)", () => {
    const evil = "<img src=x onerror=alert(1)>";
    expect(describeEvent(ev("step.failed", { error: { type: "X", message: evil } }))).toContain(evil);
  });
});

describe("describeActor and tones", () => {
  it("names the user and reason of an operator action, not the system", () => {
    expect(describeActor(ev("operator.retry", {}, { actor: "olga", reason: "card updated" }))).toBe("by olga: card updated");
    expect(describeActor(ev("step.started"))).toBe("");
    expect(eventTone(ev("operator.cancel"))).toBe("operator");
    expect(eventTone(ev("step.failed"))).toBe("bad");
  });
});
