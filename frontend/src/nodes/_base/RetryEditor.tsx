/** A retry policy (docs/spec.md "Retry policy"): plain data, with a preview of the delays it produces. */
import { formatSeconds, retryDelays, retryPolicy, retryProblem, RETRY_DEFAULTS } from "../../spec/retry";
import type { FinalError } from "../../api/definitions";
import type { RetryPolicy } from "../../spec/types";
import { Field, NumberInput } from "./fields";

/** A retry policy (plain data) and a preview of the delays it produces. */
/**
 * ``finalErrors``: what the engine never retries for this node type, whatever the policy (from
 * GET /api/node-types/), shown beside the policy's own non-retryable errors so the preview
 * promises only the attempts the engine makes.
 */
export function RetryEditor({ value, onChange, label = "Retry", finalErrors = [] }: { value: RetryPolicy | undefined; onChange(v: RetryPolicy | undefined): void; label?: string; finalErrors?: FinalError[] }) {
  const p = retryPolicy(value);
  const set = (patch: Partial<RetryPolicy>) => {
    const next: RetryPolicy = { ...(value ?? {}), ...patch };
    for (const k of Object.keys(next) as (keyof RetryPolicy)[]) if (next[k] === undefined) delete next[k];
    onChange(Object.keys(next).length ? next : undefined);
  };
  const delays = retryDelays(value, 8);
  const problem = retryProblem(value);
  const worst = retryDelays(value, 1000).reduce((t, d) => t + d.max, 0);
  return (
    <fieldset className="fd-retry">
      <legend>{label}</legend>
      <div className="fd-grid2">
        <Field label="Attempts in total">
          <NumberInput aria-label={`${label} max attempts`} value={value?.max_attempts} placeholder={String(RETRY_DEFAULTS.max_attempts)} min={1} step={1} onChange={(v) => set({ max_attempts: v })} />
        </Field>
        <Field label="First delay (s)">
          <NumberInput aria-label={`${label} initial interval`} value={value?.initial_interval} placeholder={String(RETRY_DEFAULTS.initial_interval)} min={0} onChange={(v) => set({ initial_interval: v })} />
        </Field>
        <Field label="Backoff ×">
          <NumberInput aria-label={`${label} backoff coefficient`} value={value?.backoff_coefficient} placeholder={String(RETRY_DEFAULTS.backoff_coefficient)} min={1} onChange={(v) => set({ backoff_coefficient: v })} />
        </Field>
        <Field label="Longest delay (s)">
          <NumberInput aria-label={`${label} max interval`} value={value?.max_interval} placeholder={String(RETRY_DEFAULTS.max_interval)} min={0} onChange={(v) => set({ max_interval: v })} />
        </Field>
        <Field label="Jitter (0–1)">
          <NumberInput aria-label={`${label} jitter`} value={value?.jitter} placeholder={String(RETRY_DEFAULTS.jitter)} min={0} step={0.05} onChange={(v) => set({ jitter: v })} />
        </Field>
        <Field label="Don't retry errors">
          <input
            type="text"
            aria-label={`${label} non-retryable errors`}
            placeholder="CardDeclined, …"
            defaultValue={(value?.non_retryable_errors ?? []).join(", ")}
            onBlur={(e) => {
              const list = e.target.value.split(",").map((x) => x.trim()).filter(Boolean);
              set({ non_retryable_errors: list.length ? [...new Set(list)] : undefined });
            }}
          />
        </Field>
      </div>
      {problem && <p className="fd-field__error" role="alert">{problem}</p>}
      <div className="fd-retry__preview" data-testid="retry-preview" aria-label={`${label} preview`}>
        {p.max_attempts <= 1 ? (
          <span>No retries: the first failure fails the step.</span>
        ) : (
          <>
            <span>
              {p.max_attempts} attempts; waits before retries:{" "}
              {delays.map((d) => formatSeconds(d.base)).join(", ")}
              {p.max_attempts - 1 > delays.length ? ", …" : ""}
            </span>
            <span className="fd-muted">
              {" "}(±{Math.round(p.jitter * 100)}% jitter; at most {formatSeconds(worst)} waiting in total)
            </span>
          </>
        )}
        {p.max_attempts > 1 && (p.non_retryable_errors.length > 0 || finalErrors.length > 0) && (
          <ul className="fd-retry__final" aria-label={`${label} never retried`}>
            <li>Fails at once, without retrying:</li>
            {p.non_retryable_errors.map((t) => (
              <li key={`own-${t}`}><code>{t}</code> (this policy)</li>
            ))}
            {finalErrors.filter((e) => !p.non_retryable_errors.includes(e.type)).map((e) => (
              <li key={e.type}><code>{e.type}</code>: {e.why}</li>
            ))}
          </ul>
        )}
      </div>
    </fieldset>
  );
}
