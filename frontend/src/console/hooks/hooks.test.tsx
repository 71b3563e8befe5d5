// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Hook } from "../../api/hooks";

const api = vi.hoisted(() => ({
  listHooks: vi.fn(), createHook: vi.fn(), updateHook: vi.fn(), rotateHookSecret: vi.fn(), deleteHook: vi.fn(),
  listDeliveries: vi.fn(),
}));
const who = vi.hoisted(() => ({ admin: true }));
vi.mock("../../api/hooks", async (real) => ({ ...(await real<typeof import("../../api/hooks")>()), ...api }));
vi.mock("../../api/definitions", () => ({
  listDefinitions: vi.fn().mockResolvedValue([{ key: "orders-in", name: "Orders" }, { key: "refunds", name: "Refunds" }]),
}));
vi.mock("../me", () => ({
  useMe: () => ({ username: "ada", roles: [who.admin ? "admin" : "operator"], capabilities: who.admin ? ["administer"] : [] }),
  useCan: () => who.admin,
}));
const { default: HooksPage } = await import("./HooksPage");
const { businessKeyText } = await import("../../api/hooks");

const HOOK: Hook = {
  key: "orders-in", url: "http://x/hooks/orders-in/", definition_name: "Orders", enabled: true,
  business_key_from: "body:order.id", rate_per_minute: 60, secret_hint: "...wxyz", secret_set_at: "2026-12-03T07:00:00Z",
  previous_secret_valid_until: null, created_by: "ada", created_at: "2026-12-03T07:00:00Z",
  updated_at: "2026-12-03T07:00:00Z", last_delivery_at: null, last_outcome: null,
};

afterEach(cleanup);
beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
  who.admin = true;
});

const page = () => render(<MemoryRouter><HooksPage /></MemoryRouter>);

describe("the webhooks page", () => {
  it("lists hooks with the secret's hint only, and offers only definitions without one", async () => {
    api.listHooks.mockResolvedValue([HOOK]);
    page();
    expect(await screen.findByText("...wxyz")).toBeTruthy();
    expect(screen.getByText("the body at order.id")).toBeTruthy();
    const options = [...screen.getByTestId("hook-create").querySelectorAll("option")].map((o) => o.value);
    expect(options).toEqual(["", "refunds"]);
  });

  it("shows a new hook's secret once, until dismissed", async () => {
    api.listHooks.mockResolvedValueOnce([]).mockResolvedValue([HOOK]);
    api.createHook.mockResolvedValue({ ...HOOK, secret: "s3cret-value-wxyz" });
    page();
    await screen.findByText("No webhooks yet.");
    const form = screen.getByTestId("hook-create");
    fireEvent.change(form.querySelector("select")!, { target: { value: "orders-in" } });
    fireEvent.change(form.querySelector("input")!, { target: { value: "body:order.id" } });
    fireEvent.submit(form);
    await waitFor(() => expect(screen.getByTestId("hook-secret-value").textContent).toBe("s3cret-value-wxyz"));
    expect(api.createHook).toHaveBeenCalledWith("orders-in", { business_key_from: "body:order.id", rate_per_minute: 60 });
    fireEvent.click(screen.getByText("I have stored it"));
    expect(screen.queryByTestId("hook-secret")).toBeNull();
    expect(document.body.textContent).not.toContain("s3cret-value-wxyz");
  });

  it("tells a non-admin the page is not theirs, and asks nothing of the server", () => {
    who.admin = false;
    page();
    expect(screen.getByTestId("hooks-admin-only").textContent).toContain("Only an admin");
    expect(api.listHooks).not.toHaveBeenCalled();
  });

  it("says where the business key comes from", () => {
    expect(businessKeyText("header:X-Request-Id")).toBe("the X-Request-Id header");
    expect(businessKeyText("")).toBe("none: every delivery starts a run");
  });
});
