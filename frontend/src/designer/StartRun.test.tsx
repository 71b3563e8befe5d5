// @vitest-environment jsdom
/** "Start run…": a real run of a published version from the designer, its dialog, roles and refusals. */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { Me } from "../api/console";
import type { Definition, VersionSummary } from "../api/definitions";
import type { RunDetail, RunSummary } from "../api/runs";
import { useMeStore } from "../console/me";
import DefinitionsPage from "./DefinitionsPage";
import { failureOf, StartRunButton } from "./StartRun";

const runs = vi.hoisted(() => ({ startRun: vi.fn(), findRunByBusinessKey: vi.fn() }));
vi.mock("../api/runs", async (original) => ({ ...(await original<object>()), ...runs }));
const consoleApi = vi.hoisted(() => ({ getMe: vi.fn() }));
vi.mock("../api/console", async (original) => ({ ...(await original<object>()), ...consoleApi }));
const defs = vi.hoisted(() => ({ listDefinitions: vi.fn(), listVersions: vi.fn() }));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...defs }));

const OPERATOR: Me = { username: "olga", roles: ["operator"], capabilities: ["operate", "view"] };
const VIEWER: Me = { username: "vic", roles: ["viewer"], capabilities: ["view"] };

beforeEach(() => {
  vi.clearAllMocks();
  // The role is set by each test; the request for it never answers.
  consoleApi.getMe.mockReturnValue(new Promise(() => {}));
  useMeStore.setState({ me: OPERATOR, error: null });
});
afterEach(cleanup);

const summary = (number: number, status: VersionSummary["status"], over: Partial<VersionSummary> = {}): VersionSummary => ({
  number, status, checksum: "c", revision: 1, is_test: false, note: "", created_by: null, published_by: null,
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", published_at: null, run_count: 0, code_version: null, ...over,
});
const VERSIONS = [summary(1, "archived"), summary(2, "published"), summary(3, "draft"), summary(4, "published", { is_test: true })];

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: "4b1d-run", definition: "orders", version: 2, business_key: null, status: "running", stuck: false, stuck_reason: "",
  stuck_since: null, error: null, is_test: false, parent_run: null, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
  finished_at: null, last_progress_at: null, ...over,
});

