// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { HumanTask } from "../../api/inbox";
import { SchemaForm } from "../../common/SchemaForm";
import { fieldKind, formData, formProblems, initialValue, serverFieldErrors } from "../../common/schemaForm";
import { filterOf, refusedText } from "./inbox";

const api = vi.hoisted(() => ({ getTask: vi.fn(), claimTask: vi.fn(), unclaimTask: vi.fn(), completeTask: vi.fn(), rejectTask: vi.fn(), listInbox: vi.fn() }));
vi.mock("../../api/inbox", () => api);
const { default: TaskPage } = await import("./TaskPage");

afterEach(cleanup);
beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
  api.listInbox.mockResolvedValue({ results: [], open_count: 0 });
});

const FORM = {
  type: "object",
  required: ["amount", "kind"],
  properties: {
    amount: { type: "integer", title: "Amount", minimum: 1 },
    kind: { enum: ["refund", "credit"] },
    ok: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    address: { type: "object", required: ["city"], properties: { city: { type: "string" } } },
  },
};

const TASK: HumanTask = {
  id: 7, run_id: "11111111-2222-3333-4444-555555555555", definition: "refunds", business_key: "o-1", node_id: "approve",
  title: "Refund <b>o-1</b>", description: "<img src=x onerror=alert(1)>", form: FORM, status: "open",
  assignee_role: "operator", assignee_user: null, claimed_by: null, claimed_at: null, completed_by: null, completed_at: null,
  result: null, reason: "", due_at: null, overdue: false, created_at: "2026-12-03T07:00:00Z",
  actions: { claim: null, unclaim: "the task is not claimed", complete: null, reject: null },
};

describe("the schema form's model", () => {
  it("draws each supported kind, and the rest as JSON", () => {
    expect(Object.values(FORM.properties).map((p) => fieldKind(p))).toEqual(["integer", "enum", "boolean", "strings", "object"]);
    expect(fieldKind({ type: "array", items: { type: "object" } })).toBe("json");
    expect(fieldKind({ type: ["string", "null"] })).toBe("string");
  });

  it("starts from defaults, checks required, types, enums and bounds by pointer, and sends no empty field", () => {
    expect(initialValue(FORM)).toEqual({ ok: false, address: {} });
    expect(formProblems(FORM, initialValue(FORM))).toEqual({ "/amount": "Required", "/kind": "Required", "/address/city": "Required" });
    expect(formProblems(FORM, { amount: 0, kind: "cash", address: { city: "Oslo" } })).toEqual({ "/amount": "At least 1", "/kind": "Choose one of the options" });
    expect(formProblems(FORM, { amount: 1.5, kind: "refund", address: { city: "Oslo" } })).toEqual({ "/amount": "A whole number" });
    expect(formData(FORM, { amount: 3, kind: "refund", tags: undefined, note: "", address: { city: "Oslo" } })).toEqual({ amount: 3, kind: "refund", address: { city: "Oslo" } });
    expect(serverFieldErrors([{ field: "/amount", message: "0 is less than 1" }, { message: "other" }])).toEqual({ fields: { "/amount": "0 is less than 1" }, other: ["other"] });
  });

  it("renders labels and values as text and reports changes", () => {
    const onChange = vi.fn();
    render(<SchemaForm schema={{ type: "object", properties: { "<b>x</b>": { type: "string", description: "<i>hint</i>" } } }} value={{}} onChange={onChange} errors={{ "/<b>x<~1b>": "bad" }} />);
    expect(document.querySelector("b")).toBeNull();
    expect(screen.getByText("<i>hint</i>")).toBeTruthy();
    expect(screen.getByText("bad")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("<b>x</b>"), { target: { value: "hello" } });
    expect(onChange).toHaveBeenCalledWith({ "<b>x</b>": "hello" });
  });
});

describe("the inbox's words", () => {
  it("says why an action is refused and reads the filter from the address", () => {
    expect(refusedText(TASK, "unclaim")).toBe("The task is not claimed.");
    expect(refusedText(TASK, "claim")).toBe("");
    expect(filterOf("?show=mine")).toBe("mine");
    expect(filterOf("?show=<x>")).toBe("active");
  });
});

function page() {
  return render(
    <MemoryRouter initialEntries={["/console/inbox/7"]}>
      <Routes><Route path="/console/inbox/:id" element={<TaskPage />} /></Routes>
    </MemoryRouter>,
  );
}

describe("the task page", () => {
  it("shows the task as text, checks the form before sending, and shows the server's errors on their fields", async () => {
    api.getTask.mockResolvedValue(TASK);
    page();
    expect(await screen.findByTestId("task-title")).toHaveProperty("textContent", "Refund <b>o-1</b>");
    expect(document.querySelector("img")).toBeNull();
    fireEvent.click(screen.getByTestId("complete"));
    expect(api.completeTask).not.toHaveBeenCalled();
    expect(screen.getByTestId("error-/amount").textContent).toBe("Required");
    fireEvent.change(screen.getByLabelText("Amount"), { target: { value: "5" } });
    fireEvent.change(screen.getByLabelText("kind"), { target: { value: "0" } });
    fireEvent.change(screen.getByLabelText("city"), { target: { value: "Oslo" } });
    api.completeTask.mockRejectedValueOnce(new ApiError(400, { code: "engine.invalid_input", detail: "the data does not fit", errors: [{ field: "/amount", message: "5 is too big" }] }));
    fireEvent.click(screen.getByTestId("complete"));
    await waitFor(() => expect(screen.getByTestId("error-/amount").textContent).toBe("5 is too big"));
    expect(api.completeTask).toHaveBeenCalledWith(7, { amount: 5, kind: "refund", ok: false, address: { city: "Oslo" } });
    api.completeTask.mockResolvedValueOnce({ ...TASK, status: "completed", completed_by: "olga", result: { amount: 5 }, actions: { ...TASK.actions, complete: "the task is completed" } });
    fireEvent.click(screen.getByTestId("complete"));
    expect(await screen.findByTestId("task-notice")).toHaveProperty("textContent", "Completed: the run goes on.");
    expect(screen.getByTestId("task-status").textContent).toBe("completed");
  });

  it("needs a reason to reject", async () => {
    api.getTask.mockResolvedValue(TASK);
    api.rejectTask.mockResolvedValue({ ...TASK, status: "rejected", reason: "dup" });
    page();
    fireEvent.click(await screen.findByTestId("reject-open"));
    fireEvent.click(screen.getByTestId("reject"));
    expect(api.rejectTask).not.toHaveBeenCalled();
    expect(screen.getByTestId("task-error").textContent).toMatch(/reason is required/);
    fireEvent.change(screen.getByTestId("reject-reason"), { target: { value: " dup " } });
    fireEvent.click(screen.getByTestId("reject"));
    await waitFor(() => expect(api.rejectTask).toHaveBeenCalledWith(7, "dup"));
  });

  it("disables every button for a viewer, saying why", async () => {
    const why = "a viewer sees tasks but cannot act on them: claiming, completing and rejecting need another role";
    api.getTask.mockResolvedValue({ ...TASK, actions: { claim: why, unclaim: why, complete: why, reject: why } });
    page();
    const claim = (await screen.findByTestId("claim")) as HTMLButtonElement;
    expect(claim.disabled).toBe(true);
    expect(claim.title).toMatch(/^A viewer sees tasks/);
    expect((screen.getByTestId("complete") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("reject-open") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("task-refused").textContent).toMatch(/^A viewer sees tasks/);
    expect((screen.getByLabelText("Amount") as HTMLInputElement).disabled).toBe(true);
  });
});
