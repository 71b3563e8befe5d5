/**
 * /console/ — the last hour at a glance: what needs an operator, and per
 * definition its throughput, failure rate and step latency as charts.
 */
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { countRuns, getStats, listIncidents, type DefinitionStats, type Incident, type StatusCounts } from "../../api/console";
import { errorLines } from "../common/ConfirmDialog";
import { useNow } from "../common/LiveBadge";
import { FailureRateChart, LatencyChart, minuteBuckets, seconds, ThroughputChart, unplaced } from "./charts";

const MINUTES = 60;
const REFRESH_MS = 15_000;

export default function HomePage() {
  const [stats, setStats] = useState<DefinitionStats[] | null>(null);
  const [counts, setCounts] = useState<StatusCounts | null>(null);
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(REFRESH_MS);

  const load = useCallback(async () => {
    try {
      const [s, c, i] = await Promise.all([getStats(MINUTES), countRuns(""), listIncidents()]);
      setStats(s);
      setCounts(c);
      setIncidents(i);
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load, now]);

  const tiles: { label: string; n: number | undefined; to: string; tone: string }[] = [
    { label: "failed, awaiting an operator", n: counts ? (counts.failed ?? 0) + (counts.compensation_failed ?? 0) : undefined, to: "/console/runs?needs_operator=true", tone: "bad" },
    { label: "stuck", n: counts?.stuck, to: "/console/runs?stuck=true", tone: "warn" },
    { label: "running", n: counts?.running, to: "/console/runs?status=running", tone: "info" },
    { label: "waiting", n: counts?.waiting, to: "/console/runs?status=waiting", tone: "info" },
    { label: "compensating", n: counts?.compensating, to: "/console/runs?status=compensating", tone: "warn" },
  ];

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>The last hour</h1>
        <span className="fd-muted">refreshed every {REFRESH_MS / 1000}s</span>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      <div className="fc-tiles">
        {tiles.map((t) => (
          <Link key={t.label} to={t.to} className={`fc-tile fc-tile--${t.tone}`} data-testid={`tile-${t.label.split(",")[0]}`}>
            <span className="fc-tile__n">{t.n === undefined ? "…" : t.n.toLocaleString()}</span>
            <span>{t.label}</span>
          </Link>
        ))}
        <Link to="/console/incidents" className="fc-tile fc-tile--info">
          <span className="fc-tile__n">{incidents ? incidents.length : "…"}</span>
          <span>incident groups</span>
        </Link>
      </div>

      <section className="fc-card">
        <h2>Step latency per definition</h2>
        <p className="fd-muted">Task and http steps finished in the last hour: median (dark) and 95th percentile (light).</p>
        {stats && <LatencyChart stats={stats} />}
      </section>

      {stats?.length === 0 && <p className="fd-muted" data-testid="no-stats">No run finished in the last hour.</p>}
      <div className="fc-cards">
        {stats?.map((s) => {
          const buckets = minuteBuckets(s.series, MINUTES, now);
          const off = unplaced(s.series);
          return (
            <section key={s.definition} className="fc-card" data-testid={`stats-${s.definition}`}>
              <h2>
                <Link to={`/console/runs?definition=${encodeURIComponent(s.definition)}`}>{s.definition}</Link>
              </h2>
              <dl className="fc-kpis">
                <div><dt>finished / min</dt><dd>{s.throughput_per_min.toLocaleString()}</dd></div>
                <div><dt>completed</dt><dd>{s.completed.toLocaleString()}</dd></div>
                <div><dt>failed</dt><dd>{s.failed.toLocaleString()}</dd></div>
                <div><dt>failure rate</dt><dd data-testid="failure-rate">{(s.failure_rate * 100).toFixed(1)}%</dd></div>
                <div><dt>step p50 / p95</dt><dd>{seconds(s.step_latency_p50)} / {seconds(s.step_latency_p95)}</dd></div>
              </dl>
              <h3>Throughput (runs finished per minute)</h3>
              <ThroughputChart buckets={buckets} label={`${s.definition}: runs finished per minute, completed and failed`} />
              {off.failed + off.completed > 0 && (
                <p className="fd-muted" data-testid="unplaced">
                  +{off.failed + off.completed} failed run{off.failed + off.completed === 1 ? "" : "s"} awaiting an operator (no finish time, so not on the time axis).
                </p>
              )}
              <h3>Failure rate per minute</h3>
              <FailureRateChart buckets={buckets} label={`${s.definition}: failure rate per minute`} />
            </section>
          );
        })}
      </div>
    </main>
  );
}
