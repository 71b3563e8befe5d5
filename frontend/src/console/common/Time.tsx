/**
 * Times on screen: a timestamp for people with its full ISO in a title, and
 * live durations ("3s ago", "for 2m03s") that tick every second from the
 * server's timestamps, never frozen at the moment a sentence was written.
 */
import { useSyncExternalStore } from "react";
import { relative, since, when } from "../format";

// One ticker for every live time on the page, running only while one is shown.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: number | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    now = Date.now();
    timer = window.setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (!listeners.size) window.clearInterval(timer);
  };
}

/** Now, re-rendering the caller every second. */
export function useClock(): number {
  return useSyncExternalStore(subscribe, () => now, () => now);
}

/** "14:03:10" (today) or "1 Dec 14:03", the ISO in its title. */
export function Time({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={iso} data-testid={testId}>
      {when(iso)}
    </time>
  );
}

/** "3s ago" / "in 12s", live. */
export function Ago({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  const t = useClock();
  if (!iso) return null;
  return (
    <time dateTime={iso} title={iso} data-testid={testId}>
      {relative(iso, t)}
    </time>
  );
}

/** "2m03s": how long since `iso`, live. */
export function Since({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  const t = useClock();
  if (!iso) return null;
  return (
    <span title={`since ${iso}`} data-testid={testId}>
      {since(iso, t)}
    </span>
  );
}
