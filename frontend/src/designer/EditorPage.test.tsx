// @vitest-environment jsdom
/** The editor while its definition and activities are on their way, and when they fail. */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Activity, Definition, Version, VersionSummary } from "../api/definitions";
import { emptySpec } from "../spec/types";
import EditorPage from "./EditorPage";
import { stubFlowMeasurements } from "./jsdomFlow";

const api = vi.hoisted(() => ({
  getDefinition: vi.fn(), listVersions: vi.fn(), getVersion: vi.fn(), listActivities: vi.fn(),
  listDefinitions: vi.fn(), listNodeTypes: vi.fn(), validateSpec: vi.fn(), saveDraft: vi.fn(),
}));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...api }));
const consoleApi = vi.hoisted(() => ({ getMe: vi.fn() }));
vi.mock("../api/console", async (original) => ({ ...(await original<object>()), ...consoleApi }));

beforeAll(stubFlowMeasurements);
afterEach(cleanup);

/** A promise the test settles when it wants (the slow network). */
function later<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const DEFINITION: Definition = {
  key: "orders", name: "Orders", description: "", kind: "graph", created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z", version_count: 2, run_count: 0,
};
const summary = (number: number, status: VersionSummary["status"]): VersionSummary => ({
  number, status, checksum: "c", revision: 3, is_test: false, note: "", created_by: null, published_by: null,
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", published_at: null, run_count: 0, code_version: null,
});
const VERSIONS = [summary(1, "published"), summary(2, "draft")];
const DRAFT: Version = { ...summary(2, "draft"), source: null, spec: emptySpec() };
const ACTIVITIES: Activity[] = [{ name: "shop.charge", description: "Charge the card", input_schema: null, output_schema: null }];

beforeEach(() => {
  vi.clearAllMocks();
  api.listVersions.mockResolvedValue(VERSIONS);
  api.getVersion.mockResolvedValue(DRAFT);
  api.listDefinitions.mockResolvedValue([DEFINITION]);
  api.listNodeTypes.mockResolvedValue([]);
  api.validateSpec.mockResolvedValue([]);
  consoleApi.getMe.mockResolvedValue({ username: "olga", roles: ["operator"], capabilities: ["operate", "view"] });
});

function openEditor() {
  const router = createMemoryRouter([{ path: "/designer/:key", element: <EditorPage /> }], { initialEntries: ["/designer/orders"] });
  return render(<RouterProvider router={router} />);
}

const publish = () => screen.getByRole("button", { name: "Publish…" }) as HTMLButtonElement;
const text = () => document.body.textContent ?? "";

