/** One node of the run: its step (and compensation), every attempt with input, output, error and traceback. */
import type { Attempt, AvailableAction, MapProgress, RunDetail, Step, StepCallback } from "../../api/runs";
import type { NodeRunStatus } from "../../graph/runStatus";
import { Link } from "react-router";
import { JsonView } from "../common/JsonView";
import { StatusBadge } from "../common/StatusBadge";
import { Ago, Time } from "../common/Time";
import { duration } from "../format";
import { ActionButton } from "./ActionButton";
import { stepActions } from "./actions";

interface Props {
  run: RunDetail;
  node: string;
  live?: NodeRunStatus;
  canOperate: boolean;
  cannot: string;
  onAction(action: AvailableAction): void;
  onClose(): void;
}

export function StepPanel({ run, node, live, canOperate, cannot, onAction, onClose }: Props) {
  const spec = run.spec.nodes.find((n) => n.id === node);
  const steps = run.steps.filter((s) => s.node_id === node).sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === "node" ? -1 : 1));
  const own = stepActions(run.available_actions, node);
  const kinds = [...new Set(own.map((a) => a.kind ?? "node"))];
  const signals = run.available_actions.filter((a) => a.action === "signal" && a.node_id === node);
  return (
    <aside className="fc-side" aria-label={`Step ${node}`} data-testid="step-panel">
      <header className="fc-side__head">
        <div>
          <h2>{spec?.label || node}</h2>
          <div className="fd-muted">
            <code>{node}</code> · {spec?.type}
            {spec?.activity ? ` · ${spec.activity}` : ""}
            {spec?.compensation ? ` · undone by ${spec.compensation.activity}` : ""}
          </div>
        </div>
        <button type="button" className="fd-icon-button" aria-label="Close step" onClick={onClose}>×</button>
      </header>
      {live && (
        <p>
          Now: <StatusBadge status={live.status} testId="step-live-status" />
          {live.attempt > 1 && ` attempt ${live.attempt}`}
          {live.compensation && <> · compensation <StatusBadge status={live.compensation} /></>}
        </p>
      )}
      <div className="fc-step-panel__actions" data-testid="step-actions" data-node-id={node}>
        {kinds.map((kind) => (
          <div key={kind} className="fc-actions" role="group" aria-label={kind === "compensation" ? "Compensation actions" : "Step actions"} data-kind={kind}>
            {kinds.length > 1 && <span className="fd-muted">{kind === "compensation" ? "compensation:" : "step:"}</span>}
            {own.filter((a) => (a.kind ?? "node") === kind).map((a) => (
              <ActionButton key={a.action} action={a} canOperate={canOperate} cannot={cannot} onOpen={onAction} place="panel" />
            ))}
          </div>
        ))}
        {signals.length > 0 && (
          <div className="fc-actions" role="group" aria-label="Signal">
            {signals.map((a) => (
              <ActionButton key={a.signal ?? ""} action={a} canOperate={canOperate} cannot={cannot} onOpen={onAction} place="panel" />
            ))}
          </div>
        )}
        {!own.length && !signals.length && <p className="fd-muted">No action applies to this step.</p>}
      </div>
      {steps.length === 0 && <p className="fd-muted">This step has not run in this run.</p>}
      {steps.map((step) => (
        <StepDetail key={step.id} step={step} />
      ))}
    </aside>
  );
}

/** "14:03:10 (in 12s)", live. */
function TimeAndAgo({ iso }: { iso: string }) {
  return (
    <>
      <Time iso={iso} /> (<Ago iso={iso} />)
    </>
  );
}

