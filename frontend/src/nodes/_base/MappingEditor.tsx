/** A mapping (docs/spec.md "Mappings") edited as the run's input, one expression, or named fields. */
import { useState } from "react";
import type { JsonSchema } from "../../api/definitions";
import type { Mapping } from "../../spec/types";
import { ExpressionInput, schemaType } from "./ExpressionInput";

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
