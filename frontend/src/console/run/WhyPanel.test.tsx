// @vitest-environment jsdom
import { act, cleanup, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AvailableAction, RunDetail, WhyDetail } from "../../api/runs";
import { WhyPanel } from "./WhyPanel";

const NOW = Date.parse("2026-12-01T14:02:58Z");

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const why = (over: Partial<WhyDetail>): WhyDetail => ({
  node_id: "ship", kind: "node", status: "running", text: "ship: lease expired on worker vm:1234 (13s ago)", since: "2026-12-01T14:00:00Z",
  at: null, attempt: 1, max_attempts: 5, error_type: null, after_last: "compensate", compensations: ["charge"],
  worker: "vm:1234", worker_alive: false, worker_last_seen: "2026-12-01T14:00:55Z", ...over,
});
const force: AvailableAction = {
  action: "force_retry", node_id: "ship", kind: "node", allowed: true, reason: null, label: "Force retry", destructive: true, signal: null,
};
const run = (over: Partial<RunDetail> = {}): RunDetail => ({
  id: "r", definition: "d", version: 1, business_key: null, status: "running", stuck: false, stuck_reason: "", stuck_since: null,
  error: null, is_test: false, parent_run: null, created_at: "", updated_at: "", finished_at: null, last_progress_at: null,
  input: {}, data: {}, output: null, parent_node_id: null, last_seq: 1, why: ["ship: frozen text"], steps: [],
  spec: { schema_version: 1, nodes: [{ id: "ship", type: "task", activity: "a" }], edges: [] },
  available_actions: [force], why_details: [why({})], ...over,
});

describe("WhyPanel", () => {
  it("a step held by a dead worker: live 'last seen', and the step's force retry right there", () => {
    const onAction = vi.fn();
    const { getByTestId, container } = render(<WhyPanel run={run()} status="running" canOperate cannot="" onAction={onAction} />);
    expect(getByTestId("why").textContent).toContain("ship: worker vm:1234 last seen 2m03s ago; retry it now");
    expect(getByTestId("why").textContent).not.toContain("frozen text");
    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(getByTestId("why").textContent).toContain("last seen 2m04s ago");
    const button = container.querySelector<HTMLButtonElement>('[data-testid="why"] button[data-action="force_retry"][data-node-id="ship"]')!;
    expect(button.disabled).toBe(false);
    button.click();
    expect(onAction).toHaveBeenCalledWith(force);
  });

  it("stuck: the duration is live from stuck_since, the scheduler's frozen words shown as such", () => {
    const r = run({
      stuck: true, stuck_since: "2026-12-01T14:00:55Z", stuck_reason: "no open step and no progress for 5m01s",
      why_details: [why({ worker_alive: true, at: "2026-12-01T14:05:00Z" })],
    });
    const { getByTestId } = render(<WhyPanel run={r} status="running" canOperate cannot="" onAction={() => undefined} />);
    expect(getByTestId("stuck-reason").textContent).toMatch(/^stuck for 2m03s \(flagged at \d\d:\d\d:\d\d\)/);
    expect(getByTestId("stuck-reason").textContent).toContain("as the scheduler put it");
    act(() => {
      vi.advanceTimersByTime(2000);
    });
    expect(getByTestId("stuck-reason").textContent).toMatch(/^stuck for 2m05s/);
  });

  it("aborted says so, with nothing undone", () => {
    const r = run({ status: "aborted", why_details: [], error: { type: "CardDeclined", message: "no funds", node_id: "charge" }, finished_at: "2026-12-01T14:00:00Z" });
    const { getByTestId } = render(<WhyPanel run={r} status="aborted" canOperate cannot="" onAction={() => undefined} />);
    expect(getByTestId("why").textContent).toContain("Aborted: failed, nothing undone");
    expect(getByTestId("why").textContent).toContain("at charge: CardDeclined: no funds");
  });
});
