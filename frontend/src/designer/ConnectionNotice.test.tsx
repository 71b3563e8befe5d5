// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Canvas } from "./Canvas";
import { MISSED_ENTRY, refusalOf, WRONG_END, type DragEnd } from "./connections";
import { ConnectionNotice, explainDragEnd, NOTICE_MS } from "./ConnectionNotice";
import { DesignerProvider } from "./context";
import { stubFlowMeasurements } from "./jsdomFlow";
import type { DesignerStore } from "./store";
import { designerWith } from "./testing";

beforeAll(stubFlowMeasurements);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const LOOP = "This would make a loop; workflows must be acyclic";
const INTO_START = "Nothing may lead into the start node";

/** start -> a -> b (b's exit free), and c on its own. */
const chain = () =>
  designerWith(
    [{ id: "a", type: "task", activity: "shop.charge" }, { id: "b", type: "task", activity: "shop.refund" }, { id: "c", type: "task", activity: "shop.refund" }],
    [
      { id: "e1", source: "start", target: "a" },
      { id: "e2", source: "a", target: "b" },
    ],
  );

const exit = (id: string, handle = "next") => ({ fromNode: { id }, fromHandle: { id: handle, type: "source" as const } });
const entry = (id: string) => ({ toNode: { id }, toHandle: { id: null, type: "target" as const } });
const drop = (over: Partial<DragEnd>): DragEnd => ({ isValid: false, fromNode: null, fromHandle: null, toNode: null, toHandle: null, ...over });

describe("why a connection was refused", () => {
  const s = () => chain().getState();

  it("names the rule the drop broke", () => {
    const { nodes, edges } = s();
    expect(refusalOf(drop({ ...exit("b"), ...entry("a") }), null, nodes, edges)).toBe(LOOP);
    expect(refusalOf(drop({ ...exit("a"), ...entry("end") }), null, nodes, edges)).toMatch(/^The "next" exit of .* is already connected/);
    // The start node has no entry handle: the drop lands on its body.
    expect(refusalOf(drop({ ...exit("b"), isValid: null }), "start", nodes, edges)).toBe(INTO_START);
    // Dragged backwards, from a's entry to b's exit: b -> a, a loop too.
    expect(refusalOf(drop({ fromNode: { id: "a" }, fromHandle: { id: null, type: "target" }, toNode: { id: "b" }, toHandle: { id: "next", type: "source" } }), null, nodes, edges)).toBe(LOOP);
  });

  it("says nothing when the drop was accepted or let go over empty canvas", () => {
    const { nodes, edges } = s();
    expect(refusalOf(drop({ ...exit("b"), ...entry("end"), isValid: true }), null, nodes, edges)).toBeNull();
    expect(refusalOf(drop({ ...exit("b"), isValid: null }), null, nodes, edges)).toBeNull();
    expect(refusalOf(drop({ ...exit("b"), isValid: null }), "b", nodes, edges)).toBeNull();
  });

  it("explains a drop between two exits, or beside an entry", () => {
    const store = designerWith([{ id: "a", type: "task", activity: "shop.charge" }, { id: "c", type: "task", activity: "shop.refund" }]);
    const { nodes, edges } = store.getState();
    expect(refusalOf(drop({ ...exit("a"), toNode: { id: "c" }, toHandle: { id: "next", type: "source" } }), null, nodes, edges)).toBe(WRONG_END);
    expect(refusalOf(drop({ ...exit("a"), isValid: null }), "c", nodes, edges)).toBe(MISSED_ENTRY);
  });
});

/** A mouseup let go on node `id`'s body, as the canvas sees it. */
function mouseUpOn(id: string): MouseEvent {
  const node = document.createElement("div");
  node.className = "react-flow__node";
  node.dataset.id = id;
  const inner = document.createElement("span");
  node.append(inner);
  const event = new MouseEvent("mouseup");
  Object.defineProperty(event, "target", { value: inner });
  return event;
}