describe("the editor while it loads", () => {
  it("shows a loading state, not an empty new draft, until the definition and its draft are there", async () => {
    const definition = later<Definition>();
    const version = later<Version>();
    const activities = later<Activity[]>();
    api.getDefinition.mockReturnValue(definition.promise);
    api.getVersion.mockReturnValue(version.promise);
    api.listActivities.mockReturnValue(activities.promise);
    openEditor();

    expect(screen.getByTestId("editor-loading").getAttribute("role")).toBe("status");
    expect(screen.getByTestId("editor-loading").textContent).toContain("Loading the definition…");
    expect(screen.queryByTestId("canvas")).toBeNull();
    expect(text()).not.toMatch(/new draft|No activities registered/);
    expect(publish().disabled).toBe(true);

    await act(async () => definition.resolve(DEFINITION));
    // The definition is known, its draft is not yet: still no canvas, no guess about the draft.
    expect(screen.getByTestId("definition-name").textContent).toBe("Orders");
    expect(screen.getByTestId("editor-loading").textContent).toContain("Orders");
    expect(screen.queryByTestId("canvas")).toBeNull();
    expect(screen.getByTestId("editing-what").textContent).toBe("");
    expect(publish().disabled).toBe(true);

    await act(async () => version.resolve(DRAFT));
    expect(screen.getByTestId("canvas")).toBeTruthy();
    expect(screen.queryByTestId("editor-loading")).toBeNull();
    expect(screen.getByTestId("editing-what").textContent).toBe("draft v2");
    expect(publish().disabled).toBe(false);
    // The activities are still on their way: the palette says so.
    expect(screen.getByTestId("activities-loading").textContent).toBe("Loading activities…");
    expect(text()).not.toContain("No activities registered.");

    await act(async () => activities.resolve(ACTIVITIES));
    expect(screen.getByTestId("palette-activity-shop.charge")).toBeTruthy();
    expect(screen.queryByTestId("activities-loading")).toBeNull();
  });

  it("says an empty activity list is empty only once it has loaded", async () => {
    api.getDefinition.mockResolvedValue(DEFINITION);
    api.listActivities.mockResolvedValue([]);
    openEditor();
    await waitFor(() => expect(text()).toContain("No activities registered."));
  });

  it("on a failed load shows only the error, with a retry that works", async () => {
    api.getDefinition.mockRejectedValueOnce(new Error("The server answered 503.")).mockResolvedValue(DEFINITION);
    api.listActivities.mockResolvedValue(ACTIVITIES);
    openEditor();
    const error = await screen.findByTestId("load-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("The server answered 503.");
    expect(text()).not.toMatch(/Loading|new draft|No activities registered/);
    expect(screen.queryByRole("button", { name: "Publish…" })).toBeNull();
    expect(screen.queryByTestId("canvas")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("canvas");
    expect(screen.queryByTestId("load-error")).toBeNull();
    expect(api.getDefinition).toHaveBeenCalledTimes(2);
  });

  it("a failed activity list shows its error and a retry, never 'Loading…' beside it", async () => {
    api.getDefinition.mockResolvedValue(DEFINITION);
    api.listActivities.mockRejectedValueOnce(new Error("The server answered 502.")).mockResolvedValue(ACTIVITIES);
    openEditor();
    const error = await screen.findByTestId("activities-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("Could not load the activities: The server answered 502.");
    expect(screen.queryByTestId("activities-loading")).toBeNull();
    expect(text()).not.toMatch(/Loading|No activities registered/);

    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("palette-activity-shop.charge");
    expect(screen.queryByTestId("activities-error")).toBeNull();
  });
});

describe("the editor's header", () => {
  it("links to the definition's runs in the console, and names the draft it exports", async () => {
    api.getDefinition.mockResolvedValue(DEFINITION);
    api.listActivities.mockResolvedValue(ACTIVITIES);
    openEditor();
    await screen.findByTestId("canvas");
    expect(screen.getByRole("link", { name: "Console" }).getAttribute("href")).toBe("/console/runs?definition=orders");
    const exported = screen.getByTestId("export-canvas");
    expect(exported.textContent).toBe("Export draft");
    expect(exported.getAttribute("title")).toContain("orders-v2-draft.flowdeck.json");
  });
});

describe("the editor's header and tab order", () => {
  it("offers Start run… beside Test run, for the published version", async () => {
    api.getDefinition.mockResolvedValue(DEFINITION);
    api.listActivities.mockResolvedValue(ACTIVITIES);
    openEditor();
    await screen.findByTestId("canvas");
    const start = screen.getByRole("button", { name: "Start run…" }) as HTMLButtonElement;
    await waitFor(() => expect(start.disabled).toBe(false));
    expect(start.previousElementSibling?.textContent).toBe("Test run");
    fireEvent.click(start);
    const version = screen.getByLabelText("Version") as HTMLSelectElement;
    // v2 is the draft being edited: only the published v1 is offered.
    expect([...version.options].map((o) => o.value)).toEqual(["1"]);
  });

  it("has a link past the canvas's nodes to the inspector", async () => {
    api.getDefinition.mockResolvedValue(DEFINITION);
    api.listActivities.mockResolvedValue(ACTIVITIES);
    openEditor();
    const canvas = await screen.findByTestId("canvas");
    const skip = screen.getByRole("link", { name: "Skip the canvas: go to the inspector" });
    // After the palette, before the canvas in the tab order.
    expect(skip.compareDocumentPosition(canvas) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByLabelText("Search the palette").compareDocumentPosition(skip) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    fireEvent.click(skip);
    const side = screen.getByTestId("side-panel");
    expect(document.activeElement).toBe(side);
    expect(side.querySelector("[aria-label='Inspector']")).toBeTruthy();
    // With a drawer open, it names the drawer.
    fireEvent.click(screen.getByRole("button", { name: "Test run" }));
    expect(screen.getByRole("link", { name: "Skip the canvas: go to the test run" })).toBeTruthy();
  });
});
