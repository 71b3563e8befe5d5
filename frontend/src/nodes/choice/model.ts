import { GitBranch } from "lucide-react";
import { conditionProblems } from "../../spec/conditions";
import type { NodeMeta } from "../types";

export const choiceMeta: NodeMeta = {
  type: "choice",
  title: "Choice",
  hint: "Takes the first matching rule's branch, else default",
  icon: GitBranch,
  defaults: () => ({ label: "Choice", rules: [{ id: "rule_1", condition: { field: "", op: "eq", value: "" } }] }),
  summary: (f) => `${f.rules?.length ?? 0} rule(s) + default`,
  problems: (f) => {
    if (!f.rules?.length) return ["Add at least one rule"];
    return f.rules.flatMap((r) => conditionProblems(r.condition).map((p) => `${r.label || r.id}: ${p}`));
  },
};
