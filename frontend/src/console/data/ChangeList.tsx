/** An edit as the paths it changed, one line each (text only). */
import { changeLine, type Change } from "./diff";

export function ChangeList({ prefix, changes, truncated, testId = "edit-diff" }: { prefix: string; changes: Change[]; truncated?: boolean; testId?: string }) {
  if (!changes.length) return <p className="fd-muted" data-testid={testId}>Nothing changed.</p>;
  return (
    <ul className="fc-diff" data-testid={testId} aria-label="Changes">
      {changes.map((c, i) => (
        <li key={`${c.path}:${i}`} className={`fc-diff__line fc-diff__line--${c.op}`} data-op={c.op} data-path={c.path}>
          {changeLine(prefix, c)}
        </li>
      ))}
      {truncated && <li className="fd-muted">… and more (the full before and after are kept)</li>}
    </ul>
  );
}
