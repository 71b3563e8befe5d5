/** Pure edits of a JSON value at a path, for the per-field editor: read, set, remove, add. */
import type { PathPart } from "./diff";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Kind = "string" | "number" | "boolean" | "null" | "object" | "array";

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : (typeof v as Kind);
}

export function getAt(value: Json, path: PathPart[]): Json | undefined {
  let at: Json | undefined = value;
  for (const part of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = Array.isArray(at) ? at[part as number] : (at as Record<string, Json>)[part as string];
  }
  return at;
}

/** A copy of `value` with `path` set to `next` (each object and list on the way copied, key order kept). */
export function setAt(value: Json, path: PathPart[], next: Json): Json {
  if (!path.length) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = value.slice();
    copy[head as number] = setAt(copy[head as number] ?? null, rest, next);
    return copy;
  }
  const obj = value !== null && typeof value === "object" ? value : {};
  return { ...obj, [head as string]: setAt((obj as Record<string, Json>)[head as string] ?? null, rest, next) };
}

/** A copy of `value` without `path` (a list's later items move up). */
export function removeAt(value: Json, path: PathPart[]): Json {
  if (!path.length) return value;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = getAt(value, parentPath);
  if (Array.isArray(parent)) return setAt(value, parentPath, parent.filter((_, i) => i !== last));
  if (parent && typeof parent === "object") {
    const copy = { ...(parent as Record<string, Json>) };
    delete copy[last as string];
    return setAt(value, parentPath, copy);
  }
  return value;
}

/** The value a field of `kind` starts with, keeping what converts (the text "12" as a number is 12). */
export function convert(current: Json, kind: Kind): Json {
  switch (kind) {
    case "string":
      return current === null ? "" : typeof current === "object" ? JSON.stringify(current) : String(current);
    case "number": {
      const n = typeof current === "number" ? current : Number(current);
      return Number.isFinite(n) ? n : 0;
    }
    case "boolean":
      return current === true || current === "true";
    case "null":
      return null;
    case "object":
      return current !== null && typeof current === "object" && !Array.isArray(current) ? current : {};
    case "array":
      return Array.isArray(current) ? current : [];
  }
}
