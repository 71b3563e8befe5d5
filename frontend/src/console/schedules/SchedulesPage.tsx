/** /console/schedules — definitions started on a cron expression or an interval (docs/operating-schedules.md). */
import "./schedules.css";
import { useCallback, useEffect, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { listSchedules, type ScheduleList } from "../../api/schedules";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { StatusBadge } from "../common/StatusBadge";
import { Ago, Time } from "../common/Time";
import { shortId } from "../format";
import { ScheduleActions } from "./ScheduleActions";
import { ScheduleDialog } from "./ScheduleDialog";
import { outcomeText, overlapText } from "./schedules";

const REFRESH_MS = 10_000;

export default function SchedulesPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const [list, setList] = useState<ScheduleList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [creating, setCreating] = useState(false);
  const now = useNow(REFRESH_MS);

  const load = useCallback(async () => {
    try {
      setList(await listSchedules());
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load, now]);

  const done = (text: string) => {
    setNotice(text);
    setError(null);
    void load();
  };
  const cannotCreate = list?.actions.create ? list.actions.create.charAt(0).toUpperCase() + list.actions.create.slice(1) + "." : "";

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Schedules</h1>
        <span className="fd-muted">Definitions started on a cron expression or an interval; refreshed every {REFRESH_MS / 1000}s.</span>
        <span className="fc-spacer" />
        <button type="button" className="fd-primary" data-testid="schedule-new" disabled={!list || !!cannotCreate}
          title={cannotCreate || "Create a schedule"} onClick={() => setCreating(true)}>
          New schedule…
        </button>
      </header>
      {cannotCreate && <p className="fd-muted" data-testid="schedule-create-refused">{cannotCreate}</p>}
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="schedules-notice">{notice}</p>}
      <table className="fc-table" data-testid="schedules">
        <thead>
          <tr><th>Schedule</th><th>Starts</th><th>When</th><th>Next fire</th><th>Last fire</th><th>Overlap</th><th /></tr>
        </thead>
        <tbody>
          {list === null && !error && <tr><td colSpan={7} className="fd-muted">Loading…</td></tr>}
          {list?.results.length === 0 && <tr><td colSpan={7} className="fd-muted" data-testid="schedules-empty">No schedules yet.</td></tr>}
          {list?.results.map((s) => (
            <tr key={s.slug} data-testid="schedule-row" data-schedule={s.slug}>
              <td><Link to={`/console/schedules/${encodeURIComponent(s.slug)}`}>{s.name}</Link> <div className="fd-muted">{s.slug}</div></td>
              <td>{s.definition_key}</td>
              <td className="fd-mono">{s.timing}</td>
              <td>
                {s.paused ? <span className="fc-status fc-status--paused" data-testid="schedule-paused" title={s.paused_reason || undefined}>paused</span>
                  : <><Time iso={s.next_fire_at} /> <span className="fd-muted">(<Ago iso={s.next_fire_at} />)</span></>}
              </td>
              <td>
                {s.last_outcome ? (
                  <>
                    <StatusBadge status={s.last_outcome} testId="schedule-last-outcome" /> <Time iso={s.last_fire_at} />
                    {s.last_run_id && <> <Link to={`/console/runs/${s.last_run_id}`} className="fd-mono">{shortId(s.last_run_id)}</Link></>}
                  </>
                ) : <span className="fd-muted">{outcomeText(null)}</span>}
              </td>
              <td>{overlapText(s.overlap_policy)}</td>
              <td className="fc-nowrap"><ScheduleActions schedule={s} onDone={done} onError={(lines) => setError(lines.join(" "))} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {creating && (
        <ScheduleDialog schedule={null} onClose={() => setCreating(false)}
          onSaved={(saved, text) => navigate(`/console/schedules/${encodeURIComponent(saved.slug)}`, { state: { notice: text } })} />
      )}
    </main>
  );
}
