/** Whether the page is receiving live updates. */
import { useEffect, useState } from "react";
import type { SocketState } from "../../api/socket";

const TEXT: Record<SocketState, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  closed: "not live",
  refused: "live updates refused",
};

export function LiveBadge({ state }: { state: SocketState }) {
  return (
    <span className={`fc-live fc-live--${state}`} role="status" data-testid="live-state" data-state={state}
      title={state === "live" ? "Changes appear as they happen" : "Changes made meanwhile are fetched on reconnect"}>
      <span className="fc-live__dot" aria-hidden="true" /> {TEXT[state]}
    </span>
  );
}

/** Re-render every `ms` (relative times stay true). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}
