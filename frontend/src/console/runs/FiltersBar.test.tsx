// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunSummary } from "../../api/runs";
import { describeFilters, filtersFromSearch, filtersToSearch, matchesFilters } from "../filters";
import { FiltersBar } from "./FiltersBar";

afterEach(cleanup);

const row = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: "6f1c2d3e-0000-4000-8000-000000000001", definition: "order-saga", version: 1, business_key: "order-1", status: "waiting",
  stuck: false, stuck_reason: "", stuck_since: null, error: null, is_test: false, parent_run: null,
  created_at: "2026-11-27T08:00:00+00:00", updated_at: "2026-11-27T08:01:00+00:00", finished_at: null, last_progress_at: null, ...over,
});

describe("the runs list's SLA filter", () => {
  it("is a select in the filter bar: breached, at risk, or any", () => {
    const onChange = vi.fn();
    const { rerender } = render(<FiltersBar filters={{ status: ["waiting"] }} definitions={[]} onChange={onChange} />);
    const select = screen.getByRole("combobox", { name: "SLA" }) as HTMLSelectElement;
    expect(select.value).toBe("");
    expect([...select.options].map((o) => o.textContent)).toEqual(["any", "breached", "at risk"]);
    fireEvent.change(select, { target: { value: "at_risk" } });
    expect(onChange).toHaveBeenLastCalledWith({ status: ["waiting"], sla: "at_risk" });
    rerender(<FiltersBar filters={{ status: [], sla: "breached" }} definitions={[]} onChange={onChange} />);
    expect((screen.getByRole("combobox", { name: "SLA" }) as HTMLSelectElement).value).toBe("breached");
    fireEvent.change(screen.getByRole("combobox", { name: "SLA" }), { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith({ status: [], sla: undefined });
  });

  it("goes to the API's query string and back; an unknown value is dropped", () => {
    expect(filtersToSearch({ status: [], sla: "breached" })).toBe("sla=breached");
    expect(filtersFromSearch("sla=at_risk&definition=x")).toEqual({ status: [], definition: "x", sla: "at_risk" });
    expect(filtersFromSearch("sla=late")).toEqual({ status: [] });
    expect(describeFilters({ status: [], sla: "at_risk" })).toBe("SLA at risk");
  });

  it("keeps a pushed row only when its state is the one asked for", () => {
    expect(matchesFilters(row({ sla_state: "breached" }), { status: [], sla: "breached" })).toBe(true);
    expect(matchesFilters(row({ sla_state: "at_risk" }), { status: [], sla: "breached" })).toBe(false);
    expect(matchesFilters(row({ sla_state: null }), { status: [], sla: "at_risk" })).toBe(false);
    expect(matchesFilters(row({}), { status: [] })).toBe(true);
  });
});
