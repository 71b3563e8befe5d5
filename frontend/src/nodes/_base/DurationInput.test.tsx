// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DurationInput } from "./fields";

afterEach(cleanup);

function mount(initial: number | undefined) {
  let seconds = initial;
  const stored: (number | undefined)[] = [];
  const element = () => <DurationInput label="Wait" seconds={seconds} onChange={(v) => { seconds = v; stored.push(v); view.rerender(element()); }} />;
  const view = render(element());
  return {
    stored,
    get: () => seconds,
    number: () => screen.getByRole("spinbutton", { name: "Wait" }) as HTMLInputElement,
    unit: () => screen.getByRole("combobox", { name: "Wait unit" }) as HTMLSelectElement,
    setOutside(v: number | undefined) { seconds = v; view.rerender(element()); },
  };
}

describe("DurationInput", () => {
  it("keeps the number typed when the unit changes: 5, then seconds, is 5 s (not 300)", () => {
    const d = mount(60);
    expect(d.number().value).toBe("1");
    expect(d.unit().value).toBe("60");
    fireEvent.change(d.number(), { target: { value: "5" } });
    expect(d.get()).toBe(300);
    fireEvent.change(d.unit(), { target: { value: "1" } });
    expect(d.get()).toBe(5);
    expect(d.number().value).toBe("5");
    expect(d.unit().value).toBe("1");
  });

  it("converts the number typed by the unit chosen", () => {
    const d = mount(30);
    fireEvent.change(d.number(), { target: { value: "2" } });
    fireEvent.change(d.unit(), { target: { value: "3600" } });
    expect(d.get()).toBe(7200);
    fireEvent.change(d.unit(), { target: { value: "86400" } });
    expect(d.get()).toBe(2 * 86400);
  });

  it("never switches the unit under the typing (120 minutes stays 120 minutes)", () => {
    const d = mount(60);
    fireEvent.change(d.number(), { target: { value: "120" } });
    expect(d.get()).toBe(7200);
    expect(d.unit().value).toBe("60");
    expect(d.number().value).toBe("120");
  });

  it("chooses the unit afresh for a value from elsewhere, and leaves an empty one empty", () => {
    const d = mount(60);
    d.setOutside(7200);
    expect(d.unit().value).toBe("3600");
    expect(d.number().value).toBe("2");
    d.setOutside(undefined);
    fireEvent.change(d.unit(), { target: { value: "60" } });
    expect(d.get()).toBeUndefined();
    expect(d.stored).toEqual([]);
  });
});
