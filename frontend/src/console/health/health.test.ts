import { describe, expect, it } from "vitest";
import type { Health, WorkerHealth } from "../../api/health";
import { alertSince, bannerAlerts, lag, millis, sortWorkers, workerState } from "./health";

const worker = (name: string, over: Partial<WorkerHealth> = {}): WorkerHealth => ({
  name, host: "vm", pid: 1, threads: 8, queues: ["default"], in_hand: 0, threads_busy: 0,
  started_at: "2026-12-01T14:00:00Z", beat_at: "2026-12-01T14:03:00Z", alive: true, stopped_at: null, ...over,
});
const health = (over: Partial<Health> = {}): Health => ({
  workers: [], schedulers: [], scheduler: { alive: true, last_sweep_at: null, lag_seconds: null, sweep_ms: null }, alerts: [], ...over,
});

describe("the health banner", () => {
  it("shows nothing while all is well or before the first answer", () => {
    expect(bannerAlerts(null)).toEqual([]);
    expect(bannerAlerts(health())).toEqual([]);
  });

  it("shows the server's alerts, each code once, none without text", () => {
    const alerts = bannerAlerts(health({
      alerts: [
        { code: "scheduler.down", text: "No scheduler has swept for 42 s: timers, retries and expired leases wait." },
        { code: "workers.none", text: "No worker is alive: no step runs." },
        { code: "workers.none", text: "duplicate" },
        { code: "other", text: "  " },
      ],
    }));
    expect(alerts.map((a) => a.code)).toEqual(["scheduler.down", "workers.none"]);
    expect(alerts[1].text).toBe("No worker is alive: no step runs.");
  });

  it("each alert's live part comes from its since (the last sweep for the scheduler when it gives none)", () => {
    const h = health({ scheduler: { alive: false, last_sweep_at: "2026-12-01T14:00:00Z", lag_seconds: null, sweep_ms: null } });
    expect(alertSince({ code: "scheduler.down", text: "x" }, h)).toEqual({ label: "last sweep", iso: "2026-12-01T14:00:00Z" });
    expect(alertSince({ code: "workers.none", text: "x", since: "2026-12-01T13:00:00Z" }, h)).toEqual({ label: "last beat", iso: "2026-12-01T13:00:00Z" });
    expect(alertSince({ code: "workers.none", text: "x", since: null }, h)).toBeNull();
  });
});

describe("workers", () => {
  it("a stopped worker said goodbye; a dead one stopped beating", () => {
    expect(workerState({ alive: true, stopped_at: null })).toBe("alive");
    expect(workerState({ alive: false, stopped_at: "2026-12-01T14:00:00Z" })).toBe("stopped");
    expect(workerState({ alive: false, stopped_at: null })).toBe("dead");
    expect(workerState({ alive: false, stopped_at: null, state: "stopped" })).toBe("stopped"); // the server's word wins
  });

  it("lists the dead first, then the alive, then the stopped", () => {
    const list = [worker("b"), worker("z", { alive: false, stopped_at: "x" }), worker("c", { alive: false }), worker("a")];
    expect(sortWorkers(list).map((w) => w.name)).toEqual(["c", "a", "b", "z"]);
    expect(list.map((w) => w.name)).toEqual(["b", "z", "c", "a"]); // not sorted in place
  });

  it("formats sweep times and lag", () => {
    expect(millis(340.4)).toBe("340 ms");
    expect(millis(1250)).toBe("1.3 s");
    expect(millis(null)).toBe("—");
    expect(lag(0.42)).toBe("0.4 s");
    expect(lag(42.4)).toBe("42 s");
    expect(lag(undefined)).toBe("—");
  });
});
