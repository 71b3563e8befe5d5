/**
 * /console/incidents — failed and stuck runs grouped by definition, step and
 * error signature, each group with its runs and a bulk action.
 */
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { listIncidents, type Incident } from "../../api/console";
import { BulkDialog, bulkSummary } from "../common/BulkDialog";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { StatusBadge } from "../common/StatusBadge";
import { Ago } from "../common/Time";
import { filtersToSearch } from "../filters";
import { shortId } from "../format";
import { cannotText, useCan, useMe } from "../me";
import { incidentFilters, incidentKindText, incidentTitle, isSlaBreached } from "./incidents";

const REFRESH_MS = 10_000;

export default function IncidentsPage() {
  const [rows, setRows] = useState<Incident[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [acting, setActing] = useState<Incident | null>(null);
  const me = useMe();
  const canOperate = useCan("operate");
  const now = useNow(REFRESH_MS);

  const load = useCallback(async () => {
    try {
      setRows(await listIncidents());
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load, now]);

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Incidents</h1>
        <span className="fd-muted">Failed and stuck runs, and runs going on past a breached SLA, grouped by definition, step and error; refreshed every {REFRESH_MS / 1000}s.</span>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="incidents-notice">{notice}</p>}
      <table className="fc-table" data-testid="incidents">
        <thead>
          <tr>
            <th>Definition</th>
            <th>Step</th>
            <th>Error</th>
            <th>Status</th>
            <th>Runs</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>Examples</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows === null && <tr><td colSpan={9} className="fd-muted">Loading…</td></tr>}
          {rows?.length === 0 && <tr><td colSpan={9} className="fd-muted" data-testid="no-incidents">No failed or stuck runs. All quiet.</td></tr>}
          {rows?.map((inc) => {
            const key = `${inc.definition}|${inc.node_id}|${inc.error_type}|${inc.signature}|${inc.status}`;
            const title = incidentTitle(inc);
            return (
              <tr key={key} data-testid="incident" data-definition={inc.definition} data-node={inc.node_id} data-error-type={inc.error_type}>
                <td>{inc.definition}</td>
                <td><code>{inc.node_id || "—"}</code></td>
                <td className="fc-where">
                  <strong className={isSlaBreached(inc) ? "fc-sla fc-sla--breached" : undefined}>{incidentKindText(inc)}</strong>
                  {title && <div className="fd-muted" title={title} data-testid="incident-title">{title}</div>}
                </td>
                <td><StatusBadge status={inc.status} run /></td>
                <td className="fc-num" data-testid="incident-count">{inc.count.toLocaleString()}</td>
                <td><Ago iso={inc.first_seen} /></td>
                <td><Ago iso={inc.last_seen} /></td>
                <td>
                  {inc.sample_run_ids.slice(0, 3).map((id) => (
                    <Link key={id} to={`/console/runs/${id}`} className="fc-sample"><code>{shortId(id)}</code></Link>
                  ))}
                </td>
                <td className="fc-nowrap">
                  <Link to={`/console/runs?${filtersToSearch(incidentFilters(inc))}`}>Show runs</Link>{" "}
                  <button type="button" disabled={!canOperate} title={cannotText(me, "operate") || "Act on every run of this group"} onClick={() => setActing(inc)}>
                    Act on all…
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {acting && (
        <BulkDialog
          filters={incidentFilters(acting)}
          what={`${acting.definition}, ${acting.status.replace(/_/g, " ")}${acting.error_type === "Stuck" ? ", stuck" : isSlaBreached(acting) ? ", SLA breached" : acting.node_id ? ` at ${acting.node_id}` : ""}`}
          onClose={() => setActing(null)}
          onDone={(action, result) => {
            setNotice(bulkSummary(action, result));
            void load();
          }}
        />
      )}
    </main>
  );
}
