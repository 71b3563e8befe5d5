// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { designerWith, fieldsOf, renderInspector } from "../../designer/testing";
import { currentSpec } from "../../designer/store";
import type { Condition, Rule } from "../../spec/types";

afterEach(cleanup);

const BIG: Rule = { id: "big", label: "Big order", condition: { field: "input.amount", op: "gte", value: 1000 } };

/** A choice node whose rule `big` and default exit each lead to a node of their own. */
function choiceEditor(rules: Rule[] = [BIG]) {
  const store = designerWith(
    [
      { id: "route", type: "choice", rules },
      { id: "approve", type: "signal", signal: "order.approved" },
      { id: "ship", type: "task", activity: "shop.charge" },
    ],
    [
      { id: "e_start_route", source: "start", target: "route" },
      { id: "e_route_approve", source: "route", target: "approve", branch: "big" },
      { id: "e_route_ship", source: "route", target: "ship", branch: "default" },
    ],
  );
  renderInspector(store, "route");
  return {
    store,
    rules: () => fieldsOf(store, "route")?.rules ?? [],
    condition: (i = 0): Condition => (fieldsOf(store, "route")?.rules ?? [])[i].condition,
    branches: () => currentSpec(store.getState()).edges.filter((e) => e.source === "route").map((e) => e.branch),
  };
}

const input = (label: string) => screen.getByLabelText(label, { exact: true }) as HTMLInputElement | HTMLSelectElement;
const change = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });

describe("the choice node's rule builder", () => {
  it("shows each rule's condition as fields, an operator and a typed value", () => {
    choiceEditor();
    expect(input("Rule 1 field").value).toBe("input.amount");
    expect(input("Rule 1 operator").value).toBe("gte");
    expect(input("Rule 1 value type").value).toBe("number");
    expect(input("Rule 1 value").value).toBe("1000");
    expect(screen.getByTestId("rule-summary-big").textContent).toBe("When input.amount ≥ 1000");
  });

  it("edits a condition's field, operator and value in the store", () => {
    const { condition } = choiceEditor();
    change("Rule 1 field", "input.order.total");
    change("Rule 1 value", "250.5");
    expect(condition()).toEqual({ field: "input.order.total", op: "gte", value: 250.5 });
    change("Rule 1 operator", "in");
    expect(condition()).toEqual({ field: "input.order.total", op: "in", value: [250.5] });
    change("Rule 1 value", "DE, FR");
    expect(condition()).toEqual({ field: "input.order.total", op: "in", value: ["DE", "FR"] });
    change("Rule 1 operator", "exists");
    expect(condition()).toEqual({ field: "input.order.total", op: "exists" });
    expect(screen.queryByLabelText("Rule 1 value")).toBeNull();
    expect(screen.getByTestId("rule-summary-big").textContent).toBe("When input.order.total is present");
    change("Rule 1 operator", "eq");
    expect(condition()).toEqual({ field: "input.order.total", op: "eq", value: "" });
    change("Rule 1 value", "gold");
    expect(condition()).toEqual({ field: "input.order.total", op: "eq", value: "gold" });
  });

  it("opens a rule whose operator takes no value", () => {
    const { condition } = choiceEditor([{ id: "vip", condition: { field: "input.vip", op: "is_true" } }]);
    expect(input("Rule 1 operator").value).toBe("is_true");
    expect(screen.queryByLabelText("Rule 1 value")).toBeNull();
    change("Rule 1 operator", "gte");
    expect(condition()).toEqual({ field: "input.vip", op: "gte", value: 0 });
    expect(input("Rule 1 value").value).toBe("0");
  });

  it("keeps what was typed when it is not a value yet, and says why", () => {
    const { condition } = choiceEditor();
    change("Rule 1 value type", "text");
    change("Rule 1 value type", "number");
    change("Rule 1 value", "12abc");
    expect(screen.getByRole("alert").textContent).toMatch(/number/i);
    expect(condition()).not.toMatchObject({ value: "12abc" });
  });

  it("grows a condition into a group (and…), and negates it", () => {
    const { condition } = choiceEditor();
    fireEvent.click(screen.getByRole("button", { name: "and…" }));
    expect(condition()).toEqual({ all: [BIG.condition, { field: "", op: "eq", value: "" }] });
    change("Rule 1.2 field", "input.country");
    change("Rule 1.2 value", "XX");
    expect(screen.getByTestId("rule-summary-big").textContent).toBe('When input.amount ≥ 1000 and input.country = "XX"');
    fireEvent.click(screen.getByRole("button", { name: "Remove Rule 1.2" }));
    expect(condition()).toEqual(BIG.condition);
    fireEvent.click(screen.getByRole("button", { name: "negate" }));
    expect(condition()).toEqual({ not: BIG.condition });
    fireEvent.click(screen.getByRole("button", { name: "remove NOT" }));
    expect(condition()).toEqual(BIG.condition);
  });

  it("adds a rule with a fresh exit, and removes one with its edge", () => {
    const { rules, branches } = choiceEditor();
    expect(screen.getByRole("button", { name: "Remove rule" })).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByRole("button", { name: "+ Add rule" }));
    expect(rules().map((r) => r.id)).toEqual(["big", "rule_1"]);
    expect(rules()[1].condition).toEqual({ field: "", op: "eq", value: "" });
    expect(screen.getByTestId("rule-rule_1")).toBeTruthy();

    // Removing the first rule drops its exit's edge too; the default exit stays.
    const first = screen.getByTestId("rule-big");
    fireEvent.click(within(first).getByRole("button", { name: "Remove rule" }));
    expect(rules().map((r) => r.id)).toEqual(["rule_1"]);
    expect(branches()).toEqual(["default"]);
  });

  it("renames a rule's exit and the edge that leaves by it", () => {
    const { rules, branches } = choiceEditor();
    const id = screen.getByLabelText("Rule id") as HTMLInputElement;
    fireEvent.change(id, { target: { value: "large" } });
    fireEvent.blur(id);
    expect(rules()[0].id).toBe("large");
    expect(branches()).toEqual(["large", "default"]);
    // "default" is reserved: the builder picks a free id and says so.
    const renamed = screen.getByLabelText("Rule id") as HTMLInputElement;
    fireEvent.change(renamed, { target: { value: "default" } });
    fireEvent.blur(renamed);
    expect(rules()[0].id).not.toBe("default");
    expect(screen.getByRole("alert").textContent).toContain("not \"default\"");
  });

  it("reorders rules, first match first", () => {
    const small: Rule = { id: "small", condition: { field: "input.amount", op: "lt", value: 10 } };
    const { rules } = choiceEditor([BIG, small]);
    fireEvent.click(within(screen.getByTestId("rule-small")).getByRole("button", { name: "↑" }));
    expect(rules().map((r) => r.id)).toEqual(["small", "big"]);
  });
});
