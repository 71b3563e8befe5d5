/**
 * Websockets that come back: reconnect with capped, jittered backoff; ping to
 * notice a dead connection; a run's stream resumes after the last seq it
 * delivered, so a server restart loses nothing and repeats nothing.
 *
 * The server keeps every message small (docs/console.md "The push path"): an
 * event whose payload is too big arrives without it (`payload_omitted`), and
 * followRunEvents fetches it from the REST API before handing the event on. A
 * socket the server closes for falling behind (4008) reconnects and catches up
 * by seq like any other.
 */
import { get } from "./client";
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
/** Close codes the consumers use for "do not come back": a malformed request, not logged in, no role, no such run. */
const PERMANENT = new Set([4400, 4401, 4403, 4404]);
/** The server closed the socket because this client did not read fast enough: come back and catch up. */
export const TOO_SLOW = 4008;

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
      handlers.onState?.("reconnecting", { code: event.code, retryInMs: wait });
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

/** An event as the stream sends it: a payload over the server's limit is left out (only the
 * fields the graph reads stay) and `payload_omitted` says so, with the payload's size. */
export type StreamedEvent = RunEvent & { payload_omitted?: boolean; payload_bytes?: number };

/** The whole event `seq` of a run, from the REST API. */
async function fetchEvent(runId: string, seq: number): Promise<RunEvent | undefined> {
  const events = await get<RunEvent[]>(`/api/runs/${encodeURIComponent(runId)}/events/?after_seq=${seq - 1}&limit=1`);
  return events[0];
}

/**
 * The events with each omitted payload fetched. An event whose payload cannot be fetched is
 * handed on as streamed, still marked `payload_omitted`.
 */
export async function withPayloads(
  runId: string,
  events: StreamedEvent[],
  fetchOne: (runId: string, seq: number) => Promise<RunEvent | undefined> = fetchEvent,
): Promise<StreamedEvent[]> {
  const out: StreamedEvent[] = [];
  for (const e of events) {
    if (e.payload_omitted) {
      const full = await fetchOne(runId, e.seq).catch(() => undefined);
      if (full?.seq === e.seq) {
        const { payload_omitted: _omitted, payload_bytes: _bytes, ...streamed } = e;
        out.push({ ...streamed, payload: full.payload });
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

/**
 * A run's events, in seq order, each once: everything after `afterSeq` first,
 * then live. Every reconnect asks for what came after the last seq received;
 * a gap (never expected from the server) is answered with a resume. A batch
 * with omitted payloads is handed on once they are fetched, and the batches
 * after it wait their turn.
 */
export function followRunEvents(
  runId: string,
  afterSeq: number,
  onEvents: (events: RunEvent[]) => void,
  onState?: Handlers["onState"],
): Connection {
  let lastSeq = afterSeq;
  let stopped = false;
  let fetching = 0;
  let queue: Promise<void> = Promise.resolve();
  const deliver = (events: RunEvent[]) => {
    if (!stopped && events.length) onEvents(events);
  };
  const connection = reconnecting({
    path: () => `/ws/runs/${encodeURIComponent(runId)}/?after_seq=${lastSeq}`,
    onState,
    onMessage(data, send) {
      if (data.type !== "events" || !Array.isArray(data.events)) return;
      const fresh: StreamedEvent[] = [];
      for (const e of data.events as StreamedEvent[]) {
        if (e.seq <= lastSeq) continue;
        if (e.seq !== lastSeq + 1) {
          send({ type: "resume", after_seq: lastSeq });
          break;
        }
        fresh.push(e);
        lastSeq = e.seq;
      }
      if (!fresh.length) return;
      if (!fetching && !fresh.some((e) => e.payload_omitted)) {
        deliver(fresh);
        return;
      }
      fetching += 1;
      queue = queue
        .then(async () => deliver(await withPayloads(runId, fresh)))
        .catch((error: unknown) => console.error("run events", error))
        .finally(() => {
          fetching -= 1;
        });
    },
  });
  return {
    send: connection.send,
    close() {
      stopped = true;
      connection.close();
    },
  };
}

/** Every run change, as the run's summary. `onReconnect` after a reconnect, or when the server says
 * it lost track (`resync`, after a Redis flush): reload, changes were missed. */
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
      else if (data.type === "resync") onReconnect();
    },
  });
}
