import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../api/runs";
import { upsertRun } from "./liveList";

let n = 0;
const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
  definition: "orders",
  version: 1,
  business_key: `order-${n}`,
  status: "running",
  stuck: false,
  stuck_reason: "",
  stuck_since: null,
  error: null,
  is_test: false,
  parent_run: null,
  created_at: `2026-11-27T08:00:${String(n % 60).padStart(2, "0")}+00:00`,
  updated_at: `2026-11-27T08:00:${String(n % 60).padStart(2, "0")}+00:00`,
  finished_at: null,
  last_progress_at: null,
  ...over,
});

describe("upsertRun", () => {
  const first = { first: true, limit: 3 };

  it("changes a row in place", () => {
    const a = run();
    const b = run();
    const rows = [b, a];
    const changed = { ...a, status: "completed" as const, updated_at: "2026-11-27T09:00:00+00:00" };
    const out = upsertRun(rows, changed, { status: [] }, first);
    expect(out.change).toBe("updated");
    expect(out.rows.map((r) => r.status)).toEqual(["running", "completed"]);
  });

  it("drops a row that no longer matches the filters", () => {
    const a = run({ status: "failed" });
    const out = upsertRun([a], { ...a, status: "running", updated_at: "2026-11-27T09:00:00+00:00" }, { status: ["failed"] }, first);
    expect(out).toEqual({ rows: [], change: "removed" });
  });

  it("inserts a new matching run at the top of the first page and keeps the page size", () => {
    const rows = [run(), run(), run()].reverse();
    const fresh = run();
    const out = upsertRun(rows, fresh, { status: [] }, first);
    expect(out.change).toBe("inserted");
    expect(out.rows[0].id).toBe(fresh.id);
    expect(out.rows).toHaveLength(3);
  });

  it("ignores new runs that do not match, and on later pages", () => {
    expect(upsertRun([], run({ status: "completed" }), { status: ["failed"] }, first).change).toBe("none");
    expect(upsertRun([], run(), { status: [] }, { first: false, limit: 3 }).change).toBe("none");
  });

  it("ignores a summary older than the row shown", () => {
    const a = run({ updated_at: "2026-11-27T09:00:00+00:00", status: "completed" });
    const out = upsertRun([a], { ...a, status: "running", updated_at: "2026-11-27T08:59:00+00:00" }, { status: [] }, first);
    expect(out.change).toBe("none");
    expect(out.rows[0].status).toBe("completed");
  });

  it("places an older run in created order, not beyond a full page", () => {
    const newest = run();
    const older = run({ created_at: "2026-11-27T07:00:00+00:00" });
    expect(upsertRun([newest], older, { status: [] }, first).rows.map((r) => r.id)).toEqual([newest.id, older.id]);
    const full = [run(), run(), run()];
    expect(upsertRun(full, run({ created_at: "2026-11-26T00:00:00+00:00" }), { status: [] }, first).change).toBe("none");
  });
});
