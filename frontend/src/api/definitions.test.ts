import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { emptySpec, type SpecError } from "../spec/types";
import { ApiError } from "./client";
import { draftInTheWay, exportChoice, importDefinition, validateSpec, type VersionSummary } from "./definitions";

const fetchMock = vi.fn();
beforeEach(() => {
  fetchMock.mockReset();
  vi.stubGlobal("fetch", fetchMock);
  vi.stubGlobal("document", { cookie: "csrftoken=t" });
});
afterEach(() => vi.unstubAllGlobals());

const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const PROBLEM: SpecError = { code: "spec.E013", message: "unknown activity shop.nope", node_id: "charge", edge_id: null, path: "/nodes/1/activity" };

describe("validateSpec", () => {
  it("reads the server's 200 answer, valid or not", async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { valid: false, errors: [PROBLEM] }));
    expect(await validateSpec("orders", emptySpec())).toEqual([PROBLEM]);
    fetchMock.mockResolvedValueOnce(answer(200, { valid: true, errors: [] }));
    expect(await validateSpec("orders", emptySpec())).toEqual([]);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/definitions/orders/validate/");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body)).toEqual({ spec: emptySpec() });
  });

  it("throws when the request itself was refused", async () => {
    fetchMock.mockResolvedValueOnce(answer(400, { code: "invalid", detail: "spec: the spec must be a JSON object", errors: [{ code: "not_object", message: "the spec must be a JSON object", field: "spec" }] }));
    await expect(validateSpec("orders", emptySpec())).rejects.toMatchObject({ status: 400, message: "spec: the spec must be a JSON object" });
  });
});

describe("importDefinition", () => {
  it("asks to replace a draft only when told to", async () => {
    fetchMock.mockImplementation(async () => answer(201, { key: "k", number: 1, status: "draft" }));
    await importDefinition({ key: "k" });
    await importDefinition({ key: "k" }, { overwriteDraft: true, publish: true });
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ document: { key: "k" }, publish: false });
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ document: { key: "k" }, publish: true, overwrite_draft: true });
  });

  it("recognises the refusal that names the draft in the way", () => {
    const draft = { key: "k", number: 3, revision: 7, updated_at: "2026-12-01T10:00:00Z", created_by: null };
    expect(draftInTheWay(new ApiError(409, { code: "import.draft_exists", draft }))).toEqual(draft);
    expect(draftInTheWay(new ApiError(409, { code: "engine.conflict" }))).toBeNull();
    expect(draftInTheWay(new ApiError(400, { code: "import.draft_exists", draft }))).toBeNull();
    expect(draftInTheWay(new Error("x"))).toBeNull();
  });
});

describe("exportChoice", () => {
  const v = (number: number, status: VersionSummary["status"], is_test = false) => ({ number, status, is_test }) as VersionSummary;
  it("prefers the latest published version, then the draft", () => {
    expect(exportChoice([v(1, "archived"), v(2, "published"), v(3, "draft"), v(4, "draft", true)])).toEqual({ number: 2, draft: false });
    expect(exportChoice([v(1, "draft")])).toEqual({ number: 1, draft: true });
    expect(exportChoice([v(1, "archived")])).toEqual({ number: 1, draft: false });
    expect(exportChoice([v(5, "draft", true)])).toBeNull();
  });
});

describe("versionLabel", () => {
  it("names test versions by the draft they tested, as the server does (engine/selectors/definitions.py)", async () => {
    const { versionLabel, TEST_NUMBER_BASE, TEST_SLOTS } = await import("./definitions");
    expect(versionLabel(4)).toBe("v4");
    expect(versionLabel(TEST_NUMBER_BASE + 4 * TEST_SLOTS + 3)).toBe("test of draft v4");
    expect(versionLabel(TEST_NUMBER_BASE + 12 * TEST_SLOTS + 9999)).toBe("test of draft v12");
  });

  it("publishes with the note, and without a body key when there is none", async () => {
    const { publishVersion } = await import("./definitions");
    fetchMock.mockImplementation(async () => answer(200, { number: 2, status: "published" }));
    await publishVersion("orders", 2, "  refunds need approval ");
    await publishVersion("orders", 3);
    expect(fetchMock.mock.calls[0][0]).toBe("/api/definitions/orders/versions/2/publish/");
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ note: "refunds need approval" });
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({});
  });
});