function openButton(versions: VersionSummary[] | null = VERSIONS) {
  const router = createMemoryRouter(
    [
      { path: "/designer/orders", element: <StartRunButton definitionKey="orders" definitionName="Orders" versions={versions} /> },
      { path: "/console/runs/:id", element: <p data-testid="console-run">the console's run page</p> },
    ],
    { initialEntries: ["/designer/orders"] },
  );
  render(<RouterProvider router={router} />);
  return router;
}

const button = () => screen.getByRole("button", { name: "Start run…" }) as HTMLButtonElement;
const dialog = () => screen.getByRole("dialog", { name: "Start a run of Orders" });
const input = () => screen.getByLabelText("Input (JSON)") as HTMLTextAreaElement;
const businessKey = () => screen.getByLabelText("Business key") as HTMLInputElement;
const submit = () => fireEvent.click(screen.getByRole("button", { name: "Start run" }));

describe("the Start run dialog", () => {
  it("offers the published and archived versions, the latest published by default, never a draft or a test version", () => {
    openButton();
    fireEvent.click(button());
    const version = screen.getByLabelText("Version") as HTMLSelectElement;
    expect([...version.options].map((o) => o.textContent)).toEqual(["v2 (published)", "v1 (archived)"]);
    expect(version.value).toBe("2");
    expect(dialog().getAttribute("aria-modal")).toBe("true");
    // The focus goes into the dialog, on its first field.
    expect(document.activeElement).toBe(version);
    // The backend requires no reason to start a run: the field is optional.
    expect((screen.getByLabelText("Reason") as HTMLInputElement).required).toBe(false);
  });

  it("checks that the input is a JSON object before asking the server", async () => {
    openButton();
    fireEvent.click(button());
    fireEvent.change(input(), { target: { value: '{"order_id": 42' } });
    submit();
    expect(dialog().textContent).toContain("The input is not valid JSON");
    expect(input().getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(input());

    fireEvent.change(input(), { target: { value: "[1, 2]" } });
    submit();
    expect(dialog().textContent).toContain('The input must be a JSON object, like {"order_id": 42}, not a list.');
    expect(runs.startRun).not.toHaveBeenCalled();
    expect(runs.findRunByBusinessKey).not.toHaveBeenCalled();
  });

  it("starts a run of the chosen version and links to it in the console", async () => {
    runs.startRun.mockResolvedValue(run({ id: "r/1", version: 1 }) as RunDetail);
    const router = openButton();
    fireEvent.click(button());
    fireEvent.change(screen.getByLabelText("Version"), { target: { value: "1" } });
    fireEvent.change(input(), { target: { value: '{"order_id": 42}' } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: " replaying order 42 " } });
    submit();
    const outcome = await screen.findByTestId("start-run-outcome");
    expect(runs.startRun).toHaveBeenCalledWith({ definition: "orders", version: 1, input: { order_id: 42 }, reason: "replaying order 42" });
    expect(runs.findRunByBusinessKey).not.toHaveBeenCalled();
    expect(outcome.getAttribute("role")).toBe("status");
    expect(outcome.textContent).toContain("Started run r/1 on v1: running.");
    const link = screen.getByRole("link", { name: "Open run in the console" });
    expect(link.getAttribute("href")).toBe("/console/runs/r%2F1");
    await waitFor(() => expect(document.activeElement).toBe(link));
    fireEvent.click(link);
    await screen.findByTestId("console-run");
    expect(router.state.location.pathname).toBe("/console/runs/r%2F1");
  });

  it("sends a new business key with the start", async () => {
    runs.findRunByBusinessKey.mockResolvedValue(null);
    runs.startRun.mockResolvedValue(run({ business_key: "order-42" }) as RunDetail);
    openButton();
    fireEvent.click(button());
    fireEvent.change(businessKey(), { target: { value: "  order-42 " } });
    submit();
    await screen.findByTestId("start-run-outcome");
    expect(runs.findRunByBusinessKey).toHaveBeenCalledWith("orders", "order-42");
    expect(runs.startRun).toHaveBeenCalledWith({ definition: "orders", version: 2, input: {}, business_key: "order-42" });
  });

  it("finds the run a business key already started instead of starting another", async () => {
    runs.findRunByBusinessKey.mockResolvedValue(run({ id: "old-run", business_key: "order-42", status: "completed", version: 1 }));
    openButton();
    fireEvent.click(button());
    fireEvent.change(businessKey(), { target: { value: "order-42" } });
    submit();
    const outcome = await screen.findByTestId("start-run-outcome");
    expect(outcome.textContent).toContain("A run with the business key “order-42” already exists (v1, completed");
    expect(outcome.textContent).toContain("no new run was started");
    expect(screen.getByRole("link", { name: "Open run in the console" }).getAttribute("href")).toBe("/console/runs/old-run");
    expect(runs.startRun).not.toHaveBeenCalled();
  });

  it("shows the server's detail and puts its field errors by their fields", async () => {
    runs.startRun.mockRejectedValue(new ApiError(400, {
      code: "invalid",
      detail: "business_key: Ensure this field has no more than 200 characters.; reason: <b>bad</b>",
      errors: [
        { code: "max_length", message: "Ensure this field has no more than 200 characters.", field: "business_key" },
        { code: "invalid", message: "<b>bad</b>", field: "reason" },
        { code: "invalid", message: "Something else is wrong.", field: null },
      ],
    }));
    runs.findRunByBusinessKey.mockResolvedValue(null);
    openButton();
    fireEvent.click(button());
    fireEvent.change(businessKey(), { target: { value: "k" } });
    submit();
    const error = await screen.findByTestId("start-run-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("Could not start the run: business_key: Ensure this field has no more than 200 characters.");
    expect(error.textContent).toContain("Something else is wrong.");
    // Each field's message next to its field, as text (never HTML).
    const keyField = businessKey().closest("label")!;
    expect(keyField.textContent).toContain("Ensure this field has no more than 200 characters.");
    const reasonField = screen.getByLabelText("Reason").closest("label")!;
    expect(reasonField.textContent).toContain("<b>bad</b>");
    expect(dialog().querySelector("b")).toBeNull();
    expect(screen.queryByTestId("start-run-outcome")).toBeNull();
  });

  it("reads any error body: a 404's detail once, a network failure's sentence", () => {
    const notFound = failureOf(new ApiError(404, { code: "not_found", detail: "no published version 9 of orders", errors: [{ code: "not_found", message: "no published version 9 of orders" }] }));
    expect(notFound).toEqual({ detail: "no published version 9 of orders", fields: {}, other: [] });
    expect(failureOf(new ApiError(0, {})).detail).toBe("The server could not be reached. Check your connection and try again.");
  });

  it("keeps Tab inside, closes on Escape and gives the focus back to its button", () => {
    openButton();
    fireEvent.click(button());
    const close = screen.getByRole("button", { name: "Close" });
    close.focus();
    fireEvent.keyDown(close, { key: "Tab" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close the dialog" }));
    fireEvent.keyDown(document.activeElement!, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(close);
    // The editor's shortcuts never see what is typed in the dialog.
    const onWindow = vi.fn();
    window.addEventListener("keydown", onWindow);
    fireEvent.keyDown(input(), { key: "Backspace" });
    window.removeEventListener("keydown", onWindow);
    expect(onWindow).not.toHaveBeenCalled();

    fireEvent.keyDown(input(), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button());
  });
});

describe("who may start a run", () => {
  it("a viewer sees the action disabled, and why", () => {
    useMeStore.setState({ me: VIEWER });
    openButton();
    expect(button().disabled).toBe(true);
    const why = "Your role (viewer) cannot start runs; ask an operator or an admin.";
    expect(button().title).toBe(why);
    expect(screen.getByTestId("start-run-blocked-orders").textContent).toBe(why);
    expect(button().getAttribute("aria-describedby")).toBe(screen.getByTestId("start-run-blocked-orders").id);
  });

  it("waits for the role, and needs a published version", () => {
    useMeStore.setState({ me: null });
    openButton();
    expect(button().disabled).toBe(true);
    expect(button().title).toBe("Checking your role…");
    act(() => useMeStore.setState({ me: OPERATOR }));
    expect(button().disabled).toBe(false);
    cleanup();

    openButton([summary(1, "draft")]);
    expect(button().disabled).toBe(true);
    expect(button().title).toBe("Publish a version first: a real run runs a published version, never a draft.");
  });

  it("leaves the decision to the server when the role could not be read", () => {
    useMeStore.setState({ me: null, error: "The server answered 502." });
    openButton();
    expect(button().disabled).toBe(false);
  });
});

describe("the definitions list", () => {
  const definition = (key: string): Definition => ({
    key, name: key, description: "", kind: "graph", created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", version_count: 1, run_count: 0,
  });

  it("offers Start run… on the rows with a published version, starting their latest", async () => {
    defs.listDefinitions.mockResolvedValue([definition("orders"), definition("drafty")]);
    defs.listVersions.mockImplementation(async (key: string) => (key === "orders" ? VERSIONS : [summary(1, "draft")]));
    runs.startRun.mockResolvedValue(run() as RunDetail);
    const router = createMemoryRouter([{ path: "*", element: <DefinitionsPage /> }]);
    render(<RouterProvider router={router} />);
    await waitFor(() => expect(screen.getByTestId("definition-orders").textContent).toContain("Start run…"));
    expect(screen.getByTestId("definition-drafty").textContent).not.toContain("Start run…");
    fireEvent.click(screen.getByTestId("start-run-orders"));
    expect(screen.getByRole("dialog", { name: "Start a run of orders" })).toBeTruthy();
    submit();
    await screen.findByTestId("start-run-outcome");
    expect(runs.startRun).toHaveBeenCalledWith({ definition: "orders", version: 2, input: {} });
  });
});
