import { describe, expect, it } from "vitest";
import type { Incident } from "../../api/console";
import { hasPlaceholders, incidentFilters, incidentKindText, incidentTitle } from "./incidents";

const incident = (over: Partial<Incident>): Incident => ({
  definition: "order-saga", node_id: "reserve", error_type: "OutOfStock", signature: "out of stock: SKU-SOLD-OUT",
  title: "out of stock: SKU-SOLD-OUT", status: "failed", count: 2, first_seen: "", last_seen: "", sample_run_ids: [], ...over,
});

describe("incident texts", () => {
  it("shows the group's sample message, never a signature with placeholders", () => {
    expect(incidentTitle(incident({ signature: "out of stock: SKU-#", title: "out of stock: SKU-SOLD-OUT" }))).toBe("out of stock: SKU-SOLD-OUT");
    expect(incidentTitle(incident({ signature: "for #s (times out at #-#-#T#", title: "" }))).toBe("");
    expect(incidentTitle(incident({ signature: "carrier down", title: "" }))).toBe("carrier down");
    expect(incidentTitle(incident({ title: "OutOfStock" }))).toBe(""); // no message: the error type says it all
    expect(hasPlaceholders("for #s")).toBe(true);
    expect(hasPlaceholders("carrier down")).toBe(false);
  });

  it("a stuck group selects the stuck runs; a failure group its step and error", () => {
    expect(incidentFilters(incident({ error_type: "Stuck", status: "running" }))).toEqual({ definition: "order-saga", status: ["running"], stuck: true });
    expect(incidentFilters(incident({}))).toEqual({ definition: "order-saga", status: ["failed"], failed_at: "reserve", error_type: "OutOfStock" });
  });
});

describe("SLA incidents", () => {
  it("a group of runs past a breached SLA reads as such and selects them by the sla filter", () => {
    const sla = incident({ error_type: "SlaBreached", node_id: "approval", status: "waiting", title: "SLA breached: approval not done in time" });
    expect(incidentKindText(sla)).toBe("SLA breached");
    expect(incidentFilters(sla)).toEqual({ definition: "order-saga", status: ["waiting"], sla: "breached" });
    expect(incidentKindText(incident({}))).toBe("OutOfStock");
    expect(incidentKindText(incident({ error_type: "Stuck" }))).toBe("stuck");
  });
});
