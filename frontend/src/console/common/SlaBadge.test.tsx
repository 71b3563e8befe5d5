// @vitest-environment jsdom
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { SlaBadge, slaBadgeText } from "./SlaBadge";

afterEach(cleanup);

describe("the SLA badge", () => {
  it("says breached (red) or at risk (amber), and nothing for a run on time or without an SLA", () => {
    expect(slaBadgeText("breached")).toBe("SLA breached");
    expect(slaBadgeText("at_risk")).toBe("SLA at risk");
    expect(slaBadgeText("ok")).toBeNull();
    expect(slaBadgeText(null)).toBeNull();
    expect(slaBadgeText(undefined)).toBeNull();
    const { getByTestId, container, rerender } = render(<SlaBadge state="breached" testId="sla" />);
    expect(getByTestId("sla").textContent).toBe("SLA breached");
    expect(getByTestId("sla").className).toBe("fc-sla fc-sla--breached");
    rerender(<SlaBadge state="at_risk" testId="sla" />);
    expect(getByTestId("sla").className).toBe("fc-sla fc-sla--at_risk");
    expect(getByTestId("sla").getAttribute("title")).toContain("20%");
    rerender(<SlaBadge state="ok" testId="sla" />);
    expect(container.innerHTML).toBe("");
  });
});
