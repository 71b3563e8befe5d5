/** Runs per status under the current filters (status itself aside); a click filters by that status. */
import type { StatusCounts as Counts } from "../../api/console";
import { RUN_STATUSES } from "../../api/runs";

export function StatusCounts({ counts, selected, onToggle }: { counts: Counts | null; selected: string[]; onToggle(status: string): void }) {
  return (
    <div className="fc-counts" aria-label="Runs per status" data-testid="status-counts">
      {RUN_STATUSES.map((status) => {
        const n = counts?.[status] ?? 0;
        const on = selected.includes(status);
        return (
          <button
            key={status}
            type="button"
            className={`fc-count fc-count--${status}`}
            aria-pressed={on}
            data-testid={`count-${status}`}
            onClick={() => onToggle(status)}
            title={on ? `Stop filtering by ${status}` : `Show only ${status} runs`}
          >
            <span className="fc-count__n">{counts ? n.toLocaleString() : "…"}</span> {status.replace(/_/g, " ")}
          </button>
        );
      })}
      <span className="fc-count fc-count--stuck" data-testid="count-stuck" title="Runs flagged stuck (no progress past their threshold)">
        <span className="fc-count__n">{counts ? (counts.stuck ?? 0).toLocaleString() : "…"}</span> stuck
      </span>
    </div>
  );
}
