/** Form widgets for the inspector. Every value is shown as text (inputs), never as HTML. */
import { useEffect, useId, useState, type ReactNode } from "react";
import type { Activity, JsonSchema } from "../api/definitions";
import { literalExpression, parseLiteral } from "../spec/expressions";
import { formatSeconds, retryDelays, retryPolicy, retryProblem, RETRY_DEFAULTS } from "../spec/retry";
import type { Mapping, RetryPolicy } from "../spec/types";

export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string | null; children: ReactNode }) {
  return (
    <label className="fd-field">
      <span className="fd-field__label">{label}</span>
      {children}
      {hint && <span className="fd-field__hint">{hint}</span>}
      {error && <span className="fd-field__error" role="alert">{error}</span>}
    </label>
  );
}

export function TextInput({ value, onChange, placeholder, ...rest }: { value: string | undefined; onChange(v: string): void; placeholder?: string; "aria-label"?: string; list?: string }) {
  return <input type="text" value={value ?? ""} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} {...rest} />;
}

/** A number input that lets people type freely and reports a number (or undefined when empty). */
export function NumberInput({ value, onChange, min, step, placeholder, ...rest }: { value: number | undefined; onChange(v: number | undefined): void; min?: number; step?: number; placeholder?: string; "aria-label"?: string }) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== "" ? t : value === undefined ? "" : String(value)));
  }, [value]);
  return (
    <input
      type="number"
      value={text}
      min={min}
      step={step ?? "any"}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === "") onChange(undefined);
        else if (Number.isFinite(Number(e.target.value))) onChange(Number(e.target.value));
      }}
      {...rest}
    />
  );
}

const UNITS: [string, number][] = [["seconds", 1], ["minutes", 60], ["hours", 3600], ["days", 86400]];

export function DurationInput({ seconds, onChange, label }: { seconds: number | undefined; onChange(v: number | undefined): void; label: string }) {
  const best = UNITS.slice().reverse().find(([, size]) => seconds !== undefined && seconds >= size && seconds % size === 0) ?? UNITS[0];
  const [unit, setUnit] = useState(best[1]);
  useEffect(() => setUnit(best[1]), [best]);
  return (
    <span className="fd-row">
      <NumberInput aria-label={label} value={seconds === undefined ? undefined : seconds / unit} min={0} onChange={(v) => onChange(v === undefined ? undefined : v * unit)} />
      <select aria-label={`${label} unit`} value={unit} onChange={(e) => setUnit(Number(e.target.value))}>
        {UNITS.map(([name, size]) => (
          <option key={name} value={size}>{name}</option>
        ))}
      </select>
    </span>
  );
}

export function ActivitySelect({ value, onChange, activities, label }: { value: string | undefined; onChange(v: string): void; activities: Activity[]; label: string }) {
  const known = activities.some((a) => a.name === value);
  return (
    <select aria-label={label} value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose an activity…</option>
      {value && !known && <option value={value}>{value} (not registered)</option>}
      {activities.map((a) => (
        <option key={a.name} value={a.name}>{a.name}</option>
      ))}
    </select>
  );
}

function schemaType(schema: JsonSchema | undefined): string | undefined {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== "null") : t;
}

/**
 * One expression, typed either as a plain value (stored as a jmespath literal)
 * or as an expression. The value editor follows the JSON Schema type when known.
 */
