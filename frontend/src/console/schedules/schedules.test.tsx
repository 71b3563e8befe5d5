// @vitest-environment jsdom
/** The Schedules pages: the form's checks, the buttons each role gets (disabled saying why), fires linking to runs; user text stays text. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Schedule } from "../../api/schedules";
import { draftOf, emptyDraft, fieldsOf, outcomeText, refusedText, secondsText } from "./schedules";

const api = vi.hoisted(() => ({
  listSchedules: vi.fn(), getSchedule: vi.fn(), listFires: vi.fn(), createSchedule: vi.fn(), updateSchedule: vi.fn(),
  deleteSchedule: vi.fn(), pauseSchedule: vi.fn(), resumeSchedule: vi.fn(), triggerSchedule: vi.fn(),
}));
vi.mock("../../api/schedules", () => api);
const { default: SchedulesPage } = await import("./SchedulesPage");
const { default: SchedulePage } = await import("./SchedulePage");

const EVIL = "<img src=x onerror=alert(1)>";
const OPERATE = "your role cannot update schedules: that needs an admin or a designer";
const schedule = (over: Partial<Schedule> = {}): Schedule => ({
  slug: "nightly", name: `Nightly ${EVIL}`, description: "", definition_key: "report", input: { region: "eu" },
  cron: "0 2 * * *", interval_seconds: null, timezone: "Europe/Berlin", timing: "cron 0 2 * * * (Europe/Berlin)",
  overlap_policy: "skip", catchup_window_seconds: 300, paused: false, paused_reason: "",
  next_fire_at: "2026-12-04T01:00:00Z", last_fire_at: "2026-12-03T01:00:00Z", last_outcome: "started", last_reason: "",
  last_run_id: "4b1d0000-aaaa-bbbb-cccc-000000000001", last_run_status: "running", last_run_open: true,
  created_by: "dora", created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
  actions: { update: OPERATE, delete: OPERATE, pause: null, resume: "it is not paused", trigger: null }, ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  api.listSchedules.mockResolvedValue({ results: [schedule()], actions: { create: "your role cannot create schedules: that needs an admin or a designer" } });
  api.getSchedule.mockResolvedValue(schedule());
  api.listFires.mockResolvedValue({ upcoming: ["2026-12-04T01:00:00Z", "2026-12-05T01:00:00Z"], results: [
    { id: 2, fire_at: "2026-12-03T01:00:00Z", kind: "trigger", outcome: "started", reason: "", run_id: "4b1d0000-aaaa-bbbb-cccc-000000000001",
      run_status: "running", business_key: "schedule:nightly:x", user: "olga", request_id: "r", recorded_at: "2026-12-03T01:00:00Z", started_at: null },
    { id: 1, fire_at: "2026-12-02T01:00:00Z", kind: "scheduled", outcome: "skipped_overlap", reason: `run x was still open ${EVIL}`, run_id: null,
      run_status: null, business_key: null, user: null, request_id: null, recorded_at: "2026-12-02T01:00:00Z", started_at: null },
  ] });
});
afterEach(cleanup);

describe("schedule texts and the form", () => {
  it("checks the draft before sending and turns it into fields", () => {
    const draft = { ...emptyDraft(), slug: "Bad Slug", input: "[1]", catchup: "5", definition_key: "" };
    expect(fieldsOf(draft, true).problems).toEqual([
      "Slug: lowercase letters, digits, - and _, starting with a letter or digit.",
      "Definition: the key of the definition (or code workflow) to start.",
      "Input: must be a JSON object, e.g. {\"region\": \"eu\"}.",
      "Catch-up window: a whole number of seconds, at least 10.",
    ]);
    expect(fieldsOf({ ...emptyDraft(), slug: "x", definition_key: "report", input: "{" }, true).problems).toEqual(["Input: not valid JSON."]);
    const { fields } = fieldsOf({ ...emptyDraft(), slug: "hourly", definition_key: "report", timing: "interval", interval: "3600" }, true);
    expect(fields).toMatchObject({ name: "hourly", cron: null, interval_seconds: 3600, timezone: "UTC", catchup_window_seconds: 300 });
    expect(draftOf(schedule()).input).toBe('{\n  "region": "eu"\n}');
    expect(outcomeText("skipped_overlap")).toBe("skipped (overlap)");
    expect(outcomeText(null)).toBe("not fired yet");
    expect(secondsText(300)).toBe("5m");
    expect(refusedText(schedule(), "update")).toBe("Your role cannot update schedules: that needs an admin or a designer.");
  });
});

describe("the pages", () => {
  it("lists schedules with their next fire and last outcome; an operator may pause and trigger but not create", async () => {
    render(<MemoryRouter><SchedulesPage /></MemoryRouter>);
    const row = await screen.findByTestId("schedule-row");
    expect(row.textContent).toContain(`Nightly ${EVIL}`);            // text, never HTML
    expect(row.querySelector("img")).toBeNull();
    expect(screen.getByTestId("schedule-last-outcome").textContent).toBe("started");
    expect(screen.getByTestId("schedule-new")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("schedule-create-refused").textContent).toContain("Your role cannot create schedules");
    expect(screen.getByTestId("schedule-trigger")).toHaveProperty("disabled", false);
    api.triggerSchedule.mockResolvedValue({ fire: { outcome: "skipped_overlap", reason: "run x was still open" }, schedule: schedule() });
    fireEvent.click(screen.getByTestId("schedule-trigger"));
    await waitFor(() => expect(screen.getByTestId("schedules-notice").textContent).toBe(
      `Triggered Nightly ${EVIL}: skipped (overlap) (run x was still open).`));
    expect(api.triggerSchedule.mock.calls[0][0]).toBe("nightly");
    expect(typeof api.triggerSchedule.mock.calls[0][1]).toBe("string");   // a request id per click
  });

  it("shows a schedule's fires linking to their runs, and disables what the role may not do", async () => {
    render(<MemoryRouter initialEntries={["/console/schedules/nightly"]}><Routes>
      <Route path="/console/schedules/:slug" element={<SchedulePage />} /></Routes></MemoryRouter>);
    const rows = await screen.findAllByTestId("fire-row");
    expect(rows.map((r) => r.getAttribute("data-outcome"))).toEqual(["started", "skipped_overlap"]);
    expect(screen.getByTestId("fire-run").getAttribute("href")).toBe("/console/runs/4b1d0000-aaaa-bbbb-cccc-000000000001");
    expect(rows[0].textContent).toContain("triggered by olga");
    expect(rows[1].textContent).toContain(EVIL);
    expect(screen.getByTestId("schedule-upcoming").querySelectorAll("li")).toHaveLength(2);
    expect(screen.getByTestId("schedule-update")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("schedule-update").getAttribute("title")).toBe("Your role cannot update schedules: that needs an admin or a designer.");
    expect(screen.getByTestId("schedule-delete")).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByTestId("schedule-pause"));
    api.pauseSchedule.mockResolvedValue(schedule({ paused: true }));
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "db upgrade" } });
    fireEvent.click(screen.getByTestId("schedule-confirm-button"));
    await waitFor(() => expect(api.pauseSchedule).toHaveBeenCalledWith("nightly", "db upgrade"));
    await waitFor(() => expect(screen.getByTestId("schedule-notice").textContent).toBe(`Paused Nightly ${EVIL}.`));
  });
});
