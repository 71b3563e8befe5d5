/**
 * An edit of a run's data or input as the paths it changed (`data.charge.amount: 100 -> 120`),
 * the same walk as the server's (engine/jsonpaths.py diff): objects and lists are walked, other
 * values compared; 1 and 1.0 are the same number, true is not 1.
 */

export type PathPart = string | number;

export interface Change {
  path: string;
  op: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** Keys and list indexes as one readable path: `charge.amount`, `items[0].qty`, `["a.b"]`. */
export function showPath(parts: PathPart[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else if (PLAIN_KEY.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a !== typeof b || a === null || b === null) return a === b;
  if (typeof a === "object") return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

export const MAX_CHANGES = 200;

/** What changed from `before` to `after`, one entry per path, at most `limit`. */
export function diffPaths(before: unknown, after: unknown, limit = MAX_CHANGES): { changes: Change[]; truncated: boolean } {
  const changes: Change[] = [];
  const walk = (a: unknown, b: unknown, parts: PathPart[]) => {
    if (changes.length > limit) return;
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        if (!(key in b)) changes.push({ path: showPath([...parts, key]), op: "removed", before: a[key] });
        else walk(a[key], b[key], [...parts, key]);
      }
      for (const key of Object.keys(b)) if (!(key in a)) changes.push({ path: showPath([...parts, key]), op: "added", after: b[key] });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= b.length) changes.push({ path: showPath([...parts, i]), op: "removed", before: a[i] });
        else if (i >= a.length) changes.push({ path: showPath([...parts, i]), op: "added", after: b[i] });
        else walk(a[i], b[i], [...parts, i]);
      }
      return;
    }
    if (!same(a, b)) changes.push({ path: showPath(parts) || "(the whole value)", op: "changed", before: a, after: b });
  };
  walk(before, after, []);
  return { changes: changes.slice(0, limit), truncated: changes.length > limit };
}

/** A value in one line, shortened: `"ann@example.com"`, `120`, `{"qty":3}`. */
export function shortValue(value: unknown, max = 60): string {
  const text = value === undefined ? "—" : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `data.charge.amount: 100 -> 120`, `data.note: removed ("x")`, `data.new: added {"a":1}`. */
export function changeLine(prefix: string, c: Change): string {
  const path = c.path === "(the whole value)" ? prefix : c.path.startsWith("[") ? `${prefix}${c.path}` : `${prefix}.${c.path}`;
  if (c.op === "added") return `${path}: added ${shortValue(c.after)}`;
  if (c.op === "removed") return `${path}: removed (was ${shortValue(c.before)})`;
  return `${path}: ${shortValue(c.before)} -> ${shortValue(c.after)}`;
}

/**
 * The changes an edit event records: `changes` when the server listed them (operator.input_edited),
 * else computed from its before and after (operator.data_edited).
 */
export function eventChanges(payload: Record<string, unknown>): { changes: Change[]; truncated: boolean } {
  if (Array.isArray(payload.changes)) return { changes: payload.changes as Change[], truncated: !!payload.truncated };
  return diffPaths(payload.before ?? {}, payload.after ?? {});
}

/** One line for the timeline: "run data edited: data.charge.amount: 100 -> 120 (and 2 more)". */
export function describeEdit(what: "data" | "input", payload: Record<string, unknown>): string {
  const { changes, truncated } = eventChanges(payload);
  const head = what === "data" ? "run data edited" : "run input corrected";
  if (!changes.length) return `${head}: nothing changed`;
  const more = changes.length - 1 + (truncated ? 1 : 0);
  return `${head}: ${changeLine(what, changes[0])}${more > 0 ? ` (and ${changes.length - 1}${truncated ? "+" : ""} more)` : ""}`;
}
