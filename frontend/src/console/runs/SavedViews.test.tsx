// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const VIEWS = [
  { id: 1, name: "Failed at charge", filters: { status: "failed", failed_at: "charge" }, shared: false, owner: "ana", mine: true, created_at: "", updated_at: "" },
  { id: 2, name: "Ann's orders", filters: { q: "customer.email=ann@example.com" }, shared: true, owner: "bo", mine: false, created_at: "", updated_at: "" },
];
const api = {
  listViews: vi.fn(async () => VIEWS),
  createView: vi.fn(async (body: unknown) => ({ id: 3, ...(body as object) })),
  updateView: vi.fn(async () => VIEWS[0]),
  deleteView: vi.fn(async () => undefined),
};
vi.mock("../../api/views", () => api);

const { SavedViews } = await import("./SavedViews");

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe("saved views", () => {
  it("lists mine then the shared ones; choosing one applies its filters", async () => {
    const onApply = vi.fn();
    render(<SavedViews params={{}} onApply={onApply} />);
    const menu = (await screen.findByRole("combobox", { name: "Saved views" })) as HTMLSelectElement;
    await waitFor(() => expect(menu.querySelectorAll("optgroup")).toHaveLength(2));
    expect([...menu.querySelectorAll("optgroup")].map((g) => [g.label, g.textContent])).toEqual([
      ["My views", "Failed at charge"],
      ["Shared with everyone", "Ann's orders — bo"],
    ]);
    fireEvent.change(menu, { target: { value: "2" } });
    expect(onApply).toHaveBeenCalledWith({ q: "customer.email=ann@example.com" });
    expect(screen.queryByTestId("view-delete")).toBeNull();   // no view of mine in use
  });

  it("saves the filters in use under a name; my view in use can be shared or deleted", async () => {
    const { rerender } = render(<SavedViews params={{ status: "waiting" }} onApply={() => undefined} />);
    fireEvent.click(screen.getByTestId("save-view"));
    fireEvent.change(screen.getByLabelText("View name"), { target: { value: "Waiting" } });
    fireEvent.click(screen.getByRole("checkbox"));
    fireEvent.click(screen.getByRole("button", { name: "Save view" }));
    await waitFor(() => expect(api.createView).toHaveBeenCalledWith({ name: "Waiting", filters: { status: "waiting" }, shared: true }));
    rerender(<SavedViews params={{ failed_at: "charge", status: "failed" }} onApply={() => undefined} />);
    await waitFor(() => expect((screen.getByRole("combobox", { name: "Saved views" }) as HTMLSelectElement).value).toBe("1"));
    fireEvent.click(screen.getByTestId("view-share"));
    await waitFor(() => expect(api.updateView).toHaveBeenCalledWith(1, { shared: true }));
    fireEvent.click(screen.getByTestId("view-delete"));
    await waitFor(() => expect(api.deleteView).toHaveBeenCalledWith(1));
  });
});
