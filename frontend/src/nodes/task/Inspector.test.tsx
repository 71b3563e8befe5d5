// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { designerWith, fieldsOf, renderInspector } from "../../designer/testing";

afterEach(cleanup);

const field = (name: string) => screen.getByLabelText(name, { exact: true }) as HTMLInputElement | HTMLSelectElement;
const change = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });

function taskEditor(fields: Record<string, unknown> = {}) {
  const store = designerWith([{ id: "charge", type: "task", label: "Charge", activity: "", ...fields }]);
  renderInspector(store, "charge");
  return { store, fields: () => fieldsOf(store, "charge") };
}

describe("the task inspector", () => {
  it("stores the chosen activity and shows its description", () => {
    const { fields } = taskEditor();
    expect(screen.getByText("Required", { selector: ".fd-field__error" })).toBeTruthy();
    change("Activity", "shop.charge");
    expect(fields()?.activity).toBe("shop.charge");
    expect(screen.getByText("Charge the card", { selector: ".fd-field__hint" })).toBeTruthy();
    expect(screen.queryByText("Required", { selector: ".fd-field__error" })).toBeNull();
  });

  it("keeps an activity the server does not know, marked as such", () => {
    taskEditor({ activity: "old.gone" });
    expect((field("Activity") as HTMLSelectElement).value).toBe("old.gone");
    expect(screen.getByRole("option", { name: "old.gone (not registered)" })).toBeTruthy();
    expect(screen.getByText("Not a registered activity")).toBeTruthy();
  });

  it("stores the timeout in seconds, whatever unit it is typed in", () => {
    const { fields } = taskEditor({ activity: "shop.charge" });
    change("Timeout", "90");
    expect(fields()?.timeout).toBe(90);
    change("Timeout unit", "60");
    change("Timeout", "2");
    expect(fields()?.timeout).toBe(120);
    expect((field("Timeout") as HTMLInputElement).value).toBe("2");
    change("Timeout", "");
    expect(fields()?.timeout).toBeUndefined();
  });

  it("stores the retry policy as plain data and previews its delays", () => {
    const { fields } = taskEditor({ activity: "shop.charge" });
    expect(screen.getByTestId("retry-preview").textContent).toMatch(/attempts/);
    change("Retry max attempts", "4");
    change("Retry initial interval", "0.5");
    expect(fields()?.retry).toEqual({ max_attempts: 4, initial_interval: 0.5 });
    expect(screen.getByTestId("retry-preview").textContent).toContain("4 attempts; waits before retries: ");
    change("Retry max attempts", "1");
    expect(screen.getByTestId("retry-preview").textContent).toBe("No retries: the first failure fails the step.");
    change("Retry max attempts", "");
    change("Retry initial interval", "");
    expect(fields()?.retry).toBeUndefined();
  });

  it("stores on_failure, and nothing for the default", () => {
    const { fields } = taskEditor({ activity: "shop.charge" });
    change("When the last attempt fails", "incident");
    expect(fields()?.on_failure).toBe("incident");
    change("When the last attempt fails", "compensate");
    expect(fields()).not.toHaveProperty("on_failure");
  });

  it("adds a compensation activity and removes it again", () => {
    const { fields } = taskEditor({ activity: "shop.charge" });
    fireEvent.click(screen.getByLabelText("Undo with a compensation activity"));
    expect(fields()?.compensation).toEqual({ activity: "" });
    change("Compensation activity", "shop.refund");
    expect(fields()?.compensation).toEqual({ activity: "shop.refund" });
    fireEvent.click(screen.getByLabelText("Undo with a compensation activity"));
    expect(fields()?.compensation).toBeUndefined();
  });

  it("waits for a callback: checking sets callback.timeout 3600, unchecking removes the field", () => {
    const { store, fields } = taskEditor({ activity: "shop.charge" });
    const box = () => screen.getByRole("checkbox", { name: "Wait for callback" }) as HTMLInputElement;
    fireEvent.click(box());
    expect(fields()?.callback).toEqual({ timeout: 3600 });
    change("Callback heartbeat timeout", "120");
    expect(fields()?.callback).toEqual({ timeout: 3600, heartbeat_timeout: 120 });
    expect(fields()?.heartbeat_timeout).toBeUndefined();
    fireEvent.click(box());
    expect(fields()).not.toHaveProperty("callback");
    expect(screen.queryByLabelText("Callback timeout", { exact: true })).toBeNull();
    store.getState().undo();
    expect(fields()?.callback).toEqual({ timeout: 3600, heartbeat_timeout: 120 });
  });

  it("offers the same callback editor on http nodes", () => {
    const store = designerWith([{ id: "call", type: "http", method: "POST", url: "https://example.test/jobs" }]);
    renderInspector(store, "call");
    fireEvent.click(screen.getByRole("checkbox", { name: "Wait for callback" }));
    expect(fieldsOf(store, "call")?.callback).toEqual({ timeout: 3600 });
    change("Callback timeout", "30");
    expect(fieldsOf(store, "call")?.callback).toEqual({ timeout: 30 * 3600 });
    fireEvent.click(screen.getByRole("checkbox", { name: "Wait for callback" }));
    expect(fieldsOf(store, "call")).not.toHaveProperty("callback");
  });

  it("maps the activity's input fields from its schema", () => {
    const { fields } = taskEditor({ activity: "shop.charge" });
    change("Input kind", "fields");
    change("Input amount mode", "expression");
    change("Input amount", "input.total");
    expect(fields()?.input).toEqual({ amount: "input.total" });
  });

  it("groups typing into one undo step, and edits nothing when read-only", () => {
    const { store, fields } = taskEditor({ activity: "shop.charge" });
    for (const t of ["3", "30", "300"]) change("Timeout", t);
    expect(fields()?.timeout).toBe(300);
    store.getState().undo();
    expect(fields()?.timeout).toBeUndefined();
    cleanup();
    store.setState({ readOnly: true });
    const { container } = renderInspector(store, "charge");
    expect(container.querySelector<HTMLFieldSetElement>("fieldset.fd-inspector__body")?.disabled).toBe(true);
    change("Timeout", "5");
    expect(fields()?.timeout).toBeUndefined();
  });
});
