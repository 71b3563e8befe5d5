// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { Retention } from "../../api/retention";
import { retentionText } from "./RetentionNote";

const RETENTION: Retention = {
  default_days: 30,
  archived: true,
  daily_at: "03:00",
  definitions: [
    { key: "orders", name: "Orders", retention_days: null, kept_days: 30 },
    { key: "ledger", name: "Ledger", retention_days: 0, kept_days: 0 },
    { key: "pings", name: "Pings", retention_days: 1, kept_days: 1 },
  ],
};

describe("the retention note", () => {
  it("says how long a definition's runs are kept, and what happens to them then", () => {
    expect(retentionText(RETENTION, "orders")).toBe("Runs of orders are kept 30 days after they end, then archived and deleted.");
    expect(retentionText(RETENTION, "ledger")).toBe("Runs of ledger are kept forever.");
    expect(retentionText({ ...RETENTION, archived: false }, "pings")).toBe("Runs of pings are kept 1 day after they end, then deleted.");
    expect(retentionText(RETENTION, "unknown")).toBeNull();
  });

  it("says the default and how many definitions differ, and nothing before it is known", () => {
    expect(retentionText(RETENTION)).toBe("Runs are kept 30 days after they end, then archived and deleted (2 definitions keep their own).");
    expect(retentionText({ ...RETENTION, default_days: 0, definitions: [] })).toBe("Runs are kept forever.");
    expect(retentionText(null)).toBeNull();
  });
});
