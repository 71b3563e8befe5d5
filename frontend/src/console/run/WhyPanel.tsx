/**
 * "Why is it stuck / what is it waiting for": one line per open or failed
 * step, written from the API's `why_details` and ticking every second (why.ts),
 * plus the stuck flag, live. A step held by a dead worker offers its force retry.
 */
import type { AvailableAction, RunDetail } from "../../api/runs";
import { useClock } from "../common/Time";
import { humanizeTimes, relative, when } from "../format";
import { ActionButton } from "./ActionButton";
import { findAction } from "./actions";
import { slaLines } from "./sla";
import { stuckParts, whyLine, type WhyLine, type WhyPart } from "./why";

function heading(status: string, stuck: boolean): string {
  if (stuck) return "Why it is stuck";
  switch (status) {
    case "completed":
      return "Finished";
    case "compensated":
      return "Undone";
    case "cancelled":
      return "Cancelled";
    case "aborted":
      return "Aborted: failed, nothing undone";
    case "failed":
    case "compensation_failed":
      return "Why it stopped: an operator must act";
    case "compensating":
      return "Undoing what succeeded";
    default:
      return "What it is waiting for";
  }
}

function errorLine(run: RunDetail): string {
  const e = run.error;
  if (!e) return "";
  const main = [e.node_id && `at ${e.node_id}`, e.type, e.message].filter(Boolean).join(": ");
  const comp = e.compensation ? `; compensation of ${e.compensation.node_id ?? "?"} failed: ${[e.compensation.type, e.compensation.message].filter(Boolean).join(": ")}` : "";
  return main + comp;
}

function Parts({ parts }: { parts: WhyPart[] }) {
  return (
    <>
      {parts.map((part, i) =>
        typeof part === "string" ? (
          part
        ) : (
          <time key={i} dateTime={part.iso} title={part.iso}>
            {part.text}
          </time>
        ),
      )}
    </>
  );
}

interface Props {
  run: RunDetail;
  status: string;
  canOperate: boolean;
  cannot: string;
  onAction(action: AvailableAction): void;
}

export function WhyPanel({ run, status, canOperate, cannot, onAction }: Props) {
  const now = useClock(); // every second: durations and countdowns stay true
  const finished: string[] = [];
  const at = (iso: string | null) => (iso ? ` at ${when(iso, now)}` : "");
  if (status === "completed") finished.push(`Completed${at(run.finished_at)}${run.finished_at ? ` (${relative(run.finished_at, now)})` : ""}.`);
  else if (status === "compensated") finished.push(`Compensated${at(run.finished_at)} after: ${errorLine(run) || "an operator asked"}.`);
  else if (status === "cancelled") finished.push(`Cancelled${at(run.finished_at)}.`);
  else if (status === "aborted") finished.push(`Aborted${at(run.finished_at)} after: ${errorLine(run) || "a failure"}. Nothing was undone.`);
  else if (status === "compensating" && errorLine(run)) finished.push(`Compensating after: ${errorLine(run)}.`);

  // The server's reasons describe the detail's status; skip them once events moved it on.
  const current = status === run.status;
  const lines: WhyLine[] = current
    ? run.why_details.map((d) => {
        const node = run.spec.nodes.find((n) => n.id === d.node_id);
        const step = run.steps.find((s) => s.node_id === d.node_id && s.kind === d.kind);
        return whyLine(d, {
          now,
          nodeType: d.kind === "node" ? node?.type : undefined,
          signal: node?.signal,
          errorMessage: step?.error?.message,
        });
      })
    : [];
  // An older server without why_details: its sentences, times made readable.
  // Its SLA lines are drawn from `sla` below, live.
  const legacy = current && !run.why_details.length
    ? run.why.filter((line) => !(run.sla && line.startsWith("SLA "))).map((line) => humanizeTimes(line, now))
    : [];
  // SLA deadlines breached or at risk (the detail's `sla`; text only), finished runs included.
  const sla = slaLines(run.sla, now);
  const empty = !finished.length && !lines.length && !legacy.length && !sla.length;
  const tone = run.stuck ? "stuck" : ["failed", "compensation_failed", "aborted"].includes(status) ? "bad" : status === "completed" ? "ok" : "info";

  return (
    <section className={`fc-why fc-why--${tone}`} aria-label="Why" data-testid="why">
      <h2>{heading(status, run.stuck)}</h2>
      {run.stuck && (
        <p className="fc-why__stuck" data-testid="stuck-reason">
          <Parts parts={stuckParts(run, { now })} />
          {run.stuck_reason && (
            <span className="fc-why__flagged">
              {" "}· as the scheduler put it{run.stuck_since ? ` at ${when(run.stuck_since, now)}` : ""}: {humanizeTimes(run.stuck_reason, now)}
            </span>
          )}
        </p>
      )}
      {run.stuck && !empty && <div className="fc-why__now">Right now:</div>}
      <ul>
        {finished.map((line, i) => (
          <li key={`f${i}`} data-testid="why-line">{line}</li>
        ))}
        {lines.map((line) => {
          const force = line.offerForceRetry ? findAction(run.available_actions, "force_retry", line.nodeId, line.kind) : undefined;
          return (
            <li key={`${line.kind}:${line.nodeId}`} data-testid="why-line" data-node-id={line.nodeId} data-kind={line.kind} data-status={line.status}>
              <strong>{line.subject}</strong>: <Parts parts={line.parts} />
              {force && (
                <>
                  {" "}
                  <ActionButton action={force} canOperate={canOperate} cannot={cannot} onOpen={onAction} place="why" />
                </>
              )}
            </li>
          );
        })}
        {legacy.map((line, i) => {
          const m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
          return (
            <li key={`l${i}`} data-testid="why-line">
              {m ? (
                <>
                  <strong>{m[1]}</strong>: {m[2]}
                </>
              ) : (
                line
              )}
            </li>
          );
        })}
        {sla.map((line) => (
          <li key={line} data-testid="why-sla" className={`fc-why__sla${line.startsWith("SLA breached") ? " is-breached" : ""}`}>{line}</li>
        ))}
        {empty && <li data-testid="why-line">{current ? "Nothing to wait for: steps are being scheduled." : `Now ${status.replace(/_/g, " ")}; refreshing…`}</li>}
      </ul>
    </section>
  );
}
