import { Mail } from "lucide-react";
import { formatSeconds } from "../../spec/retry";
import { SIGNAL_PATTERN } from "../../spec/types";
import type { NodeMeta } from "../types";

export const signalMeta: NodeMeta = {
  type: "signal",
  title: "Signal",
  hint: "Waits for an external signal",
  icon: Mail,
  defaults: () => ({ label: "Signal", signal: "approved" }),
  summary: (f) => `${f.signal ?? "?"}${f.timeout ? ` · timeout ${formatSeconds(f.timeout)}` : ""}`,
  problems: (f) =>
    f.signal && SIGNAL_PATTERN.test(f.signal) ? [] : ["Signal names use letters, digits and . _ : - (at most 100)"],
};
