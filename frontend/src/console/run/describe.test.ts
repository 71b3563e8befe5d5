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
    expect(describeEvent(ev("signal.buffered", { signal: "payment.confirmed" }, { node_id: "" })))
      .toBe("signal payment.confirmed received before its step: kept until the run reaches it");
    expect(describeEvent(ev("signal.consumed", { signal: "payment.confirmed" }, { node_id: "paid" })))
      .toBe("kept signal payment.confirmed taken by paid");
    expect(eventTone(ev("signal.buffered"))).toBe("operator");
    // A past event's delay is history, not a countdown.
    expect(describeEvent(ev("step.retry_scheduled", { attempt: 2, delay: 4, next_attempt_at: "2026-11-27T08:00:04Z" })))
      .toMatch(/^charge retry at \d\d:\d\d:\d\d\.\d{3} \(a 4s backoff\) after attempt 2$/);
  });

  it("keeps user text as it is (rendered as text, never markup)", () => {
    const evil = "<img src=x onerror=alert(1)>";
    expect(describeEvent(ev("step.failed", { error: { type: "X", message: evil } }))).toContain(evil);
  });
});

describe("describeActor and tones", () => {
  it("names who acted as the server recorded it: a user, or the system", () => {
    expect(describeActor(ev("operator.retry", {}, { actor: "olga", reason: "card updated" }))).toBe("by olga: card updated");
    expect(describeActor(ev("step.started"))).toBe("system");
    expect(describeActor(ev("run.stuck", {}, { reason: "no progress" }))).toBe("system: no progress");
    expect(describeActor(ev("step.started", {}, { actor: null }))).toBe("");
    expect(describeActor(ev("step.started", {}, { actor: "  " }))).toBe("");
    expect(eventTone(ev("operator.cancel"))).toBe("operator");
    expect(eventTone(ev("step.failed"))).toBe("bad");
    expect(eventTone(ev("run.aborted"))).toBe("bad");
    expect(describeEvent(ev("run.aborted", { status: "aborted", error: { type: "CardDeclined", message: "no funds" } }, { node_id: "" })))
      .toBe("run aborted: failed, nothing undone (CardDeclined: no funds)");
  });
});

describe("a test run's creation", () => {
  it("names the draft it tested, not a version number of its own", () => {
    expect(describeEvent(ev("run.created", { definition: "refund", version: 1_000_040_003 }, { node_id: "" }))).toBe("run created on refund test of draft v4");
    expect(describeEvent(ev("run.created", { definition: "refund", version: 3 }, { node_id: "" }))).toBe("run created on refund v3");
  });
});
