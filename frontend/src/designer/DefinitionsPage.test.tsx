// @vitest-environment jsdom
/** The definitions list: loading and failure states, import onto a draft, what Export exports. */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { Definition, VersionSummary } from "../api/definitions";
import DefinitionsPage from "./DefinitionsPage";

const api = vi.hoisted(() => ({ listDefinitions: vi.fn(), listVersions: vi.fn(), importDefinition: vi.fn() }));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...api }));

afterEach(cleanup);
beforeEach(() => vi.clearAllMocks());

const definition = (key: string): Definition => ({
  key, name: key, description: "", kind: "graph", created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
  version_count: 2, run_count: 0,
});
const summary = (number: number, status: VersionSummary["status"]): VersionSummary => ({
  number, status, checksum: "c", revision: 1, is_test: false, note: "", created_by: null, published_by: null,
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", published_at: null, run_count: 0, code_version: null,
});

function openList() {
  const router = createMemoryRouter([{ path: "*", element: <DefinitionsPage /> }]);
  return render(<RouterProvider router={router} />);
}

const text = () => document.body.textContent ?? "";

describe("the definitions list while it loads", () => {
  it("says it is loading, then shows the list", async () => {
    let answer!: (d: Definition[]) => void;
    api.listDefinitions.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    api.listVersions.mockResolvedValue([summary(1, "published")]);
    openList();
    expect(screen.getByTestId("list-loading").getAttribute("role")).toBe("status");
    expect(text()).not.toContain("No definitions yet");
    await act(async () => answer([definition("orders")]));
    expect(screen.getByTestId("definition-orders")).toBeTruthy();
    expect(screen.queryByTestId("list-loading")).toBeNull();
  });

  it("on failure shows only the error and a retry, never 'Loading…' beside it", async () => {
    api.listDefinitions.mockRejectedValueOnce(new ApiError(0, {})).mockResolvedValue([definition("orders")]);
    api.listVersions.mockResolvedValue([]);
    openList();
    const error = await screen.findByTestId("list-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("Could not load the definitions: The server could not be reached.");
    expect(text()).not.toMatch(/Loading|No definitions yet/);
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("definition-orders");
    expect(screen.queryByTestId("list-error")).toBeNull();
  });

  it("links to the console", async () => {
    api.listDefinitions.mockResolvedValue([]);
    openList();
    expect(screen.getByRole("link", { name: "Console" }).getAttribute("href")).toBe("/console/");
    await screen.findByText(/No definitions yet/);
  });
});

describe("Export on the list", () => {
  it("exports the latest published version, not the newer draft", async () => {
    api.listDefinitions.mockResolvedValue([definition("orders"), definition("fresh")]);
    api.listVersions.mockImplementation(async (key: string) =>
      key === "orders" ? [summary(1, "archived"), summary(2, "published"), summary(3, "draft")] : [summary(1, "draft")],
    );
    openList();
    const orders = await screen.findByTestId("export-orders");
    expect(orders.textContent).toBe("Export v2");
    expect(orders.getAttribute("href")).toBe("/api/definitions/orders/export/?version=2");
    expect(orders.getAttribute("download")).toBe("orders-v2.flowdeck.json");
    // Nothing published yet: the draft, and it says so.
    const fresh = screen.getByTestId("export-fresh");
    expect(fresh.textContent).toBe("Export draft v1");
    expect(fresh.getAttribute("href")).toBe("/api/definitions/fresh/export/?version=1");
    expect(fresh.getAttribute("download")).toBe("fresh-v1-draft.flowdeck.json");
  });
});

describe("a row whose versions could not be read", () => {
  it("says so, and offers no export it cannot name", async () => {
    api.listDefinitions.mockResolvedValue([definition("orders")]);
    api.listVersions.mockRejectedValue(new ApiError(503, {}));
    openList();
    expect((await screen.findByTestId("versions-error-orders")).textContent).toBe("Could not load the versions.");
    expect(screen.queryByTestId("export-orders")).toBeNull();
  });
});

describe("importing onto a key with an unpublished draft", () => {
  const DOCUMENT = { format: "flowdeck.definition/v1", key: "refund-copy", name: "Refund", spec: { schema_version: 1, nodes: [], edges: [] } };
  const REFUSED = new ApiError(409, {
    code: "import.draft_exists",
    detail: "refund-copy has an unpublished draft v3",
    draft: { key: "refund-copy", number: 3, revision: 7, updated_at: "2026-12-01T10:00:00Z", created_by: "dana" },
  });

  async function pick() {
    api.listDefinitions.mockResolvedValue([definition("refund-copy")]);
    api.listVersions.mockResolvedValue([summary(2, "published"), summary(3, "draft")]);
    openList();
    await screen.findByTestId("definition-refund-copy");
    const file = new File([JSON.stringify(DOCUMENT)], "refund.flowdeck.json", { type: "application/json" });
    fireEvent.change(screen.getByTestId("import-definition"), { target: { files: [file] } });
    return screen.findByTestId("import-confirm");
  }

  it("asks first, naming the draft it would replace; Cancel leaves the draft alone", async () => {
    api.importDefinition.mockRejectedValueOnce(REFUSED);
    const dialog = await pick();
    expect(dialog.getAttribute("role")).toBe("alertdialog");
    expect(dialog.textContent).toContain("Replace the unpublished draft v3 of refund-copy?");
    expect(dialog.textContent).toContain("refund.flowdeck.json");
    expect(dialog.textContent).toContain("started by dana");
    expect(api.importDefinition).toHaveBeenCalledTimes(1);
    expect(api.importDefinition).toHaveBeenCalledWith(DOCUMENT, { overwriteDraft: false });
    expect(text()).not.toContain("Imported refund-copy");

    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("import-confirm")).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("Import cancelled: draft v3 of refund-copy is unchanged.");
    expect(api.importDefinition).toHaveBeenCalledTimes(1);
  });

  it("replaces the draft only when confirmed", async () => {
    api.importDefinition.mockRejectedValueOnce(REFUSED).mockResolvedValueOnce({ key: "refund-copy", number: 3, status: "draft" });
    await pick();
    fireEvent.click(screen.getByRole("button", { name: "Replace draft v3" }));
    await waitFor(() => expect(screen.queryByTestId("import-confirm")).toBeNull());
    expect(api.importDefinition).toHaveBeenLastCalledWith(DOCUMENT, { overwriteDraft: true });
    expect(await screen.findByText("Imported refund-copy (v3, draft), replacing its previous draft.")).toBeTruthy();
  });

  it("reports any other refusal as a failed import", async () => {
    api.importDefinition.mockRejectedValueOnce(new ApiError(400, { detail: "not a Flowdeck definition export" }));
    api.listDefinitions.mockResolvedValue([]);
    openList();
    const file = new File(["{}"], "x.json", { type: "application/json" });
    fireEvent.change(screen.getByTestId("import-definition"), { target: { files: [file] } });
    expect((await screen.findByRole("alert")).textContent).toBe("Import failed: not a Flowdeck definition export");
    expect(screen.queryByTestId("import-confirm")).toBeNull();
  });
});
