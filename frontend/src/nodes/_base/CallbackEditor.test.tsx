// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeFields } from "../../spec/types";
import { CALLBACK_HELP, CallbackEditor, callbackDurationProblem } from "./CallbackEditor";

afterEach(cleanup);

function mount(initial: NodeFields) {
  let fields = initial;
  const keys: (string | undefined)[] = [];
  const element = () => (
    <CallbackEditor
      data={fields}
      update={(fn, key) => {
        fields = fn(fields);
        keys.push(key);
        view.rerender(element());
      }}
    />
  );
  const view = render(element());
  return { fields: () => fields, keys };
}

const box = () => screen.getByRole("checkbox", { name: "Wait for callback" }) as HTMLInputElement;
const number = (name: string) => screen.getByRole("spinbutton", { name }) as HTMLInputElement;

describe("CallbackEditor", () => {
  it("checking the box sets a one-hour callback timeout and shows both durations", () => {
    const e = mount({ activity: "shop.charge" });
    expect(box().checked).toBe(false);
    expect(screen.queryByRole("spinbutton", { name: "Callback timeout" })).toBeNull();
    expect(screen.getByText(CALLBACK_HELP).textContent).toBe("The activity gets a single-use token; the step waits until POST /api/callbacks/{token}/ completes or fails it.");
    fireEvent.click(box());
    expect(e.fields()).toEqual({ activity: "shop.charge", callback: { timeout: 3600 } });
    expect(box().checked).toBe(true);
    expect(number("Callback timeout").value).toBe("1");
    expect((screen.getByRole("combobox", { name: "Callback timeout unit" }) as HTMLSelectElement).value).toBe("3600");
    expect(number("Callback heartbeat timeout").value).toBe("");
  });

  it("stores the durations in seconds, coalescing typing per field", () => {
    const e = mount({ callback: { timeout: 3600 } });
    fireEvent.change(number("Callback heartbeat timeout"), { target: { value: "90" } });
    expect(e.fields().callback).toEqual({ timeout: 3600, heartbeat_timeout: 90 });
    fireEvent.change(number("Callback timeout"), { target: { value: "2" } });
    expect(e.fields().callback).toEqual({ timeout: 7200, heartbeat_timeout: 90 });
    expect(e.keys).toEqual(["callback-heartbeat", "callback-timeout"]);
    fireEvent.change(number("Callback heartbeat timeout"), { target: { value: "" } });
    expect(e.fields().callback).toEqual({ timeout: 7200 });
    expect(e.fields().callback).not.toHaveProperty("heartbeat_timeout");
  });

  it("unchecking removes the callback field entirely", () => {
    const e = mount({ activity: "shop.charge", callback: { timeout: 60, heartbeat_timeout: 30 } });
    expect(box().checked).toBe(true);
    fireEvent.click(box());
    expect(e.fields()).toEqual({ activity: "shop.charge" });
    expect(e.fields()).not.toHaveProperty("callback");
    expect(screen.queryByRole("spinbutton", { name: "Callback timeout" })).toBeNull();
  });

  it("says what is wrong with a duration", () => {
    const e = mount({ callback: { timeout: 3600 } });
    fireEvent.change(number("Callback timeout"), { target: { value: "0" } });
    expect(screen.getByRole("alert").textContent).toBe("Must be more than 0 seconds");
    fireEvent.change(number("Callback timeout"), { target: { value: "" } });
    expect(e.fields().callback).toEqual({});
    expect(screen.getByRole("alert").textContent).toBe("Required");
    expect(callbackDurationProblem(2_592_000, true)).toBeNull();
    expect(callbackDurationProblem(2_592_001, true)).toBe("At most 30 days");
    expect(callbackDurationProblem(undefined, false)).toBeNull();
  });
});
