/** The confirmation for each operator action: its effect in plain words, its fields, a reason. */
import { useEffect, useMemo, useState } from "react";
import * as api from "../../api/console";
import type { AvailableAction, RunDetail } from "../../api/runs";
import { listActivities, type Activity } from "../../api/definitions";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { JsonView } from "../common/JsonView";
import { Ago } from "../common/Time";
import { json } from "../format";
import { compensable, outputTemplate } from "./actions";

/** The action asked for: the server's entry, with its node, kind and signal. */
export interface DialogRequest {
  action: AvailableAction;
}

interface Props {
  request: DialogRequest;
  run: RunDetail;
  status: string;
  onDone(detail: RunDetail): void;
  onClose(): void;
}

function parseJson(text: string, what: string): { value?: unknown; error?: string } {
  try {
    return { value: text.trim() ? JSON.parse(text) : {} };
  } catch (e) {
    return { error: `The ${what} is not valid JSON: ${(e as Error).message}` };
  }
}

function JsonField({ label, value, onChange, rows = 8 }: { label: string; value: string; onChange(v: string): void; rows?: number }) {
  return (
    <label className="fd-field">
      <span className="fd-field__label">{label}</span>
      <textarea aria-label={label} rows={rows} spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** What compensating would undo, newest first: the server's list when it gave one. */
function toUndo(run: RunDetail): string[] {
  const told = run.why_details.find((d) => d.compensations.length);
  return told ? told.compensations : compensable(run);
}

export function ActionDialog({ request, run, status, onDone, onClose }: Props) {
  const entry = request.action;
  const node = entry.node_id ?? "";
  const label = (id: string) => run.spec.nodes.find((n) => n.id === id)?.label || id;
  const done = async (p: Promise<RunDetail>) => onDone(await p);
  const step = run.steps.find((s) => s.node_id === node && s.kind === (entry.kind ?? "node"));
  const comp = entry.kind === "compensation";

  switch (entry.action) {
    case "retry": {
      const compFailed = status === "compensation_failed";
      const failed = run.steps.filter((s) => s.status === "failed" && s.kind === (compFailed ? "compensation" : "node")).map((s) => s.node_id);
      return (
        <ConfirmDialog
          title={compFailed ? "Retry the failed compensation" : "Retry from the failed step"}
          confirmLabel="Retry now"
          effect={
            <p>
              {compFailed ? "Runs the failed compensation of " : "Runs "}
              <strong>{failed.join(", ") || "the failed step"}</strong> again now, as a new attempt.
              {compFailed ? " The run goes back to compensating." : " Steps that already succeeded are not run again; the run carries on from there."}
            </p>
          }
          onClose={onClose}
          onConfirm={(reason) => done(api.retryRun(run.id, reason))}
        />
      );
    }
    case "retry_step":
      return (
        <ConfirmDialog
          title={`Retry ${comp ? "the compensation of " : "step "}${node} now`}
          confirmLabel="Retry step"
          effect={
            <p>
              Runs {comp ? "the compensation of " : "step "}<strong>{label(node)}</strong> ({node}) again now as attempt {(step?.attempt ?? 0) + 1}
              {step?.status === "scheduled" ? ", without waiting for its scheduled retry" : ""}. The run continues from it when it succeeds.
            </p>
          }
          onClose={onClose}
          onConfirm={(reason) => done(api.retryStep(run.id, node, reason))}
        />
      );
    case "force_retry": {
      const why = run.why_details.find((d) => d.node_id === node && d.kind === (entry.kind ?? "node"));
      const worker = why?.worker ?? step?.worker;
      return (
        <ConfirmDialog
          title={`Force a new attempt of ${comp ? "the compensation of " : "step "}${node}`}
          confirmLabel="Force retry"
          danger
          testId="force-retry-dialog"
          effect={
            <>
              <p>
                Gives up on the attempt {step?.attempt ? `#${step.attempt} ` : ""}that {worker ? <>worker <strong>{worker}</strong></> : "a worker"} holds
                {why?.worker_alive === false ? " (it stopped beating" : ""}
                {why?.worker_alive === false && why.worker_last_seen ? <>, last seen <Ago iso={why.worker_last_seen} /></> : ""}
                {why?.worker_alive === false ? ")" : ""} and starts attempt {(step?.attempt ?? 0) + 1} of <strong>{label(node)}</strong> ({node}) now.
              </p>
              <p>
                If the old attempt still finishes, its result is discarded. Its side effects may already have happened: the new attempt
                sends the same idempotency key, so a service that honours it does the work once.
              </p>
            </>
          }
          onClose={onClose}
          onConfirm={(reason) => done(api.forceRetryStep(run.id, node, reason))}
        />
      );
    }
    case "skip":
      return <SkipDialog run={run} node={node} label={label(node)} onDone={onDone} onClose={onClose} />;
    case "edit_data":
      return <DataDialog run={run} onDone={onDone} onClose={onClose} />;
    case "signal":
      return <SignalDialog run={run} entry={entry} onDone={onDone} onClose={onClose} />;
    case "compensate": {
      const undo = toUndo(run);
      return (
        <ConfirmDialog
          title="Compensate the run now"
          confirmLabel="Compensate"
          danger
          effect={
            <>
              <p>Stops the run going forward: open steps are cancelled (a step still running may finish and is then undone too).</p>
              <p>
                {undo.length ? (
                  <>Then undoes, one at a time in this order: <strong>{undo.map(label).join(" → ")}</strong>. The run ends compensated.</>
                ) : (
                  <>No succeeded step declares a compensation, so nothing needs undoing; the run ends compensated.</>
                )}
              </p>
            </>
          }
          onClose={onClose}
          onConfirm={(reason) => done(api.compensateRun(run.id, reason))}
        />
      );
    }
    case "cancel":
      return (
        <ConfirmDialog
          title="Cancel the run"
          confirmLabel="Cancel run"
          danger
          effect={<p>Stops the run for good: its open steps are cancelled and <strong>nothing is undone</strong> (use compensate to undo). This cannot be reversed.</p>}
          onClose={onClose}
          onConfirm={(reason) => done(api.cancelRun(run.id, reason))}
        />
      );
  }
}

function SkipDialog({ run, node, label, onDone, onClose }: { run: RunDetail; node: string; label: string; onDone(d: RunDetail): void; onClose(): void }) {
  const activityName = run.spec.nodes.find((n) => n.id === node)?.activity;
  const [activity, setActivity] = useState<Activity | null>(null);
  const [text, setText] = useState("{}");
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    if (!activityName) return;
    listActivities().then(
      (all) => setActivity(all.find((a) => a.name === activityName) ?? null),
      () => setActivity(null),
    );
  }, [activityName]);
  useEffect(() => {
    if (activity?.output_schema && !touched) setText(json(outputTemplate(activity.output_schema)));
  }, [activity, touched]);
  return (
    <ConfirmDialog
      title={`Skip step ${node}`}
      confirmLabel="Skip step"
      effect={
        <p>
          Marks <strong>{label}</strong> ({node}) as skipped with the output below and moves the run on as if it had succeeded:
          the next steps read this output as <code>data.{node}</code>.
          {activity?.output_schema ? ` The output must match ${activity.name}'s output schema.` : ""}
        </p>
      }
      check={() => parseJson(text, "output").error ?? null}
      onClose={onClose}
      onConfirm={async (reason) => onDone(await api.skipStep(run.id, node, parseJson(text, "output").value, reason))}
    >
      <JsonField label="Output (JSON)" value={text} onChange={(v) => { setTouched(true); setText(v); }} />
      {activity?.output_schema && (
        <details>
          <summary>{activity.name} output schema</summary>
          <JsonView value={activity.output_schema} label="Output schema" />
        </details>
      )}
    </ConfirmDialog>
  );
}

