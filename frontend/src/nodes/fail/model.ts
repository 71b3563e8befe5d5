import { OctagonX } from "lucide-react";
import type { NodeMeta } from "../types";

export const failMeta: NodeMeta = {
  type: "fail",
  title: "Fail",
  hint: "Finishes the run as failed",
  icon: OctagonX,
  defaults: () => ({ label: "Fail", error: "failed" }),
  summary: (f) => f.error ?? "",
  problems: (f) => (f.error ? [] : ["An error message is required"]),
};
