/**
 * /console/runs/:id — one run: its pinned graph coloured by step status, the
 * why, the actions, and below the live timeline, its data and its steps.
 */
import { versionLabel } from "../../api/definitions";
import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import type { AvailableAction, RunDetail } from "../../api/runs";
import { RunGraph } from "../../graph/RunGraph";
import { JsonView } from "../common/JsonView";
import { LiveBadge } from "../common/LiveBadge";
import { SlaBadge } from "../common/SlaBadge";
import { STATUS_MEANING, StatusBadge } from "../common/StatusBadge";
import { Time } from "../common/Time";
import { shortId } from "../format";
import { cannotText, useCan, useMe } from "../me";
import type { DialogRequest } from "./ActionDialogs";
import { RunActionDialog } from "../data/RunActionDialog";
import { CodeBadge, CodeSource } from "./CodeSource";
import { RunActionBar, StepActionsOverview } from "./RunActions";
import { SlaChips } from "./SlaChips";
import { StepPanel } from "./StepPanel";
import { useRun } from "./store";
import { Timeline } from "./Timeline";
import { WhyPanel } from "./WhyPanel";

export default function RunPage() {
  const { id = "" } = useParams();
  useEffect(() => {
    useRun.getState().open(id);
    return () => useRun.getState().close();
  }, [id]);
  const detail = useRun((s) => s.detail);
  const loadError = useRun((s) => s.loadError);
  if (loadError) {
    return (
      <main className="fc-page">
        <p className="fd-alert fd-alert--error" role="alert" data-testid="run-error">{loadError}</p>
        <Link to="/console/runs">Back to the runs</Link>
      </main>
    );
  }
  if (!detail || detail.id !== id) return <div className="fd-loading">Loading run…</div>;
  return <Run run={detail} />;
}

type Tab = "timeline" | "data" | "steps";

