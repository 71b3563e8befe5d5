import { retryProblem } from "../../spec/retry";
import type { NodeMeta } from "../types";

export const taskMeta: NodeMeta = {
  type: "task",
  title: "Task",
  hint: "Runs a registered activity",
  icon: "⚙",
  defaults: () => ({ label: "Task", activity: "" }),
  summary: (f) => [f.activity || "no activity", f.compensation ? `↺ ${f.compensation.activity}` : ""].filter(Boolean).join("  "),
  problems: (f) => {
    const out: string[] = [];
    if (!f.activity) out.push("Choose the activity to run");
    const retry = retryProblem(f.retry);
    if (retry) out.push(retry);
    if (f.compensation && !f.compensation.activity) out.push("Choose the compensation activity");
    return out;
  },
};
