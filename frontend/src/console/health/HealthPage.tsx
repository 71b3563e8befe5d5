/**
 * /console/health — the processes that move runs: each worker (where, how
 * many threads, what it holds, its last beat) and each scheduler (its last
 * sweep, lag, sweep time). Polled every 5 s; beats shown live.
 */
import type { SchedulerHealth, WorkerHealth } from "../../api/health";
import { Ago, Time } from "../common/Time";
import { lag, millis, sortWorkers, useHealth, workerState, type WorkerState } from "./health";

const EVERY_MS = 5_000;

const STATE_TEXT: Record<WorkerState, string> = { alive: "alive", dead: "dead (no beat)", stopped: "stopped" };

function AliveBadge({ state, testId }: { state: WorkerState; testId?: string }) {
  return (
    <span className={`fc-status fc-health--${state}`} data-testid={testId} data-state={state}>
      {STATE_TEXT[state]}
    </span>
  );
}

export default function HealthPage() {
  const { health, error, at } = useHealth(EVERY_MS);
  const workers = health ? sortWorkers(health.workers ?? []) : [];
  const schedulers = health?.schedulers ?? [];
  const sched = health?.scheduler;
  const alive = workers.filter((w) => w.alive).length;

  return (
    <main className="fc-page" data-testid="health-page">
      <header className="fc-page__header">
        <h1>Health</h1>
        <span className="fd-muted">
          Workers and schedulers, refreshed every {EVERY_MS / 1000}s{at ? <> · last answer <Ago iso={new Date(at).toISOString()} /></> : ""}.
        </span>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert" data-testid="health-error">{error}</p>}
      {!health && !error && <p className="fd-muted">Loading…</p>}
      {health && (
        <>
          <section className="fc-card" aria-label="Scheduler" data-testid="scheduler-summary" data-alive={String(!!sched?.alive)}>
            <h2>Scheduler</h2>
            <dl className="fc-kpis">
              <div>
                <dt>state</dt>
                <dd><AliveBadge state={sched?.alive ? "alive" : "dead"} testId="scheduler-state" /></dd>
              </div>
              <div>
                <dt>last sweep</dt>
                <dd data-testid="last-sweep">{sched?.last_sweep_at ? <Ago iso={sched.last_sweep_at} /> : "never"}</dd>
              </div>
              <div>
                <dt>lag</dt>
                <dd data-testid="scheduler-lag">{lag(sched?.lag_seconds)}</dd>
              </div>
              <div>
                <dt>sweep took</dt>
                <dd data-testid="sweep-ms">{millis(sched?.sweep_ms)}</dd>
              </div>
            </dl>
          </section>

          <h2 className="fc-section-title">
            Workers <span className="fd-muted">{alive} of {workers.length} alive</span>
          </h2>
          <table className="fc-table" data-testid="workers">
            <thead>
              <tr>
                <th>Worker</th><th>Host</th><th>PID</th><th>Threads</th><th>Queues</th><th>Steps in hand</th><th>Threads busy</th><th>Started</th><th>Last beat</th><th>State</th>
              </tr>
            </thead>
            <tbody>
              {workers.length === 0 && <tr><td colSpan={10} className="fd-muted" data-testid="no-workers">No worker has ever beaten.</td></tr>}
              {workers.map((w) => <WorkerRow key={w.name} worker={w} />)}
            </tbody>
          </table>

          <h2 className="fc-section-title">Schedulers</h2>
          <table className="fc-table" data-testid="schedulers">
            <thead>
              <tr>
                <th>Scheduler</th><th>Host</th><th>PID</th><th>Last beat</th><th>Lag</th><th>Sweep took</th><th>Last sweep counts</th><th>State</th>
              </tr>
            </thead>
            <tbody>
              {schedulers.length === 0 && <tr><td colSpan={8} className="fd-muted" data-testid="no-schedulers">No scheduler has ever beaten.</td></tr>}
              {schedulers.map((s) => <SchedulerRow key={s.name} scheduler={s} />)}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}

function WorkerRow({ worker: w }: { worker: WorkerHealth }) {
  const state = workerState(w);
  return (
    <tr data-testid="worker-row" data-name={w.name} data-host={w.host} data-pid={w.pid} data-alive={String(w.alive)} data-state={state}>
      <td><code>{w.name}</code></td>
      <td>{w.host}</td>
      <td className="fc-num">{w.pid}</td>
      <td className="fc-num">{w.threads}</td>
      <td>{(w.queues ?? []).join(", ")}</td>
      <td className="fc-num" data-testid="worker-in-hand">{w.in_hand}</td>
      <td className="fc-num">{w.threads_busy}</td>
      <td><Time iso={w.started_at} /></td>
      <td data-testid="worker-beat">{w.beat_at ? <Ago iso={w.beat_at} /> : "never"}</td>
      <td>
        <AliveBadge state={state} testId="worker-state" />
        {w.stopped_at && <span className="fd-muted"> at <Time iso={w.stopped_at} /></span>}
      </td>
    </tr>
  );
}

function SchedulerRow({ scheduler: s }: { scheduler: SchedulerHealth }) {
  const counts = Object.entries(s.info?.counts ?? {}).filter(([, n]) => n);
  return (
    <tr data-testid="scheduler-row" data-name={s.name} data-alive={String(s.alive)}>
      <td><code>{s.name}</code></td>
      <td>{s.host}</td>
      <td className="fc-num">{s.pid}</td>
      <td>{s.beat_at ? <Ago iso={s.beat_at} /> : "never"}</td>
      <td className="fc-num">{lag(s.info?.lag_seconds)}</td>
      <td className="fc-num">{millis(s.info?.sweep_ms)}</td>
      <td className="fd-muted">{counts.length ? counts.map(([k, n]) => `${k.replace(/_/g, " ")}: ${n}`).join(", ") : "nothing to do"}</td>
      <td><AliveBadge state={s.alive ? "alive" : "dead"} /></td>
    </tr>
  );
}
