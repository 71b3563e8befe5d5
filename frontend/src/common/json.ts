/** Reading JSON the user typed: a clear sentence for what is wrong, never a thrown SyntaxError. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "string" ? "a string" : typeof v);

/** `text` as a JSON object (`{...}`); empty text is the empty object. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  if (!text.trim()) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `The input is not valid JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: `The input must be a JSON object, like {"order_id": 42}, not ${kind(value)}.` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
