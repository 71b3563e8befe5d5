import { describe, expect, it } from "vitest";
import { RUN_STATUSES, TERMINAL } from "../../api/runs";
import { isRunFinished } from "../../graph/runStatus";
import { statusText } from "./StatusBadge";

describe("run statuses", () => {
  it("aborted is labelled for what it is and is terminal; failed awaits an operator", () => {
    expect(statusText("aborted")).toBe("aborted: failed, nothing undone");
    expect(statusText("failed")).toBe("failed: failed, awaiting an operator");
    expect(statusText("compensation_failed")).toBe("compensation failed: undoing failed, awaiting an operator");
    expect(statusText("running")).toBe("running");
    expect(RUN_STATUSES).toContain("aborted");
    expect([...TERMINAL].sort()).toEqual(["aborted", "cancelled", "compensated", "completed"]);
    expect(isRunFinished("aborted")).toBe(true);
    expect(isRunFinished("failed")).toBe(false);
  });
});
