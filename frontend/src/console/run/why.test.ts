import { describe, expect, it } from "vitest";
import type { WhyDetail } from "../../api/runs";
import { afterLastText, lineText, stuckParts, whyLine, type WhyContext } from "./why";

const NOW = Date.parse("2026-12-01T14:02:58Z");
const style = { locale: "en-GB", timeZone: "UTC" };
const ctx = (over: Partial<WhyContext> = {}): WhyContext => ({ now: NOW, style, ...over });

const detail = (over: Partial<WhyDetail>): WhyDetail => ({
  node_id: "charge", kind: "node", status: "scheduled", text: "", since: null, at: null, attempt: 0, max_attempts: null,
  error_type: null, after_last: null, compensations: [], worker: null, worker_alive: null, worker_last_seen: null, ...over,
});

describe("whyLine", () => {
  it("a step waiting for its retry counts down and says what follows the last attempt", () => {
    const d = detail({
      node_id: "email", status: "scheduled", attempt: 5, max_attempts: 20, error_type: "ShopUnavailable",
      at: "2026-12-01T14:03:10Z", since: "2026-12-01T14:02:50Z", after_last: "compensate", compensations: ["reserve", "charge"],
    });
    const line = whyLine(d, ctx());
    expect(lineText(line)).toBe(
      "email: attempt 5 of 20 failed (ShopUnavailable); next at 14:03:10 (in 12s); after the last: compensate (undo reserve, charge)",
    );
    // The timestamp part carries the full ISO (shown as its title).
    expect(line.parts).toContainEqual({ iso: "2026-12-01T14:03:10Z", text: "14:03:10" });
    // Live: ten seconds later the countdown moved, nothing else did.
    expect(lineText(whyLine(d, ctx({ now: NOW + 10_000 })))).toContain("next at 14:03:10 (in 2s)");
    expect(line.offerForceRetry).toBe(false);
  });

  it("the last attempt's countdown says no 'after the last'; other policies say nothing is undone", () => {
    const last = detail({ attempt: 3, max_attempts: 3, at: "2026-12-01T14:03:10Z", error_type: "X", after_last: "compensate" });
    expect(lineText(whyLine(last, ctx()))).not.toContain("after the last");
    const incident = detail({ attempt: 1, max_attempts: 3, at: "2026-12-01T14:03:10Z", after_last: "incident" });
    expect(lineText(whyLine(incident, ctx()))).toContain("after the last: incident (the run waits for an operator; nothing is undone)");
    expect(afterLastText("fail", [])).toBe("after the last: fail (the run ends aborted; nothing is undone)");
    expect(afterLastText("compensate", [])).toBe("after the last: compensate (nothing to undo)");
    expect(afterLastText(null, ["a"])).toBe("");
  });

  it("a step held by a dead worker offers its force retry", () => {
    const d = detail({
      node_id: "ship", status: "running", attempt: 1, worker: "vm:1234", worker_alive: false,
      worker_last_seen: "2026-12-01T14:00:55Z", since: "2026-12-01T14:00:00Z", at: "2026-12-01T14:05:00Z",
    });
    const line = whyLine(d, ctx());
    expect(lineText(line)).toBe("ship: worker vm:1234 last seen 2m03s ago; retry it now");
    expect(line.offerForceRetry).toBe(true);
  });

  it("a running step with a live worker shows how long, live, and its lease", () => {
    const d = detail({ status: "running", attempt: 2, max_attempts: 5, worker: "vm:7:Thread-1", worker_alive: true, since: "2026-12-01T14:00:55Z", at: "2026-12-01T14:03:30Z" });
    const line = whyLine(d, ctx());
    expect(lineText(line)).toBe("charge: running (attempt 2 of 5) on worker vm:7:Thread-1 for 2m03s; lease until 14:03:30");
    expect(lineText(whyLine(d, ctx({ now: NOW + 1000 })))).toContain("for 2m04s");
    expect(line.offerForceRetry).toBe(false);
  });

  it("an expired lease says so and offers the force retry", () => {
    const d = detail({ status: "running", worker: "vm:14756:Thread-10", worker_alive: null, at: "2026-12-01T14:02:45Z" });
    const line = whyLine(d, ctx());
    expect(lineText(line)).toBe("charge: lease expired on worker vm:14756:Thread-10 at 14:02:45 (13s ago)");
    expect(line.offerForceRetry).toBe(true);
  });

  it("waits: a signal with its timeout, a timer, a child run; a compensation is named as such", () => {
    const signal = detail({ node_id: "approval", status: "waiting", since: "2026-12-01T13:02:58Z", at: "2026-12-02T09:00:00Z" });
    expect(lineText(whyLine(signal, ctx({ nodeType: "signal", signal: "order.approved" })))).toBe(
      "approval: awaiting signal order.approved for 1h00m (times out at 2 Dec 09:00, in 18h57m)",
    );
    expect(lineText(whyLine(detail({ status: "waiting" }), ctx({ nodeType: "signal", signal: "s" })))).toBe("charge: awaiting signal s (no timeout)");
    const wait = detail({ node_id: "cool", status: "waiting", at: "2026-12-01T14:04:00Z" });
    expect(lineText(whyLine(wait, ctx({ nodeType: "wait" })))).toBe("cool: waiting until 14:04:00 (in 1m02s)");
    const child = detail({ node_id: "sub", status: "waiting", since: "2026-12-01T14:02:00Z" });
    expect(lineText(whyLine(child, ctx({ nodeType: "subworkflow" })))).toBe("sub: waiting for its child run for 58s");
    const comp = whyLine(detail({ kind: "compensation", status: "running", worker: "w", worker_alive: true }), ctx());
    expect(comp.subject).toBe("compensation of charge");
  });

  it("a step that failed for good names its error; a step nobody took says since when", () => {
    const failed = detail({ status: "failed", attempt: 1, max_attempts: 1, error_type: "Transient", after_last: "incident" });
    expect(lineText(whyLine(failed, ctx({ errorMessage: "attempt 1 fails" })))).toBe(
      "charge: attempt 1 of 1 failed (Transient: attempt 1 fails); the run waits for an operator (nothing undone)",
    );
    const due = detail({ status: "scheduled", attempt: 0, since: "2026-12-01T14:01:58Z" });
    expect(lineText(whyLine(due, ctx()))).toBe("charge: due since 14:01:58, not taken by a worker for 1m00s");
  });

  it("falls back to the server's text (times made readable) for what it has no fields for", () => {
    const d = detail({ node_id: "x", status: "weird", text: "x: something at 2026-12-01T14:03:10Z" });
    expect(lineText(whyLine(d, ctx()))).toBe("x: something at 14:03:10 (in 12s)");
  });
});

describe("stuckParts", () => {
  it("renders how long, live, from stuck_since and last progress", () => {
    const run = { stuck_since: "2026-12-01T14:00:55Z", last_progress_at: "2026-12-01T13:55:55Z" };
    const text = (now: number) => stuckParts(run, { now, style }).map((p) => (typeof p === "string" ? p : p.text)).join("");
    expect(text(NOW)).toBe("stuck for 2m03s (flagged at 14:00:55); no progress for 7m03s (since 13:55:55)");
    expect(text(NOW + 60_000)).toBe("stuck for 3m03s (flagged at 14:00:55); no progress for 8m03s (since 13:55:55)");
    expect(stuckParts({ stuck_since: null, last_progress_at: null }, { now: NOW })).toEqual(["stuck"]);
  });
});
