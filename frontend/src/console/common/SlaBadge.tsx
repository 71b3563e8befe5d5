/**
 * A run's SLA as a chip (text only): "SLA breached" (red) or "SLA at risk" (amber); nothing for a run
 * whose SLAs are on time or that has none. The server computes the state (docs/spec.md, "SLA timers").
 */
import type { SlaState } from "../../api/runs";

/** The chip's text, or null when there is nothing to flag. */
export function slaBadgeText(state: SlaState | null | undefined): string | null {
  if (state === "breached") return "SLA breached";
  if (state === "at_risk") return "SLA at risk";
  return null;
}

const MEANING: Record<string, string> = {
  breached: "A deadline passed before its step (or the run) was done",
  at_risk: "Less than 20% of a deadline's time is left",
};

export function SlaBadge({ state, testId, title }: { state: SlaState | null | undefined; testId?: string; title?: string }) {
  const text = slaBadgeText(state);
  if (!text) return null;
  return (
    <span className={`fc-sla fc-sla--${state}`} data-testid={testId} data-sla={state} title={title ?? MEANING[state!]}>
      {text}
    </span>
  );
}
