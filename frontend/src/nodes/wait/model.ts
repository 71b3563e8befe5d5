import { Hourglass } from "lucide-react";
import { formatSeconds } from "../../spec/retry";
import type { NodeMeta } from "../types";

export const waitMeta: NodeMeta = {
  type: "wait",
  title: "Wait",
  hint: "Pauses for a duration or until a time",
  icon: Hourglass,
  defaults: () => ({ label: "Wait", seconds: 60 }),
  summary: (f) => (f.until !== undefined ? `until ${f.until}` : f.seconds !== undefined ? `for ${formatSeconds(f.seconds)}` : ""),
  problems: (f) => ((f.seconds === undefined) === (f.until === undefined) ? ["Set either a duration or a time"] : []),
};
