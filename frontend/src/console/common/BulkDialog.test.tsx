// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const bulkCount = vi.fn(async () => ({ count: 2 }));
const bulkApply = vi.fn(async () => ({ matched: 2, applied: 2, errors: [], run_ids: [] }));
vi.mock("../../api/console", () => ({ bulkCount: (...a: unknown[]) => bulkCount(...(a as [])), bulkApply: (...a: unknown[]) => bulkApply(...(a as [])) }));

const { BulkDialog } = await import("./BulkDialog");

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe("the bulk dialog", () => {
  it("preselects no action, asks nothing until one is chosen, and confirms only with an action and a reason", async () => {
    render(<BulkDialog filters={{ definition: "bulky", status: ["failed"] }} onDone={() => undefined} onClose={() => undefined} />);
    const select = screen.getByRole("combobox", { name: "Bulk action" }) as HTMLSelectElement;
    expect(select.value).toBe("");
    const confirm = screen.getByRole("button", { name: "Choose an action" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(bulkCount).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "provider back" } });
    expect(confirm.disabled).toBe(true); // a reason alone is not enough

    fireEvent.change(select, { target: { value: "cancel" } });
    await waitFor(() => expect(screen.getByTestId("bulk-count").textContent).toBe("2"));
    expect(bulkCount).toHaveBeenCalledWith("cancel", expect.anything());
    const cancel = screen.getByRole("button", { name: "Cancel 2 runs" }) as HTMLButtonElement;
    expect(cancel.disabled).toBe(false);
    expect(cancel.className).toContain("fc-danger-button");
    expect(document.activeElement).toBe(screen.getByLabelText("Reason")); // never the destructive button

    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: " " } });
    expect(cancel.disabled).toBe(true);
  });
});
