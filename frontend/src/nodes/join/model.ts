import { GitMerge } from "lucide-react";
import type { NodeMeta } from "../types";

export const joinMeta: NodeMeta = {
  type: "join",
  title: "Join",
  hint: "Waits for the branches of one parallel",
  icon: GitMerge,
  defaults: () => ({ label: "Join", fork: "", mode: "all" }),
  summary: (f) => (f.fork ? `joins ${f.fork} (${f.mode ?? "all"})` : "no parallel chosen"),
  problems: (f) => (f.fork ? [] : ["Choose the parallel node this join closes"]),
};
