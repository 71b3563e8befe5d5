import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RunDetail, RunEvent, Step } from "../api/runs";
import type { Connection, SocketState } from "../api/socket";
import { specToGraph } from "../spec/graph";
import { emptySpec } from "../spec/types";
import { createDesignerActions } from "./actions";
import { createDesignerStore } from "./store";

const api = vi.hoisted(() => ({ startTestRun: vi.fn(), getRunDetail: vi.fn(), followRunEvents: vi.fn() }));
vi.mock("../api/runs", async (original) => ({ ...(await original<object>()), startTestRun: api.startTestRun, getRunDetail: api.getRunDetail }));
vi.mock("../api/socket", () => ({ followRunEvents: api.followRunEvents }));

interface Followed {
  runId: string;
  afterSeq: number;
  onEvents(events: RunEvent[]): void;
  onState(state: SocketState): void;
  connection: Connection & { close: ReturnType<typeof vi.fn> };
}
let followed: Followed[];

beforeEach(() => {
  vi.clearAllMocks();
  followed = [];
  api.followRunEvents.mockImplementation((runId: string, afterSeq: number, onEvents: Followed["onEvents"], onState: Followed["onState"]) => {
    const connection = { send: vi.fn(), close: vi.fn(() => onState("closed")) };
    followed.push({ runId, afterSeq, onEvents, onState, connection });
    return connection;
  });
});

const step = (node_id: string, status: Step["status"]): Step =>
  ({ id: 1, node_id, node_type: "task", kind: "node", status, attempt: 1, attempts: [] }) as unknown as Step;
const detail = (id: string, status: RunDetail["status"], steps: Step[], last_seq: number) =>
  ({ id, status, steps, last_seq, spec: emptySpec() }) as unknown as RunDetail;
const event = (seq: number, type: string, node_id: string | null, status: string): RunEvent =>
  ({ run_id: "r", seq, type, node_id, payload: { status }, created_at: "" });

function editor() {
  const store = createDesignerStore();
  store.getState().loadGraph(specToGraph(emptySpec()));
  store.setState({ key: "saga" });
  return { store, actions: createDesignerActions(store), run: () => store.getState().run };
}

function startsRun(id: string, d: RunDetail) {
  api.startTestRun.mockResolvedValueOnce({ run: { id, status: "pending", version: 1 } });
  api.getRunDetail.mockResolvedValueOnce(d);
}

describe("the designer's test run", () => {
  it("follows the run with followRunEvents from the detail's last seq, and stops at a terminal status", async () => {
    const { actions, run } = editor();
    startsRun("r1", detail("r1", "running", [step("start", "succeeded"), step("charge", "running")], 4));
    await actions.runTest(1, { amount: 42 });
    expect(api.startTestRun).toHaveBeenCalledWith("saga", { version: 1, input: { amount: 42 } });
    expect(followed.map((f) => [f.runId, f.afterSeq])).toEqual([["r1", 4]]);
    expect(run()).toMatchObject({ runId: "r1", status: "running", source: "v1", statuses: { charge: { status: "running" } } });

    followed[0].onState("live");
    expect(run()?.stream).toBe("live");
    followed[0].onEvents([event(5, "step.succeeded", "charge", "succeeded")]);
    expect(run()?.statuses.charge.status).toBe("succeeded");
    expect(followed[0].connection.close).not.toHaveBeenCalled();

    followed[0].onEvents([event(6, "step.succeeded", "end", "succeeded"), event(7, "run.completed", null, "completed")]);
    expect(run()).toMatchObject({ status: "completed", stream: "closed" });
    expect(followed[0].connection.close).toHaveBeenCalledTimes(1);
  });

  it("sends the canvas as a test version when run from the draft", async () => {
    const { actions, run } = editor();
    startsRun("r1", detail("r1", "pending", [], 1));
    await actions.runTest("draft", {});
    expect(api.startTestRun.mock.calls[0][1]).toMatchObject({ spec: { schema_version: 1 }, input: {} });
    expect(run()?.source).toBe("the current draft");
  });

  it("does not follow a run that had finished when it was read", async () => {
    const { actions, run } = editor();
    startsRun("r1", detail("r1", "completed", [step("start", "succeeded"), step("end", "succeeded")], 6));
    await actions.runTest(1, {});
    expect(followed).toEqual([]);
    expect(run()).toMatchObject({ status: "completed", stream: "closed", statuses: { end: { status: "succeeded" } } });
  });

  it("replays the run from its first event when its detail cannot be read", async () => {
    const { actions } = editor();
    api.startTestRun.mockResolvedValueOnce({ run: { id: "r1", status: "pending", version: 1 } });
    api.getRunDetail.mockRejectedValueOnce(new Error("503"));
    await actions.runTest(1, {});
    expect(followed.map((f) => f.afterSeq)).toEqual([0]);
  });

  it("a second run stops following the first; the first's late events change nothing", async () => {
    const { actions, run } = editor();
    startsRun("r1", detail("r1", "running", [], 2));
    await actions.runTest(1, {});
    startsRun("r2", detail("r2", "running", [], 3));
    await actions.runTest(1, {});
    expect(followed[0].connection.close).toHaveBeenCalled();
    followed[0].onEvents([event(3, "step.failed", "charge", "failed")]);
    expect(run()).toMatchObject({ runId: "r2", statuses: {}, stream: "connecting" });
    actions.clearRun();
    expect(followed[1].connection.close).toHaveBeenCalled();
    expect(run()).toBeNull();
  });

  it("an editor closed while its run starts never opens a socket", async () => {
    const { actions } = editor();
    let answer!: (v: unknown) => void;
    api.startTestRun.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const started = actions.runTest(1, {});
    actions.close();
    answer({ run: { id: "r1", status: "pending", version: 1 } });
    await started;
    expect(api.getRunDetail).not.toHaveBeenCalled();
    expect(followed).toEqual([]);
  });

  it("each editor has its own store and its own run", async () => {
    const a = editor();
    const b = editor();
    startsRun("r1", detail("r1", "running", [], 2));
    await a.actions.runTest(1, {});
    expect(a.run()?.runId).toBe("r1");
    expect(b.run()).toBeNull();
    b.actions.stopRun();
    expect(followed[0].connection.close).not.toHaveBeenCalled();
    a.store.getState().notify("info", "one");
    expect(a.store.getState().toast?.id).toBe(1);
    expect(b.store.getState().toast).toBeNull();
    b.store.getState().notify("info", "first in b");
    expect(b.store.getState().toast?.id).toBe(1);
  });
});
