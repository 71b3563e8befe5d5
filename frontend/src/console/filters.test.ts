import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api/runs";
import { describeFilters, filtersFromSearch, filtersToParams, filtersToSearch, matchesFilters, sameFilters } from "./filters";

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: "6f1c2d3e-0000-4000-8000-000000000001",
  definition: "order-saga",
  version: 2,
  business_key: "order-1042",
  status: "failed",
  stuck: false,
  stuck_reason: "",
  stuck_since: null,
  error: { node_id: "charge", type: "CardDeclined", message: "declined" },
  is_test: false,
  parent_run: null,
  created_at: "2026-11-27T08:00:00+00:00",
  updated_at: "2026-11-27T08:01:00+00:00",
  finished_at: null,
  last_progress_at: null,
  ...over,
});

describe("filters <-> query string", () => {
  it("round-trips every filter", () => {
    const f = {
      definition: "order-saga", version: "2", status: ["failed", "compensation_failed"], stuck: true,
      needs_operator: true, failed_at: "charge", created_after: "2026-11-27T07:00:00.000Z",
      created_before: "2026-11-27T09:00:00.000Z", q: "order-10",
    };
    const search = filtersToSearch(f);
    expect(filtersFromSearch(search)).toEqual(f);
    expect(search).toBe(
      "definition=order-saga&version=2&status=failed%2Ccompensation_failed&stuck=true&needs_operator=true&failed_at=charge" +
        "&created_after=2026-11-27T07%3A00%3A00.000Z&created_before=2026-11-27T09%3A00%3A00.000Z&q=order-10",
    );
  });

  it("leaves out empty filters and ignores unknown keys", () => {
    expect(filtersFromSearch("cursor=abc&q=%20&status=&stuck=maybe")).toEqual({ status: [] });
    expect(filtersToParams({ status: [] })).toEqual({});
    expect(filtersToSearch({ status: [], q: "" })).toBe("");
  });

  it("reads repeated and comma-separated statuses once each", () => {
    expect(filtersFromSearch("status=failed,running&status=failed").status).toEqual(["failed", "running"]);
  });

  it("keeps stuck=false apart from no stuck filter", () => {
    expect(filtersFromSearch("stuck=false").stuck).toBe(false);
    expect(filtersToParams({ status: [], stuck: false })).toEqual({ stuck: "false" });
    expect(sameFilters({ status: [] }, { status: [], stuck: false })).toBe(false);
  });
});

describe("matchesFilters (rows pushed live)", () => {
  it("matches what the server would list", () => {
    expect(matchesFilters(run(), { status: [] })).toBe(true);
    expect(matchesFilters(run(), { status: ["failed"], definition: "order-saga", version: "2", failed_at: "charge" })).toBe(true);
    expect(matchesFilters(run(), { status: ["completed"] })).toBe(false);
    expect(matchesFilters(run(), { status: [], definition: "other" })).toBe(false);
    expect(matchesFilters(run(), { status: [], version: "3" })).toBe(false);
    expect(matchesFilters(run(), { status: [], failed_at: "ship" })).toBe(false);
  });

  it("lists test runs only when asked", () => {
    expect(matchesFilters(run({ is_test: true }), { status: [] })).toBe(false);
    expect(matchesFilters(run({ is_test: true }), { status: [], include_test: true })).toBe(true);
    expect(filtersFromSearch("include_test=true").include_test).toBe(true);
    expect(filtersToParams({ status: [], include_test: false })).toEqual({});
  });

  it("needs_operator means failed or compensation_failed", () => {
    expect(matchesFilters(run({ status: "compensation_failed" }), { status: [], needs_operator: true })).toBe(true);
    expect(matchesFilters(run({ status: "waiting" }), { status: [], needs_operator: true })).toBe(false);
  });

  it("stuck both ways", () => {
    expect(matchesFilters(run({ stuck: true }), { status: [], stuck: true })).toBe(true);
    expect(matchesFilters(run(), { status: [], stuck: true })).toBe(false);
    expect(matchesFilters(run(), { status: [], stuck: false })).toBe(true);
  });

  it("time range: from inclusive, before exclusive", () => {
    const at = "2026-11-27T08:00:00.000Z";
    expect(matchesFilters(run(), { status: [], created_after: at })).toBe(true);
    expect(matchesFilters(run(), { status: [], created_before: at })).toBe(false);
    expect(matchesFilters(run(), { status: [], created_after: "2026-11-27T08:00:01Z" })).toBe(false);
  });

  it("q is a business key prefix or the whole run id", () => {
    expect(matchesFilters(run(), { status: [], q: "order-10" })).toBe(true);
    expect(matchesFilters(run(), { status: [], q: "1042" })).toBe(false);
    expect(matchesFilters(run(), { status: [], q: "6F1C2D3E-0000-4000-8000-000000000001" })).toBe(true);
    expect(matchesFilters(run(), { status: [], q: "6f1c2d3e" })).toBe(false);
    expect(matchesFilters(run({ business_key: null }), { status: [], q: "order" })).toBe(false);
  });
});

describe("describeFilters", () => {
  it("says what a bulk action selects", () => {
    expect(describeFilters({ status: [] })).toBe("every run");
    expect(describeFilters({ status: ["failed"], definition: "order-saga", failed_at: "charge" })).toBe(
      "definition order-saga, status failed, failed at charge",
    );
  });
});
