import { Square } from "lucide-react";
import type { NodeMeta } from "../types";

export const endMeta: NodeMeta = {
  type: "end",
  title: "End",
  hint: "Finishes the run successfully",
  icon: Square,
  defaults: () => ({ label: "End" }),
  summary: (f) => (f.output === undefined ? "" : typeof f.output === "string" ? `output: ${f.output}` : "output mapping"),
  problems: () => [],
};
