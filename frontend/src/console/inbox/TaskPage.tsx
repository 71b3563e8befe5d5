/** /console/inbox/:id — one human task: claim or unclaim it, fill its form and complete it, or reject it. */
import "./inbox.css";
import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { claimTask, completeTask, getTask, rejectTask, unclaimTask, type HumanTask, type TaskAction } from "../../api/inbox";
import { SchemaForm } from "../../common/SchemaForm";
import { formData, formProblems, initialValue, serverFieldErrors, type FormValue } from "../../common/schemaForm";
import { errorLines } from "../common/ConfirmDialog";
import { StatusBadge } from "../common/StatusBadge";
import { Time } from "../common/Time";
import { useInboxCount } from "./count";
import { assigneeText, refusedText } from "./inbox";

export default function TaskPage() {
  const { id = "" } = useParams();
  const [task, setTask] = useState<HumanTask | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [value, setValue] = useState<FormValue>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const t = await getTask(id);
      setTask(t);
      setValue((v) => (Object.keys(v).length ? v : initialValue(t.form)));
      setError(null);
    } catch (e) {
      setError(errorLines(e));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!task) return <main className="fc-page">{error ? <p className="fd-alert fd-alert--error" role="alert">{error.join(" ")}</p> : <p className="fd-loading">Loading…</p>}</main>;

  const run = async (what: string, call: () => Promise<HumanTask>) => {
    setBusy(true);
    setNotice(null);
    try {
      const next = await call();
      setTask(next);
      setError(null);
      setFieldErrors({});
      setNotice(what);
      useInboxCount.getState().refresh();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        const { fields, other } = serverFieldErrors(e.body.errors);
        setFieldErrors(fields);
        setError(Object.keys(fields).length ? [e.message, ...other.filter((m) => m !== e.message)] : errorLines(e));
      } else {
        setError(errorLines(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const complete = () => {
    const problems = formProblems(task.form, value);
    setFieldErrors(problems);
    if (Object.keys(problems).length) {
      setError(["Some fields need attention."]);
      return;
    }
    void run("Completed: the run goes on.", () => completeTask(task.id, formData(task.form, value)));
  };
  const reject = () => {
    if (!reason.trim()) {
      setError(["Say why you reject the task: the reason is required."]);
      return;
    }
    void run("Rejected.", () => rejectTask(task.id, reason.trim()));
  };
  const button = (action: TaskAction, label: string, onClick: () => void, testId: string) => {
    const why = refusedText(task, action);
    return (
      <button type="button" data-testid={testId} disabled={busy || !!why} title={why || undefined} onClick={onClick}>
        {label}
      </button>
    );
  };
  const refusals = (["claim", "complete"] as TaskAction[]).map((a) => refusedText(task, a)).filter(Boolean);
  const active = task.status === "open" || task.status === "claimed";

  return (
    <main className="fc-page fc-task" data-testid="task">
      <p><Link to="/console/inbox">← Inbox</Link></p>
      <header className="fc-page__header">
        <h1 data-testid="task-title">{task.title}</h1>
        <StatusBadge status={task.status} testId="task-status" />
      </header>
      {task.description && <p className="fc-task__description" data-testid="task-description">{task.description}</p>}
      <dl className="fc-facts">
        <dt>Run</dt>
        <dd><Link to={`/console/runs/${task.run_id}`}>{task.definition}</Link> {task.business_key && <span className="fd-muted">{task.business_key}</span>} <span className="fd-muted">step {task.node_id}</span></dd>
        <dt>Assigned to</dt>
        <dd>{assigneeText(task)}</dd>
        {task.claimed_by && <><dt>Claimed by</dt><dd data-testid="claimed-by">{task.claimed_by}</dd></>}
        {task.completed_by && <><dt>{task.status === "rejected" ? "Rejected by" : "Completed by"}</dt><dd>{task.completed_by} <Time iso={task.completed_at} /></dd></>}
        {task.reason && <><dt>Reason</dt><dd>{task.reason}</dd></>}
        <dt>Due</dt>
        <dd>{task.due_at ? <><Time iso={task.due_at} />{task.overdue && <strong className="fd-overdue"> overdue</strong>}</> : "no due time"}</dd>
      </dl>
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="task-notice">{notice}</p>}
      {error && (
        <div className="fd-alert fd-alert--error" role="alert" data-testid="task-error">
          {error.map((line, i) => <p key={i}>{line}</p>)}
        </div>
      )}
      {active && (
        <>
          <div className="fd-row">
            {task.status === "open" ? button("claim", "Claim", () => void run("Claimed: it is yours now.", () => claimTask(task.id)), "claim")
              : button("unclaim", "Unclaim", () => void run("Unclaimed.", () => unclaimTask(task.id)), "unclaim")}
          </div>
          {refusals.length > 0 && <p className="fd-muted" data-testid="task-refused">{refusals[0]}</p>}
          <section aria-label="Form" className="fc-task__form">
            <h2>Form</h2>
            <SchemaForm schema={task.form} value={value} onChange={setValue} errors={fieldErrors} disabled={busy || !!task.actions.complete} idPrefix="task" />
            <div className="fd-row">
              {button("complete", "Complete", complete, "complete")}
              {!rejecting && button("reject", "Reject…", () => setRejecting(true), "reject-open")}
            </div>
          </section>
          {rejecting && (
            <section aria-label="Reject" className="fc-task__reject">
              <label className="fd-field">
                <span className="fd-field__label">Why do you reject it? (required)</span>
                <textarea aria-label="Reject reason" data-testid="reject-reason" rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
              <div className="fd-row">
                {button("reject", "Reject", reject, "reject")}
                <button type="button" onClick={() => setRejecting(false)}>Cancel</button>
              </div>
            </section>
          )}
        </>
      )}
      {task.status === "completed" && task.result !== null && (
        <section aria-label="Submitted data"><h2>Submitted</h2><pre className="fd-mono" data-testid="task-result">{JSON.stringify(task.result, null, 2)}</pre></section>
      )}
    </main>
  );
}
