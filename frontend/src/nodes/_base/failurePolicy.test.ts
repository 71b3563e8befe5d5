import { describe, expect, it } from "vitest";
import { httpMeta } from "../http/model";
import { taskMeta } from "../task/model";
import { ON_FAILURE_TEXT, onFailureOf, onFailureProblem, withOnFailure } from "./failurePolicy";

describe("on_failure", () => {
  it("absent means compensate, and new nodes leave it absent", () => {
    expect(onFailureOf({})).toBe("compensate");
    expect("on_failure" in taskMeta.defaults()).toBe(false);
    expect("on_failure" in httpMeta.defaults()).toBe(false);
  });

  it("stores the choice; choosing the default removes the field", () => {
    const f = withOnFailure({ activity: "a" }, "incident");
    expect(f).toEqual({ activity: "a", on_failure: "incident" });
    expect(withOnFailure(f, "fail").on_failure).toBe("fail");
    expect(withOnFailure(f, "compensate")).toEqual({ activity: "a" });
  });

  it("every option has a one-line help text", () => {
    for (const v of ["compensate", "incident", "fail"] as const) {
      expect(ON_FAILURE_TEXT[v].help).toMatch(/^[^\n]{10,}$/);
    }
  });

  it("an unknown value is a problem the inspector shows", () => {
    expect(onFailureProblem({ on_failure: "incident" })).toBeNull();
    expect(onFailureProblem({})).toBeNull();
    const bad = { activity: "a", on_failure: "explode" as never };
    expect(onFailureProblem(bad)).toMatch(/compensate, incident, fail/);
    expect(taskMeta.problems(bad)).toContainEqual(expect.stringMatching(/When the last attempt fails/));
    expect(taskMeta.summary({ activity: "a", on_failure: "incident" })).toContain("on failure: incident");
  });
});
