import type { NodeMeta } from "../types";

export const startMeta: NodeMeta = {
  type: "start",
  title: "Start",
  hint: "Where every run begins (exactly one)",
  icon: "▶",
  defaults: () => ({ label: "Start" }),
  summary: () => "",
  problems: () => [],
};
