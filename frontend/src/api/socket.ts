/**
 * Websockets that come back: reconnect with capped, jittered backoff; ping to
 * notice a dead connection; a run's stream resumes after the last seq it
 * delivered, so a server restart loses nothing and repeats nothing.
 */
import type { RunSummary } from "./console";
import type { RunEvent } from "./runs";

export type SocketState = "connecting" | "live" | "reconnecting" | "closed" | "refused";

export interface Backoff {
  initialMs: number;
  maxMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 15_000 };
const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 10_000;
/** Close codes the consumers use for "do not come back": not logged in, no role, no such run. */
const PERMANENT = new Set([4401, 4403, 4404]);

/** The wait before reconnect attempt `failures` (1, 2, ...): doubling, capped, +/- 20%. */
export function backoffDelay(failures: number, backoff: Backoff = DEFAULT_BACKOFF, random = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface Connection {
  send(message: unknown): void;
  close(): void;
}

interface Handlers {
  /** The socket's URL path and query, asked before every (re)connect. */
  path(): string;
  onMessage(data: Record<string, unknown>, send: (m: unknown) => void): void;
  onOpen?(reconnected: boolean, send: (m: unknown) => void): void;
  onState?(state: SocketState, detail?: { code?: number; retryInMs?: number }): void;
}

export function reconnecting(handlers: Handlers, backoff: Backoff = DEFAULT_BACKOFF): Connection {
  let socket: WebSocket | null = null;
  let closed = false;
  let failures = 0;
  let opened = false;
  let retryTimer: number | undefined;
  let pingTimer: number | undefined;
  let pongTimer: number | undefined;

  const send = (message: unknown) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const stopTimers = () => {
    window.clearInterval(pingTimer);
    window.clearTimeout(pongTimer);
  };

  const connect = () => {
    if (closed) return;
    handlers.onState?.(opened ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${handlers.path()}`);
    socket = ws;
    ws.onopen = () => {
      const again = opened;
      opened = true;
      failures = 0;
      handlers.onState?.("live");
      handlers.onOpen?.(again, send);
      pingTimer = window.setInterval(() => {
        send({ type: "ping" });
        window.clearTimeout(pongTimer);
        pongTimer = window.setTimeout(() => ws.close(), PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    };
    ws.onmessage = (message) => {
      let data: unknown;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (!data || typeof data !== "object") return;
      if ((data as { type?: string }).type === "pong") {
        window.clearTimeout(pongTimer);
        return;
      }
      handlers.onMessage(data as Record<string, unknown>, send);
    };
    ws.onclose = (event) => {
      stopTimers();
      if (socket !== ws || closed) return;
      socket = null;
      if (PERMANENT.has(event.code)) {
        handlers.onState?.("refused", { code: event.code });
        return;
      }
      failures += 1;
      const wait = backoffDelay(failures, backoff);
      handlers.onState?.("reconnecting", { retryInMs: wait });
      retryTimer = window.setTimeout(connect, wait);
    };
  };
  connect();

  return {
    send,
    close() {
      closed = true;
      stopTimers();
      window.clearTimeout(retryTimer);
      socket?.close();
      socket = null;
      handlers.onState?.("closed");
    },
  };
}

/**
 * A run's events, in seq order, each once: everything after `afterSeq` first,
 * then live. Every reconnect asks for what came after the last seq delivered;
 * a gap (never expected from the server) is answered with a resume.
 */
export function followRunEvents(
  runId: string,
  afterSeq: number,
  onEvents: (events: RunEvent[]) => void,
  onState?: Handlers["onState"],
): Connection {
  let lastSeq = afterSeq;
  return reconnecting({
    path: () => `/ws/runs/${encodeURIComponent(runId)}/?after_seq=${lastSeq}`,
    onState,
    onMessage(data, send) {
      if (data.type !== "events" || !Array.isArray(data.events)) return;
      const fresh: RunEvent[] = [];
      for (const e of data.events as RunEvent[]) {
        if (e.seq <= lastSeq) continue;
        if (e.seq !== lastSeq + 1) {
          send({ type: "resume", after_seq: lastSeq });
          break;
        }
        fresh.push(e);
        lastSeq = e.seq;
      }
      if (fresh.length) onEvents(fresh);
    },
  });
}

/** Every run change, as the run's summary. `onOpen(true)` after a reconnect: reload, changes were missed. */
export function followRunList(
  onRun: (run: RunSummary) => void,
  onReconnect: () => void,
  onState?: Handlers["onState"],
): Connection {
  return reconnecting({
    path: () => "/ws/runs/",
    onState,
    onOpen(reconnected) {
      if (reconnected) onReconnect();
    },
    onMessage(data) {
      if (data.type === "run" && data.run && typeof data.run === "object") onRun(data.run as RunSummary);
    },
  });
}