function DataDialog({ run, onDone, onClose }: { run: RunDetail; onDone(d: RunDetail): void; onClose(): void }) {
  const before = useMemo(() => json(run.data ?? {}), [run.data]);
  const [text, setText] = useState(before);
  const parsed = parseJson(text, "data");
  const notObject = parsed.value !== undefined && (typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value));
  return (
    <ConfirmDialog
      title="Edit the run's data"
      confirmLabel="Save data"
      effect={
        <p>
          Replaces the run's data (what later steps read as <code>data.…</code>) with the JSON below. The data before and after
          are both kept in the run's history. Nothing runs now: retry a step afterwards to use it.
        </p>
      }
      check={() => parsed.error ?? (notObject ? "The data must be a JSON object." : text === before ? "The data is unchanged." : null)}
      onClose={onClose}
      onConfirm={async (reason) => onDone(await api.editRunData(run.id, parsed.value, reason))}
    >
      <JsonField label="Run data (JSON)" value={text} onChange={setText} rows={12} />
      {(parsed.error || notObject) && <p className="fd-field__error">{parsed.error ?? "The data must be a JSON object."}</p>}
    </ConfirmDialog>
  );
}

function SignalDialog({ run, entry, onDone, onClose }: { run: RunDetail; entry: AvailableAction; onDone(d: RunDetail): void; onClose(): void }) {
  // The signals the server takes now: one entry per waiting signal step, then one per signal
  // node not reached yet (sent now, kept until the run reaches it). One option per name: a
  // waiting step gets it first.
  const offered = run.available_actions.filter((a) => a.action === "signal" && a.allowed && a.signal && a.node_id);
  const waitingNodes = new Set(run.steps.filter((st) => st.kind === "node" && st.status === "waiting").map((st) => st.node_id));
  const byName = new Map<string, AvailableAction>();
  for (const a of offered) {
    const seen = byName.get(a.signal!);
    if (!seen || (!waitingNodes.has(seen.node_id!) && waitingNodes.has(a.node_id!))) byName.set(a.signal!, a);
  }
  const choices = [...byName.values()];
  const initial = choices.find((w) => w.signal === entry.signal) ?? choices[0];
  const [name, setName] = useState(initial?.signal ?? "");
  const [text, setText] = useState("{}");
  const target = byName.get(name);
  const waits = target ? waitingNodes.has(target.node_id!) : false;
  return (
    <ConfirmDialog
      title="Send a signal"
      confirmLabel="Send signal"
      effect={
        <p>
          Delivers signal <strong>{name || "…"}</strong>
          {target && waits ? <> to step <strong>{target.node_id}</strong>, which is waiting for it</> : ""}
          {target && !waits ? <>, kept until the run reaches <strong>{target.node_id}</strong></> : ""} with the payload below (kept as
          {target ? <code> data.{target.node_id}</code> : " the step's output"}); the run continues from there.
        </p>
      }
      check={() => (!name ? "Choose a signal." : parseJson(text, "payload").error ?? null)}
      onClose={onClose}
      onConfirm={async (reason) => onDone(await api.signalRun(run.id, name, parseJson(text, "payload").value, reason))}
    >
      <label className="fd-field">
        <span className="fd-field__label">Signal</span>
        <select aria-label="Signal" value={name} onChange={(e) => setName(e.target.value)}>
          {choices.map((w) => (
            <option key={w.signal} value={w.signal ?? ""}>
              {w.signal} ({waitingNodes.has(w.node_id!) ? "step" : "not reached yet:"} {w.node_id})
            </option>
          ))}
        </select>
      </label>
      <JsonField label="Payload (JSON)" value={text} onChange={setText} rows={4} />
    </ConfirmDialog>
  );
}
