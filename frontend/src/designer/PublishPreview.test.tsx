// @vitest-environment jsdom
/** The publish dialog: what changed inside each node (before / after), and an optional note sent with Publish. */
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PublishPreview, shownValue } from "./PublishPreview";
import type { DiffPreview } from "./store/draftSlice";

afterEach(cleanup);

const PREVIEW: DiffPreview = {
  from: 3, to: 4, marks: { nodes: new Map(), edges: new Map() }, ghostNodes: [], ghostEdges: [],
  counts: { added: 0, removed: 0, changed: 1, moved: 0, edges: 0 },
  changes: [{ id: "charge", label: "Charge the card", fields: [
    { field: "activity", before: "shop.charge", after: "shop.charge_card" },
    { field: "retry.max_attempts", before: 3, after: 5 },
    { field: "timeout", before: null, after: 30 },
  ] }],
};

describe("the publish dialog", () => {
  it("shows each changed field with its value before and after", () => {
    render(<PublishPreview preview={PREVIEW} onPublish={vi.fn()} onCancel={vi.fn()} />);
    const rows = [...screen.getByTestId("changes-charge").querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ["activity", '"shop.charge"', '"shop.charge_card"'],
      ["retry.max_attempts", "3", "5"],
      ["timeout", "(not set)", "30"],
    ]);
    expect(screen.getByTestId("changes-charge").textContent).toContain("Charge the card (3 fields)");
  });

  it("publishes with the note typed, or none", () => {
    const onPublish = vi.fn();
    render(<PublishPreview preview={PREVIEW} onPublish={onPublish} onCancel={vi.fn()} />);
    fireEvent.change(screen.getByLabelText("Publish note"), { target: { value: "card charges retried 5 times" } });
    fireEvent.click(screen.getByRole("button", { name: "Publish v4" }));
    expect(onPublish).toHaveBeenCalledWith("card charges retried 5 times");
  });

  it("shows values as short text, markup included as text", () => {
    expect(shownValue("<b>x</b>")).toBe('"<b>x</b>"');
    expect(shownValue({ a: 1 })).toBe('{"a":1}');
    expect(shownValue("x".repeat(300)).length).toBe(120);
  });
});
