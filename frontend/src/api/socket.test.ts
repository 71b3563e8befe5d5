import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "./runs";
import { backoffDelay, followRunEvents } from "./socket";

class FakeSocket {
  static all: FakeSocket[] = [];
  static OPEN = 1;
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(events: Partial<RunEvent>[]) {
    this.onmessage?.({ data: JSON.stringify({ type: "events", events }) });
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const ev = (seq: number) => ({ run_id: "r", seq, type: "step.started", node_id: "a", payload: {}, created_at: "" });

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  vi.stubGlobal("window", globalThis);
  vi.stubGlobal("location", { protocol: "http:", host: "example.test" });
  vi.stubGlobal("WebSocket", FakeSocket);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("followRunEvents", () => {
  it("delivers each seq once, in order, and resumes after the last one on reconnect", () => {
    const got: number[] = [];
    const states: string[] = [];
    const conn = followRunEvents("r", 10, (events) => got.push(...events.map((e) => e.seq)), (s) => states.push(s));
    const first = FakeSocket.all[0];
    expect(first.url).toBe("ws://example.test/ws/runs/r/?after_seq=10");
    first.open();
    first.push([ev(9), ev(10), ev(11), ev(12)]);
    first.push([ev(12), ev(13)]);
    expect(got).toEqual([11, 12, 13]);

    first.close(1006); // the server restarted
    expect(states).toContain("reconnecting");
    vi.advanceTimersByTime(30_000);
    const second = FakeSocket.all[1];
    expect(second.url).toBe("ws://example.test/ws/runs/r/?after_seq=13");
    second.open();
    second.push([ev(13), ev(14)]);
    expect(got).toEqual([11, 12, 13, 14]);
    conn.close();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("answers a gap with a resume from the last seq it has", () => {
    const got: number[] = [];
    followRunEvents("r", 0, (events) => got.push(...events.map((e) => e.seq)));
    const s = FakeSocket.all[0];
    s.open();
    s.push([ev(1), ev(2), ev(4), ev(5)]);
    expect(got).toEqual([1, 2]);
    expect(s.sent).toContainEqual({ type: "resume", after_seq: 2 });
    s.push([ev(3), ev(4), ev(5)]);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it("does not come back when refused (no role, no such run)", () => {
    const states: string[] = [];
    followRunEvents("r", 0, () => undefined, (s) => states.push(s));
    FakeSocket.all[0].close(4403);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(states[states.length - 1]).toBe("refused");
  });
});

describe("backoffDelay", () => {
  it("doubles up to the cap, with jitter", () => {
    const mid = () => 0.5;
    expect(backoffDelay(1, { initialMs: 500, maxMs: 15000 }, mid)).toBe(500);
    expect(backoffDelay(3, { initialMs: 500, maxMs: 15000 }, mid)).toBe(2000);
    expect(backoffDelay(20, { initialMs: 500, maxMs: 15000 }, mid)).toBe(15000);
    expect(backoffDelay(1, { initialMs: 500, maxMs: 15000 }, () => 0)).toBe(400);
  });
});
