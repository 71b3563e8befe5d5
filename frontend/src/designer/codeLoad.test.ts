import { beforeEach, describe, expect, it, vi } from "vitest";
import { createDesignerActions } from "./actions";
import { createDesignerStore } from "./store";

const api = vi.hoisted(() => ({ getDefinition: vi.fn(), listVersions: vi.fn(), getVersion: vi.fn(), listActivities: vi.fn(), saveDraft: vi.fn() }));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...api }));

beforeEach(() => vi.clearAllMocks());

describe("opening a code workflow in the designer", () => {
  it("loads it read-only and puts nothing on the canvas (its page shows it)", async () => {
    const definition = { key: "place-order-code", name: "place-order-code", kind: "code" };
    api.getDefinition.mockResolvedValue(definition);
    api.listVersions.mockResolvedValue([{ number: 1, status: "published", is_test: false, code_version: "2026-12-01" }]);
    const store = createDesignerStore();
    const actions = createDesignerActions(store);
    await actions.loadDefinition("place-order-code");
    const s = store.getState();
    expect(s.definition).toEqual(definition);
    expect(s.versions).toHaveLength(1);
    expect(s.readOnly).toBe(true);
    expect(s.nodes).toEqual([]);
    expect(api.getVersion).not.toHaveBeenCalled();
    expect(api.listActivities).not.toHaveBeenCalled();
    await actions.saveNow();
    expect(api.saveDraft).not.toHaveBeenCalled();
  });
});