function Run({ run }: { run: RunDetail }) {
  const status = useRun((s) => s.status);
  const statuses = useRun((s) => s.statuses);
  const events = useRun((s) => s.events);
  const stream = useRun((s) => s.stream);
  const selected = useRun((s) => s.selected);
  const select = useRun((s) => s.select);
  const me = useMe();
  const canOperate = useCan("operate");
  const cannot = cannotText(me, "operate");
  const [dialog, setDialog] = useState<DialogRequest | null>(null);
  const [tab, setTab] = useState<Tab>("timeline");
  const onSelect = useCallback((node: string | null) => select(node), [select]);
  const openAction = (action: AvailableAction) => setDialog({ action });
  const nodeIds = new Set(run.spec.nodes.map((n) => n.id));

  return (
    <div className="fc-run" data-testid="run-page" data-run-id={run.id}>
      <header className="fc-run__head">
        <nav className="fd-breadcrumb" aria-label="Breadcrumb">
          <Link to="/console/runs">Runs</Link> › <Link to={`/console/runs?definition=${encodeURIComponent(run.definition)}`}>{run.definition}</Link>{" "}
          <Link to={`/designer/${encodeURIComponent(run.definition)}?version=${run.version}`} className="fd-muted" title="Open this version in the designer" data-testid="run-version">{versionLabel(run.version)}</Link>
        </nav>
        <h1>
          <span data-testid="run-title">{run.business_key || shortId(run.id)}</span> <StatusBadge status={status} testId="run-status" run />
          {STATUS_MEANING[status] && <span className="fc-status-note" data-testid="run-status-meaning">{STATUS_MEANING[status]}</span>}
          {run.stuck && <span className="fc-stuck">stuck</span>}
          <SlaBadge state={run.sla?.state} testId="run-sla" />
          {run.is_test && <span className="fc-test">test run</span>}
          <CodeBadge spec={run.spec} />
        </h1>
        <LiveBadge state={stream} />
        <RunActionBar actions={run.available_actions} canOperate={canOperate} cannot={cannot} onAction={openAction} />
        <CodeSource spec={run.spec} />
      </header>
      {!canOperate && me && <p className="fc-readonly" data-testid="read-only-note">{cannot}</p>}
      <WhyPanel run={run} status={status} canOperate={canOperate} cannot={cannot} onAction={openAction} />
      <StepActionsOverview actions={run.available_actions} canOperate={canOperate} cannot={cannot} onAction={openAction} onPick={(n) => select(n)} />
      <div className="fc-run__body">
        <div className="fc-run__main">
          <div className="fc-run__graph" data-testid="run-graph">
            <RunGraph spec={run.spec} runStatus={statuses} selected={selected} onSelect={onSelect} />
            <SlaChips sla={run.sla} onPick={(n) => nodeIds.has(n) && select(n)} />
          </div>
          <div className="fc-tabs" role="tablist">
            {(["timeline", "data", "steps"] as Tab[]).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? "is-active" : undefined} onClick={() => setTab(t)}>
                {t === "timeline" ? "Timeline" : t === "data" ? "Data" : `Steps (${run.steps.length})`}
              </button>
            ))}
          </div>
          <div className="fc-run__bottom">
            {tab === "timeline" && <Timeline events={events} node={selected} onPickNode={(n) => nodeIds.has(n) && select(n)} />}
            {tab === "data" && <DataTab run={run} />}
            {tab === "steps" && <StepsTab run={run} onPick={(n) => select(n)} />}
          </div>
        </div>
        {selected ? (
          <StepPanel
            run={run}
            node={selected}
            live={statuses[selected]}
            canOperate={canOperate}
            cannot={cannot}
            onAction={openAction}
            onClose={() => select(null)}
          />
        ) : (
          <Summary run={run} />
        )}
      </div>
      {dialog && (
        <RunActionDialog
          request={dialog}
          run={run}
          status={status}
          onDone={(detail) => useRun.getState().acted(detail)}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}

function Summary({ run }: { run: RunDetail }) {
  const facts: [string, React.ReactNode][] = [
    ["run id", <code key="id">{run.id}</code>],
    ["definition", `${run.definition} ${versionLabel(run.version)}`],
    ["business key", run.business_key ?? "—"],
    ["created", <Time key="c" iso={run.created_at} />],
    ["last progress", run.last_progress_at ? <Time key="p" iso={run.last_progress_at} /> : "—"],
    ["finished", run.finished_at ? <Time key="f" iso={run.finished_at} /> : "—"],
  ];
  if (run.parent_run) facts.push(["parent run", <Link key="p" to={`/console/runs/${run.parent_run}`}>{shortId(run.parent_run)} (step {run.parent_node_id})</Link>]);
  return (
    <aside className="fc-side" aria-label="Run">
      <h2>Run</h2>
      <dl className="fc-facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {run.error && (
        <div className="fc-error" data-testid="run-error-box">
          <strong>{run.error.type ?? "Error"}</strong>
          {run.error.node_id ? ` at ${run.error.node_id}` : ""}: {run.error.message}
        </div>
      )}
      <p className="fd-muted">Click a node on the graph to see its attempts, input, output and errors, and to act on it.</p>
      <details open>
        <summary>Input</summary>
        <JsonView value={run.input} label="Run input" />
      </details>
      {run.output !== null && run.output !== undefined && (
        <details open>
          <summary>Output</summary>
          <JsonView value={run.output} label="Run output" />
        </details>
      )}
    </aside>
  );
}

function DataTab({ run }: { run: RunDetail }) {
  return (
    <div className="fc-data" data-testid="data-tab">
      <div>
        <h4>Input</h4>
        <JsonView value={run.input} label="Input" />
      </div>
      <div>
        <h4>Data (what steps read as data.…)</h4>
        <JsonView value={run.data} label="Data" testId="run-data" />
      </div>
      <div>
        <h4>Output</h4>
        <JsonView value={run.output} label="Output" />
      </div>
    </div>
  );
}

function StepsTab({ run, onPick }: { run: RunDetail; onPick(node: string): void }) {
  return (
    <table className="fc-table fc-table--compact">
      <thead>
        <tr><th>Step</th><th>Kind</th><th>Status</th><th>Attempts</th><th>Worker</th><th>Started</th><th>Finished</th><th>Error</th></tr>
      </thead>
      <tbody>
        {run.steps.map((s) => (
          <tr key={s.id}>
            <td><button type="button" className="fd-link" onClick={() => onPick(s.node_id)}>{s.node_id}</button></td>
            <td>{s.kind}</td>
            <td><StatusBadge status={s.status} /></td>
            <td>{s.attempt}</td>
            <td>{s.worker ?? ""}</td>
            <td><Time iso={s.started_at} /></td>
            <td><Time iso={s.finished_at} /></td>
            <td className="fc-where">{s.error ? `${s.error.type ?? ""}: ${s.error.message ?? ""}` : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
