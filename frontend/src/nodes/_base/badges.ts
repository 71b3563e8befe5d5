/** The chips task and http views show on the canvas (text only). */
import type { NodeFields } from "../../spec/types";

const CALLBACK = ["callback"] as const;

/** "callback" when the step waits for an external system's callback; undefined when nothing applies. */
export function viewBadges(data: NodeFields): readonly string[] | undefined {
  return data.callback ? CALLBACK : undefined;
}