function renderNotice(store: DesignerStore) {
  return render(
    <DesignerProvider store={store}>
      <ConnectionNotice />
    </DesignerProvider>,
  );
}

describe("the refusal notice on the canvas", () => {
  it("shows the reason in a live region, and the next successful edit clears it", () => {
    const store = chain();
    renderNotice(store);
    const notice = screen.getByTestId("connection-notice");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(notice.getAttribute("aria-live")).toBe("assertive");
    expect(notice.textContent).toBe("");

    act(() => explainDragEnd(store, mouseUpOn("a"), drop({ ...exit("b"), ...entry("a") })));
    expect(screen.getByRole("alert").textContent).toContain(`Not connected: ${LOOP}.`);

    act(() => explainDragEnd(store, mouseUpOn("start"), drop({ ...exit("b"), isValid: null })));
    expect(notice.textContent).toContain(INTO_START);
    expect(notice.textContent).not.toContain(LOOP);

    // A refused attempt leaves it; the next connection that is accepted clears it.
    act(() => void store.getState().onConnect({ source: "a", target: "end", sourceHandle: null, targetHandle: null }));
    expect(notice.textContent).toContain(INTO_START);
    act(() => void store.getState().onConnect({ source: "c", target: "end", sourceHandle: null, targetHandle: null }));
    expect(store.getState().edges.some((e) => e.source === "c" && e.target === "end")).toBe(true);
    expect(notice.textContent).toBe("");
  });

  it("goes away by itself after a few seconds, or when dismissed", () => {
    vi.useFakeTimers();
    const store = chain();
    renderNotice(store);
    act(() => explainDragEnd(store, mouseUpOn("a"), drop({ ...exit("b"), ...entry("a") })));
    act(() => void vi.advanceTimersByTime(NOTICE_MS - 100));
    expect(screen.getByTestId("connection-notice").textContent).toContain(LOOP);
    act(() => void vi.advanceTimersByTime(200));
    expect(screen.getByTestId("connection-notice").textContent).toBe("");

    act(() => explainDragEnd(store, mouseUpOn("start"), drop({ ...exit("b"), isValid: null })));
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.getByTestId("connection-notice").textContent).toBe("");
  });

  it("stays quiet while the canvas is read-only", () => {
    const store = chain();
    store.setState({ readOnly: true });
    renderNotice(store);
    act(() => explainDragEnd(store, mouseUpOn("a"), drop({ ...exit("b"), ...entry("a") })));
    expect(screen.getByTestId("connection-notice").textContent).toBe("");
  });
});

describe("the canvas", () => {
  it("says why when a drag from an exit is let go on a node it may not lead to", () => {
    const store = chain();
    render(
      <DesignerProvider store={store}>
        <ReactFlowProvider>
          <Canvas />
        </ReactFlowProvider>
      </DesignerProvider>,
    );
    const canvas = screen.getByTestId("canvas");
    expect(canvas.contains(screen.getByTestId("connection-notice"))).toBe(true);
    const bExit = canvas.querySelector('.react-flow__node[data-id="b"] .react-flow__handle.source');
    const aNode = canvas.querySelector('.react-flow__node[data-id="a"]');
    expect(bExit && aNode).toBeTruthy();
    // jsdom has no layout: whatever is "under" the pointer is the node a.
    document.elementFromPoint = vi.fn(() => aNode);
    fireEvent.mouseDown(bExit!, { button: 0, clientX: 10, clientY: 10 });
    fireEvent.mouseMove(document, { clientX: 60, clientY: 40 });
    fireEvent.mouseUp(aNode!, { clientX: 60, clientY: 40 });
    expect(screen.getByTestId("connection-notice").textContent).toContain(LOOP);
    expect(store.getState().edges.some((e) => e.source === "b" && e.target === "a")).toBe(false);
    delete (document as { elementFromPoint?: unknown }).elementFromPoint;
  });
});
