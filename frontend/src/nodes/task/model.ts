import { Cog } from "lucide-react";
import { retryProblem } from "../../spec/retry";
import { onFailureProblem } from "../_base/failurePolicy";
import type { NodeMeta } from "../types";

export const taskMeta: NodeMeta = {
  type: "task",
  title: "Task",
  hint: "Runs a registered activity",
  icon: Cog,
  defaults: () => ({ label: "Task", activity: "" }),
  summary: (f) =>
    [f.activity || "no activity", f.compensation ? `↺ ${f.compensation.activity}` : "", f.on_failure && f.on_failure !== "compensate" ? `on failure: ${f.on_failure}` : ""]
      .filter(Boolean)
      .join("  "),
  problems: (f) => {
    const out: string[] = [];
    if (!f.activity) out.push("Choose the activity to run");
    const retry = retryProblem(f.retry);
    if (retry) out.push(retry);
    const onFailure = onFailureProblem(f);
    if (onFailure) out.push(onFailure);
    if (f.compensation && !f.compensation.activity) out.push("Choose the compensation activity");
    return out;
  },
};
