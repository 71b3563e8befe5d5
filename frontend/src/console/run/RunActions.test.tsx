// @vitest-environment jsdom
import { cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AvailableAction } from "../../api/runs";
import { actionKey } from "./actions";
import { RunActionBar, StepActionsOverview } from "./RunActions";

afterEach(cleanup);

const act = (action: AvailableAction["action"], over: Partial<AvailableAction> = {}): AvailableAction => ({
  action, node_id: null, kind: null, allowed: true, reason: null, label: action, destructive: false, signal: null, ...over,
});

const ACTIONS: AvailableAction[] = [
  act("retry", { allowed: false, reason: "the run is running; only a failed run can be retried", label: "Retry from failed step" }),
  act("signal", { node_id: "approval", signal: "order.approved", label: "Send order.approved" }),
  act("edit_data", { label: "Edit data" }),
  act("compensate", { label: "Compensate now", destructive: true }),
  act("cancel", { label: "Cancel", destructive: true }),
  act("retry_step", { node_id: "ship", kind: "node", allowed: false, reason: "step ship is running", label: "Retry this step now" }),
  act("force_retry", { node_id: "ship", kind: "node", label: "Force retry", destructive: true }),
  act("skip", { node_id: "ship", kind: "node", allowed: false, reason: "step ship is running", label: "Skip with an output" }),
  act("skip", { node_id: "approval", kind: "node", label: "Skip with an output" }),
  act("retry_step", { node_id: "charge", kind: "node", allowed: false, reason: "step charge is succeeded" }),
];

function page(onAction = vi.fn(), canOperate = true) {
  return render(
    <>
      <RunActionBar actions={ACTIONS} canOperate={canOperate} cannot={canOperate ? "" : "Your role (viewer) cannot act on runs"} onAction={onAction} />
      <StepActionsOverview actions={ACTIONS} canOperate={canOperate} cannot="" onAction={onAction} onPick={() => undefined} />
    </>,
  );
}

const keyOf = (b: Element) => [b.getAttribute("data-action"), b.getAttribute("data-kind") ?? "", b.getAttribute("data-node-id") ?? ""].join("-");

describe("the run page's buttons", () => {
  it("the enabled [data-action] buttons are exactly the allowed entries", () => {
    const { container } = page();
    const enabled = [...container.querySelectorAll("button[data-action]:not(:disabled)")].map(keyOf);
    const allowed = ACTIONS.filter((a) => a.allowed).map(actionKey);
    expect([...new Set(enabled)].sort()).toEqual(allowed.sort());
  });

  it("a refused action is disabled, says why next to it and is described by it", () => {
    const { container } = page();
    const retry = container.querySelector<HTMLButtonElement>('[data-testid="run-actions"] [data-action="retry"]')!;
    expect(retry.disabled).toBe(true);
    expect(retry.title).toBe("the run is running; only a failed run can be retried");
    const described = document.getElementById(retry.getAttribute("aria-describedby")!);
    expect(described?.textContent).toBe("the run is running; only a failed run can be retried");
    expect(retry.textContent).toBe("Retry from failed step…");
  });

  it("step buttons carry their node and kind; destructive ones look it", () => {
    const { container } = page();
    const force = container.querySelector<HTMLButtonElement>('[data-action="force_retry"][data-node-id="ship"][data-kind="node"]')!;
    expect(force.disabled).toBe(false);
    expect(force.className).toContain("fc-danger-outline");
    expect(container.querySelector('[data-action="skip"][data-node-id="approval"]')).not.toBeNull();
    // charge has nothing allowed: not in the overview.
    expect(container.querySelector('[data-testid="step-action-row"][data-node-id="charge"]')).toBeNull();
    const signal = container.querySelector<HTMLButtonElement>('[data-action="signal"]')!;
    expect(signal.getAttribute("data-node-id")).toBe("approval");
    expect(signal.getAttribute("data-signal")).toBe("order.approved");
  });

  it("a click opens the entry's dialog with the entry itself", () => {
    const onAction = vi.fn();
    const { container } = page(onAction);
    fireEvent.click(container.querySelector('[data-action="force_retry"]')!);
    expect(onAction).toHaveBeenCalledWith(ACTIONS[6]);
  });

  it("a viewer sees the same buttons, none enabled", () => {
    const { container } = page(vi.fn(), false);
    expect(container.querySelectorAll("button[data-action]").length).toBeGreaterThan(0);
    expect(container.querySelectorAll("button[data-action]:not(:disabled)").length).toBe(0);
    expect(container.querySelector<HTMLButtonElement>('[data-action="cancel"]')!.title).toMatch(/viewer/);
  });
});
