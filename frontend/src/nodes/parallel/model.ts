import type { NodeMeta } from "../types";

export const parallelMeta: NodeMeta = {
  type: "parallel",
  title: "Parallel",
  hint: "Starts every outgoing branch at once",
  icon: "⫴",
  defaults: () => ({ label: "Parallel" }),
  summary: () => "",
  problems: () => [],
};
