import { describe, expect, it } from "vitest";
import { literalExpression, parseLiteral } from "./expressions";
import { formatSeconds, retryDelays, retryProblem } from "./retry";

describe("literal values as expressions", () => {
  it("quotes strings as raw strings and everything else as JSON literals", () => {
    expect(literalExpression("EUR")).toBe("'EUR'");
    expect(literalExpression("it's")).toBe("'it\\'s'");
    expect(literalExpression(42)).toBe("`42`");
    expect(literalExpression(true)).toBe("`true`");
    expect(literalExpression({ a: "`x`" })).toBe('`{"a":"\\`x\\`"}`');
  });
  it("reads literals back and leaves expressions alone", () => {
    for (const v of ["EUR", "it's", "back\\slash", 42, 1.5, false, [1, "a"], { a: 1 }]) {
      expect(parseLiteral(literalExpression(v))?.value).toEqual(v);
    }
    expect(parseLiteral("input.amount")).toBeNull();
    expect(parseLiteral("'a' || 'b'")).toBeNull();
  });
});

describe("retry preview", () => {
  it("matches the engine's formula with defaults", () => {
    expect(retryDelays(undefined).map((d) => d.base)).toEqual([1, 2]);
    const rows = retryDelays({ max_attempts: 6, initial_interval: 10, backoff_coefficient: 3, max_interval: 100, jitter: 0.5 });
    expect(rows.map((d) => d.base)).toEqual([10, 30, 90, 100, 100]);
    expect(rows[3]).toMatchObject({ min: 50, max: 100 });
    expect(retryDelays({ max_attempts: 1 })).toEqual([]);
  });
  it("reports the policy the server refuses (E022)", () => {
    expect(retryProblem({ initial_interval: 120 })).toMatch(/maximum interval/);
    expect(retryProblem({ initial_interval: 120, max_interval: 120 })).toBeNull();
  });
  it("formats durations", () => {
    expect(formatSeconds(1.5)).toBe("1.5s");
    expect(formatSeconds(150)).toBe("2m 30s");
    expect(formatSeconds(3900)).toBe("1h 5m");
  });
});
