// @vitest-environment jsdom
/** Every node type has an SVG icon (no font glyph that renders as an empty box), drawn on the canvas and the palette. */
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { NODE_TYPES } from "../spec/types";
import { NodeIcon } from "./_base/NodeIcon";
import { genericMeta } from "./_base/generic";
import { NODE_META } from "./registry";

afterEach(cleanup);

describe("node type icons", () => {
  it.each(NODE_TYPES)("%s renders an inline SVG, hidden from screen readers", (type) => {
    const { container } = render(<NodeIcon icon={NODE_META[type].icon} />);
    const svg = container.querySelector("svg");
    expect(svg).toBeTruthy();
    expect(svg!.getAttribute("aria-hidden")).toBe("true");
    expect(svg!.querySelectorAll("path, circle, rect, line, polyline, polygon").length).toBeGreaterThan(0);
    expect(container.textContent).toBe("");
  });

  it("gives each type its own icon, and the code-only and unknown types one too", () => {
    const icons = new Set(NODE_TYPES.map((t) => NODE_META[t].icon));
    expect(icons.size).toBe(NODE_TYPES.length);
    for (const type of ["value", "workflow", "from-a-newer-server"]) {
      const { container } = render(<NodeIcon icon={genericMeta(type).icon} />);
      expect(container.querySelector("svg")).toBeTruthy();
      cleanup();
    }
  });
});
