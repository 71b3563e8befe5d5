// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { CodeSpec } from "../../spec/code";
import { emptySpec } from "../../spec/types";
import { CodeBadge, CodeSource } from "./CodeSource";

afterEach(cleanup);

const EVIL = '@workflow("place-order-code", version="2026-12-01")\ndef place_order(ctx, order):\n    note = "<img src=x onerror=alert(1)>"\n';
const SPEC: CodeSpec = { kind: "code", workflow: "place-order-code", code_version: "2026-12-01", module: "examples.shop.workflows", source: EVIL, nodes: [], edges: [] };

describe("a code run's header", () => {
  it("names the workflow and its code version in a small badge", () => {
    render(<CodeBadge spec={SPEC} />);
    expect(screen.getByTestId("run-code-badge").textContent).toBe("code · place-order-code 2026-12-01");
  });

  it("shows the source in a closed disclosure, as text in a <pre>", () => {
    const { container } = render(<CodeSource spec={SPEC} />);
    const details = screen.getByTestId("run-source") as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.querySelector("summary")!.textContent).toBe("Source (examples.shop.workflows)");
    expect(details.querySelector("pre")!.textContent).toBe(EVIL);
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows nothing for a graph run", () => {
    const { container } = render(<><CodeBadge spec={emptySpec()} /><CodeSource spec={emptySpec()} /></>);
    expect(container.innerHTML).toBe("");
  });
});
