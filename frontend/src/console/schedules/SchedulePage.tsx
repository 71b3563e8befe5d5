/** /console/schedules/:slug — one schedule: its settings, its next fire times and its recent fires, each linking to its run. */
import "./schedules.css";
import { useCallback, useEffect, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { getSchedule, listFires, type FireList, type Schedule } from "../../api/schedules";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { StatusBadge } from "../common/StatusBadge";
import { Ago, Time } from "../common/Time";
import { shortId } from "../format";
import { ScheduleActions } from "./ScheduleActions";
import { ScheduleDialog } from "./ScheduleDialog";
import { OVERLAP, overlapText, secondsText } from "./schedules";

const REFRESH_MS = 5_000;

export default function SchedulePage() {
  const { slug = "" } = useParams();
  const location = useLocation();
  const [schedule, setSchedule] = useState<Schedule | null>(null);
  const [fires, setFires] = useState<FireList | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [editing, setEditing] = useState(false);
  const now = useNow(REFRESH_MS);

  const load = useCallback(async () => {
    try {
      const [s, f] = await Promise.all([getSchedule(slug), listFires(slug)]);
      setSchedule(s);
      setFires(f);
      setError(null);
    } catch (e) {
      setError(errorLines(e));
    }
  }, [slug]);
  useEffect(() => {
    void load();
  }, [load, now]);

  if (!schedule) {
    return (
      <main className="fc-page">
        <p><Link to="/console/schedules">← Schedules</Link></p>
        {error ? <p className="fd-alert fd-alert--error" role="alert">{error.join(" ")}</p> : <p className="fd-loading">Loading…</p>}
      </main>
    );
  }
  const done = (text: string) => {
    setNotice(text);
    setError(null);
    void load();
  };

  return (
    <main className="fc-page fc-schedule" data-testid="schedule">
      <p><Link to="/console/schedules">← Schedules</Link></p>
      <header className="fc-page__header">
        <h1 data-testid="schedule-name">{schedule.name}</h1>
        {schedule.paused && <span className="fc-status fc-status--paused" data-testid="schedule-paused">paused</span>}
        <ScheduleActions schedule={schedule} onDone={done} onError={setError} onEdit={() => setEditing(true)} />
      </header>
      {schedule.description && <p className="fc-schedule__description" data-testid="schedule-description">{schedule.description}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="schedule-notice">{notice}</p>}
      {error && (
        <div className="fd-alert fd-alert--error" role="alert" data-testid="schedule-page-error">
          {error.map((line, i) => <p key={i}>{line}</p>)}
        </div>
      )}
      <dl className="fc-facts">
        <dt>Slug</dt><dd className="fd-mono">{schedule.slug}</dd>
        <dt>Starts</dt><dd>{schedule.definition_key}</dd>
        <dt>When</dt><dd className="fd-mono" data-testid="schedule-timing">{schedule.timing}</dd>
        <dt>Overlap</dt><dd>{overlapText(schedule.overlap_policy)} <span className="fd-muted">{OVERLAP.find((o) => o.value === schedule.overlap_policy)?.hint}</span></dd>
        <dt>Catch-up window</dt><dd>{secondsText(schedule.catchup_window_seconds)}</dd>
        <dt>Input</dt><dd><code className="fd-mono" data-testid="schedule-input">{JSON.stringify(schedule.input)}</code></dd>
        {schedule.paused && schedule.paused_reason && <><dt>Paused because</dt><dd>{schedule.paused_reason}</dd></>}
        <dt>Created</dt><dd><Time iso={schedule.created_at} /> {schedule.created_by && <span className="fd-muted">by {schedule.created_by}</span>}</dd>
      </dl>

      <h2 className="fc-section-title">Next fire times</h2>
      {fires && fires.upcoming.length === 0 && <p className="fd-muted" data-testid="schedule-no-upcoming">None while it is paused.</p>}
      <ol className="fc-schedule__upcoming" data-testid="schedule-upcoming">
        {fires?.upcoming.map((t) => <li key={t}><Time iso={t} /> <span className="fd-muted">(<Ago iso={t} />)</span></li>)}
      </ol>

      <h2 className="fc-section-title">Recent fires</h2>
      <table className="fc-table fc-table--compact" data-testid="schedule-fires">
        <thead><tr><th>Fire time</th><th>How</th><th>Outcome</th><th>Run</th><th>Why</th></tr></thead>
        <tbody>
          {fires?.results.length === 0 && <tr><td colSpan={5} className="fd-muted" data-testid="schedule-no-fires">It has not fired yet.</td></tr>}
          {fires?.results.map((f) => (
            <tr key={f.id} data-testid="fire-row" data-outcome={f.outcome}>
              <td><Time iso={f.fire_at} /></td>
              <td>{f.kind === "trigger" ? `triggered${f.user ? ` by ${f.user}` : ""}` : "scheduled"}</td>
              <td><StatusBadge status={f.outcome} testId="fire-outcome" /></td>
              <td>
                {f.run_id ? (
                  <><Link to={`/console/runs/${f.run_id}`} className="fd-mono" data-testid="fire-run">{shortId(f.run_id)}</Link>{" "}
                    {f.run_status && <StatusBadge status={f.run_status} run />}</>
                ) : <span className="fd-muted">none</span>}
              </td>
              <td className="fc-where">{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && <ScheduleDialog schedule={schedule} onClose={() => setEditing(false)} onSaved={(_, text) => done(text)} />}
    </main>
  );
}
