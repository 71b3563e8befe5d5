import { describe, expect, it } from "vitest";
import { minuteBuckets, seconds } from "./charts";

describe("minuteBuckets", () => {
  it("one bucket per minute, zeros filled, points outside the window dropped", () => {
    const now = Date.parse("2026-11-27T08:10:30Z");
    const b = minuteBuckets(
      [
        { minute: "2026-11-27T08:10:00+00:00", completed: 3, failed: 1 },
        { minute: "2026-11-27T08:08:00+00:00", completed: 2, failed: 0 },
        { minute: "2026-11-27T07:00:00+00:00", completed: 9, failed: 9 },
      ],
      5,
      now,
    );
    expect(b.map((x) => [x.completed, x.failed])).toEqual([[0, 0], [0, 0], [2, 0], [0, 0], [3, 1]]);
  });
  it("seconds", () => {
    expect(seconds(0.0123)).toBe("12 ms");
    expect(seconds(2.5)).toBe("2.50 s");
    expect(seconds(null)).toBe("—");
  });
});

describe("unplaced", () => {
  it("counts the series points without a minute", async () => {
    const { unplaced } = await import("./charts");
    expect(unplaced([{ minute: null, completed: 0, failed: 2 }, { minute: "2026-11-27T08:00:00Z", completed: 1, failed: 0 }])).toEqual({ completed: 0, failed: 2 });
  });
});
