/**
 * "Why is it stuck / what is it waiting for": the scheduler's plain-language
 * reasons (the API's `why`), with its times made readable, plus the stuck flag.
 */
import type { RunDetail } from "../../api/console";
import { useNow } from "../common/LiveBadge";
import { dateTime, humanizeTimes, relative } from "../format";

function heading(status: string, stuck: boolean): string {
  if (stuck) return "Why it is stuck";
  switch (status) {
    case "completed":
      return "Finished";
    case "compensated":
      return "Undone";
    case "cancelled":
      return "Cancelled";
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

export function WhyPanel({ run, status }: { run: RunDetail; status: string }) {
  useNow(5000); // re-render: durations and "in 12s" stay true
  const now = Date.now();
  const lines: string[] = [];
  if (status === "completed") lines.push(`Completed ${run.finished_at ? `at ${dateTime(run.finished_at)} (${relative(run.finished_at, now)})` : ""}.`);
  else if (status === "compensated") lines.push(`Compensated ${run.finished_at ? `at ${dateTime(run.finished_at)}` : ""} after: ${errorLine(run) || "an operator asked"}.`);
  else if (status === "cancelled") lines.push(`Cancelled ${run.finished_at ? `at ${dateTime(run.finished_at)}` : ""}.`);
  else if (status === "compensating" && errorLine(run)) lines.push(`Compensating after: ${errorLine(run)}.`);
  // The server's reasons describe the detail's status; skip them once events moved it on.
  if (status === run.status) lines.push(...run.why.map((line) => humanizeTimes(line, now)));
  if (!lines.length) lines.push(status === run.status ? "Nothing to wait for: steps are being scheduled." : `Now ${status.replace(/_/g, " ")}; refreshing…`);
  const tone = run.stuck ? "stuck" : ["failed", "compensation_failed"].includes(status) ? "bad" : status === "completed" ? "ok" : "info";
  return (
    <section className={`fc-why fc-why--${tone}`} aria-label="Why" data-testid="why">
      <h2>{heading(status, run.stuck)}</h2>
      {run.stuck && (
        <p className="fc-why__stuck" data-testid="stuck-reason">
          Flagged stuck {run.stuck_since ? `at ${dateTime(run.stuck_since)} (${relative(run.stuck_since, now)})` : ""}
          {run.last_progress_at ? `, no progress since ${dateTime(run.last_progress_at)}` : ""}: {humanizeTimes(run.stuck_reason, now)}
        </p>
      )}
      {run.stuck && lines.length > 0 && <div className="fc-why__now">Right now:</div>}
      <ul>
        {lines.map((line, i) => {
          const m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
          return (
            <li key={i} data-testid="why-line">
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
      </ul>
    </section>
  );
}
