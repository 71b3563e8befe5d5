// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Definition, Version, VersionSummary } from "../api/definitions";
import { CodeDefinitionPage, shownVersion } from "./CodeDefinitionPage";
import DefinitionsPage from "./DefinitionsPage";

const api = vi.hoisted(() => ({ getVersion: vi.fn(), listDefinitions: vi.fn(), listVersions: vi.fn() }));
vi.mock("../api/definitions", async (original) => ({ ...(await original<object>()), ...api }));

afterEach(cleanup);
beforeEach(() => vi.clearAllMocks());

const SOURCE = (label: string) => `@workflow("place-order-code", version="${label}")\ndef place_order(ctx, order):\n    return "<b>${label}</b>"\n`;
const definition = (key: string, kind: Definition["kind"]): Definition => ({
  key, name: key, description: "", kind, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", version_count: 2, run_count: 3,
});
const summary = (number: number, code_version: string | null, over: Partial<VersionSummary> = {}): VersionSummary => ({
  number, status: "published", checksum: "c", revision: 1, is_test: false, note: "", created_by: null, published_by: null,
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z", published_at: "2026-12-01T10:00:00Z", run_count: number, code_version, ...over,
});
const VERSIONS = [summary(1, "2026-11-01"), summary(2, "2026-12-01")];

function at(element: React.ReactNode) {
  const router = createMemoryRouter([{ path: "*", element }]);
  return render(<RouterProvider router={router} />);
}

describe("a code workflow's page", () => {
  beforeEach(() => {
    api.getVersion.mockImplementation(async (_key: string, n: number): Promise<Version> => {
      const v = VERSIONS.find((x) => x.number === n)!;
      return { ...v, source: SOURCE(v.code_version!), spec: { kind: "code", module: "examples.shop.workflows", nodes: [], edges: [] } as never };
    });
  });

  it("shows the latest version's source as text, its versions and a link to its runs", async () => {
    const { container } = at(<CodeDefinitionPage definition={definition("place-order-code", "code")} versions={VERSIONS} />);
    await waitFor(() => expect(screen.getByTestId("code-source").textContent).toBe(SOURCE("2026-12-01")));
    expect(api.getVersion).toHaveBeenCalledWith("place-order-code", 2);
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByTestId("code-version-1").textContent).toContain("2026-11-01");
    expect(screen.getByTestId("code-version-2").textContent).toContain("2026-12-01");
    expect(screen.getByTestId("code-runs-link").getAttribute("href")).toBe("/console/runs?definition=place-order-code");
    expect(screen.getByTestId("code-read-only").textContent).toContain("examples.shop.workflows");
  });

  it("offers no edit, import, publish, test-run, export or delete control", async () => {
    at(<CodeDefinitionPage definition={definition("place-order-code", "code")} versions={VERSIONS} version={1} />);
    await waitFor(() => expect(screen.getByTestId("code-source").textContent).toBe(SOURCE("2026-11-01")));
    const controls = [...document.querySelectorAll("button, input, textarea, select, a[download]")];
    expect(controls).toEqual([]);
    expect(document.body.textContent).not.toMatch(/\b(Publish|Import|Test run|Delete|Export|Rename|Edit|Save)\b/);
  });

  it("shows the version asked for, else the latest", () => {
    expect(shownVersion(VERSIONS, 1)!.number).toBe(1);
    expect(shownVersion(VERSIONS, 9)!.number).toBe(2);
    expect(shownVersion(VERSIONS)!.number).toBe(2);
    expect(shownVersion([])).toBeNull();
  });
});

describe("the definitions list", () => {
  it("badges code workflows and offers them neither rename nor export", async () => {
    api.listDefinitions.mockResolvedValue([definition("orders", "graph"), definition("place-order-code", "code")]);
    api.listVersions.mockImplementation(async (key: string) => (key === "orders" ? [summary(1, null)] : VERSIONS));
    at(<DefinitionsPage />);
    const code = await screen.findByTestId("definition-place-order-code");
    const graph = screen.getByTestId("definition-orders");
    expect(screen.getByTestId("code-badge-place-order-code").textContent).toBe("code");
    expect(screen.queryByTestId("code-badge-orders")).toBeNull();
    expect(graph.textContent).toMatch(/Rename/);
    await waitFor(() => expect(screen.getByTestId("chip-place-order-code-2").textContent).toContain("2026-12-01"));
    // Export is offered once the versions are known (it exports the published one).
    await waitFor(() => expect(graph.textContent).toMatch(/Export v1/));
    expect(code.textContent).not.toMatch(/Rename|Export/);
  });
});
