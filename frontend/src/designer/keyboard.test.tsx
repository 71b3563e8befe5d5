// @vitest-environment jsdom
/**
 * The designer from the keyboard (issue 18, item 8): the palette is one tab stop with arrow keys
 * inside; "Connect to…" connects the selected node through the drag's rules and says a refusal in
 * the canvas's notice; C focuses it; the canvas's edges are not tab stops (the node's inspector
 * lists them instead).
 */
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Canvas } from "./Canvas";
import { connectionProblem } from "./connections";
import { CONNECT_TARGET_ID } from "./ConnectTo";
import { ConnectionNotice } from "./ConnectionNotice";
import { DesignerProvider } from "./context";
import { useShortcuts } from "./hooks";
import { Inspector } from "./Inspector";
import { stubFlowMeasurements } from "./jsdomFlow";
import { Palette } from "./Palette";
import type { DesignerStore } from "./store";
import { designerWith } from "./testing";

beforeAll(stubFlowMeasurements);
afterEach(cleanup);

/** start -> a -> b (b's exit free), c on its own, and end. */
const chain = () =>
  designerWith(
    [{ id: "a", type: "task", activity: "shop.charge", label: "Charge" }, { id: "b", type: "task", activity: "shop.refund" }, { id: "c", type: "task", activity: "shop.refund" }],
    [
      { id: "e1", source: "start", target: "a" },
      { id: "e2", source: "a", target: "b" },
    ],
  );

describe("the palette", () => {
  const renderPalette = (store: DesignerStore, onAdd = vi.fn()) => {
    render(
      <DesignerProvider store={store}>
        <Palette onAdd={onAdd} />
      </DesignerProvider>,
    );
    return onAdd;
  };
  const items = () => within(screen.getByRole("toolbar", { name: "Steps and activities" })).getAllByRole("button");
  const tabStops = () => items().filter((el) => el.tabIndex === 0);

  it("is a single tab stop, and the arrow keys, Home and End move inside it", () => {
    const onAdd = renderPalette(chain());
    const all = items();
    expect(all.length).toBeGreaterThan(10);
    expect(tabStops()).toEqual([all[0]]);

    all[0].focus();
    fireEvent.keyDown(all[0], { key: "ArrowDown" });
    expect(document.activeElement).toBe(all[1]);
    expect(tabStops()).toEqual([all[1]]);
    fireEvent.keyDown(all[1], { key: "ArrowUp" });
    fireEvent.keyDown(all[0], { key: "ArrowUp" }); // stays on the first
    expect(document.activeElement).toBe(all[0]);

    fireEvent.keyDown(all[0], { key: "End" });
    const last = screen.getByTestId("palette-activity-shop.refund");
    expect(document.activeElement).toBe(last);
    expect(tabStops()).toEqual([last]);
    fireEvent.keyDown(last, { key: "Enter" });
    expect(onAdd).toHaveBeenCalledWith({ type: "task", fields: { activity: "shop.refund" } });

    fireEvent.keyDown(last, { key: "Home" });
    expect(document.activeElement).toBe(all[0]);
  });

  it("is entered with ArrowDown from the search box, and keeps one tab stop as the search narrows it", () => {
    renderPalette(chain());
    const search = screen.getByLabelText("Search the palette");
    fireEvent.change(search, { target: { value: "refund" } });
    expect(items().map((el) => el.dataset.testid)).toEqual(["palette-activity-shop.refund"]);
    expect(tabStops()).toEqual(items());
    fireEvent.keyDown(search, { key: "ArrowDown" });
    expect(document.activeElement).toBe(screen.getByTestId("palette-activity-shop.refund"));
  });

  it("offers no tab stop while read-only", () => {
    const store = chain();
    store.setState({ readOnly: true });
    renderPalette(store);
    expect(tabStops()).toEqual([]);
  });
});

/** The inspector, the canvas's refusal notice and the editor's shortcuts, over `store`. */
function renderInspector(store: DesignerStore, selected: string) {
  store.getState().select({ nodes: [selected] });
  function Shortcuts() {
    useShortcuts();
    return null;
  }
  return render(
    <DesignerProvider store={store}>
      <Shortcuts />
      <ConnectionNotice />
      <Inspector />
    </DesignerProvider>,
  );
}

const target = () => screen.getByLabelText("Node to connect to") as HTMLSelectElement;
const connect = () => fireEvent.click(screen.getByRole("button", { name: "Connect" }));
const edgesFrom = (store: DesignerStore, id: string) => store.getState().edges.filter((e) => e.source === id).map((e) => [e.target, e.data?.branch]);

