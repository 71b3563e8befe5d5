import { GitFork } from "lucide-react";
import type { NodeMeta } from "../types";

export const parallelMeta: NodeMeta = {
  type: "parallel",
  title: "Parallel",
  hint: "Starts every outgoing branch at once",
  icon: GitFork,
  defaults: () => ({ label: "Parallel" }),
  summary: () => "",
  problems: () => [],
};
