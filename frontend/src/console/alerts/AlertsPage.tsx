/**
 * /console/alerts — what fires now, the alert rules (admins create, edit, test and delete them;
 * others see them, the buttons disabled saying why) and the log of every message sent.
 */
import "./alerts.css";
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { listFiring, listMessages, listRules, testRule, type AlertMessage, type AlertRule, type AlertState } from "../../api/alerts";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { Ago, Time } from "../common/Time";
import { useMe } from "../me";
import { cannotAdministerText, channelText, kindText, outcomeText, repeatText } from "./alerts";
import { RuleDialog } from "./RuleDialog";

const REFRESH_MS = 10_000;

export default function AlertsPage() {
  const me = useMe();
  const cannot = cannotAdministerText(me);
  const now = useNow(REFRESH_MS);
  const [firing, setFiring] = useState<AlertState[] | null>(null);
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [log, setLog] = useState<AlertMessage[] | null>(null);
  const [firstCursor, setFirstCursor] = useState<string | null>(null);
  // Older pages, once asked for: appended below the first page (which refreshes), till the cursor runs out.
  const [older, setOlder] = useState<AlertMessage[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<AlertRule | "new" | null>(null);
  const [testing, setTesting] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      const [states, ruleRows, page] = await Promise.all([listFiring(), listRules(), listMessages()]);
      setFiring(states);
      setRules(ruleRows);
      setLog(page.results);
      setFirstCursor(page.next_cursor);
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load, now]);

  const cursor = olderCursor === undefined ? firstCursor : olderCursor;
  const loadOlder = async () => {
    try {
      const page = await listMessages(cursor);
      setOlder((rows) => [...rows, ...page.results]);
      setOlderCursor(page.next_cursor);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  };

  const sendTest = async (rule: AlertRule) => {
    setTesting(rule.id);
    try {
      const { messages } = await testRule(rule.id);
      const failed = messages.filter((m) => m.status === "failed");
      setNotice(failed.length
        ? `Test of "${rule.name}": ${failed.length} of ${messages.length} channel(s) failed: ${failed.map((m) => `${m.channel} ${outcomeText(m)}`).join("; ")}`
        : `Test of "${rule.name}": sent to ${messages.length} channel(s).`);
      await load();
    } catch (e) {
      setError(errorLines(e).join(" "));
    } finally {
      setTesting(null);
    }
  };

  const shown = [...(log ?? []), ...older.filter((m) => !(log ?? []).some((n) => n.id === m.id))];

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Alerts</h1>
        <span className="fd-muted">Rules that send a message when incidents appear, runs get stuck, SLAs are breached or failures pile up; refreshed every {REFRESH_MS / 1000}s.</span>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="alerts-notice">{notice}</p>}

      <h2 className="fc-section-title">Firing now</h2>
      <table className="fc-table" data-testid="alerts-firing">
        <thead><tr><th>Rule</th><th>What</th><th>Runs</th><th>Since</th><th>Last sent</th></tr></thead>
        <tbody>
          {firing === null && <tr><td colSpan={5} className="fd-muted">Loading…</td></tr>}
          {firing?.length === 0 && <tr><td colSpan={5} className="fd-muted" data-testid="no-firing">Nothing is firing.</td></tr>}
          {firing?.map((s) => (
            <tr key={s.id} data-testid="firing-row">
              <td>{s.rule_name} <div className="fd-muted">{kindText(s.kind)}</div></td>
              <td className="fc-where"><Link to={s.console_path}>{s.summary || s.group_key}</Link></td>
              <td>{s.runs.slice(0, 3).map((id) => <Link key={id} to={`/console/runs/${id}`} className="fc-sample"><code>{id.slice(0, 8)}</code></Link>)}</td>
              <td><Ago iso={s.first_seen} /></td>
              <td>{s.last_sent_at ? <Ago iso={s.last_sent_at} /> : <span className="fd-muted">not yet</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2 className="fc-section-title">
        Rules
        <button type="button" className="fd-primary" disabled={!!cannot} title={cannot || "Create an alert rule"} data-testid="rule-new" onClick={() => setEditing("new")}>
          New rule…
        </button>
      </h2>
      {cannot && me && <p className="fd-muted" data-testid="rules-refused">{cannot}</p>}
      <table className="fc-table" data-testid="alert-rules">
        <thead><tr><th>Name</th><th>When</th><th>Definition</th><th>Send to</th><th>Repeat</th><th>Firing</th><th /></tr></thead>
        <tbody>
          {rules === null && <tr><td colSpan={7} className="fd-muted">Loading…</td></tr>}
          {rules?.length === 0 && <tr><td colSpan={7} className="fd-muted" data-testid="no-rules">No alert rules yet.</td></tr>}
          {rules?.map((r) => (
            <tr key={r.id} data-testid="rule-row" data-rule={r.id}>
              <td>{r.name}{!r.enabled && <span className="fd-muted" data-testid="rule-disabled"> (disabled)</span>}</td>
              <td>{kindText(r.kind)}</td>
              <td>{r.definition_key || <span className="fd-muted">all</span>}</td>
              <td>{r.channels.map((c, i) => <div key={i} className="fc-alert-channel">{channelText(c)}</div>)}</td>
              <td>{repeatText(r.repeat_interval_seconds)}</td>
              <td className="fc-num">{r.firing}</td>
              <td className="fc-nowrap">
                <button type="button" disabled={!!cannot} title={cannot || "Edit this rule"} onClick={() => setEditing(r)}>Edit…</button>{" "}
                <button type="button" disabled={!!cannot || testing === r.id} title={cannot || "Send a test message to each channel now"} data-testid="rule-test" onClick={() => void sendTest(r)}>
                  {testing === r.id ? "Sending…" : "Send test"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2 className="fc-section-title">Alert log</h2>
      <table className="fc-table fc-table--compact" data-testid="alert-log">
        <thead><tr><th>When</th><th>Rule</th><th>Message</th><th>Channel</th><th>Outcome</th><th>Summary</th></tr></thead>
        <tbody>
          {log === null && <tr><td colSpan={6} className="fd-muted">Loading…</td></tr>}
          {log?.length === 0 && <tr><td colSpan={6} className="fd-muted" data-testid="no-messages">No messages sent yet.</td></tr>}
          {shown.map((m) => (
            <tr key={m.id} data-testid="log-row" data-kind={m.kind} data-status={m.status}>
              <td><Time iso={m.created_at} /></td>
              <td>{m.rule_name}</td>
              <td>{m.kind}</td>
              <td>{m.channel} <div className="fd-muted fc-alert-channel">{m.target}</div></td>
              <td className={m.status === "failed" ? "fc-alert-failed" : undefined}>{outcomeText(m)}</td>
              <td className="fc-where">{m.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <nav className="fc-pager" aria-label="Pages">
          <button type="button" onClick={() => void loadOlder()} data-testid="log-older">Older messages</button>
        </nav>
      )}
      {editing && (
        <RuleDialog rule={editing === "new" ? null : editing} onClose={() => setEditing(null)}
          onSaved={(text) => { setNotice(text); void load(); }} />
      )}
    </main>
  );
}
