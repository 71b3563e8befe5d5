/**
 * A run's data or input as a tree of fields: edit one value (its type too), add or remove keys
 * and list items. Every value is rendered as text in inputs, never as markup.
 */
import { useEffect, useState } from "react";
import { showPath, type PathPart } from "./diff";
import { convert, getAt, kindOf, removeAt, setAt, type Json, type Kind } from "./tree";

const KINDS: Kind[] = ["string", "number", "boolean", "null", "object", "array"];

interface Props {
  value: Json;
  onChange(next: Json): void;
  /** Paths (as showPath writes them) that differ from the saved value: marked in the tree. */
  changed?: ReadonlySet<string>;
  /** What the root is called in labels ("data", "input"). */
  root: string;
}

export function JsonTreeEditor({ value, onChange, changed = new Set(), root }: Props) {
  return (
    <div className="fc-tree" role="tree" aria-label={`${root} fields`} data-testid="tree-editor">
      <Children value={value} path={[]} doc={value} onChange={onChange} changed={changed} root={root} />
    </div>
  );
}

interface NodeProps {
  value: Json;
  path: PathPart[];
  doc: Json;
  onChange(next: Json): void;
  changed: ReadonlySet<string>;
  root: string;
}

const label = (root: string, path: PathPart[]) => (path.length ? `${root}${typeof path[0] === "number" ? "" : "."}${showPath(path)}` : root);

function Children({ value, path, doc, onChange, changed, root }: NodeProps) {
  const entries: [PathPart, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value !== null && typeof value === "object"
      ? Object.entries(value)
      : [];
  return (
    <ul className="fc-tree__list" role="group">
      {entries.map(([key, child]) => (
        <Field key={String(key)} name={key} value={child} path={[...path, key]} doc={doc} onChange={onChange} changed={changed} root={root} />
      ))}
      <li className="fc-tree__add">
        {Array.isArray(value) ? (
          <button type="button" className="fd-link" onClick={() => onChange(setAt(doc, [...path, value.length], ""))} aria-label={`Add an item to ${label(root, path)}`}>
            + item
          </button>
        ) : (
          <AddKey existing={Object.keys((value as Record<string, Json>) ?? {})} where={label(root, path)} onAdd={(k) => onChange(setAt(doc, [...path, k], ""))} />
        )}
      </li>
    </ul>
  );
}

function AddKey({ existing, where, onAdd }: { existing: string[]; where: string; onAdd(key: string): void }) {
  const [key, setKey] = useState("");
  const taken = existing.includes(key);
  const add = () => {
    if (!key || taken) return;
    onAdd(key);
    setKey("");
  };
  return (
    <span className="fc-tree__addkey">
      <input
        aria-label={`New field in ${where}`}
        placeholder="new field"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
      <button type="button" className="fd-link" aria-label={`Add field to ${where}`} disabled={!key || taken} onClick={add} title={taken ? `${key} is already there` : undefined}>
        + field
      </button>
    </span>
  );
}

function Field({ name, value, path, doc, onChange, changed, root }: NodeProps & { name: PathPart }) {
  const kind = kindOf(value);
  const id = label(root, path);
  const isChanged = changed.has(showPath(path));
  return (
    <li className={`fc-tree__row${isChanged ? " is-changed" : ""}`} role="treeitem" aria-selected={false} data-testid={`field-${id}`}>
      <div className="fc-tree__line">
        <span className="fc-tree__key" title={id}>{typeof name === "number" ? `[${name}]` : name}</span>
        <select aria-label={`Type of ${id}`} value={kind} onChange={(e) => onChange(setAt(doc, path, convert(value, e.target.value as Kind)))}>
          {KINDS.map((k) => (
            <option key={k} value={k}>{k}</option>
          ))}
        </select>
        <Scalar kind={kind} value={value} id={id} onChange={(v) => onChange(setAt(doc, path, v))} />
        <button type="button" className="fd-icon-button" aria-label={`Remove ${id}`} title={`Remove ${id}`} onClick={() => onChange(removeAt(doc, path))}>
          ×
        </button>
      </div>
      {(kind === "object" || kind === "array") && (
        <Children value={getAt(doc, path) ?? null} path={path} doc={doc} onChange={onChange} changed={changed} root={root} />
      )}
    </li>
  );
}

function Scalar({ kind, value, id, onChange }: { kind: Kind; value: Json; id: string; onChange(v: Json): void }) {
  const [text, setText] = useState(kind === "number" ? String(value) : "");
  useEffect(() => {
    if (kind === "number" && Number(text) !== value) setText(String(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, kind]);
  if (kind === "string") {
    return <input className="fc-tree__value" aria-label={id} value={value as string} onChange={(e) => onChange(e.target.value)} />;
  }
  if (kind === "number") {
    const bad = text.trim() === "" || !Number.isFinite(Number(text));
    return (
      <input
        className={`fc-tree__value${bad ? " is-invalid" : ""}`}
        aria-label={id}
        aria-invalid={bad}
        inputMode="decimal"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== "" && Number.isFinite(n)) onChange(n);
        }}
      />
    );
  }
  if (kind === "boolean") {
    return (
      <select aria-label={id} value={String(value)} onChange={(e) => onChange(e.target.value === "true")}>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  if (kind === "null") return <span className="fd-muted">null</span>;
  const size = kind === "array" ? (value as Json[]).length : Object.keys(value as object).length;
  return <span className="fd-muted">{kind === "array" ? `${size} item${size === 1 ? "" : "s"}` : `${size} field${size === 1 ? "" : "s"}`}</span>;
}
