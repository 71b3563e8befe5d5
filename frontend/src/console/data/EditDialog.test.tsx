// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunDetail } from "../../api/runs";

const editRunData = vi.fn(async (_id: string, data: unknown) => ({ ...RUN, data }));
const editRunInput = vi.fn(async (_id: string, input: unknown) => ({ ...RUN, input }));
vi.mock("../../api/console", () => ({ editRunData: (...a: unknown[]) => editRunData(...(a as [string, unknown])) }));
vi.mock("../../api/runs", () => ({ editRunInput: (...a: unknown[]) => editRunInput(...(a as [string, unknown])) }));

const { EditDialog } = await import("./EditDialog");

const RUN = {
  id: "run-1",
  data: { charge: { amount: 100, currency: "EUR" }, note: "x" },
  input: { customer: { email: "ann@example" }, items: [{ sku: "A" }] },
} as unknown as RunDetail;

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const diffLines = () => [...screen.getByTestId("edit-diff").querySelectorAll("li")].map((li) => li.textContent);

describe("the per-field editor of a run's data", () => {
  it("edits one value, adds and removes keys, and shows the change as paths before saving", async () => {
    const onDone = vi.fn();
    render(<EditDialog run={RUN} what="data" onDone={onDone} onClose={() => undefined} />);
    expect(screen.getByTestId("edit-diff").textContent).toBe("Nothing changed.");
    fireEvent.change(screen.getByLabelText("data.charge.amount"), { target: { value: "120" } });
    expect(diffLines()).toEqual(["data.charge.amount: 100 -> 120"]);
    fireEvent.click(screen.getByRole("button", { name: "Remove data.note" }));
    fireEvent.change(screen.getByLabelText("New field in data.charge"), { target: { value: "ref" } });
    fireEvent.click(screen.getByRole("button", { name: "Add field to data.charge" }));
    fireEvent.change(screen.getByLabelText("data.charge.ref"), { target: { value: "R-9" } });
    expect(diffLines()).toEqual(["data.charge.amount: 100 -> 120", 'data.charge.ref: added "R-9"', 'data.note: removed (was "x")']);
    expect(screen.getByTestId("field-data.charge.amount").className).toContain("is-changed");
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "card limit raised" } });
    fireEvent.click(screen.getByRole("button", { name: "Save data" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(editRunData).toHaveBeenCalledWith("run-1", { charge: { amount: 120, currency: "EUR", ref: "R-9" } }, "card limit raised");
  });

  it("keeps raw JSON a click away, and refuses what is not an object or not changed", async () => {
    render(<EditDialog run={RUN} what="data" onDone={() => undefined} onClose={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Raw JSON" }));
    const raw = screen.getByLabelText("Run data (JSON)") as HTMLTextAreaElement;
    expect(JSON.parse(raw.value)).toEqual(RUN.data);
    fireEvent.change(raw, { target: { value: "{ nope" } });
    expect(screen.getByRole("alert").textContent).toMatch(/Not valid JSON/);
    expect((screen.getByRole("button", { name: "Fields" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(raw, { target: { value: '{"charge": {"amount": 100, "currency": "USD"}, "note": "x"}' } });
    expect(diffLines()).toEqual(['data.charge.currency: "EUR" -> "USD"']);
    fireEvent.click(screen.getByRole("button", { name: "Fields" }));
    expect((screen.getByLabelText("data.charge.currency") as HTMLInputElement).value).toBe("USD");
    fireEvent.click(screen.getByRole("button", { name: "Raw JSON" }));
    fireEvent.change(screen.getByLabelText("Run data (JSON)"), { target: { value: JSON.stringify(RUN.data) } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Save data" }));
    expect(await screen.findByText("Nothing changed yet.")).toBeTruthy();
    expect(editRunData).not.toHaveBeenCalled();
  });
});

describe("correcting a run's input", () => {
  it("uses the same editor and diff, and saves through the input endpoint", async () => {
    render(<EditDialog run={RUN} what="input" onDone={() => undefined} onClose={() => undefined} />);
    expect(screen.getByRole("heading").textContent).toBe("Correct the run's input");
    fireEvent.change(screen.getByLabelText("input.customer.email"), { target: { value: "ann@example.com" } });
    fireEvent.change(screen.getByLabelText("Type of input.items[0].sku"), { target: { value: "number" } });
    expect(diffLines()).toEqual(['input.customer.email: "ann@example" -> "ann@example.com"', 'input.items[0].sku: "A" -> 0']);
    fireEvent.click(screen.getByRole("button", { name: "Add an item to input.items" }));
    expect(diffLines()).toContain('input.items[1]: added ""');
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "customer called" } });
    fireEvent.click(screen.getByRole("button", { name: "Save input" }));
    await waitFor(() => expect(editRunInput).toHaveBeenCalled());
    expect(editRunInput.mock.calls[0][1]).toEqual({ customer: { email: "ann@example.com" }, items: [{ sku: 0 }, ""] });
  });
});
