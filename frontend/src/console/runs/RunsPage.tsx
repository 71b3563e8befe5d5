/**
 * /console/runs — every run, newest first, filtered by the query string (so a
 * filtered view is a link), a page at a time by keyset cursor. Rows appear and
 * change as the runs socket pushes them; counts follow a moment later.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { countRuns, listRuns, type StatusCounts as Counts } from "../../api/console";
import type { RunSummary } from "../../api/runs";
import { listDefinitions, versionLabel, type Definition } from "../../api/definitions";
import { followRunList, type SocketState } from "../../api/socket";
import { errorLines } from "../common/ConfirmDialog";
import { LiveBadge } from "../common/LiveBadge";
import { SlaBadge } from "../common/SlaBadge";
import { StatusBadge } from "../common/StatusBadge";
import { EMPTY_FILTERS, filtersFromSearch, filtersToParams, filtersToSearch, type RunFilters } from "../filters";
import { outcomeSummary, RefusedList, RunsBulkDialog, type Selection } from "./RunsBulkDialog";
import { SavedViews } from "./SavedViews";
import { searchHint } from "./search";
import { pageState, togglePage, toggleRows } from "./selection";
import "./runs.css";
import { Ago, Since } from "../common/Time";
import { shortId } from "../format";
import { cannotText, useCan, useMe } from "../me";
import { RetentionNote } from "../retention/RetentionNote";
import { FiltersBar } from "./FiltersBar";
import { upsertRun } from "./liveList";
import { StatusCounts } from "./StatusCounts";

const PAGE = 50;
const COUNTS_EVERY_MS = 2000;
const FLUSH_MS = 150;

export default function RunsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const query = filtersToSearch(filters);
  const cursor = search.get("cursor");
  const [rows, setRows] = useState<RunSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [definitions, setDefinitions] = useState<Definition[]>([]);
  const [stream, setStream] = useState<SocketState>("connecting");
  const [flash, setFlash] = useState<Record<string, number>>({});
  const [bulk, setBulk] = useState<Selection | null>(null);
  const [refused, setRefused] = useState<{ run_id: string; detail?: string }[]>([]);
  const [checked, setChecked] = useState<Set<string>>(() => new Set());
  const anchor = useRef<string | null>(null);
  const [history, setHistory] = useState<string[]>([]);
  const me = useMe();
  const canOperate = useCan("operate");

  const view = useRef({ filters, first: !cursor });
  view.current = { filters, first: !cursor };
  const shown = useRef<RunSummary[] | null>(null);
  shown.current = rows;

  const load = useCallback(async () => {
    try {
      const q = new URLSearchParams(query);
      q.set("limit", String(PAGE));
      if (cursor) q.set("cursor", cursor);
      const page = await listRuns(q.toString());
      setRows(page.results);
      setNext(page.next_cursor);
      setError(null);
    } catch (e) {
      setRows([]);
      setNext(null);
      setError(errorLines(e).join(" "));
    }
  }, [query, cursor]);

  const loadCounts = useCallback(async () => {
    try {
      setCounts(await countRuns(query));
    } catch {
      /* the list shows the error */
    }
  }, [query]);

  useEffect(() => {
    setRows(null);
    setChecked(new Set());   // another page or other filters: nothing checked
    anchor.current = null;
    void load();
    void loadCounts();
  }, [load, loadCounts]);

  useEffect(() => {
    listDefinitions().then(setDefinitions, () => setDefinitions([]));
  }, []);

  // Live rows; counts refreshed at most every COUNTS_EVERY_MS while runs change.
  const countsDue = useRef<number | undefined>(undefined);
  const loaders = useRef({ load, loadCounts });
  loaders.current = { load, loadCounts };
  useEffect(() => {
    // Pushed rows are applied in batches (a busy system changes hundreds of runs a second).
    const pending = new Map<string, RunSummary>();
    let flushTimer: number | undefined;
    const flush = () => {
      flushTimer = undefined;
      const runs = [...pending.values()];
      pending.clear();
      const current = shown.current;
      if (!current) return;
      const flashed: Record<string, number> = {};
      let next = current;
      for (const run of runs) {
        const applied = upsertRun(next, run, view.current.filters, { first: view.current.first, limit: PAGE });
        if (applied.change === "inserted" || applied.change === "updated") flashed[run.id] = Date.now();
        next = applied.rows;
      }
      shown.current = next;
      setRows(next);
      setFlash((f) => {
        const visible = Object.fromEntries(Object.entries(f).filter(([, t]) => Date.now() - t < 5000));
        return { ...visible, ...flashed };
      });
    };
    const connection = followRunList(
      (run) => {
        pending.set(run.id, run);
        if (flushTimer === undefined) flushTimer = window.setTimeout(flush, FLUSH_MS);
        if (countsDue.current === undefined) {
          countsDue.current = window.setTimeout(() => {
            countsDue.current = undefined;
            void loaders.current.loadCounts();
          }, COUNTS_EVERY_MS);
        }
      },
      () => {
        void loaders.current.load();
        void loaders.current.loadCounts();
      },
      setStream,
    );
    return () => {
      connection.close();
      window.clearTimeout(flushTimer);
      window.clearTimeout(countsDue.current);
    };
  }, []);

  const apply = (f: RunFilters) => {
    setHistory([]);
    setSearch(new URLSearchParams(filtersToParams(f)));
  };
  const toggleStatus = (status: string) => {
    const on = filters.status.includes(status);
    apply({ ...filters, status: on ? filters.status.filter((s) => s !== status) : [...filters.status, status] });
  };
  const goTo = (c: string | null, back: boolean) => {
    const q = new URLSearchParams(query);
    if (c) q.set("cursor", c);
    setHistory((h) => (back ? h.slice(0, -1) : [...h, cursor ?? ""]));
    setSearch(q);
  };
  const filtered = query !== "";
  const ids = rows?.map((r) => r.id) ?? [];
  const picked = ids.filter((id) => checked.has(id));   // rows that left the page are not acted on
  const hint = searchHint(filters.q);

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Runs</h1>
        <LiveBadge state={stream} />
      </header>
      <FiltersBar filters={filters} definitions={definitions} onChange={apply} />
      {hint && <p className="fd-muted fc-search-hint" data-testid="search-hint">{hint}</p>}
      <StatusCounts counts={counts} selected={filters.status} onToggle={toggleStatus} />
      <RetentionNote definition={filters.definition} />
      <div className="fc-toolbar">
        {filtered && (
          <button type="button" className="fd-link" onClick={() => apply(EMPTY_FILTERS)}>
            Clear filters
          </button>
        )}
        <SavedViews params={filtersToParams(filters)} onApply={(p) => apply(filtersFromSearch(new URLSearchParams(p)))} />
        <span className="fc-spacer" />
        {picked.length > 0 && (
          <>
            <span data-testid="checked-count">{picked.length} checked</span>
            <button type="button" className="fd-link" onClick={() => setChecked(new Set())}>Uncheck all</button>
            <button type="button" disabled={!canOperate} title={cannotText(me, "operate") || "Retry, signal, skip, compensate or cancel the checked runs"} onClick={() => setBulk({ kind: "ids", ids: picked })} data-testid="bulk-checked">
              Act on {picked.length} checked…
            </button>
          </>
        )}
        <button type="button" disabled={!canOperate} title={cannotText(me, "operate") || "Retry, signal, skip, compensate or cancel every run these filters select"} onClick={() => setBulk({ kind: "filters", filters })} data-testid="bulk-open">
          Bulk action on these runs…
        </button>
      </div>
      {error && <p className="fd-alert fd-alert--error" role="alert" data-testid="runs-error">{error}</p>}
      {notice && <p className="fd-alert fd-alert--info" role="status" data-testid="runs-notice">{notice}</p>}
      {refused.length > 0 && <RefusedList items={refused} title="Left alone" testId="bulk-result-refused" />}
      <table className="fc-table" data-testid="runs-table">
        <thead>
          <tr>
            <th className="fc-check-col">
              <PageCheckbox state={pageState(ids, checked)} disabled={!ids.length} onToggle={() => setChecked(togglePage(ids, checked))} />
            </th>
            <th>Business key</th>
            <th>Run</th>
            <th>Definition</th>
            <th>Status</th>
            <th>Where / why</th>
            <th>Created</th>
            <th>Last change</th>
          </tr>
        </thead>
        <tbody>
          {rows === null && (
            <tr><td colSpan={8} className="fd-muted">Loading…</td></tr>
          )}
          {rows?.length === 0 && !error && (
            <tr><td colSpan={8} className="fd-muted" data-testid="runs-empty">No runs match these filters.</td></tr>
          )}
          {rows?.map((run) => (
            <RunRow
              key={run.id}
              run={run}
              flashed={flash[run.id]}
              checked={checked.has(run.id)}
              onCheck={(on, shift) => {
                const from = anchor.current;   // read now: the updater runs later
                setChecked((c) => toggleRows(ids, c, run.id, on, { anchor: from, shift }));
                anchor.current = run.id;
              }}
            />
          ))}
        </tbody>
      </table>
      <nav className="fc-pager" aria-label="Pages">
        <button type="button" disabled={!cursor} onClick={() => { setHistory([]); const q = new URLSearchParams(query); setSearch(q); }}>
          ⇤ Newest
        </button>
        <button type="button" disabled={!cursor} onClick={() => goTo(history[history.length - 1] || null, true)}>
          ← Newer
        </button>
        <button type="button" disabled={!next} onClick={() => goTo(next, false)} data-testid="older">
          Older →
        </button>
        <span className="fd-muted">{rows ? `${rows.length} shown` : ""}</span>
      </nav>
      {bulk && (
        <RunsBulkDialog
          selection={bulk}
          onClose={() => setBulk(null)}
          onDone={(action, result) => {
            setNotice(outcomeSummary(action, result));
            setRefused(result.errors);
            setChecked(new Set());
            void load();
            void loadCounts();
          }}
        />
      )}
    </main>
  );
}

