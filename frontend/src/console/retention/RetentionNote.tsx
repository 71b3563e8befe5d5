/**
 * One line on the runs page: how long runs are kept after they end (docs/operating-retention.md),
 * for the definition the list is filtered by, else the default and how many definitions differ.
 */
import { useEffect, useState } from "react";
import { getRetention, type Retention } from "../../api/retention";

const days = (n: number) => (n === 1 ? "1 day" : `${n} days`);

function kept(n: number, archived: boolean): string {
  if (n === 0) return "kept forever";
  return `kept ${days(n)} after they end, then ${archived ? "archived and deleted" : "deleted"}`;
}

/** The sentence, or null while nothing is known (an unknown definition says nothing). */
export function retentionText(retention: Retention | null, definition?: string): string | null {
  if (!retention) return null;
  if (definition) {
    const own = retention.definitions.find((d) => d.key === definition);
    return own ? `Runs of ${own.key} are ${kept(own.kept_days, retention.archived)}.` : null;
  }
  const differ = retention.definitions.filter((d) => d.kept_days !== retention.default_days).length;
  const others = differ ? ` (${differ === 1 ? "1 definition keeps its own" : `${differ} definitions keep their own`})` : "";
  return `Runs are ${kept(retention.default_days, retention.archived)}${others}.`;
}

export function RetentionNote({ definition }: { definition?: string }) {
  const [retention, setRetention] = useState<Retention | null>(null);
  useEffect(() => {
    getRetention().then(setRetention, () => setRetention(null));
  }, []);
  const text = retentionText(retention, definition);
  if (!text) return null;
  return (
    <p className="fd-muted fc-retention" data-testid="retention-note">
      {text}
    </p>
  );
}