export function ExpressionInput({ value, onChange, suggestions, schema, label }: { value: string | undefined; onChange(v: string | undefined): void; suggestions: string[]; schema?: JsonSchema; label: string }) {
  const literal = value !== undefined ? parseLiteral(value) : null;
  const listId = useId();
  const [mode, setMode] = useState<"value" | "expression">(value === undefined || !literal ? (schemaType(schema) && value === undefined ? "value" : "expression") : "value");
  const type = schemaType(schema);
  const editor = () => {
    if (mode === "expression") {
      return <input type="text" aria-label={label} list={listId} value={value ?? ""} placeholder="e.g. input.order.id" onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} />;
    }
    const v = literal?.value;
    if (type === "boolean") {
      return (
        <select aria-label={label} value={v === true ? "true" : v === false ? "false" : ""} onChange={(e) => onChange(e.target.value === "" ? undefined : literalExpression(e.target.value === "true"))}>
          <option value="">(not set)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    }
    if (type === "number" || type === "integer") {
      return <NumberInput aria-label={label} value={typeof v === "number" ? v : undefined} onChange={(n) => onChange(n === undefined ? undefined : literalExpression(n))} />;
    }
    if (schema?.enum) {
      return (
        <select aria-label={label} value={v === undefined ? "" : JSON.stringify(v)} onChange={(e) => onChange(e.target.value === "" ? undefined : literalExpression(JSON.parse(e.target.value)))}>
          <option value="">(not set)</option>
          {schema.enum.map((opt) => (
            <option key={JSON.stringify(opt)} value={JSON.stringify(opt)}>{String(opt)}</option>
          ))}
        </select>
      );
    }
    return <input type="text" aria-label={label} value={typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v)} placeholder="a fixed value" onChange={(e) => onChange(literalExpression(e.target.value))} />;
  };
  return (
    <span className="fd-expr">
      <select className="fd-expr__mode" aria-label={`${label} mode`} value={mode} onChange={(e) => setMode(e.target.value as "value" | "expression")} title="A fixed value, or an expression over the run's input and earlier steps' outputs">
        <option value="value">value</option>
        <option value="expression">from</option>
      </select>
      {editor()}
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </span>
  );
}

/**
 * A mapping (docs/spec.md "Mappings"): the run's input (absent), one expression,
 * or named fields; the fields an activity's input JSON Schema declares come first.
 */
export function MappingEditor({ value, onChange, schema, suggestions, label, absentMeans }: { value: Mapping | undefined; onChange(v: Mapping | undefined): void; schema?: JsonSchema | null; suggestions: string[]; label: string; absentMeans: string }) {
  const mode = value === undefined ? "absent" : typeof value === "string" ? "whole" : "fields";
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const fields = typeof value === "object" ? value : {};
  const keys = [...Object.keys(props), ...Object.keys(fields).filter((k) => !(k in props))];
  const [newKey, setNewKey] = useState("");
  const setField = (k: string, v: Mapping | undefined) => {
    const next: Record<string, Mapping> = { ...fields };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <fieldset className="fd-mapping">
      <legend>{label}</legend>
      <select aria-label={`${label} kind`} value={mode} onChange={(e) => onChange(e.target.value === "absent" ? undefined : e.target.value === "whole" ? "input" : {})}>
        <option value="absent">{absentMeans}</option>
        <option value="fields">fields…</option>
        <option value="whole">one expression…</option>
      </select>
      {mode === "whole" && <ExpressionInput label={`${label} expression`} value={value as string} onChange={(v) => onChange(v ?? "input")} suggestions={suggestions} />}
      {mode === "fields" && (
        <div className="fd-mapping__rows">
          {keys.length === 0 && <p className="fd-muted">No fields yet.</p>}
          {keys.map((k) => {
            const v = fields[k];
            return (
              <div className="fd-mapping__row" key={k}>
                <span className="fd-mapping__key" title={props[k]?.description ?? ""}>
                  {k}
                  {required.has(k) && <abbr title="required">*</abbr>}
                  {props[k] && <span className="fd-muted"> {schemaType(props[k]) ?? ""}</span>}
                </span>
                {typeof v === "object" ? (
                  <textarea aria-label={`${label} ${k}`} defaultValue={JSON.stringify(v, null, 1)} onBlur={(e) => { try { setField(k, JSON.parse(e.target.value)); } catch { /* keep */ } }} />
                ) : (
                  <ExpressionInput label={`${label} ${k}`} value={v} schema={props[k]} suggestions={suggestions} onChange={(x) => setField(k, x)} />
                )}
                {v !== undefined && (
                  <button type="button" className="fd-icon-button" aria-label={`Remove ${k}`} title="Remove" onClick={() => setField(k, undefined)}>×</button>
                )}
              </div>
            );
          })}
          <div className="fd-row">
            <input type="text" aria-label={`${label} new field name`} placeholder="field name" value={newKey} onChange={(e) => setNewKey(e.target.value)} />
            <button type="button" disabled={!newKey.trim() || newKey in fields} onClick={() => { setField(newKey.trim(), "input"); setNewKey(""); }}>Add field</button>
          </div>
        </div>
      )}
    </fieldset>
  );
}

/** A retry policy (plain data) and a preview of the delays it produces. */
export function RetryEditor({ value, onChange, label = "Retry" }: { value: RetryPolicy | undefined; onChange(v: RetryPolicy | undefined): void; label?: string }) {
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
      </div>
    </fieldset>
  );
}
