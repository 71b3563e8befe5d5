import { Workflow } from "lucide-react";
import type { NodeMeta } from "../types";

export const subworkflowMeta: NodeMeta = {
  type: "subworkflow",
  title: "Subworkflow",
  hint: "Runs another definition and waits for it",
  icon: Workflow,
  defaults: () => ({ label: "Subworkflow", definition: "" }),
  summary: (f) => (f.definition ? `${f.definition}${f.version ? ` v${f.version}` : " (latest)"}` : "no definition"),
  problems: (f) => (f.definition ? [] : ["Choose the definition to run"]),
};
