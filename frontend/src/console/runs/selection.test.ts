import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../api/runs";
import { upsertRun } from "./liveList";
import { searchHint, splitSearch } from "./search";
import { pageState, togglePage, toggleRows } from "./selection";

const IDS = ["a", "b", "c", "d", "e"];

describe("checked rows", () => {
  it("a click toggles one row, a shift-click the range from the last clicked", () => {
    let s = toggleRows(IDS, new Set(), "b", true);
    expect([...s]).toEqual(["b"]);
    s = toggleRows(IDS, s, "e", true, { anchor: "b", shift: true });
    expect([...s].sort()).toEqual(["b", "c", "d", "e"]);
    s = toggleRows(IDS, s, "c", false, { anchor: "e", shift: true });   // unchecking a range upwards
    expect([...s]).toEqual(["b"]);
    s = toggleRows(IDS, s, "d", true, { anchor: "gone", shift: true });  // the anchor left the page: one row
    expect([...s].sort()).toEqual(["b", "d"]);
  });

  it("the page's checkbox: all, some or none; it checks every row or, all checked, none", () => {
    expect(pageState(IDS, new Set())).toBe("none");
    expect(pageState(IDS, new Set(["a"]))).toBe("some");
    const all = togglePage(IDS, new Set(["a", "elsewhere"]));
    expect(pageState(IDS, all)).toBe("all");
    expect([...togglePage(IDS, all)]).toEqual(["elsewhere"]);
  });
});

describe("the search box", () => {
  it("splits field terms from a business-key prefix as the server does", () => {
    expect(splitSearch("order-1042")).toEqual({ text: "order-1042", fields: [] });
    expect(splitSearch("order 1042")).toEqual({ text: "order 1042", fields: [] });
    expect(splitSearch('order- customer.email=a@b.c name="Ann Lee"')).toEqual({ text: "order-", fields: ["customer.email=a@b.c", 'name="Ann Lee"'] });
    expect(splitSearch("amount_cents=4990")).toEqual({ text: undefined, fields: ["amount_cents=4990"] });
  });

  it("says how to search an input field when given a bare email", () => {
    expect(searchHint("ann@example.com")).toBe("To find runs by an input field, name the field: e.g. customer.email=ann@example.com");
    expect(searchHint("customer.email=ann@example.com")).toBeNull();
    expect(searchHint("order-1")).toBeNull();
  });

  it("live rows under a field search: a listed row updates in place, a new run waits for the next load", () => {
    const row = (id: string, over: Partial<RunSummary> = {}): RunSummary => ({
      id, definition: "shop", version: 1, business_key: `order-${id}`, status: "running", stuck: false, stuck_reason: "", stuck_since: null,
      error: null, is_test: false, parent_run: null, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", finished_at: null,
      last_progress_at: null, ...over,
    });
    const filters = { status: [], q: "order- customer.email=a@b.c" };
    const page = { first: true, limit: 50 };
    const listed = [row("1")];
    const updated = upsertRun(listed, row("1", { status: "completed", updated_at: "2026-12-01T10:01:00Z" }), filters, page);
    expect(updated.change).toBe("updated");
    expect(upsertRun(listed, row("2", { created_at: "2026-12-01T11:00:00Z" }), filters, page).change).toBe("none");
    expect(upsertRun(listed, row("1", { business_key: "other", updated_at: "2026-12-01T10:02:00Z" }), filters, page).change).toBe("removed");
    expect(upsertRun(listed, row("1", { status: "failed", updated_at: "2026-12-01T10:02:00Z" }), { ...filters, status: ["running"] }, page).change).toBe("removed");
  });
});
