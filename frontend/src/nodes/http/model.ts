import { Globe } from "lucide-react";
import { retryProblem } from "../../spec/retry";
import { onFailureProblem } from "../_base/failurePolicy";
import type { NodeMeta } from "../types";

export const httpMeta: NodeMeta = {
  type: "http",
  title: "HTTP request",
  hint: "Calls an HTTP endpoint",
  icon: Globe,
  defaults: () => ({ label: "HTTP request", method: "POST", url: "https://" }),
  summary: (f) => `${f.method ?? "?"} ${f.url ?? ""}`,
  problems: (f) => {
    const out: string[] = [];
    if (!f.url || !/^(https?:\/\/|\{\{)/.test(f.url)) out.push("The URL must start with http:// or https://");
    const retry = retryProblem(f.retry);
    if (retry) out.push(retry);
    const onFailure = onFailureProblem(f);
    if (onFailure) out.push(onFailure);
    return out;
  },
};
