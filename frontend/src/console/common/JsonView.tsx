/** JSON shown as text in a <pre>: run data, step input and output, payloads. Never markup. */
import { json } from "../format";

export function JsonView({ value, label, testId, empty = "—" }: { value: unknown; label?: string; testId?: string; empty?: string }) {
  const text = value === undefined || value === null ? "" : json(value);
  return (
    <pre className="fc-json" aria-label={label} data-testid={testId}>
      {text || empty}
    </pre>
  );
}
