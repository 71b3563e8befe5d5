/**
 * The inspector's basic widgets, shared by every node type's Inspector.tsx:
 * a labelled field, text, number, duration and activity inputs. Every value is
 * shown as text (inputs), never as HTML.
 */
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Activity } from "../../api/definitions";

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

function bestUnit(seconds: number | undefined): number {
  return (UNITS.slice().reverse().find(([, size]) => seconds !== undefined && seconds >= size && seconds % size === 0) ?? UNITS[0])[1];
}

/**
 * Seconds, typed in a unit. The number typed is what counts: choosing another unit keeps the
 * number and changes what it means (5, then "seconds", is 5 s), and the unit never changes
 * under the typing (120 minutes stays 120 minutes). The unit is chosen afresh only when the
 * value changes from elsewhere (another node, undo).
 */
export function DurationInput({ seconds, onChange, label }: { seconds: number | undefined; onChange(v: number | undefined): void; label: string }) {
  const [unit, setUnit] = useState(() => bestUnit(seconds));
  const emitted = useRef(seconds);
  useEffect(() => {
    if (seconds !== emitted.current) {
      emitted.current = seconds;
      setUnit(bestUnit(seconds));
    }
  }, [seconds]);
  const shown = seconds === undefined ? undefined : seconds / unit;
  const emit = (value: number | undefined) => {
    emitted.current = value;
    onChange(value);
  };
  return (
    <span className="fd-row">
      <NumberInput aria-label={label} value={shown} min={0} onChange={(v) => emit(v === undefined ? undefined : v * unit)} />
      <select
        aria-label={`${label} unit`}
        value={unit}
        onChange={(e) => {
          const next = Number(e.target.value);
          setUnit(next);
          if (shown !== undefined) emit(shown * next);
        }}
      >
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

/** A fieldset whose fields exist only while its checkbox is on (compensation, callback). */
export function OptionalSection({ className, legend, label, ariaLabel, on, onToggle, hint, children }: {
  className: string; legend: string; label: ReactNode; ariaLabel?: string; on: boolean; onToggle(on: boolean): void; hint?: ReactNode; children: ReactNode;
}) {
  return (
    <fieldset className={className}>
      <legend>{legend}</legend>
      <label className="fd-check">
        <input type="checkbox" aria-label={ariaLabel} checked={on} onChange={(e) => onToggle(e.target.checked)} />
        {label}
      </label>
      {hint && <p className="fd-field__hint">{hint}</p>}
      {on && children}
    </fieldset>
  );
}
