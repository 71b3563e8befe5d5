/** The console run graph's first view: fit when labels stay readable, else a readable zoom near the focus. */
import { describe, expect, it } from "vitest";
import { READABLE_ZOOM, readableViewport } from "./ReadableView";

// The order saga's nodes span about 3160 x 600 (examples/definitions/order_saga.json).
const SAGA = { x: 0, y: -84, width: 3160, height: 600 };
const node = (x: number, y: number) => ({ x, y, width: 190, height: 60 });

describe("readableViewport", () => {
  it("leaves a graph that fits at a readable zoom to fitView", () => {
    expect(readableViewport({ x: 0, y: 0, width: 800, height: 300 }, node(0, 0), 1000, 500)).toBeNull();
  });

  it("zooms a wide graph to a readable size, starting at its left end", () => {
    const v = readableViewport(SAGA, node(0, 280), 1000, 480)!;
    expect(v.zoom).toBe(READABLE_ZOOM);
    expect(13 * v.zoom).toBeGreaterThanOrEqual(11); // a 13 px label
    expect(v.x).toBe(24); // the start at the left margin, nothing blank before it
  });

  it("puts the focus 40% across, but never scrolls past the graph's right end", () => {
    const middle = readableViewport(SAGA, node(1620, 140), 1000, 480)!;
    expect(middle.x + (1620 + 95) * middle.zoom).toBeCloseTo(400);
    const last = readableViewport(SAGA, node(2970, 280), 1000, 480)!;
    expect(last.x + (SAGA.x + SAGA.width) * last.zoom).toBeCloseTo(1000 - 24); // the right end at the margin
  });

  it("centres the graph's height when it fits, else the focus", () => {
    const v = readableViewport(SAGA, node(0, 280), 1000, 700)!;
    expect(v.y + (SAGA.y + SAGA.height / 2) * v.zoom).toBeCloseTo(350);
    const short = readableViewport(SAGA, node(0, 280), 1000, 300)!;
    expect(short.y + (280 + 30) * short.zoom).toBeLessThanOrEqual(300);
  });
});
