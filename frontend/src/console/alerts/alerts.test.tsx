// @vitest-environment jsdom
/** The Alerts page: its texts and the rule form's checks; admins create rules, others see why they cannot; user text stays text. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertRule } from "../../api/alerts";
import { ApiError } from "../../api/client";
import type { Me } from "../../api/console";
import { useMeStore } from "../me";
import { cannotAdministerText, draftOf, emptyDraft, fieldsOf, outcomeText, repeatText } from "./alerts";

const api = vi.hoisted(() => ({
  listFiring: vi.fn(), listRules: vi.fn(), listMessages: vi.fn(), createRule: vi.fn(), updateRule: vi.fn(),
  deleteRule: vi.fn(), testRule: vi.fn(),
}));
vi.mock("../../api/alerts", () => api);
const consoleApi = vi.hoisted(() => ({ getMe: vi.fn() }));
vi.mock("../../api/console", async (original) => ({ ...(await original<object>()), ...consoleApi }));
const { default: AlertsPage } = await import("./AlertsPage");

const ADMIN: Me = { username: "ada", roles: ["admin"], capabilities: ["administer", "view"] };
const VIEWER: Me = { username: "vic", roles: ["viewer"], capabilities: ["view"] };
const EVIL = "<img src=x onerror=alert(1)>";

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: 1, name: "Payments failing", kind: "failure_rate", params: { threshold: 0.2, window_seconds: 900, min_runs: 10 },
  definition_key: "pay", channels: [{ type: "slack", url: "https://hooks.slack.com/x" }, { type: "email", to: ["a@x.com", "b@x.com"] }],
  repeat_interval_seconds: 3600, enabled: true, created_by: "ada", created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
  firing: 1, ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  consoleApi.getMe.mockReturnValue(new Promise(() => {}));
  useMeStore.setState({ me: ADMIN, error: null });
  api.listRules.mockResolvedValue([rule()]);
  api.listFiring.mockResolvedValue([{
    id: 3, rule: 1, rule_name: "Payments failing", kind: "failure_rate", group_key: "pay", status: "firing", notified: "firing",
    summary: `pay: 3 of 4 runs failed ${EVIL}`, runs: ["4b1d0000-aaaa"], console_path: "/console/runs?definition=pay",
    first_seen: "2026-12-01T10:00:00Z", last_seen: "2026-12-01T10:01:00Z", last_sent_at: "2026-12-01T10:00:00Z", resolved_at: null,
  }]);
  api.listMessages.mockResolvedValue({ results: [{
    id: 9, rule: 1, rule_name: "Payments failing", group_key: "pay", kind: "firing", channel: "webhook", target: "https://ops/…",
    summary: "pay failing", status: "failed", ok: false, response_code: 500, error: "the receiver answered 500: down", body: {},
    created_at: "2026-12-01T10:00:00Z", delivered_at: "2026-12-01T10:00:01Z",
  }], next_cursor: null });
});
afterEach(cleanup);

const page = () => render(<MemoryRouter><AlertsPage /></MemoryRouter>);

describe("alert texts and the rule form", () => {
  it("says how often a rule repeats, how a message went and why a user cannot manage rules", () => {
    expect(repeatText(0)).toBe("never");
    expect(repeatText(3600)).toBe("every 1h");
    expect(repeatText(90)).toBe("every 90s");
    expect(outcomeText({ status: "sent", response_code: 200, error: "" })).toBe("sent (200)");
    expect(outcomeText({ status: "failed", response_code: null, error: "ConnectError" })).toBe("failed: ConnectError");
    expect(cannotAdministerText(ADMIN)).toBe("");
    expect(cannotAdministerText(VIEWER)).toBe("Your role (viewer) can see alerts but not manage rules; ask an admin.");
  });

  it("turns a draft into the API's fields, or lists what is wrong first", () => {
    const draft = { ...emptyDraft(), name: " Stuck orders ", kind: "stuck" as const, params: { older_than_seconds: "600" },
      channels: [{ type: "email" as const, target: "a@x.com, b@x.com" }, { type: "slack" as const, target: "https://hooks.slack.com/x" }] };
    expect(fieldsOf(draft)).toEqual({ problems: [], fields: {
      name: "Stuck orders", kind: "stuck", params: { older_than_seconds: 600 }, definition_key: "", repeat_interval_seconds: 3600,
      enabled: true, channels: [{ type: "email", to: ["a@x.com", "b@x.com"] }, { type: "slack", url: "https://hooks.slack.com/x" }] } });
    const bad = fieldsOf({ ...emptyDraft(), kind: "failure_rate", params: { threshold: "2" }, channels: [{ type: "webhook", target: "" }], repeat: "-1" });
    expect(bad.fields).toBeNull();
    expect(bad.problems).toEqual(["Name: required.", "Threshold (0 to 1: 0.2 is 20%): a number from 0 to 1.",
      "Channel 1: a URL required.", "Repeat every: a whole number of seconds (0: never)."]);
    expect(fieldsOf(draftOf(rule())).fields?.channels).toEqual(rule().channels);   // an edit keeps what it did not touch
    expect(fieldsOf({ ...emptyDraft(), name: "x", incidentKinds: [], channels: [{ type: "webhook", target: "https://h/" }] }).problems)
      .toEqual(["Incident kinds: pick at least one."]);
  });
});

describe("the Alerts page", () => {
  it("shows what fires, the rules and the log, user text as text", async () => {
    page();
    expect(await screen.findByText(`pay: 3 of 4 runs failed ${EVIL}`)).toBeTruthy();
    expect(document.querySelector("img")).toBeNull();
    expect(screen.getByText("slack: https://hooks.slack.com/x")).toBeTruthy();
    expect(screen.getByText("failed (500): the receiver answered 500: down")).toBeTruthy();
    expect((screen.getByTestId("rule-new") as HTMLButtonElement).disabled).toBe(false);
  });

  it("an admin creates a rule; the server's 400 is shown in the dialog", async () => {
    api.createRule.mockRejectedValueOnce(new ApiError(400, { code: "engine.invalid_input", detail: "the rule is not valid: channels.0.url: only http(s) URLs to a host in FLOWDECK_ALERT_ALLOWED_HOSTS may receive alerts", errors: [] }));
    api.createRule.mockResolvedValueOnce(rule({ id: 2, name: "Stuck" }));
    page();
    fireEvent.click(await screen.findByTestId("rule-new"));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Stuck" } });
    fireEvent.change(screen.getByLabelText("Alert when"), { target: { value: "stuck" } });
    fireEvent.change(screen.getByLabelText("Stuck for longer than (seconds)"), { target: { value: "300" } });
    fireEvent.change(screen.getByLabelText("Channel 1 URL"), { target: { value: "http://10.0.0.5/" } });
    fireEvent.click(screen.getByTestId("rule-save"));
    expect((await screen.findByTestId("rule-error")).textContent).toContain("FLOWDECK_ALERT_ALLOWED_HOSTS");
    fireEvent.change(screen.getByLabelText("Channel 1 URL"), { target: { value: "https://ops.example.com/hook" } });
    fireEvent.click(screen.getByTestId("rule-save"));
    await waitFor(() => expect(screen.getByTestId("alerts-notice").textContent).toBe('Created the rule "Stuck".'));
    expect(api.createRule).toHaveBeenLastCalledWith({ name: "Stuck", kind: "stuck", params: { older_than_seconds: 300 }, definition_key: "",
      channels: [{ type: "webhook", url: "https://ops.example.com/hook" }], repeat_interval_seconds: 3600, enabled: true });
  });

  it("someone who is not an admin sees the rules with every button disabled, saying why", async () => {
    useMeStore.setState({ me: VIEWER });
    page();
    await screen.findByTestId("rule-row");
    const why = "Your role (viewer) can see alerts but not manage rules; ask an admin.";
    expect(screen.getByTestId("rules-refused").textContent).toBe(why);
    for (const button of [screen.getByTestId("rule-new"), screen.getByText("Edit…"), screen.getByTestId("rule-test")]) {
      expect((button as HTMLButtonElement).disabled).toBe(true);
      expect(button.getAttribute("title")).toBe(why);
    }
  });
});