describe("Connect to…", () => {
  it("connects the selected node to the node picked from a list", () => {
    const store = chain();
    renderInspector(store, "b");
    expect([...target().options].map((o) => o.textContent)).toEqual(["Choose a node…", "start", "Charge (a)", "c", "end"]);
    expect((screen.getByRole("button", { name: "Connect" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(target(), { target: { value: "end" } });
    connect();
    expect(edgesFrom(store, "b")).toEqual([["end", "next"]]);
    expect(store.getState().toast?.text).toBe("Connected b to end.");
    expect(target().value).toBe("");
    expect(screen.getByTestId("connection-notice").textContent).toBe("");
  });

  it("refuses what a drag would refuse, with the canvas's notice in the drag's words", () => {
    const store = chain();
    renderInspector(store, "b");
    const { nodes, edges } = store.getState();
    const loop = connectionProblem({ source: "b", target: "a", sourceHandle: "next" }, nodes, edges);
    expect(loop).toBe("This would make a loop; workflows must be acyclic");
    fireEvent.change(target(), { target: { value: "a" } });
    connect();
    expect(edgesFrom(store, "b")).toEqual([]);
    const notice = screen.getByTestId("connection-notice");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(notice.textContent).toContain(`Not connected: ${loop}.`);

    // Enter on the list connects too; into the start node is refused as a drop there is.
    fireEvent.change(target(), { target: { value: "start" } });
    fireEvent.keyDown(target(), { key: "Enter" });
    expect(notice.textContent).toContain("Not connected: Nothing may lead into the start node.");
    expect(edgesFrom(store, "b")).toEqual([]);
  });

  it("asks which exit for a node with several, and connects that one", () => {
    const store = designerWith([
      { id: "route", type: "choice", rules: [{ id: "large", label: "Large order", condition: { field: "input.amount", op: "gte", value: 1000 } }] },
      { id: "review", type: "task", activity: "shop.charge" },
      { id: "other", type: "task", activity: "shop.refund" },
    ], [{ id: "e0", source: "start", target: "route" }, { id: "e1", source: "route", target: "review", branch: "large" }]);
    renderInspector(store, "route");
    const exit = screen.getByLabelText("Exit to connect") as HTMLSelectElement;
    expect([...exit.options].map((o) => o.textContent)).toEqual(["Large order (large) — connected", "default"]);
    // The first exit still free is the one offered.
    expect(exit.value).toBe("default");
    fireEvent.change(target(), { target: { value: "end" } });
    connect();
    expect(edgesFrom(store, "route")).toEqual([["review", "large"], ["end", "default"]]);
    expect(store.getState().edges.find((e) => e.target === "end")?.sourceHandle).toBe("default");

    // The "large" exit is taken: the drag's message, not a second edge.
    fireEvent.change(screen.getByLabelText("Exit to connect"), { target: { value: "large" } });
    fireEvent.change(target(), { target: { value: "other" } });
    connect();
    expect(screen.getByTestId("connection-notice").textContent).toContain('The "large" exit of route is already connected');
    expect(edgesFrom(store, "route")).toHaveLength(2);
  });

  it("is focused by the C shortcut when one node is selected", () => {
    const store = chain();
    renderInspector(store, "b");
    fireEvent.keyDown(document.body, { key: "c" });
    expect(document.activeElement).toBe(document.getElementById(CONNECT_TARGET_ID));
    expect(document.activeElement).toBe(target());
    // Typing "c" into a field stays typing.
    const label = screen.getByLabelText("Label");
    label.focus();
    fireEvent.keyDown(label, { key: "c" });
    expect(document.activeElement).toBe(label);
  });

  it("lists the node's connections, each a button that selects it", () => {
    const store = chain();
    renderInspector(store, "a");
    const list = screen.getByRole("region", { name: "Connections" });
    fireEvent.click(within(list).getByRole("button", { name: "→ b" }));
    expect(store.getState().edges.filter((e) => e.selected).map((e) => e.id)).toEqual(["e2"]);
    expect(screen.getByRole("heading", { name: "Connection" })).toBeTruthy();
  });

  it("is not offered read-only, nor from an end node", () => {
    const store = chain();
    store.setState({ readOnly: true });
    renderInspector(store, "b");
    expect(screen.queryByLabelText("Node to connect to")).toBeNull();
    cleanup();
    renderInspector(chain(), "end");
    expect(screen.queryByLabelText("Node to connect to")).toBeNull();
  });
});

describe("the canvas's tab stops", () => {
  it("are its nodes, not its edges (the inspector lists those)", () => {
    render(
      <DesignerProvider store={chain()}>
        <ReactFlowProvider>
          <Canvas />
        </ReactFlowProvider>
      </DesignerProvider>,
    );
    const canvas = screen.getByTestId("canvas");
    const nodes = [...canvas.querySelectorAll<HTMLElement>(".react-flow__node")];
    const edges = [...canvas.querySelectorAll<SVGElement>(".react-flow__edge")];
    expect(nodes).toHaveLength(5);
    expect(nodes.every((n) => n.tabIndex === 0)).toBe(true);
    expect(edges).toHaveLength(2);
    expect(edges.filter((e) => e.getAttribute("tabindex") === "0")).toEqual([]);
  });
});