function StepDetail({ step }: { step: Step }) {
  const facts: [string, React.ReactNode][] = [];
  if (step.worker) facts.push(["worker", step.worker]);
  if (step.scheduled_at) facts.push(["scheduled", <Time iso={step.scheduled_at} />]);
  if (step.started_at) facts.push(["started", <Time iso={step.started_at} />]);
  if (step.finished_at) facts.push(["finished", <Time iso={step.finished_at} />]);
  if (step.next_attempt_at && step.status !== "succeeded") facts.push([step.node_type === "signal" ? "times out" : "next attempt", <TimeAndAgo iso={step.next_attempt_at} />]);
  if (step.lease_expires_at && step.status === "running") facts.push(["lease until", <TimeAndAgo iso={step.lease_expires_at} />]);
  if (step.heartbeat_at && step.status === "running") facts.push(["last heartbeat", <Ago iso={step.heartbeat_at} />]);
  if (step.wait_reason) facts.push(["waiting", step.wait_reason]);
  if (step.arrivals) facts.push(["arrivals", String(step.arrivals)]);
  return (
    <section className="fc-step" data-testid={`step-${step.kind}`}>
      <h3>
        {step.kind === "compensation" ? "Compensation" : "Step"} <StatusBadge status={step.status} /> <span className="fd-muted">{step.attempt} attempt{step.attempt === 1 ? "" : "s"}</span>
      </h3>
      <dl className="fc-facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        {step.child_run_id && (
          <div>
            <dt>child run</dt>
            <dd><Link to={`/console/runs/${step.child_run_id}`}>{step.child_run_id}</Link></dd>
          </div>
        )}
      </dl>
      {step.callback && <CallbackLine callback={step.callback} />}
      <SubRuns step={step} />
      {step.error && (
        <div className="fc-error" data-testid="step-error">
          <strong>{step.error.type ?? "Error"}</strong>: {step.error.message}
        </div>
      )}
      <details open={step.input !== null && step.input !== undefined}>
        <summary>Input</summary>
        <JsonView value={step.input} label="Step input" testId="step-input" />
      </details>
      <details open={step.output !== null && step.output !== undefined}>
        <summary>Output</summary>
        <JsonView value={step.output} label="Step output" testId="step-output" />
      </details>
      {step.attempts.length > 0 && (
        <div className="fc-attempts">
          <h4>Attempts</h4>
          <ol>
            {step.attempts.map((a) => (
              <AttemptRow key={a.attempt} attempt={a} />
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

/**
 * A loop's iterations ("iteration 1", from 1), or a map's progress ("37 of 50 done, 2 failed")
 * and item runs ("item 0": the item's index, as the server sends it); each links to its run.
 */
function SubRuns({ step }: { step: Step }) {
  const map = step.node_type === "map";
  const runs = step.iterations ?? [];
  const items = runs.map((it) => (
    <li key={it.run_id}>
      <Link to={`/console/runs/${it.run_id}`}>{map ? `item ${it.index}` : `iteration ${it.index + 1}`}</Link> <StatusBadge status={it.status} />
    </li>
  ));
  return (
    <>
      {step.map_progress && (
        <p className="fc-map-progress" data-testid="step-map-progress">
          {mapProgressText(step.map_progress)}
        </p>
      )}
      {runs.length > 0 && (
        <div className="fc-iterations" data-testid="step-iterations">
          <h4>
            {map ? "Item runs" : "Iterations"} ({runs.length})
          </h4>
          {/* An item's index may repeat (an operator's retry runs a failed item again): not numbered. */}
          {map ? <ul>{items}</ul> : <ol>{items}</ol>}
        </div>
      )}
    </>
  );
}

/** "37 of 50 done, 2 failed, 5 running". */
function mapProgressText(p: MapProgress): string {
  return `${p.succeeded} of ${p.total} done${p.failed > 0 ? `, ${p.failed} failed` : ""}${p.running > 0 ? `, ${p.running} running` : ""}`;
}

/** "Callback (attempt 2): open, expires 14:03:10, heartbeat due 13:05:00": the latest attempt's token. */
function CallbackLine({ callback: c }: { callback: StepCallback }) {
  const open = c.state === "open";
  return (
    <p className="fc-callback" data-testid="step-callback" data-state={c.state}>
      Callback (attempt {c.attempt}): {c.state}
      {open && c.expires_at && <>, expires <Time iso={c.expires_at} /></>}
      {open && c.heartbeat_due && <>, heartbeat due <Time iso={c.heartbeat_due} /></>}
    </p>
  );
}

function AttemptRow({ attempt: a }: { attempt: Attempt }) {
  const took = a.started_at && a.finished_at ? duration(Date.parse(a.finished_at) - Date.parse(a.started_at)) : "";
  const ms = a.started_at && a.finished_at ? Date.parse(a.finished_at) - Date.parse(a.started_at) : null;
  return (
    <li className="fc-attempt" data-testid="attempt">
      <div className="fc-row">
        <strong>#{a.attempt}</strong> <StatusBadge status={a.status} />
        {a.worker && <span className="fd-muted">{a.worker}</span>}
        <span className="fd-muted" title={`${a.started_at ?? "?"} → ${a.finished_at ?? "…"}`}>
          <Time iso={a.started_at} />
          {took && ` · ${ms !== null && ms < 1000 ? `${ms} ms` : took}`}
        </span>
      </div>
      {a.error && (
        <>
          <div className="fc-error">
            <strong>{a.error.type ?? "Error"}</strong>: {a.error.message}
          </div>
          {a.error.traceback && (
            <details>
              <summary>Traceback</summary>
              <pre className="fc-json fc-traceback">{a.error.traceback}</pre>
            </details>
          )}
        </>
      )}
    </li>
  );
}
