/** Small SVG charts (no chart library): per-minute bars, a rate line, latency bars. */
import type { DefinitionStats } from "../../api/console";

/** Finished runs the series could not place in a minute (failed runs have no finish time yet). */
export function unplaced(series: DefinitionStats["series"]): { completed: number; failed: number } {
  const out = { completed: 0, failed: 0 };
  for (const p of series) {
    if (p.minute) continue;
    out.completed += p.completed;
    out.failed += p.failed;
  }
  return out;
}

export interface MinuteBucket {
  minute: number;
  completed: number;
  failed: number;
}

/** The API's sparse series as one bucket per minute of the window, oldest first, zeros filled. */
export function minuteBuckets(series: DefinitionStats["series"], minutes: number, now = Date.now()): MinuteBucket[] {
  const end = Math.floor(now / 60_000) * 60_000;
  const start = end - (minutes - 1) * 60_000;
  const out: MinuteBucket[] = [];
  for (let m = start; m <= end; m += 60_000) out.push({ minute: m, completed: 0, failed: 0 });
  for (const point of series) {
    if (!point.minute) continue;
    const t = Math.floor(Date.parse(point.minute) / 60_000) * 60_000;
    const i = (t - start) / 60_000;
    if (i >= 0 && i < out.length) {
      out[i].completed += point.completed;
      out[i].failed += point.failed;
    }
  }
  return out;
}

const W = 600;
const H = 120;
const PAD = { l: 34, r: 6, t: 8, b: 18 };

function hhmm(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function niceMax(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Runs finished per minute: completed (green) under failed (red). */
export function ThroughputChart({ buckets, label }: { buckets: MinuteBucket[]; label: string }) {
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.completed + b.failed)));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = iw / Math.max(1, buckets.length);
  const y = (v: number) => PAD.t + ih - (v / max) * ih;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="fc-chart" role="img" aria-label={label}>
      <title>{label}</title>
      <line x1={PAD.l} x2={W - PAD.r} y1={y(0)} y2={y(0)} className="fc-chart__axis" />
      <line x1={PAD.l} x2={W - PAD.r} y1={y(max)} y2={y(max)} className="fc-chart__grid" />
      <text x={PAD.l - 4} y={y(max) + 4} textAnchor="end" className="fc-chart__tick">{max}</text>
      <text x={PAD.l - 4} y={y(0)} textAnchor="end" className="fc-chart__tick">0</text>
      {buckets.map((b, i) => {
        const x = PAD.l + i * bw + 0.5;
        const w = Math.max(1, bw - 1);
        return (
          <g key={b.minute}>
            <title>{`${hhmm(b.minute)}: ${b.completed} completed, ${b.failed} failed`}</title>
            {b.completed > 0 && <rect x={x} y={y(b.completed)} width={w} height={y(0) - y(b.completed)} className="fc-chart__ok" />}
            {b.failed > 0 && <rect x={x} y={y(b.completed + b.failed)} width={w} height={y(b.completed) - y(b.completed + b.failed)} className="fc-chart__bad" />}
          </g>
        );
      })}
      {buckets.length > 1 &&
        [0, Math.floor(buckets.length / 2), buckets.length - 1].map((i) => (
          <text key={i} x={PAD.l + i * bw + bw / 2} y={H - 4} textAnchor={i === 0 ? "start" : i === buckets.length - 1 ? "end" : "middle"} className="fc-chart__tick">{hhmm(buckets[i].minute)}</text>
        ))}
    </svg>
  );
}

/** Share of finished runs that failed, per minute (minutes with none finished leave a gap). */
export function FailureRateChart({ buckets, label }: { buckets: MinuteBucket[]; label: string }) {
  const iw = W - PAD.l - PAD.r;
  const ih = 60 - PAD.t - PAD.b;
  const h = 60;
  const step = iw / Math.max(1, buckets.length - 1);
  const y = (rate: number) => PAD.t + ih - rate * ih;
  const segments: string[] = [];
  let current = "";
  buckets.forEach((b, i) => {
    const total = b.completed + b.failed;
    if (!total) {
      if (current) segments.push(current);
      current = "";
      return;
    }
    const point = `${(PAD.l + i * step).toFixed(1)},${y(b.failed / total).toFixed(1)}`;
    current = current ? `${current} L${point}` : `M${point}`;
  });
  if (current) segments.push(current);
  return (
    <svg viewBox={`0 0 ${W} ${h}`} className="fc-chart fc-chart--small" role="img" aria-label={label}>
      <title>{label}</title>
      <line x1={PAD.l} x2={W - PAD.r} y1={y(0)} y2={y(0)} className="fc-chart__axis" />
      <line x1={PAD.l} x2={W - PAD.r} y1={y(1)} y2={y(1)} className="fc-chart__grid" />
      <text x={PAD.l - 4} y={y(1) + 4} textAnchor="end" className="fc-chart__tick">100%</text>
      <text x={PAD.l - 4} y={y(0)} textAnchor="end" className="fc-chart__tick">0%</text>
      {segments.map((d, i) => (
        <path key={i} d={d.includes("L") ? d : `${d} l1,0`} className="fc-chart__line" />
      ))}
    </svg>
  );
}

/** Step latency p50 and p95 per definition, side by side. */
export function LatencyChart({ stats }: { stats: DefinitionStats[] }) {
  const rows = stats.filter((s) => s.step_latency_p95 !== undefined && s.step_latency_p95 !== null);
  if (!rows.length) return <p className="fd-muted">No steps finished in this window.</p>;
  const max = Math.max(...rows.map((s) => s.step_latency_p95 ?? 0), 0.001);
  const rowH = 30;
  const labelW = 150;
  const barW = W - labelW - 80;
  const h = rows.length * rowH + 4;
  return (
    <svg viewBox={`0 0 ${W} ${h}`} className="fc-chart fc-chart--latency" role="img" aria-label="Step latency per definition (p50 and p95)">
      <title>Step latency per definition (p50 and p95)</title>
      {rows.map((s, i) => {
        const y0 = i * rowH + 4;
        const p50 = s.step_latency_p50 ?? 0;
        const p95 = s.step_latency_p95 ?? 0;
        return (
          <g key={s.definition}>
            <title>{`${s.definition}: p50 ${seconds(p50)}, p95 ${seconds(p95)} over ${s.steps ?? 0} steps`}</title>
            <text x={labelW - 6} y={y0 + 15} textAnchor="end" className="fc-chart__label">{s.definition}</text>
            <rect x={labelW} y={y0 + 2} width={Math.max(1, (p95 / max) * barW)} height={20} className="fc-chart__p95" />
            <rect x={labelW} y={y0 + 6} width={Math.max(1, (p50 / max) * barW)} height={12} className="fc-chart__p50" />
            <text x={labelW + (p95 / max) * barW + 6} y={y0 + 16} className="fc-chart__tick">{`${seconds(p50)} / ${seconds(p95)}`}</text>
          </g>
        );
      })}
    </svg>
  );
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return "—";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${(s / 60).toFixed(1)} min`;
}
