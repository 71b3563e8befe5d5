/** Choice conditions built from fields, operators and values: no code typing required. */
import { useEffect, useId, useState } from "react";
import {
  changeOp,
  formatValue,
  groupChildren,
  groupMode,
  isGroup,
  isLeaf,
  isNot,
  makeGroup,
  newLeaf,
  opInfo,
  OPS,
  parseValue,
  valueKind,
  type Leaf,
  type ValueKind,
} from "../../spec/conditions";
import type { Condition } from "../../spec/types";

interface EditorProps {
  value: Condition;
  onChange(c: Condition): void;
  onRemove?: () => void;
  suggestions: string[];
  depth: number;
  label: string;
}

export function ConditionEditor(props: EditorProps) {
  const { value, onChange, depth } = props;
  if (isNot(value)) {
    return (
      <div className="fd-cond fd-cond--not">
        <div className="fd-row">
          <strong>NOT</strong>
          <button type="button" className="fd-link" onClick={() => onChange(value.not)}>remove NOT</button>
        </div>
        <ConditionEditor {...props} value={value.not} onChange={(c) => onChange({ not: c })} depth={depth + 1} />
      </div>
    );
  }
  if (isGroup(value)) return <GroupEditor {...props} value={value} />;
  if (isLeaf(value)) return <LeafEditor {...props} value={value} />;
  return <p className="fd-field__error">Unrecognised condition</p>;
}

function GroupEditor({ value, onChange, onRemove, suggestions, depth, label }: EditorProps & { value: Condition & ({ all: Condition[] } | { any: Condition[] }) }) {
  const mode = groupMode(value);
  const kids = groupChildren(value);
  const setKids = (next: Condition[]) => onChange(makeGroup(mode, next));
  return (
    <div className="fd-cond fd-cond--group">
      <div className="fd-row">
        <span>Match</span>
        <select aria-label={`${label} match`} value={mode} onChange={(e) => onChange(makeGroup(e.target.value as "all" | "any", kids))}>
          <option value="all">all of</option>
          <option value="any">any of</option>
        </select>
        <span>these</span>
        <button type="button" className="fd-link" onClick={() => onChange({ not: value })}>negate</button>
        {onRemove && <button type="button" className="fd-icon-button" aria-label={`Remove ${label}`} onClick={onRemove}>×</button>}
      </div>
      {kids.map((kid, i) => (
        <ConditionEditor
          key={i}
          value={kid}
          label={`${label}.${i + 1}`}
          suggestions={suggestions}
          depth={depth + 1}
          onChange={(c) => setKids(kids.map((k, j) => (j === i ? c : k)))}
          onRemove={() => {
            const rest = kids.filter((_, j) => j !== i);
            if (rest.length === 1 && depth === 0) onChange(rest[0]);
            else setKids(rest);
          }}
        />
      ))}
      <div className="fd-row">
        <button type="button" onClick={() => setKids([...kids, newLeaf()])}>+ condition</button>
        {depth < 8 && <button type="button" onClick={() => setKids([...kids, makeGroup(mode === "all" ? "any" : "all", [newLeaf()])])}>+ group</button>}
      </div>
    </div>
  );
}

function LeafEditor({ value, onChange, onRemove, suggestions, depth, label }: EditorProps & { value: Leaf }) {
  const info = opInfo(value.op);
  const listId = useId();
  const kinds = info?.kinds ?? ["json"];
  const [kind, setKind] = useState<ValueKind>(kinds.includes(valueKind(value.value)) ? valueKind(value.value) : kinds[0] ?? "text");
  const [text, setText] = useState(formatValue(value.value, kind));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // A unary operator ("is present") has no value: nothing to keep in step.
    if (!kinds.length) return;
    const k = kinds.includes(kind) ? kind : kinds[0];
    if (k !== kind) setKind(k);
    // Keep the text when it still means the stored value (typing "1." stays "1.").
    const parsed = parseValue(text, k);
    if (!parsed.ok || JSON.stringify(parsed.value) !== JSON.stringify(value.value)) setText(formatValue(value.value, k));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value.value, value.op]);
  const commit = (t: string, k: ValueKind) => {
    setText(t);
    const parsed = parseValue(t, k);
    if (parsed.ok) {
      setError(null);
      onChange({ ...value, value: parsed.value });
    } else setError(parsed.error);
  };
  return (
    <div className="fd-cond fd-cond--leaf">
      <input type="text" aria-label={`${label} field`} list={listId} placeholder="field, e.g. input.amount" value={value.field} onChange={(e) => onChange({ ...value, field: e.target.value })} />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <select aria-label={`${label} operator`} value={value.op} onChange={(e) => onChange(changeOp(value, e.target.value))}>
        {OPS.map((o) => (
          <option key={o.op} value={o.op}>{o.label}</option>
        ))}
      </select>
      {info && !info.unary && (
        <>
          {kinds.length > 1 && (
            <select aria-label={`${label} value type`} value={kind} onChange={(e) => { const k = e.target.value as ValueKind; setKind(k); commit(k === "boolean" ? "true" : text, k); }}>
              {kinds.map((k) => (
                <option key={k} value={k}>{k}</option>
              ))}
            </select>
          )}
          {kind === "boolean" ? (
            <select aria-label={`${label} value`} value={text} onChange={(e) => commit(e.target.value, kind)}>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <input
              type={kind === "number" ? "number" : "text"}
              aria-label={`${label} value`}
              placeholder={kind === "list" ? "a, b, c" : kind === "json" ? '{"a": 1}' : "value"}
              value={text}
              onChange={(e) => commit(e.target.value, kind)}
            />
          )}
        </>
      )}
      {depth === 0 && (
        <button type="button" className="fd-link" onClick={() => onChange(makeGroup("all", [value, newLeaf()]))}>and…</button>
      )}
      {depth === 0 && (
        <button type="button" className="fd-link" onClick={() => onChange(makeGroup("any", [value, newLeaf()]))}>or…</button>
      )}
      <button type="button" className="fd-link" onClick={() => onChange({ not: value })}>negate</button>
      {onRemove && <button type="button" className="fd-icon-button" aria-label={`Remove ${label}`} onClick={onRemove}>×</button>}
      {error && <span className="fd-field__error" role="alert">{error}</span>}
    </div>
  );
}
