// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeFields } from "../../spec/types";
import { FailurePolicyField } from "./FailurePolicyField";

afterEach(cleanup);

function mount(initial: NodeFields) {
  let fields = initial;
  const view = render(<FailurePolicyField data={fields} update={(fn) => { fields = fn(fields); view.rerender(<FailurePolicyField data={fields} update={() => undefined} />); }} />);
  return { get: () => fields };
}

describe("When the last attempt fails", () => {
  it("shows compensate when absent, stores another choice, and drops the field for the default", () => {
    const node = mount({ activity: "shop.send_email" });
    const select = screen.getByRole("combobox", { name: "When the last attempt fails" }) as HTMLSelectElement;
    expect(select.value).toBe("compensate");
    expect([...select.options].map((o) => o.value)).toEqual(["compensate", "incident", "fail"]);
    expect(screen.getByText(/Undo what succeeded, newest first/, { selector: ".fd-field__hint" })).toBeTruthy();
    fireEvent.change(select, { target: { value: "incident" } });
    expect(node.get()).toEqual({ activity: "shop.send_email", on_failure: "incident" });
    expect(screen.getByText(/Nothing is undone; the run waits/, { selector: ".fd-field__hint" })).toBeTruthy();
  });

  it("back to compensate leaves no on_failure in the spec", () => {
    const node = mount({ activity: "a", on_failure: "fail" });
    fireEvent.change(screen.getByRole("combobox", { name: "When the last attempt fails" }), { target: { value: "compensate" } });
    expect(node.get()).toEqual({ activity: "a" });
  });
});
