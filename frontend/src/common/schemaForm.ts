/**
 * A form from a JSON Schema of an object (a human task's form): the fields it draws, their
 * starting values, and the checks the page makes before sending (the server checks again).
 * Supported: string, number, integer, boolean, enum, array of strings, nested object, required.
 * Errors are keyed by JSON pointer ("/amount", "/address/city"), as the server's are.
 */
import type { JsonSchema } from "../api/definitions";

export type FormValue = Record<string, unknown>;
export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "strings" | "object" | "json";

/** How a property is drawn. Anything else (arrays of objects, unions) is edited as JSON. */
export function fieldKind(schema: JsonSchema | undefined): FieldKind {
  if (!schema) return "json";
  if (Array.isArray(schema.enum)) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "array") return typeOf(schema.items) === "string" && !schema.items?.enum ? "strings" : "json";
  if (type === "object") return schema.properties ? "object" : "json";
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  return "json";
}

function typeOf(schema: JsonSchema | undefined): string | undefined {
  return Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
}

/** Starting values: each property's default, else nothing (a boolean starts false). */
export function initialValue(schema: JsonSchema): FormValue {
  const out: FormValue = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) out[name] = prop.default;
    else if (fieldKind(prop) === "boolean") out[name] = false;
    else if (fieldKind(prop) === "object") out[name] = initialValue(prop);
  }
  return out;
}

const ptr = (base: string, name: string) => `${base}/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;

function empty(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** The page's checks: required fields, types, enum, minimum/maximum. {pointer: message}. */
export function formProblems(schema: JsonSchema, value: FormValue, base = ""): Record<string, string> {
  const out: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const at = ptr(base, name);
    const v = value[name];
    if (empty(v)) {
      if (required.has(name)) out[at] = "Required";
      continue;
    }
    const kind = fieldKind(prop);
    if ((kind === "number" || kind === "integer") && (typeof v !== "number" || !Number.isFinite(v))) out[at] = "A number";
    else if (kind === "integer" && !Number.isInteger(v)) out[at] = "A whole number";
    else if (kind === "enum" && !(prop.enum ?? []).some((e) => e === v)) out[at] = "Choose one of the options";
    else if (kind === "object" && typeof v === "object" && !Array.isArray(v)) Object.assign(out, formProblems(prop, v as FormValue, at));
    if (typeof v === "number" && !out[at]) {
      if (prop.minimum !== undefined && v < prop.minimum) out[at] = `At least ${prop.minimum}`;
      if (prop.maximum !== undefined && v > prop.maximum) out[at] = `At most ${prop.maximum}`;
    }
  }
  for (const name of required) {
    if (!(schema.properties ?? {})[name] && empty(value[name])) out[ptr(base, name)] = "Required";
  }
  return out;
}

/** The value to send: empty optional fields left out (absent, not ""). */
export function formData(schema: JsonSchema, value: FormValue): FormValue {
  const out: FormValue = {};
  for (const [name, v] of Object.entries(value)) {
    const prop = schema.properties?.[name];
    if (empty(v)) continue;
    out[name] = prop && fieldKind(prop) === "object" && typeof v === "object" && v !== null ? formData(prop, v as FormValue) : v;
  }
  return out;
}

/** The server's field errors ({field, message}[]) by pointer; the rest as general messages. */
export function serverFieldErrors(errors: unknown): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const e of Array.isArray(errors) ? errors : []) {
    const item = e as { field?: unknown; message?: unknown };
    const message = String(item.message ?? "");
    if (typeof item.field === "string" && item.field.startsWith("/")) fields[item.field] = fields[item.field] ?? message;
    else other.push(message);
  }
  return { fields, other };
}
