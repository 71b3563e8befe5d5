/** /console/inbox — the human tasks waiting for you (docs/console.md "Inbox"). */
import "./inbox.css";
import { useCallback, useEffect, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { listInbox, type HumanTask } from "../../api/inbox";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { StatusBadge } from "../common/StatusBadge";
import { Ago, Time } from "../common/Time";
import { shortId } from "../format";
import { useInboxCount } from "./count";
import { assigneeText, claimText, FILTERS, filterOf } from "./inbox";

const REFRESH_MS = 10_000;

export default function InboxPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const filter = filterOf(location.search);
  const [rows, setRows] = useState<HumanTask[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(REFRESH_MS);
  const setCount = useInboxCount((s) => s.set);

  const load = useCallback(async () => {
    try {
      const inbox = await listInbox(filter);
      setRows(inbox.results);
      setCount(inbox.open_count);
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, [filter, setCount]);
  useEffect(() => {
    void load();
  }, [load, now]);

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Inbox</h1>
        <span className="fd-muted">Human tasks assigned to you or your roles; soonest due first.</span>
      </header>
      <div className="fc-filters" role="group" aria-label="Show">
        {FILTERS.map((f) => (
          <label key={f.value} className="fd-check">
            <input type="radio" name="inbox-filter" checked={filter === f.value}
              onChange={() => navigate({ search: f.value === "active" ? "" : `?show=${f.value}` })} />
            {f.label}
          </label>
        ))}
      </div>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      <table className="fc-table" data-testid="inbox">
        <thead>
          <tr>
            <th>Task</th>
            <th>Run</th>
            <th>Assigned to</th>
            <th>Status</th>
            <th>Due</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((t) => (
            <tr key={t.id} data-testid="inbox-row" data-task={t.id}>
              <td><Link to={`/console/inbox/${t.id}`}>{t.title}</Link></td>
              <td>
                <Link to={`/console/runs/${t.run_id}`}>{t.definition}</Link>{" "}
                <span className="fd-muted">{t.business_key ?? shortId(t.run_id)}</span>
              </td>
              <td>{assigneeText(t)}</td>
              <td><StatusBadge status={t.status} /> {t.status === "claimed" && <span className="fd-muted">{claimText(t)}</span>}</td>
              <td>{t.due_at ? <><Time iso={t.due_at} />{t.overdue && <strong className="fd-overdue" data-testid="overdue"> overdue</strong>}</> : <span className="fd-muted">none</span>}</td>
              <td><Ago iso={t.created_at} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows && rows.length === 0 && <p className="fd-muted" data-testid="inbox-empty">Nothing here.</p>}
      {!rows && !error && <p className="fd-loading">Loading…</p>}
    </main>
  );
}
