/** The runs list's filters. Text fields apply on Enter or after a pause; the rest at once. */
import { useEffect, useRef, useState } from "react";
import type { Definition } from "../../api/definitions";
import type { SlaFilter } from "../../api/runs";
import type { RunFilters } from "../filters";
import { SEARCH_HELP } from "./search";

const RANGES: { label: string; minutes: number }[] = [
  { label: "last 15 minutes", minutes: 15 },
  { label: "last hour", minutes: 60 },
  { label: "last 24 hours", minutes: 24 * 60 },
  { label: "last 7 days", minutes: 7 * 24 * 60 },
];

/** "2026-11-27T08:31" (a datetime-local value, local time) <-> ISO. */
export function localInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function DebouncedText(props: { label: string; value: string | undefined; onCommit(v: string | undefined): void; placeholder?: string; width?: number; type?: string; testId?: string; title?: string }) {
  const { label, value, onCommit, placeholder, width, type = "text", testId, title } = props;
  const [text, setText] = useState(value ?? "");
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => setText(value ?? ""), [value]);
  useEffect(() => {
    if (text.trim() === (value ?? "")) return;
    const t = window.setTimeout(() => commit.current(text.trim() || undefined), 400);
    return () => window.clearTimeout(t);
  }, [text, value]);
  return (
    <label className="fc-filter" title={title}>
      <span>{label}</span>
      <input
        type={type}
        aria-label={label}
        data-testid={testId}
        value={text}
        placeholder={placeholder}
        style={width ? { width } : undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onCommit(text.trim() || undefined);
        }}
      />
    </label>
  );
}

export function FiltersBar({ filters, definitions, onChange }: { filters: RunFilters; definitions: Definition[]; onChange(f: RunFilters): void }) {
  const set = (patch: Partial<RunFilters>) => onChange({ ...filters, ...patch });
  const rangeValue = (() => {
    if (!filters.created_after || filters.created_before) return "";
    return "custom";
  })();
  return (
    <div className="fc-filters" role="search" aria-label="Filter runs">
      <DebouncedText
        label="Business key, run id or input field"
        testId="search"
        type="search"
        value={filters.q}
        placeholder="order-1042 or customer.email=ann@example.com"
        title={SEARCH_HELP}
        width={300}
        onCommit={(q) => set({ q })}
      />
      <label className="fc-filter">
        <span>Definition</span>
        <select aria-label="Definition" value={filters.definition ?? ""} onChange={(e) => set({ definition: e.target.value || undefined, version: undefined })}>
          <option value="">all definitions</option>
          {definitions.map((d) => (
            <option key={d.key} value={d.key}>{d.name && d.name !== d.key ? `${d.name} (${d.key})` : d.key}</option>
          ))}
          {filters.definition && !definitions.some((d) => d.key === filters.definition) && <option value={filters.definition}>{filters.definition}</option>}
        </select>
      </label>
      <DebouncedText label="Version" value={filters.version} width={60} placeholder="any" onCommit={(version) => set({ version })} />
      <DebouncedText label="Failed at step" value={filters.failed_at} width={110} placeholder="node id" onCommit={(failed_at) => set({ failed_at })} />
      <label className="fc-filter">
        <span>Created</span>
        <select
          aria-label="Created within"
          value={rangeValue}
          onChange={(e) => {
            const minutes = Number(e.target.value);
            if (!e.target.value) set({ created_after: undefined, created_before: undefined });
            else if (minutes) set({ created_after: new Date(Date.now() - minutes * 60_000).toISOString(), created_before: undefined });
          }}
        >
          <option value="">any time</option>
          {RANGES.map((r) => (
            <option key={r.minutes} value={r.minutes}>{r.label}</option>
          ))}
          {rangeValue === "custom" && <option value="custom">from the time below</option>}
        </select>
      </label>
      <label className="fc-filter">
        <span>From</span>
        <input type="datetime-local" aria-label="Created from" value={localInput(filters.created_after)} onChange={(e) => set({ created_after: fromLocalInput(e.target.value) })} />
      </label>
      <label className="fc-filter">
        <span>Before</span>
        <input type="datetime-local" aria-label="Created before" value={localInput(filters.created_before)} onChange={(e) => set({ created_before: fromLocalInput(e.target.value) })} />
      </label>
      <label className="fc-filter" title="SLA timers: a deadline passed before the run (or a step) was done, or less than 20% of its time is left">
        <span>SLA</span>
        <select aria-label="SLA" data-testid="sla-filter" value={filters.sla ?? ""} onChange={(e) => set({ sla: (e.target.value || undefined) as SlaFilter | undefined })}>
          <option value="">any</option>
          <option value="breached">breached</option>
          <option value="at_risk">at risk</option>
        </select>
      </label>
      <div className="fc-filter fc-filter--checks">
        <label className="fd-check">
          <input type="checkbox" checked={filters.stuck === true} onChange={(e) => set({ stuck: e.target.checked ? true : undefined })} /> stuck
        </label>
        <label className="fd-check">
          <input type="checkbox" checked={!!filters.needs_operator} onChange={(e) => set({ needs_operator: e.target.checked ? true : undefined })} /> failed, awaiting an operator
        </label>
        <label className="fd-check" title="Runs started from the designer's test panel">
          <input type="checkbox" checked={!!filters.include_test} onChange={(e) => set({ include_test: e.target.checked ? true : undefined })} /> test runs too
        </label>
      </div>
    </div>
  );
}
