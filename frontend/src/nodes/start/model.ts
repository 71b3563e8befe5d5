import { Play } from "lucide-react";
import type { NodeMeta } from "../types";

export const startMeta: NodeMeta = {
  type: "start",
  title: "Start",
  hint: "Where every run begins (exactly one)",
  icon: Play,
  defaults: () => ({ label: "Start" }),
  summary: () => "",
  problems: () => [],
};
