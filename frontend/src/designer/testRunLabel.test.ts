/** A test run of the canvas is named for the draft it tests ("test of draft v4"), never by a version number of its own. */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { TEST_NUMBER_BASE, TEST_SLOTS } from "../api/definitions";
import type { RunDetail } from "../api/runs";
import { specToGraph } from "../spec/graph";
import { emptySpec } from "../spec/types";
import { createDesignerActions } from "./actions";
import { createDesignerStore } from "./store";

const api = vi.hoisted(() => ({ startTestRun: vi.fn(), getRunDetail: vi.fn() }));
vi.mock("../api/runs", async (original) => ({ ...(await original<object>()), ...api }));
vi.mock("../api/socket", () => ({ followRunEvents: vi.fn(() => ({ send: vi.fn(), close: vi.fn() })) }));

beforeEach(() => vi.clearAllMocks());

function editor() {
  const store = createDesignerStore();
  store.getState().loadGraph(specToGraph(emptySpec()));
  store.setState({ key: "refund" });
  return { store, actions: createDesignerActions(store) };
}

const detail = { id: "r1", status: "running", steps: [], last_seq: 1, spec: emptySpec() } as unknown as RunDetail;

describe("a test run's label", () => {
  it("is the server's version_label for a test of the canvas", async () => {
    const { store, actions } = editor();
    const number = TEST_NUMBER_BASE + 4 * TEST_SLOTS + 3;
    api.startTestRun.mockResolvedValueOnce({ run: { id: "r1", status: "pending", version: number, version_label: "test of draft v4" } });
    api.getRunDetail.mockResolvedValueOnce(detail);
    await actions.runTest("draft", {});
    expect(store.getState().run?.source).toBe("test of draft v4");
  });

  it("is read from the number when an older server sends no label", async () => {
    const { store, actions } = editor();
    api.startTestRun.mockResolvedValueOnce({ run: { id: "r1", status: "pending", version: 2 } });
    api.getRunDetail.mockResolvedValueOnce(detail);
    await actions.runTest(2, {});
    expect(store.getState().run?.source).toBe("v2");
  });
});
