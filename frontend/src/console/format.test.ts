import { describe, expect, it } from "vitest";
import { duration, humanizeTimes, relative, since, when } from "./format";

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

  it("timestamps for people: the time today, day and month otherwise, the year when it is another", () => {
    const gb = { locale: "en-GB", timeZone: "UTC" };
    const now = Date.parse("2026-12-01T18:00:00Z");
    expect(when("2026-12-01T14:03:10.123456+00:00", now, gb)).toBe("14:03:10");
    expect(when("2026-11-30T14:03:10Z", now, gb)).toBe("30 Nov 14:03");
    expect(when("2025-12-01T14:03:10Z", now, gb)).toBe("1 Dec 2025 14:03");
    // "Today" is the viewer's day: 23:30 UTC on 1 Dec is already 2 Dec in Berlin.
    const berlin = { locale: "en-GB", timeZone: "Europe/Berlin" };
    expect(when("2026-12-01T23:30:00Z", Date.parse("2026-12-02T08:00:00Z"), berlin)).toBe("00:30:00");
    expect(when("2026-12-01T23:30:00Z", Date.parse("2026-12-01T20:00:00Z"), berlin)).toBe("2 Dec 00:30");
    // The locale orders day and month; hours are always 24h.
    expect(when("2026-11-30T14:03:10Z", now, { locale: "en-US", timeZone: "UTC" })).toBe("Nov 30 14:03");
    expect(when(null)).toBe("");
    expect(when("not a time")).toBe("not a time");
  });

  it("durations since a timestamp, for live rendering", () => {
    const now = Date.parse("2026-12-01T14:03:10Z");
    expect(since("2026-12-01T14:01:07Z", now)).toBe("2m03s");
    expect(since(null, now)).toBe("");
    expect(since("garbage", now)).toBe("");
  });

  it("humanizes with the same formatter, on another day too", () => {
    const now = Date.parse("2026-12-01T18:00:00Z");
    expect(humanizeTimes("lease expired at 2026-11-30T14:03:10+00:00", now, { locale: "en-GB", timeZone: "UTC" }))
      .toBe("lease expired at 30 Nov 14:03 (1d03h ago)");
  });
});
