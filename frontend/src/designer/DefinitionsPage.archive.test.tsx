// @vitest-environment jsdom
/** The definitions list: archived ones hidden until asked for; archive, unarchive; delete asks, only for one that never ran. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Definition } from "../api/definitions";
import DefinitionsPage from "./DefinitionsPage";

const api = vi.hoisted(() => ({
  listDefinitions: vi.fn(), listVersions: vi.fn(), archiveDefinition: vi.fn(), unarchiveDefinition: vi.fn(), deleteDefinition: vi.fn(),
}));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...api }));

afterEach(cleanup);
beforeEach(() => {
  vi.clearAllMocks();
  api.listVersions.mockResolvedValue([]);
});

const definition = (key: string, over: Partial<Definition> = {}): Definition => ({
  key, name: key, description: "", kind: "graph", created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
  version_count: 1, run_count: 0, real_run_count: 0, archived_at: null, ...over,
});

function openList() {
  const router = createMemoryRouter([{ path: "*", element: <DefinitionsPage /> }]);
  return render(<RouterProvider router={router} />);
}

describe("archived definitions", () => {
  it("are hidden until 'Show archived' is ticked, then shown with a badge and Unarchive", async () => {
    api.listDefinitions.mockResolvedValue([definition("orders"), definition("old", { archived_at: "2026-12-02T10:00:00Z", run_count: 4, real_run_count: 4 })]);
    openList();
    await screen.findByTestId("definition-orders");
    expect(screen.queryByTestId("definition-old")).toBeNull();
    fireEvent.click(screen.getByLabelText("Show archived (1)"));
    expect(screen.getByTestId("archived-badge-old")).toBeTruthy();
    api.unarchiveDefinition.mockResolvedValue(definition("old"));
    fireEvent.click(screen.getByTestId("unarchive-old"));
    await waitFor(() => expect(api.unarchiveDefinition).toHaveBeenCalledWith("old"));
    await screen.findByText("Unarchived old: runs can be started again.");
  });

  it("archives a row and reloads the list", async () => {
    api.listDefinitions.mockResolvedValueOnce([definition("orders")]).mockResolvedValue([definition("orders", { archived_at: "2026-12-02T10:00:00Z" })]);
    api.archiveDefinition.mockResolvedValue(definition("orders", { archived_at: "2026-12-02T10:00:00Z" }));
    openList();
    fireEvent.click(await screen.findByTestId("archive-orders"));
    await screen.findByText("Archived orders: hidden from the list, no new runs.");
    expect(screen.queryByTestId("definition-orders")).toBeNull();
    expect(document.body.textContent).toContain("Every definition is archived.");
  });
});

describe("deleting a definition", () => {
  it("asks first, naming what goes (its test runs too), then deletes one that never had a real run", async () => {
    api.listDefinitions.mockResolvedValueOnce([definition("scratch", { version_count: 2, run_count: 3, real_run_count: 0 })]).mockResolvedValue([]);
    api.deleteDefinition.mockResolvedValue(undefined);
    openList();
    fireEvent.click(await screen.findByTestId("delete-scratch"));
    expect(api.deleteDefinition).not.toHaveBeenCalled();
    expect(screen.getByTestId("delete-confirm-scratch").textContent).toContain("Delete scratch, its 2 version(s) and its 3 test run(s)? This cannot be undone.");
    fireEvent.click(screen.getByRole("button", { name: "Delete scratch" }));
    await screen.findByText("Deleted scratch.");
    expect(api.deleteDefinition).toHaveBeenCalledWith("scratch");
  });

  it("says why one that ran cannot be deleted, and asks nothing", async () => {
    api.listDefinitions.mockResolvedValue([definition("busy", { run_count: 3, real_run_count: 3 })]);
    openList();
    const button = await screen.findByTestId("delete-busy");
    expect(button.getAttribute("aria-disabled")).toBe("true");
    fireEvent.click(button);
    expect(screen.getByRole("alert").textContent).toBe("busy has 3 run(s), which are kept: archive it instead");
    expect(screen.queryByTestId("delete-confirm-busy")).toBeNull();
  });
});
