/** Times and durations the way an operator reads them. */

/** "42s", "3m05s", "2h07m", "3d04h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/** "in 12s" or "3m05s ago" relative to `now`. */
export function relative(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = t - now;
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Where and how times are shown: the browser's locale and time zone unless told (tests pin both). */
export interface TimeStyle {
  locale?: string;
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: TimeStyle, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([style.locale ?? "", style.timeZone ?? "", options]);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(style.locale, { ...options, timeZone: style.timeZone });
    formatters.set(key, f);
  }
  return f;
}

/** "2026-12-01" in the style's time zone: which calendar day an instant falls on. */
function day(t: number, style: TimeStyle): string {
  return formatter({ locale: "en-CA", timeZone: style.timeZone }, { year: "numeric", month: "2-digit", day: "2-digit" }).format(t);
}

/**
 * A timestamp for people: "14:03:10" today, "1 Dec 14:03" on another day this
 * year, "1 Dec 2025 14:03" before (day and month in the locale's order).
 * Put the full ISO in a title next to it (see `Time`).
 */
export function when(iso: string | null | undefined, now = Date.now(), style: TimeStyle = {}): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  if (day(t, style) === day(now, style)) {
    return formatter(style, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(t);
  }
  const sameYear = day(t, style).slice(0, 4) === day(now, style).slice(0, 4);
  const date = formatter(style, sameYear ? { day: "numeric", month: "short" } : { day: "numeric", month: "short", year: "numeric" }).format(t);
  const time = formatter(style, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(t);
  return `${date} ${time}`;
}

/** Local "08:31:55.123": event times, where the order within a second matters. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "for 2m03s" since `iso` (empty when unknown). */
export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : duration(now - t);
}

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;

/** A server sentence with its ISO times made readable: "... retry at 08:31:55 (in 12s) ...". */
export function humanizeTimes(text: string, now = Date.now(), style: TimeStyle = {}): string {
  return text.replace(ISO, (iso) => {
    if (Number.isNaN(Date.parse(iso))) return iso;
    return `${when(iso, now, style)} (${relative(iso, now)})`;
  });
}

/** Pretty JSON for display (always text, never markup). */
export function json(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