/** The header's checkbox: every run on this page, some (indeterminate) or none. */
function PageCheckbox({ state, disabled, onToggle }: { state: "all" | "some" | "none"; disabled: boolean; onToggle(): void }) {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (box.current) box.current.indeterminate = state === "some";
  }, [state]);
  return <input ref={box} type="checkbox" aria-label="Check every run on this page" data-testid="check-page" checked={state === "all"} disabled={disabled} onChange={onToggle} />;
}

function RunRow({ run, flashed, checked, onCheck }: { run: RunSummary; flashed?: number; checked: boolean; onCheck(on: boolean, shift: boolean): void }) {
  const href = `/console/runs/${encodeURIComponent(run.id)}`;
  const where = run.error ? `${run.error.node_id ? `${run.error.node_id}: ` : ""}${[run.error.type, run.error.message].filter(Boolean).join(": ")}` : "";
  // The stuck reason's durations are frozen at flag time: the duration shown is live, the reason is its title.
  const stuckNote = !run.error && run.stuck ? `as flagged${run.stuck_since ? ` at ${run.stuck_since}` : ""}: ${run.stuck_reason}` : "";
  return (
    <tr className={flashed ? "fc-flash" : undefined} key={flashed} data-testid={`run-row-${run.id}`} data-business-key={run.business_key ?? ""} data-status={run.status}>
      <td className="fc-check-col">
        <input
          type="checkbox"
          aria-label={`Check run ${run.business_key || shortId(run.id)}`}
          data-testid={`check-${run.id}`}
          checked={checked}
          // A click (not change) carries shiftKey: shift-click checks the range from the last clicked row.
          onClick={(e) => onCheck(e.currentTarget.checked, e.shiftKey)}
          onChange={() => undefined}
        />
      </td>
      <td>
        <Link to={href} className="fc-key">{run.business_key || "—"}</Link>
      </td>
      <td>
        <Link to={href}><code title={run.id}>{shortId(run.id)}</code></Link>
      </td>
      <td>
        {run.definition} <span className="fd-muted">{versionLabel(run.version)}</span>
      </td>
      <td>
        <StatusBadge status={run.status} testId={`run-status-${run.id}`} run />
        {run.stuck && <span className="fc-stuck" title={run.stuck_reason}>stuck</span>}
        <SlaBadge state={run.sla_state} testId={`run-sla-${run.id}`} />
        {run.is_test && <span className="fc-test">test</span>}
      </td>
      <td className="fc-where" title={where || stuckNote}>
        {where || (stuckNote && (run.stuck_since ? <>stuck for <Since iso={run.stuck_since} /></> : "stuck"))}
      </td>
      <td><Ago iso={run.created_at} /></td>
      <td><Ago iso={run.updated_at} /></td>
    </tr>
  );
}
