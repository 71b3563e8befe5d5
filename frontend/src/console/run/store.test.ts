// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunDetail, RunEvent } from "../../api/runs";
import type { CodeSpec } from "../../spec/code";
import { emptySpec, type SpecNode } from "../../spec/types";
import { NEW_NODE_DELAY_MS, useRun } from "./store";

const api = vi.hoisted(() => ({ getRunDetail: vi.fn(), allEvents: vi.fn(), followRunEvents: vi.fn() }));
vi.mock("../../api/runs", async (original) => ({ ...(await original<object>()), getRunDetail: api.getRunDetail, allEvents: api.allEvents }));
vi.mock("../../api/socket", () => ({ followRunEvents: api.followRunEvents }));

const node = (id: string): SpecNode => ({ id, type: "task", code: { pos: Number(id.split(":")[0]), call: id, epoch: 0 } }) as unknown as SpecNode;
const codeSpec = (...ids: string[]): CodeSpec => ({ kind: "code", workflow: "w", code_version: "1", source: "", nodes: [{ id: "start", type: "start" }, ...ids.map(node)], edges: [] });
const detail = (spec: RunDetail["spec"], last_seq: number) =>
  ({ id: "r", status: "running", steps: [], last_seq, spec, available_actions: [], why: [], why_details: [] }) as unknown as RunDetail;
const ev = (seq: number, type: string, node_id: string): RunEvent => ({ run_id: "r", seq, type, node_id, payload: { status: "scheduled" }, created_at: "" });

let push: (events: RunEvent[]) => void;
/** Answers to getRunDetail, resolved by the test. */
let answers: ((d: RunDetail) => void)[];

async function openWith(first: RunDetail) {
  api.getRunDetail.mockResolvedValueOnce(first);
  useRun.getState().open("r");
  await vi.waitFor(() => expect(api.followRunEvents).toHaveBeenCalled());
  api.getRunDetail.mockClear();
  api.getRunDetail.mockImplementation(() => new Promise<RunDetail>((resolve) => answers.push(resolve)));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  vi.clearAllMocks();
  answers = [];
  api.allEvents.mockResolvedValue([]);
  api.followRunEvents.mockImplementation((_id: string, _after: number, onEvents: (e: RunEvent[]) => void) => {
    push = onEvents;
    return { send: vi.fn(), close: vi.fn() };
  });
});
afterEach(() => {
  useRun.getState().close();
  vi.useRealTimers();
});

describe("a code run's new steps", () => {
  it("fetch the detail once, a moment after the first event naming a node the spec lacks", async () => {
    await openWith(detail(codeSpec("1:a"), 3));
    push([ev(4, "step.scheduled", "2:b")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS / 2);
    push([ev(5, "step.started", "2:b"), ev(6, "step.scheduled", "3:c")]);
    expect(api.getRunDetail).not.toHaveBeenCalled();
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS / 2);
    expect(api.getRunDetail).toHaveBeenCalledTimes(1);

    answers[0](detail(codeSpec("1:a", "2:b", "3:c"), 6));
    await vi.waitFor(() => expect(useRun.getState().detail!.spec.nodes).toHaveLength(4));
    push([ev(7, "step.started", "3:c")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS * 2);
    expect(api.getRunDetail).toHaveBeenCalledTimes(1);
  });

  it("keep one fetch in flight at most, and one more queued", async () => {
    await openWith(detail(codeSpec("1:a"), 3));
    push([ev(4, "step.scheduled", "2:b")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS);
    expect(api.getRunDetail).toHaveBeenCalledTimes(1);
    push([ev(5, "step.scheduled", "3:c")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS);
    push([ev(6, "step.scheduled", "4:d")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS);
    expect(api.getRunDetail).toHaveBeenCalledTimes(1);

    answers[0](detail(codeSpec("1:a", "2:b"), 4));
    await vi.waitFor(() => expect(api.getRunDetail).toHaveBeenCalledTimes(2));
    answers[1](detail(codeSpec("1:a", "2:b", "3:c", "4:d"), 6));
    await vi.waitFor(() => expect(useRun.getState().detail!.spec.nodes).toHaveLength(5));
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS * 2);
    expect(api.getRunDetail).toHaveBeenCalledTimes(2);
  });

  it("are not a graph run's business: its spec is never refetched for an unknown node", async () => {
    await openWith(detail(emptySpec(), 3));
    push([ev(4, "step.scheduled", "nowhere")]);
    vi.advanceTimersByTime(NEW_NODE_DELAY_MS * 3);
    expect(api.getRunDetail).not.toHaveBeenCalled();
  });
});
