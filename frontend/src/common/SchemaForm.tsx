/**
 * Draws a form from a JSON Schema of an object (see schemaForm.ts for what it supports). Every
 * label, description and value is rendered as text. Errors are keyed by JSON pointer.
 */
import { useState } from "react";
import type { JsonSchema } from "../api/definitions";
import { fieldKind, type FormValue } from "./schemaForm";

interface Props {
  schema: JsonSchema;
  value: FormValue;
  onChange(value: FormValue): void;
  errors: Record<string, string>;
  disabled?: boolean;
  /** The pointer of this (nested) object: "" for the form itself. */
  base?: string;
  idPrefix?: string;
}

export function SchemaForm({ schema, value, onChange, errors, disabled, base = "", idPrefix = "sf" }: Props) {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  if (!entries.length && !base) return <p className="fd-muted">This task asks for no data.</p>;
  return (
    <div className="fd-schema-form">
      {entries.map(([name, prop]) => {
        const at = `${base}/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        const id = `${idPrefix}${at.replace(/[^A-Za-z0-9_-]/g, "_")}`;
        const set = (v: unknown) => {
          const next = { ...value };
          if (v === undefined) delete next[name];
          else next[name] = v;
          onChange(next);
        };
        const label = prop.title || name;
        const error = errors[at];
        const kind = fieldKind(prop);
        if (kind === "object") {
          return (
            <fieldset key={name} className="fd-schema-form__object">
              <legend>{label}{required.has(name) && <span aria-hidden="true"> *</span>}</legend>
              {prop.description && <p className="fd-field__hint">{prop.description}</p>}
              <SchemaForm schema={prop} value={(value[name] as FormValue) ?? {}} onChange={set} errors={errors} disabled={disabled} base={at} idPrefix={idPrefix} />
            </fieldset>
          );
        }
        return (
          <div key={name} className="fd-field" data-field={at}>
            <label className="fd-field__label" htmlFor={id}>
              {label}
              {required.has(name) && <span aria-hidden="true"> *</span>}
            </label>
            <Input id={id} kind={kind} schema={prop} value={value[name]} onChange={set} disabled={disabled} label={label} invalid={!!error} />
            {prop.description && <span className="fd-field__hint">{prop.description}</span>}
            {error && <span className="fd-field__error" role="alert" data-testid={`error-${at}`}>{error}</span>}
          </div>
        );
      })}
    </div>
  );
}

function Input({ id, kind, schema, value, onChange, disabled, label, invalid }: {
  id: string; kind: string; schema: JsonSchema; value: unknown; onChange(v: unknown): void; disabled?: boolean; label: string; invalid: boolean;
}) {
  const common = { id, disabled, "aria-invalid": invalid || undefined, "aria-label": label };
  switch (kind) {
    case "boolean":
      return <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
    case "enum": {
      const options = schema.enum ?? [];
      const index = options.findIndex((o) => o === value);
      return (
        <select {...common} value={index < 0 ? "" : String(index)} onChange={(e) => onChange(e.target.value === "" ? undefined : options[Number(e.target.value)])}>
          <option value="">Choose…</option>
          {options.map((o, i) => <option key={i} value={String(i)}>{typeof o === "string" ? o : JSON.stringify(o)}</option>)}
        </select>
      );
    }
    case "number":
    case "integer":
      return <NumberField common={common} value={value} onChange={onChange} integer={kind === "integer"} />;
    case "strings":
      return (
        <textarea {...common} rows={3} placeholder="One per line" value={Array.isArray(value) ? value.join("\n") : ""}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value.split("\n"))} />
      );
    case "json":
      return <JsonField common={common} value={value} onChange={onChange} />;
    default:
      return (schema as { maxLength?: number }).maxLength !== undefined && (schema as { maxLength: number }).maxLength <= 200
        ? <input type="text" {...common} value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value)} />
        : <textarea {...common} rows={2} value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value)} />;
  }
}

type Common = { id: string; disabled?: boolean; "aria-invalid"?: boolean; "aria-label": string };

/** Typed freely; reports a number, undefined when empty, or the text itself when it is not one (the check says so). */
function NumberField({ common, value, onChange, integer }: { common: Common; value: unknown; onChange(v: unknown): void; integer: boolean }) {
  const [text, setText] = useState(value === undefined || value === null ? "" : String(value));
  return (
    <input type="number" step={integer ? 1 : "any"} {...common} value={text}
      onChange={(e) => {
        setText(e.target.value);
        const t = e.target.value.trim();
        onChange(t === "" ? undefined : Number.isFinite(Number(t)) ? Number(t) : t);
      }} />
  );
}

function JsonField({ common, value, onChange }: { common: Common; value: unknown; onChange(v: unknown): void }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  return (
    <textarea {...common} rows={3} className="fd-mono" placeholder="JSON" value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          onChange(e.target.value.trim() === "" ? undefined : JSON.parse(e.target.value));
        } catch {
          onChange(e.target.value);
        }
      }} />
  );
}
