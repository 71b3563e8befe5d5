// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

const preview = vi.fn(async (..._a: unknown[]) => ({
  dry_run: true, count: 2, selected: 3, missing: [], refused: [{ run_id: "r3", reason: "the run is completed; send signal applies to a run that is pending, running, waiting" }],
}));
const run = vi.fn(async (..._a: unknown[]) => ({ action: "signal", matched: 3, applied: 2, run_ids: ["r1", "r2"], errors: [{ run_id: "r3", code: "engine.conflict", detail: "the run is completed" }] }));
vi.mock("../../api/runs", () => ({ bulkPreview: (...a: unknown[]) => preview(...a), bulkRun: (...a: unknown[]) => run(...a) }));

const { RunsBulkDialog, outcomeSummary } = await import("./RunsBulkDialog");

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe("bulk on the checked rows", () => {
  it("approve these: the count and the refusals come first, then the signal goes to the same runs", async () => {
    const onDone = vi.fn();
    render(
      <MemoryRouter>
        <RunsBulkDialog selection={{ kind: "ids", ids: ["r1", "r2", "r3"] }} onDone={onDone} onClose={() => undefined} />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByRole("combobox", { name: "Bulk action" }), { target: { value: "signal" } });
    expect(preview).not.toHaveBeenCalled();   // no name yet: nothing to ask
    fireEvent.change(screen.getByLabelText("Signal name"), { target: { value: "approve" } });
    await waitFor(() => expect(screen.getByTestId("bulk-count").textContent).toBe("2"));
    expect(preview).toHaveBeenLastCalledWith("signal", { run_ids: ["r1", "r2", "r3"] }, { signal: "approve" });
    expect(screen.getByTestId("confirm-effect").textContent).toContain("of the 3 checked");
    expect(screen.getByTestId("bulk-refused").textContent).toContain("the run is completed");
    fireEvent.change(screen.getByLabelText("Payload (JSON)"), { target: { value: '{"by": "ops"}' } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "approve these 2" } });
    fireEvent.click(screen.getByRole("button", { name: "Send signal approve on 2 runs" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(run).toHaveBeenCalledWith("signal", { run_ids: ["r1", "r2", "r3"] }, { signal: "approve", payload: { by: "ops" } }, "approve these 2");
    expect(outcomeSummary("signal", onDone.mock.calls[0][1])).toBe("Send signal: done for 2 runs; 1 refused or gone (why below).");
  });

  it("skip a named step on a filter; a bad output is refused before asking", async () => {
    render(
      <MemoryRouter>
        <RunsBulkDialog selection={{ kind: "filters", filters: { status: ["failed"], failed_at: "b" } }} onDone={() => undefined} onClose={() => undefined} />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByRole("combobox", { name: "Bulk action" }), { target: { value: "skip" } });
    fireEvent.change(screen.getByLabelText("Step to skip"), { target: { value: "b" } });
    await waitFor(() => expect(preview).toHaveBeenLastCalledWith("skip", { filters: { status: "failed", failed_at: "b" } }, { node_id: "b" }));
    fireEvent.change(screen.getByLabelText("Output (JSON)"), { target: { value: "{oops" } });
    expect(screen.getByText(/Not valid JSON/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Skip step on 2 runs" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
