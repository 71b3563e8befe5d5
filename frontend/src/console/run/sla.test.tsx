// @vitest-environment jsdom
import { cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunDetail, RunSla } from "../../api/runs";
import { SlaChips } from "./SlaChips";
import { needsDetail } from "./runView";
import { WhyPanel } from "./WhyPanel";
import { breachedNodes, slaLines, withinText } from "./sla";

const NOW = Date.parse("2026-12-01T14:02:58Z");
const UTC = { locale: "en-GB", timeZone: "UTC" };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const sla = (over: Partial<RunSla> = {}): RunSla => ({
  state: "breached", run_state: null, due_at: null, breached_at: null, within: null,
  steps: [
    { node_id: "approval", state: "breached", due_at: "2026-12-01T14:00:00Z", breached_at: "2026-12-01T14:00:01Z", within: 14400 },
    { node_id: "ship", state: "at_risk", due_at: "2026-12-01T14:05:00Z", breached_at: null, within: 600 },
    { node_id: "pack", state: "ok", due_at: "2026-12-01T18:00:00Z", breached_at: null, within: 20000 },
  ],
  ...over,
});

const run = (over: Partial<RunDetail> = {}): RunDetail => ({
  id: "r", definition: "d", version: 1, business_key: null, status: "waiting", stuck: false, stuck_reason: "", stuck_since: null,
  error: null, is_test: false, parent_run: null, created_at: "", updated_at: "", finished_at: null, last_progress_at: null,
  input: {}, data: {}, output: null, parent_node_id: null, last_seq: 1, steps: [],
  why: ["SLA breached at 2026-12-01T14:00:01+00:00: approval not done within 4h"],
  spec: { schema_version: 1, nodes: [{ id: "approval", type: "signal", signal: "go" }], edges: [] },
  available_actions: [], why_details: [], sla: sla(), ...over,
});

describe("SLA lines", () => {
  it("say what was breached, when, and within what; and what is at risk, due when", () => {
    expect(slaLines(sla(), NOW, UTC)).toEqual([
      "SLA breached at 14:00:01: approval not done within 4h",
      "SLA at risk: ship due at 14:05:00 (in 2m02s)",
    ]);
    const own = sla({ state: "breached", run_state: "breached", due_at: "2026-12-01T13:00:00Z", breached_at: "2026-12-01T13:00:00.500Z", within: 5400, steps: [] });
    expect(slaLines(own, NOW, UTC)).toEqual(["SLA breached at 13:00:00: the run not done within 1h30m"]);
    expect(slaLines(sla({ run_state: "at_risk", due_at: "2026-12-01T14:03:10Z", steps: [] }), NOW, UTC)).toEqual(["SLA at risk: due at 14:03:10 (in 12s)"]);
    expect(slaLines(null, NOW)).toEqual([]);
    expect(breachedNodes(sla())).toEqual(["approval"]);
  });

  it("write durations as a spec's author would", () => {
    expect([1, 0.5, 59, 60, 90, 3600, 3660, 86400, 93600, 365 * 86400].map(withinText)).toEqual(
      ["1s", "0.5s", "59s", "1m", "1m30s", "1h", "1h1m", "1d", "1d2h", "365d"]);
    expect(withinText(null)).toBe("its time");
  });

  it("show in the why panel as text, live, without the server's frozen copy", () => {
    const { getByTestId, getAllByTestId } = render(<WhyPanel run={run()} status="waiting" canOperate cannot="" onAction={() => undefined} />);
    const lines = getAllByTestId("why-sla").map((li) => li.textContent);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SLA breached at \d\d:\d\d:\d\d: approval not done within 4h$/);
    expect(lines[1]).toMatch(/^SLA at risk: ship due at \d\d:\d\d:\d\d \(in 2m02s\)$/);
    expect(getByTestId("why").textContent).not.toContain("2026-12-01T14:00:01");   // the legacy line is not doubled
  });

  it("a node id is text, never markup", () => {
    const hostile = sla({ steps: [{ node_id: "<img src=x onerror=alert(1)>", state: "breached", due_at: "2026-12-01T14:00:00Z", breached_at: "2026-12-01T14:00:01Z", within: 5 }] });
    const { getByTestId, container } = render(<WhyPanel run={run({ sla: hostile })} status="waiting" canOperate cannot="" onAction={() => undefined} />);
    expect(getByTestId("why-sla").textContent).toContain("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull();
  });

  it("puts a chip over the graph for each step breached, which picks its node", () => {
    const onPick = vi.fn();
    const { getByTestId, queryByTestId } = render(<SlaChips sla={sla()} onPick={onPick} />);
    expect(getByTestId("sla-chip-approval").textContent).toBe("⏱ SLA breached: approval");
    expect(queryByTestId("sla-chip-ship")).toBeNull();
    fireEvent.click(getByTestId("sla-chip-approval"));
    expect(onPick).toHaveBeenCalledWith("approval");
    cleanup();
    expect(render(<SlaChips sla={sla({ steps: [] })} onPick={onPick} />).container.innerHTML).toBe("");
  });

  it("a breach seen live fetches the detail again (its sla)", () => {
    expect(needsDetail({ run_id: "r", seq: 9, type: "sla.breached", node_id: "approval", payload: { scope: "node" }, created_at: "" })).toBe(true);
  });
});
