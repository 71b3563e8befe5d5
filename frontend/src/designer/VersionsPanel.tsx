/** Version history: every version with its status, run count and publish note; any opens read-only. */
import { Link } from "react-router";
import { useDesigner } from "./context";
import { when } from "../console/format";
import { versionLabel } from "../api/definitions";

export function VersionsPanel({ onClose }: { onClose(): void }) {
  const key = useDesigner((s) => s.key);
  const versions = useDesigner((s) => s.versions);
  const viewing = useDesigner((s) => s.viewing);
  const draftNumber = useDesigner((s) => s.draftNumber);
  return (
    <aside className="fd-drawer" aria-label="Version history">
      <header>
        <h2>Versions</h2>
        <button type="button" className="fd-icon-button" aria-label="Close" onClick={onClose}>×</button>
      </header>
      <ul className="fd-versions">
        {[...versions].sort((a, b) => b.number - a.number).map((v) => (
          <li key={v.number} className={viewing?.number === v.number ? "is-current" : ""}>
            <Link to={v.status === "draft" && !v.is_test ? `/designer/${key}` : `/designer/${key}?version=${v.number}`} data-testid={`version-${v.number}`}>
              {v.label ?? versionLabel(v.number)}
            </Link>{" "}
            <span className={`fd-chip fd-chip--${v.status}`}>{v.is_test ? "test" : v.status}</span>{" "}
            <span className="fd-muted">
              {v.run_count} run{v.run_count === 1 ? "" : "s"} · <span title={v.updated_at}>{when(v.updated_at)}</span>
              {v.published_by ? ` · published by ${v.published_by}` : v.created_by ? ` · by ${v.created_by}` : ""}
            </span>
            {v.status === "draft" && !v.is_test && v.number === draftNumber && !viewing && <span className="fd-muted"> (editing)</span>}
            {v.note && <span className="fd-version__note" data-testid={`version-note-${v.number}`}>{v.note}</span>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
