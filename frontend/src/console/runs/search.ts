/**
 * The search box, read as the server reads it (engine/selectors/search.py): field terms
 * `path=value` on the run's input, and other words as a business-key prefix or run id.
 */

// One term: path="quoted value" or anything up to the next space.
const TERM = /\S*?="(?:[^"\\]|\\.)*"(?=\s|$)|\S+/g;

export interface SearchParts {
  /** Business-key prefix or run id (the whole text when there is no field term). */
  text?: string;
  /** path=value terms on the input. */
  fields: string[];
}

export function splitSearch(q: string | undefined): SearchParts {
  const text = (q ?? "").trim();
  if (!text) return { fields: [] };
  const terms = text.match(TERM) ?? [];
  if (!terms.some((t) => t.includes("="))) return { text, fields: [] };
  const words = terms.filter((t) => !t.includes("="));
  return { text: words.join(" ") || undefined, fields: terms.filter((t) => t.includes("=")) };
}

const EMAIL = /^[^\s@=]+@[^\s@=]+\.[^\s@=]+$/;

/** A hint when the text looks like an email but names no field: the box would look for a business key. */
export function searchHint(q: string | undefined): string | null {
  const text = (q ?? "").trim();
  if (!EMAIL.test(text)) return null;
  return `To find runs by an input field, name the field: e.g. customer.email=${text}`;
}

export const SEARCH_HELP =
  "A business key prefix or run id; or input fields as path=value, all of which must match: " +
  'customer.email=ann@example.com amount_cents=4990 items[].sku=SKU-MUG name="Ann Lee" ' +
  '(numbers, true, false and null are JSON values; a "quoted" value is a string).';
