import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "./runs";
import { backoffDelay, followRunEvents, followRunList, TOO_SLOW } from "./socket";

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
  message(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) });
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

const omitted = (seq: number) => ({ ...ev(seq), payload: { status: "x" }, payload_omitted: true, payload_bytes: 200_000 });

/** A fetch that answers GET /api/runs/<id>/events/?after_seq=N&limit=1 with event N + 1, or fails. */
function stubEventsApi(fail = false) {
  const urls: string[] = [];
  vi.stubGlobal("fetch", async (url: string) => {
    urls.push(url);
    if (fail) throw new TypeError("network down");
    const seq = Number(new URL(url, "http://example.test").searchParams.get("after_seq")) + 1;
    const body = JSON.stringify([{ seq, type: "operator.data_edited", node_id: "", payload: { big: "y".repeat(10), seq } }]);
    return { status: 200, ok: true, text: async () => body, json: async () => JSON.parse(body) };
  });
  return urls;
}

describe("followRunEvents with payloads the server left out", () => {
  it("fetches each omitted payload and keeps the order of every batch", async () => {
    const urls = stubEventsApi();
    const got: RunEvent[] = [];
    followRunEvents("r", 0, (events) => got.push(...events));
    const s = FakeSocket.all[0];
    s.open();
    s.push([ev(1)]);
    expect(got.map((e) => e.seq)).toEqual([1]); // nothing to fetch: handed on at once
    s.push([ev(2), omitted(3), ev(4)]);
    s.push([ev(5)]); // waits for the batch before it
    expect(got.map((e) => e.seq)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(got[2].payload).toEqual({ big: "yyyyyyyyyy", seq: 3 });
    expect(got[2]).not.toHaveProperty("payload_omitted");
    expect(urls).toEqual(["/api/runs/r/events/?after_seq=2&limit=1"]);
    s.push([ev(6)]); // the queue is empty again: at once
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("hands an event on as streamed, still marked, when its payload cannot be fetched", async () => {
    stubEventsApi(true);
    const got: RunEvent[] = [];
    followRunEvents("r", 0, (events) => got.push(...events));
    FakeSocket.all[0].open();
    FakeSocket.all[0].push([omitted(1), ev(2)]);
    await vi.advanceTimersByTimeAsync(1);
    expect(got.map((e) => e.seq)).toEqual([1, 2]);
    expect(got[0]).toMatchObject({ payload: { status: "x" }, payload_omitted: true, payload_bytes: 200_000 });
  });

  it("delivers nothing after close, even a batch still being fetched", async () => {
    stubEventsApi();
    const got: number[] = [];
    const conn = followRunEvents("r", 0, (events) => got.push(...events.map((e) => e.seq)));
    FakeSocket.all[0].open();
    FakeSocket.all[0].push([omitted(1)]);
    conn.close();
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toEqual([]);
  });
});

describe("close codes", () => {
  it("comes back after 'too slow' (4008) and resumes after the last seq it received", () => {
    const states: { state: string; code?: number }[] = [];
    followRunEvents("r", 0, () => undefined, (state, detail) => states.push({ state, code: detail?.code }));
    const first = FakeSocket.all[0];
    first.open();
    first.push([ev(1), ev(2)]);
    first.close(TOO_SLOW);
    expect(states[states.length - 1]).toEqual({ state: "reconnecting", code: 4008 });
    vi.advanceTimersByTime(30_000);
    expect(FakeSocket.all[1].url).toBe("ws://example.test/ws/runs/r/?after_seq=2");
  });

  it("does not come back after a refused request (4400)", () => {
    followRunEvents("r", 0, () => undefined);
    FakeSocket.all[0].close(4400);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe("followRunList", () => {
  it("reloads when the server says it lost track (resync)", () => {
    let reloads = 0;
    followRunList(() => undefined, () => reloads++);
    FakeSocket.all[0].open();
    FakeSocket.all[0].message({ type: "resync" });
    expect(reloads).toBe(1);
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
