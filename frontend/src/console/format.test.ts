import { describe, expect, it } from "vitest";
import { duration, humanizeTimes, relative } from "./format";

describe("format", () => {
  it("durations", () => {
    expect(duration(0)).toBe("0s");
    expect(duration(42_000)).toBe("42s");
    expect(duration(185_000)).toBe("3m05s");
    expect(duration(2 * 3600_000 + 7 * 60_000)).toBe("2h07m");
    expect(duration(3 * 86400_000 + 4 * 3600_000)).toBe("3d04h");
  });

  it("relative times", () => {
    const now = Date.parse("2026-11-27T08:00:00Z");
    expect(relative("2026-11-27T08:00:12Z", now)).toBe("in 12s");
    expect(relative("2026-11-27T07:57:00Z", now)).toBe("3m00s ago");
  });

  it("makes the scheduler's ISO times readable", () => {
    const now = Date.parse("2026-11-27T08:00:00Z");
    const line = humanizeTimes("charge: waiting for retry at 2026-11-27T08:00:30.123456+00:00 after 3 attempt(s)", now);
    expect(line).toMatch(/^charge: waiting for retry at \d\d:\d\d:\d\d \(in 30s\) after 3 attempt\(s\)$/);
    expect(humanizeTimes("no time here", now)).toBe("no time here");
  });
});
