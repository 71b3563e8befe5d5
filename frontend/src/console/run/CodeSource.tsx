/** A code run's header parts: which function (name and code version) runs it, and its source as text. */
import { isCodeSpec, type AnySpec } from "../../spec/code";

/** "code · place-order-code 2026-12-01"; nothing for a graph run. */
export function CodeBadge({ spec }: { spec: AnySpec }) {
  if (!isCodeSpec(spec)) return null;
  return (
    <span className="fc-code" data-testid="run-code-badge" title={spec.module ? `${spec.workflow} in ${spec.module}` : spec.workflow}>
      code · {spec.workflow} {spec.code_version}
    </span>
  );
}

/** The function's source, closed until asked for: plain text in a <pre>, never HTML. */
export function CodeSource({ spec }: { spec: AnySpec }) {
  if (!isCodeSpec(spec)) return null;
  return (
    <details className="fc-source" data-testid="run-source">
      <summary>Source{spec.module ? ` (${spec.module})` : ""}</summary>
      {spec.source ? <pre className="fd-source">{spec.source}</pre> : <p className="fd-muted">The source of this code version was not recorded.</p>}
    </details>
  );
}
